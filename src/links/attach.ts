/**
 * Attaches a loaded program by what its section says: tracepoint, raw_tp, tp_btf, uprobe/uretprobe,
 * perf_event (CPU-clock sampling on every online CPU), xdp and tc on a network interface (net.ts),
 * and kprobe/fentry/lsm where the kernel allows them. A hook the kernel lacks gives a
 * NotSupportedError naming it.
 */
import { libbpf, type BpfLinkPtr, type BpfProgramPtr } from '../sys/libbpf.js';
import { errno, libc } from '../sys/libc.js';
import { onlineCpus } from '../sys/cpus.js';
import {
  BadValueError,
  AttachError,
  BpfkitError,
  NotSupportedError,
  PermissionError,
  SyscallError,
  errnoName,
} from '../errors/index.js';
import { withLog } from '../sys/libbpf-log.js';
import type { ProgramSpec } from '../spec/object.js';
import { Link } from './link.js';
import { parseUprobeTarget, resolveUprobe } from './uprobe-target.js';
import { attachTc, attachXdp, type TcMode } from './net.js';
import type { NetHookDefaults } from '../package/net-hooks.js';
import { haveKprobes, kprobesMissing, rawTracepointMissing, tracepointMissing } from './hook-support.js';

export { Link };

/** Options for attaching. */
export interface AttachOptions {
  /** uprobe: "binary:symbol" when the section does not name one. */
  uprobe?: string;
  /** uprobe: only this process (default: all). */
  pid?: number;
  /** perf_event: samples per second per CPU (default 99). */
  frequency?: number;
  /** xdp and tc: the network interface, by name, in this process's network namespace. */
  ifname?: string;
  /** xdp and tc: what the package says about each program (netHookDefaults), by program name. */
  netDefaults?: Record<string, NetHookDefaults>;
  /** tc: tcx links, a clsact qdisc, or tcx where the kernel has it (default 'auto'). */
  tcMode?: TcMode;
}

const PERF_TYPE_SOFTWARE = 1;
const PERF_COUNT_SW_CPU_CLOCK = 0;
const PERF_ATTR_SIZE = 128;
const PERF_FLAG_FD_CLOEXEC = 8;

/** Attaches one loaded program; returns its links (several for per-CPU perf events). */
export function attachProgram(prog: BpfProgramPtr, spec: ProgramSpec, opts: AttachOptions): Link[] {
  const hook = `${spec.attach}:${spec.target.replace('/', ':')}`;
  switch (spec.attach) {
    case 'tracepoint': {
      const [cat, name] = spec.target.split('/');
      return [
        viaLibbpf(prog, `tracepoint:${cat}:${name}`, (err, log) =>
          err === 2 || /perf event ID|No such file/.test(log)
            ? tracepointMissing(cat, name, spec.name)
            : undefined,
        ),
      ];
    }
    case 'raw_tracepoint':
      return [
        viaLibbpf(prog, `raw_tracepoint:${spec.target}`, (err) =>
          err === 2 ? rawTracepointMissing(spec.target, spec.name) : undefined,
        ),
      ];
    case 'tp_btf':
    case 'fentry':
    case 'fexit':
    case 'fmod_ret':
    case 'lsm':
    case 'iter':
      return [viaLibbpf(prog, hook, () => undefined)];
    case 'kprobe':
    case 'kretprobe':
    case 'ksyscall':
    case 'kretsyscall':
      if (!haveKprobes()) throw kprobesMissing(spec);
      return [viaLibbpf(prog, hook, () => undefined)];
    case 'uprobe':
    case 'uretprobe':
      return [attachUprobe(prog, spec, opts)];
    case 'perf_event':
      return attachPerfEvent(prog, spec, opts.frequency ?? 99);
    case 'xdp':
    case 'tc': {
      const net = { ifname: opts.ifname, defaults: opts.netDefaults?.[spec.name], tcMode: opts.tcMode };
      return [spec.attach === 'xdp' ? attachXdp(prog, spec, net) : attachTc(prog, spec, net)];
    }
    default:
      throw new NotSupportedError(
        `program '${spec.name}': don't know how to attach section '${spec.section}'`,
        `section ${spec.section}`,
      );
  }
}

