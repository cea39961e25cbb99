/**
 * Where a package says its xdp and tc programs attach, from their doc-comment tags: eunomia-bpf's
 * `@ifindex`, `@flags`, `@tchook {"ifindex", "attach_point"}` and `@tcopts {"handle", "priority"}`
 * (ecc copies them into package.json), and bpfkit's `@ifname <name>`. `bpfkit run --ifname` overrides
 * the interface. Kernel-independent.
 */
import { FormatError } from '../errors/index.js';
import { sectionInfo } from '../spec/sections.js';
import type { JsonValue, PackageMeta, ProgramMeta } from './types.js';

/** What a package says about attaching one xdp or tc program; every field optional. */
export interface NetHookDefaults {
  /** Interface name (`@ifname`). */
  ifname?: string;
  /** Interface index (`@ifindex`, `@tchook.ifindex`); `ifname` wins when both are given. */
  ifindex?: number;
  /** tc: the direction (`@tchook.attach_point` BPF_TC_INGRESS / BPF_TC_EGRESS). */
  direction?: 'ingress' | 'egress';
  /** xdp: XDP_FLAGS_* bits (`@flags`): 2 generic (skb) mode, 4 driver mode, 8 offload. */
  xdpFlags?: number;
  /** tc on a clsact qdisc: the filter's handle and priority (`@tcopts`); 0 lets the kernel choose. */
  handle?: number;
  priority?: number;
}

/**
 * The defaults of every xdp and tc program of `meta`, by program name. Throws FormatError naming the
 * program and tag when a tag has the wrong shape.
 */
export function netHookDefaults(meta: PackageMeta | undefined): Record<string, NetHookDefaults> {
  const out: Record<string, NetHookDefaults> = {};
  for (const p of meta?.programs ?? []) {
    // From the section rather than `attach`: packages made before bpfkit knew these say 'other'.
    const kind = sectionInfo(p.section).attach;
    if (kind !== 'xdp' && kind !== 'tc') continue;
    const d = programDefaults(p, kind);
    if (Object.keys(d).length) out[p.name] = d;
  }
  return out;
}

function programDefaults(p: ProgramMeta, kind: 'xdp' | 'tc'): NetHookDefaults {
  const tags = p.tags ?? {};
  const d: NetHookDefaults = {};
  const bad = (tag: string, want: string): FormatError =>
    new FormatError(`program '${p.name}': @${tag} must be ${want}, got ${JSON.stringify(tags[tag])}`);
  if (tags.ifname !== undefined) {
    if (typeof tags.ifname !== 'string' || !tags.ifname) throw bad('ifname', 'an interface name');
    d.ifname = tags.ifname;
  }
  if (tags.ifindex !== undefined) d.ifindex = index(tags.ifindex, () => bad('ifindex', 'an interface index'));
  if (kind === 'xdp' && tags.flags !== undefined) {
    if (!isUint(tags.flags)) throw bad('flags', 'a number (XDP_FLAGS_*)');
    d.xdpFlags = tags.flags;
  }
  if (kind !== 'tc') return d;
  const hook = tags.tchook;
  if (hook !== undefined) {
    const want = '{"ifindex": N, "attach_point": "BPF_TC_INGRESS" | "BPF_TC_EGRESS"}';
    if (!isObject(hook)) throw bad('tchook', want);
    if (hook.ifindex !== undefined) d.ifindex = index(hook.ifindex, () => bad('tchook', want));
    if (hook.attach_point === 'BPF_TC_INGRESS') d.direction = 'ingress';
    else if (hook.attach_point === 'BPF_TC_EGRESS') d.direction = 'egress';
    else if (hook.attach_point !== undefined) throw bad('tchook', want);
  }
  const opts = tags.tcopts;
  if (opts !== undefined) {
    const want = '{"handle": N, "priority": N}';
    if (!isObject(opts)) throw bad('tcopts', want);
    if (opts.handle !== undefined && !isUint(opts.handle)) throw bad('tcopts', want);
    if (opts.priority !== undefined && !(isUint(opts.priority) && opts.priority <= 0xffff))
      throw bad('tcopts', want);
    if (opts.handle !== undefined) d.handle = opts.handle as number;
    if (opts.priority !== undefined) d.priority = opts.priority as number;
  }
  return d;
}

function index(v: JsonValue, bad: () => FormatError): number {
  if (!isUint(v) || v === 0) throw bad();
  return v;
}

function isUint(v: JsonValue | undefined): v is number {
  return typeof v === 'number' && Number.isInteger(v) && v >= 0 && v <= 0xffffffff;
}

function isObject(v: JsonValue): v is { [key: string]: JsonValue } {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
