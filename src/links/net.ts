/**
 * Attaching xdp and tc programs to a network interface of this process's network namespace. xdp and
 * tcx (Linux 6.6) attach through BPF links, which the kernel detaches when their fd closes, even when
 * the process is killed. On kernels without tcx, tc programs become a filter on a clsact qdisc
 * through libbpf's netlink calls; destroy() removes the filter, and the qdisc when bpfkit created it.
 * Needs CAP_NET_ADMIN besides CAP_BPF.
 */
import { libbpf, TC_HOOK, TC_OPTS, type BpfProgramPtr } from '../sys/libbpf.js';
import { ATTACH_TYPE, ERRNO, closeFd, linkCreate } from '../sys/bpf.js';
import { ifIndexToName, ifNameToIndex } from '../sys/libc.js';
import {
  AttachError,
  BadValueError,
  NotFoundError,
  NotSupportedError,
  PermissionError,
  errnoName,
} from '../errors/index.js';
import type { ProgramSpec } from '../spec/object.js';
import type { NetHookDefaults } from '../package/net-hooks.js';
import { Link } from './link.js';

/** How tc programs attach: tcx links, a clsact qdisc, or tcx when the kernel has it (the default). */
export type TcMode = 'auto' | 'tcx' | 'clsact';

const TC_MODES: readonly string[] = ['auto', 'tcx', 'clsact'];

/** Where an xdp or tc program attaches. */
export interface NetAttachOptions {
  /** The interface, by name; else the package's (`defaults`). */
  ifname?: string;
  /** What the program's package says (net-hooks.ts). */
  defaults?: NetHookDefaults;
  /** Default: $BPFKIT_TC_MODE, else 'auto'. */
  tcMode?: TcMode;
}

/** XDP_FLAGS_SKB_MODE | DRV_MODE | HW_MODE: the only flags an XDP link takes. */
const XDP_FLAGS_MODES = 2 | 4 | 8;
const EEXIST = 17;
const EBUSY = 16;
const TC_INGRESS = 1;
const TC_EGRESS = 2;

/** Attaches an xdp program with an XDP link (Linux 5.9) in the mode the package's flags ask for. */
export function attachXdp(prog: BpfProgramPtr, spec: ProgramSpec, o: NetAttachOptions): Link {
  const dev = resolveInterface(spec, o);
  const description = `xdp:${dev.name}`;
  const flags = (o.defaults?.xdpFlags ?? 0) & XDP_FLAGS_MODES;
  const fd = linkCreate(libbpf().programFd(prog), dev.ifindex, ATTACH_TYPE.XDP, flags);
  if (fd < 0) {
    const err = -fd;
    if (err === EBUSY || err === EEXIST)
      throw new AttachError(description, err, `${dev.name} already has an XDP program`);
    if (err === ERRNO.EOPNOTSUPP)
      throw new NotSupportedError(
        `${dev.name} does not support XDP in the mode asked for (flags ${flags})`,
        'XDP mode',
      );
    if (err === ERRNO.EINVAL && !flags)
      throw new NotSupportedError(
        `attaching ${description} failed (EINVAL): XDP links need Linux 5.9`,
        'XDP links',
      );
    throw attachFailed(description, err);
  }
  return fdLink(fd, description);
}

/**
 * Attaches a tc program in the direction its section names (tcx/ingress, tc/egress, …), else the
 * package's, else ingress: as a tcx link, or on a clsact qdisc when the kernel has no tcx (EINVAL)
 * or `tcMode` says so.
 */
export function attachTc(prog: BpfProgramPtr, spec: ProgramSpec, o: NetAttachOptions): Link {
  const dir = spec.target || o.defaults?.direction || 'ingress';
  if (dir !== 'ingress' && dir !== 'egress')
    throw new NotSupportedError(
      `program '${spec.name}': don't know how to attach section '${spec.section}'`,
      `section ${spec.section}`,
    );
  const dev = resolveInterface(spec, o);
  const progFd = libbpf().programFd(prog);
  const mode = o.tcMode ?? tcModeFromEnv();
  if (mode !== 'clsact') {
    const type = dir === 'egress' ? ATTACH_TYPE.TCX_EGRESS : ATTACH_TYPE.TCX_INGRESS;
    const fd = linkCreate(progFd, dev.ifindex, type, 0);
    if (fd >= 0) return fdLink(fd, `tcx:${dev.name}:${dir}`);
    if (mode === 'tcx' || -fd !== ERRNO.EINVAL) {
      if (-fd === ERRNO.EINVAL)
        throw new NotSupportedError(
          `attaching tcx:${dev.name}:${dir} failed (EINVAL): tcx needs Linux 6.6`,
          'tcx',
        );
      throw attachFailed(`tcx:${dev.name}:${dir}`, -fd);
    }
  }
  return attachClsact(progFd, dev, dir, o.defaults);
}

