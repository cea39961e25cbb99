/**
 * Hooks enumerated from kernel BTF: raw tracepoints (`btf_trace_<event>` typedefs) and fentry/fexit
 * targets (BTF functions). Needs /sys/kernel/btf/vmlinux (and /sys/kernel/btf/<module> for modules).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { Btf, VMLINUX_BTF_PATH } from '../btf/btf.js';
import { BTF_KIND, scanBtfNames } from './btf-scan.js';
import { traceableFunctions } from './kprobes.js';
import { globMatch } from './pattern.js';
import type { Probe, ProbeArg, ProbeType } from './types.js';

/** A named BTF type of one blob; `btf`/`id` are set only when the full type model was loaded. */
interface Entry {
  module: string;
  name: string;
  btf?: Btf;
  id: number;
}

const RAW_TP_PREFIX = 'btf_trace_';
const moduleCache = new Map<string, Btf>();

/**
 * `rest` filters on `module:name` when it has a colon, else on the name alone; returns the module part
 * of the glob (or undefined) so whole BTF blobs can be skipped.
 */
function moduleGlob(rest: string | undefined): string | undefined {
  if (rest === undefined || !rest.includes(':')) return undefined;
  return rest.slice(0, rest.indexOf(':'));
}

function matches(rest: string | undefined, module: string, name: string): boolean {
  if (rest === undefined) return true;
  return globMatch(rest, rest.includes(':') ? `${module}:${name}` : name);
}

/** Loaded modules with BTF, sorted (none when BPFKIT_BTF stands in for the kernel). */
function btfModules(): string[] {
  if (process.env.BPFKIT_BTF) return [];
  try {
    return readdirSync('/sys/kernel/btf')
      .filter((m) => m !== 'vmlinux')
      .sort();
  } catch {
    return [];
  }
}

/**
 * Types of `kind` named `prefix…` in vmlinux BTF and in loaded modules matching the module glob of
 * `rest`. Without `full`, vmlinux is only scanned for names (fast); with it, the type model is loaded
 * so prototypes can be read.
 */
function btfEntries(kind: number, prefix: string, rest: string | undefined, full: boolean): Entry[] {
  const modGlob = moduleGlob(rest);
  const out: Entry[] = [];
  if (modGlob === undefined || globMatch(modGlob, 'vmlinux')) {
    if (full) {
      const btf = Btf.kernel();
      pushEntries(out, 'vmlinux', btf, 1, kind, prefix);
    } else {
      const path = process.env.BPFKIT_BTF ?? VMLINUX_BTF_PATH;
      let raw: Buffer;
      try {
        raw = readFileSync(path);
      } catch {
        raw = Buffer.from(Btf.kernel().raw); // let Btf.kernel() raise its explanatory error
      }
      for (const name of scanBtfNames(raw, kind, prefix)) out.push({ module: 'vmlinux', name, id: -1 });
    }
  }
  const mods = btfModules().filter((m) => modGlob === undefined || globMatch(modGlob, m));
  if (mods.length === 0) return out;
  const base = Btf.kernel();
  for (const m of mods) {
    let btf = moduleCache.get(m);
    if (!btf) {
      try {
        btf = new Btf(readFileSync(`/sys/kernel/btf/${m}`), base);
      } catch {
        continue; // a module unloaded meanwhile, or BTF we cannot parse: skip rather than fail the list
      }
      moduleCache.set(m, btf);
    }
    pushEntries(out, m, btf, base.types.length, kind, prefix);
  }
  return out;
}

const KIND_NAME: Record<number, string> = { [BTF_KIND.TYPEDEF]: 'typedef', [BTF_KIND.FUNC]: 'func' };

function pushEntries(
  out: Entry[],
  module: string,
  btf: Btf,
  firstId: number,
  kind: number,
  prefix: string,
): void {
  const want = KIND_NAME[kind];
  for (let id = firstId; id < btf.types.length; id++) {
    const t = btf.types[id];
    if (t.kind === want && t.name.startsWith(prefix)) out.push({ module, name: t.name, btf, id });
  }
}

/** The parameters of func_proto `protoId` as probe arguments; unnamed ones get `names[i]` or `argN`. */
function protoArgs(btf: Btf, protoId: number, skip: number, names?: string[]): ProbeArg[] {
  const proto = btf.type(protoId);
  if (proto.kind !== 'func_proto') return [];
  const args: ProbeArg[] = [];
  proto.params.slice(skip).forEach((p, i) => {
    if (p.type === 0) return; // `...`
    args.push({ type: btf.typeName(p.type), name: p.name || names?.[i] || `arg${i}` });
  });
  return args;
}

/** The func_proto a `btf_trace_<event>` typedef points at (typedef → ptr → func_proto), or 0. */
function rawTpProto(btf: Btf, typedefId: number): number {
  const td = btf.type(typedefId);
  if (td.kind !== 'typedef') return 0;
  const ptr = btf.type(td.type);
  if (ptr.kind !== 'ptr') return 0;
  return btf.type(ptr.type).kind === 'func_proto' ? ptr.type : 0;
}