function link(ptr: BpfLinkPtr, description: string): Link {
  return new Link(description, () => libbpf().linkDestroy(ptr));
}

function viaLibbpf(
  prog: BpfProgramPtr,
  description: string,
  explain: (err: number, log: string) => BpfkitError | undefined,
): Link {
  const lib = libbpf();
  let err = 0;
  const { result, log } = withLog(() => {
    const l = lib.attach(prog);
    if (!l) err = errno();
    return l;
  });
  if (result) return link(result, description);
  const known = explain(err, log);
  if (known) throw known;
  if (err === 1 || err === 13)
    throw new PermissionError(`attaching ${description} failed: ${errnoName(err)}`);
  throw new AttachError(description, err, undefined, lastLogLine(log));
}

function attachUprobe(prog: BpfProgramPtr, spec: ProgramSpec, opts: AttachOptions): Link {
  const target = opts.uprobe ?? spec.target;
  if (!target) {
    throw new BadValueError(
      `program '${spec.name}' (${spec.section}) names no binary:symbol; pass one (--uprobe binary:symbol)`,
      { target: '--uprobe', value: undefined },
    );
  }
  const { binary, symbol, extra } = parseUprobeTarget(target);
  const loc = resolveUprobe(binary, symbol, extra);
  const lib = libbpf();
  const retprobe = spec.attach === 'uretprobe';
  let err = 0;
  const { result, log } = withLog(() => {
    const l = lib.attachUprobe(prog, opts.pid ?? -1, loc.binary, loc.offset, {
      sz: 0,
      ref_ctr_offset: 0,
      bpf_cookie: 0n,
      retprobe,
      func_name: null,
    });
    if (!l) err = errno();
    return l;
  });
  const description = `${spec.attach}:${loc.binary}:${symbol}`;
  if (!result) {
    throw new AttachError(description, err, undefined, lastLogLine(log));
  }
  return link(result, description);
}

function attachPerfEvent(prog: BpfProgramPtr, spec: ProgramSpec, frequency: number): Link[] {
  const attr = Buffer.alloc(PERF_ATTR_SIZE);
  attr.writeUInt32LE(PERF_TYPE_SOFTWARE, 0);
  attr.writeUInt32LE(PERF_ATTR_SIZE, 4);
  attr.writeBigUInt64LE(BigInt(PERF_COUNT_SW_CPU_CLOCK), 8);
  attr.writeBigUInt64LE(BigInt(frequency), 16); // sample_freq
  attr.writeBigUInt64LE(1n << 10n, 40); // flags: freq
  const links: Link[] = [];
  const lib = libbpf();
  try {
    for (const cpu of onlineCpus()) {
      const fd = libc().perfEventOpen(attr, -1, cpu, -1, PERF_FLAG_FD_CLOEXEC);
      if (fd < 0) {
        const e = errno();
        if (e === 2 || e === 19) continue; // CPU went offline meanwhile
        throw new SyscallError(`perf_event_open (cpu-clock, CPU ${cpu})`, e);
      }
      // On success the link owns the perf fd and closes it on destroy.
      const l = lib.attachPerfEvent(prog, fd);
      if (!l) {
        const e = errno();
        libc().close(fd);
        throw new SyscallError(`attaching '${spec.name}' to the CPU ${cpu} perf event`, e);
      }
      links.push(link(l, `perf_event:cpu-clock:${frequency}Hz:cpu${cpu}`));
    }
  } catch (e) {
    for (const l of links) l.destroy();
    throw e;
  }
  return links;
}

/** libbpf's last log line without its prefix: the most specific reason it gives for a failure. */
function lastLogLine(log: string): string | undefined {
  return log
    .split('\n')
    .filter((l) => l.trim())
    .at(-1)
    ?.replace(/^libbpf: /, '');
}