/** $BPFKIT_TC_MODE (auto, tcx or clsact; default auto), e.g. to share a clsact qdisc with tc(8) users. */
function tcModeFromEnv(): TcMode {
  const v = process.env.BPFKIT_TC_MODE;
  if (v === undefined || v === '') return 'auto';
  if (!TC_MODES.includes(v))
    throw new BadValueError(`BPFKIT_TC_MODE must be auto, tcx or clsact, not '${v}'`, {
      target: 'BPFKIT_TC_MODE',
      value: v,
    });
  return v as TcMode;
}

/** Our filters on each clsact qdisc bpfkit created, by ifindex: the last one out removes the qdisc. */
const ownQdiscs = new Map<number, number>();

function attachClsact(
  progFd: number,
  dev: { ifindex: number; name: string },
  dir: 'ingress' | 'egress',
  defaults: NetHookDefaults | undefined,
): Link {
  const lib = libbpf();
  const description = `tc:${dev.name}:${dir}`;
  const hook = tcHook(dev.ifindex, dir === 'egress' ? TC_EGRESS : TC_INGRESS);
  const created = lib.tcHookCreate(hook);
  if (created < 0 && created !== -EEXIST) throw attachFailed(`${description} (clsact qdisc)`, -created);
  if (created === 0) ownQdiscs.set(dev.ifindex, 0);
  const opts = tcOpts(defaults?.handle ?? 0, defaults?.priority ?? 0, progFd);
  const r = lib.tcAttach(hook, opts);
  if (r < 0) {
    releaseQdisc(dev.ifindex);
    throw attachFailed(description, -r);
  }
  if (ownQdiscs.has(dev.ifindex)) ownQdiscs.set(dev.ifindex, ownQdiscs.get(dev.ifindex)! + 1);
  // libbpf writes back the handle and priority the kernel chose; the filter is removed by them.
  const filter = tcOpts(opts.readUInt32LE(TC_OPTS.handle), opts.readUInt32LE(TC_OPTS.priority), 0);
  return new Link(description, () => {
    lib.tcDetach(hook, filter); // fails only when someone else removed it already
    const left = ownQdiscs.get(dev.ifindex);
    if (left !== undefined) ownQdiscs.set(dev.ifindex, left - 1);
    releaseQdisc(dev.ifindex);
  });
}

/** Removes the clsact qdisc of `ifindex` when bpfkit created it and has no filter left on it. */
function releaseQdisc(ifindex: number): void {
  if (ownQdiscs.get(ifindex) !== 0) return;
  ownQdiscs.delete(ifindex);
  libbpf().tcHookDestroy(tcHook(ifindex, TC_INGRESS | TC_EGRESS));
}

function tcHook(ifindex: number, attachPoint: number): Buffer {
  const b = Buffer.alloc(TC_HOOK.size);
  b.writeBigUInt64LE(BigInt(TC_HOOK.size), 0);
  b.writeInt32LE(ifindex, TC_HOOK.ifindex);
  b.writeUInt32LE(attachPoint, TC_HOOK.attachPoint);
  return b;
}

function tcOpts(handle: number, priority: number, progFd: number): Buffer {
  const b = Buffer.alloc(TC_OPTS.size);
  b.writeBigUInt64LE(BigInt(TC_OPTS.size), 0);
  b.writeInt32LE(progFd, TC_OPTS.progFd);
  b.writeUInt32LE(handle, TC_OPTS.handle);
  b.writeUInt32LE(priority, TC_OPTS.priority);
  return b;
}

/** The interface: --ifname, else the package's name, else the package's index. */
function resolveInterface(spec: ProgramSpec, o: NetAttachOptions): { ifindex: number; name: string } {
  const name = o.ifname ?? o.defaults?.ifname;
  if (name !== undefined) {
    const ifindex = ifNameToIndex(name);
    if (!ifindex)
      throw new NotFoundError(
        `program '${spec.name}': no network interface '${name}' in this network namespace`,
        {
          what: 'interface',
          key: name,
        },
      );
    return { ifindex, name };
  }
  const ifindex = o.defaults?.ifindex;
  if (ifindex !== undefined) {
    const found = ifIndexToName(ifindex);
    if (!found)
      throw new NotFoundError(
        `program '${spec.name}': its package names interface index ${ifindex}, which this network namespace lacks; pass one (--ifname <name>)`,
        { what: 'interface', id: ifindex },
      );
    return { ifindex, name: found };
  }
  throw new BadValueError(
    `program '${spec.name}' (${spec.section}) attaches to a network interface: pass one (--ifname <name>)`,
    { target: '--ifname', value: undefined },
  );
}

function fdLink(fd: number, description: string): Link {
  return new Link(description, () => closeFd(fd));
}

function attachFailed(description: string, err: number): AttachError | PermissionError {
  if (err === 1 || err === 13)
    return new PermissionError(`attaching ${description} failed: ${errnoName(err)} (needs CAP_NET_ADMIN)`);
  return new AttachError(description, err);
}
