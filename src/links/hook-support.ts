/**
 * Whether this kernel has the hook a program attaches to, asked before loading so that a program
 * for a missing hook can be left out (or its alternative taken) instead of failing the run: classic
 * tracepoints from tracefs `events/`, raw tracepoints and tp_btf from the `btf_trace_<event>`
 * typedefs of the kernel BTF, kprobes from the kprobe PMU. The errors are the ones attaching would
 * give. Needs tracefs and /sys/kernel/btf/vmlinux for a definite answer; without them a hook counts
 * as present and the load or attach decides.
 */
import { existsSync, readFileSync } from 'node:fs';
import { NotSupportedError } from '../errors/index.js';
import { BTF_KIND, scanBtfNames } from '../btf/scan.js';
import { VMLINUX_BTF_PATH } from '../btf/btf.js';
import { tracefsPath } from '../sys/mounts.js';
import type { ProgramSpec } from '../spec/object.js';

const RAW_TP_PREFIX = 'btf_trace_';
let rawTracepoints: Set<string> | null | undefined;
let eventNames: Set<string> | null | undefined;

/** The error for a classic tracepoint this kernel lacks. */
export function tracepointMissing(category: string, name: string, program?: string): NotSupportedError {
  return new NotSupportedError(
    `tracepoint ${category}:${name} does not exist in this kernel`,
    `tracepoint:${category}:${name}`,
    { program },
  );
}

/** The error for a raw tracepoint this kernel lacks. */
export function rawTracepointMissing(name: string, program?: string): NotSupportedError {
  return new NotSupportedError(
    `raw tracepoint ${name} does not exist in this kernel`,
    `raw_tracepoint:${name}`,
    { program },
  );
}

/** The error for a tp_btf/fentry/fexit/lsm target missing from the kernel BTF. */
export function btfTargetMissing(program: string, kind: string, target: string): NotSupportedError {
  return new NotSupportedError(
    `program '${program}' attaches to ${kind}:${target}, which this kernel does not have (no such function or raw tracepoint in its BTF)`,
    `${kind}:${target}`,
    { program },
  );
}

/** Whether the kernel has kprobes (CONFIG_KPROBES): a kprobe PMU or tracefs kprobe_events. */
export function haveKprobes(): boolean {
  return existsSync('/sys/bus/event_source/devices/kprobe') || existsSync(tracefsPath('kprobe_events'));
}

/** The error for a kprobe-kind program on a kernel without kprobes. */
export function kprobesMissing(spec: ProgramSpec): NotSupportedError {
  return new NotSupportedError(
    `program '${spec.name}' needs a ${spec.attach} hook (${spec.target}), but this kernel has no kprobes (CONFIG_KPROBES is off)`,
    'CONFIG_KPROBES',
    { program: spec.name },
  );
}

/**
 * Why the kernel cannot run `spec`'s hook, or undefined when it can (or when this cannot be told
 * before loading, as for fentry, which only a load shows).
 */
export function hookMissing(spec: ProgramSpec): NotSupportedError | undefined {
  switch (spec.attach) {
    case 'tracepoint': {
      const [cat, name] = spec.target.split('/');
      if (!cat || !name || !existsSync(tracefsPath('events'))) return undefined;
      return existsSync(tracefsPath(`events/${cat}/${name}`))
        ? undefined
        : tracepointMissing(cat, name, spec.name);
    }
    case 'raw_tracepoint':
      return hasRawTracepoint(spec.target) ? undefined : rawTracepointMissing(spec.target, spec.name);
    case 'tp_btf':
      return hasRawTracepoint(spec.target) ? undefined : btfTargetMissing(spec.name, 'tp_btf', spec.target);
    case 'kprobe':
    case 'kretprobe':
    case 'ksyscall':
    case 'kretsyscall':
      return haveKprobes() ? undefined : kprobesMissing(spec);
    default:
      return undefined;
  }
}

/**
 * Whether the kernel has raw tracepoint `name`: an event of that name in tracefs (one small file,
 * modules' tracepoints included), else a `btf_trace_<name>` typedef in the kernel BTF (a few
 * megabytes, read only then) for tracepoints without a trace event. True when neither can be read.
 */
function hasRawTracepoint(name: string): boolean {
  const events = traceEvents();
  if (events?.has(name)) return true;
  const btf = btfRawTracepoints();
  if (btf) return btf.has(name);
  return events === null;
}

/** Event names (without category) from tracefs available_events, read once; null when unreadable. */
function traceEvents(): Set<string> | null {
  if (eventNames === undefined) {
    try {
      const text = readFileSync(tracefsPath('available_events'), 'utf8');
      eventNames = new Set(text.split('\n').map((l) => l.slice(l.indexOf(':') + 1)));
    } catch {
      eventNames = null;
    }
  }
  return eventNames;
}

/** Raw tracepoint names from the kernel BTF's btf_trace_* typedefs, read once; null without BTF. */
function btfRawTracepoints(): Set<string> | null {
  if (rawTracepoints === undefined) {
    try {
      const raw = new Uint8Array(readFileSync(VMLINUX_BTF_PATH));
      rawTracepoints = new Set(
        scanBtfNames(raw, BTF_KIND.TYPEDEF, RAW_TP_PREFIX).map((n) => n.slice(RAW_TP_PREFIX.length)),
      );
    } catch {
      rawTracepoints = null;
    }
  }
  return rawTracepoints;
}