const classNames = new WeakMap<Btf, Map<string, string[] | null>>();

/**
 * Parameter names of every `__bpf_trace_<class>` function (the kernel's per-class raw tracepoint
 * stubs, whose parameters are named), keyed by their parameter type ids; null where classes with the
 * same types disagree on names.
 */
function namesBySignature(btf: Btf): Map<string, string[] | null> {
  let m = classNames.get(btf);
  if (m) return m;
  m = new Map();
  for (const t of btf.types) {
    if (t.kind !== 'func' || !t.name.startsWith('__bpf_trace_')) continue;
    const proto = btf.type(t.type);
    if (proto.kind !== 'func_proto' || proto.params.length === 0) continue;
    const params = proto.params.slice(1);
    const key = params.map((p) => p.type).join(',');
    const names = params.map((p) => p.name);
    const prev = m.get(key);
    if (prev === undefined) m.set(key, names);
    else if (prev !== null && prev.join(',') !== names.join(',')) m.set(key, null);
  }
  classNames.set(btf, m);
  return m;
}

/**
 * Argument names of raw tracepoint `event` with prototype `protoId`: from `__bpf_trace_<event>` when
 * the event is its own class, else from the class stub with the same parameter types when that is
 * unambiguous; undefined leaves them `argN`.
 */
function rawTpNames(btf: Btf, event: string, protoId: number): string[] | undefined {
  const proto = btf.type(protoId);
  if (proto.kind !== 'func_proto') return undefined;
  const params = proto.params.slice(1);
  for (const f of btf.byName(`__bpf_trace_${event}`, 'func')) {
    if (f.kind !== 'func') continue;
    const own = btf.type(f.type);
    if (own.kind === 'func_proto' && own.params.length === params.length + 1) {
      return own.params.slice(1).map((p) => p.name);
    }
  }
  return namesBySignature(btf).get(params.map((p) => p.type).join(',')) ?? undefined;
}

/**
 * Raw tracepoints (`rawtracepoint:<module>:<event>`) from BTF `btf_trace_<event>` typedefs matching
 * `rest`. With `verbose`, `args` holds the tracepoint arguments (the leading `void *__data` dropped).
 */
export function listRawTracepoints(rest: string | undefined, verbose: boolean): Probe[] {
  const probes: Probe[] = [];
  const seen = new Set<string>();
  for (const e of btfEntries(BTF_KIND.TYPEDEF, RAW_TP_PREFIX, rest, verbose)) {
    const name = e.name.slice(RAW_TP_PREFIX.length);
    const probe = `rawtracepoint:${e.module}:${name}`;
    if (seen.has(probe) || !matches(rest, e.module, name)) continue;
    seen.add(probe);
    const p: Probe = { type: 'rawtracepoint', probe, module: e.module, name, available: true };
    if (verbose && e.btf) {
      const protoId = rawTpProto(e.btf, e.id);
      p.args = protoId ? protoArgs(e.btf, protoId, 1, rawTpNames(e.btf, name, protoId)) : [];
    }
    probes.push(p);
  }
  return probes;
}

/**
 * fentry/fexit targets (`fentry:<module>:<func>`) from BTF functions matching `rest`. When the kernel
 * shows its traceable-function list they are intersected with it (as bpftrace does); when it hides it
 * (lockdown), every BTF function is listed with `available: false` and the reason in `note`.
 * With `verbose`, `args` holds the parameters, plus `retval` for fexit.
 */
export function listBtfFunctions(type: ProbeType, rest: string | undefined, verbose: boolean): Probe[] {
  const tf = traceableFunctions();
  let traceable: Set<string> | undefined;
  let note: string | undefined;
  if (tf.ok) traceable = new Set(tf.funcs.map((f) => `${f.module}:${f.name}`));
  else note = tf.reason;
  const probes: Probe[] = [];
  const seen = new Set<string>();
  for (const e of btfEntries(BTF_KIND.FUNC, '', rest, verbose)) {
    const probe = `${type}:${e.module}:${e.name}`;
    if (seen.has(probe) || !matches(rest, e.module, e.name)) continue;
    if (traceable && !traceable.has(`${e.module}:${e.name}`)) continue;
    seen.add(probe);
    const p: Probe = { type, probe, module: e.module, name: e.name, available: note === undefined };
    if (note) p.note = note;
    if (verbose && e.btf) {
      const f = e.btf.type(e.id);
      if (f.kind === 'func') {
        p.args = protoArgs(e.btf, f.type, 0);
        const proto = e.btf.type(f.type);
        if (type === 'fexit' && proto.kind === 'func_proto' && proto.returnType !== 0) {
          p.args.push({ type: e.btf.typeName(proto.returnType), name: 'retval' });
        }
      }
    }
    probes.push(p);
  }
  return probes;
}
