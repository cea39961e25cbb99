/**
 * Whether this kernel offers the hooks a tool's programs attach to, answered without loading the
 * tool: tracepoints from tracefs, raw tracepoints from the kernel's BTF (`btf_trace_<name>`), tp_btf
 * by loading a two-instruction tracing program once per tracepoint (what libbpf-tools' own probe
 * does), uprobes from the uprobe PMU, and perf events from perf_event_paranoid. Answers are cached
 * for the process. The tp_btf probe needs CAP_BPF (root); the other checks read files only.
 */
import { accessSync, constants, existsSync, readFileSync } from 'node:fs';
import { VMLINUX_BTF_PATH } from '../btf/btf.js';
import { sectionInfo } from '../spec/sections.js';
import { tracepointExists } from '../probes/tracepoints.js';
import { BTF_KIND, findBtfTypeId } from '../probes/btf-scan.js';
import { bpfRaw, closeFd } from '../sys/bpf.js';
import { addressOfBuffer } from '../sys/libc.js';
import { tracefsPath } from '../sys/mounts.js';
import { errnoName } from '../errors/index.js';

/** Whether a hook can be used, and if not, why (one phrase, e.g. "tracepoint syscalls:sys_enter_open does not exist"). */
export type HookSupport = { ok: true } | { ok: false; reason: string };

/** Set to make every tp_btf hook count as missing, so tools take their raw_tp fallback (tests). */
export const NO_TP_BTF_ENV = 'BPFKIT_NO_TP_BTF';

const cache = new Map<string, HookSupport>();
let vmlinux: Uint8Array | null | undefined;

/** Whether the hook of program section `section` (e.g. "tp_btf/sched_process_exit") exists here. */
export function hookSupport(section: string): HookSupport {
  let s = cache.get(section);
  if (!s) {
    s = check(section);
    cache.set(section, s);
  }
  return s;
}

function check(section: string): HookSupport {
  const { attach, target } = sectionInfo(section);
  switch (attach) {
    case 'tracepoint': {
      const [cat, name] = target.split('/');
      if (tracepointExists(cat, name)) return { ok: true };
      if (!readable(tracefsPath('events')))
        return { ok: false, reason: `${tracefsPath('events')} is not readable (needs root)` };
      return { ok: false, reason: `tracepoint ${cat}:${name} does not exist` };
    }
    case 'raw_tracepoint':
      return btfTraceId(target) !== undefined ? { ok: true } : { ok: false, reason: missingBtf(target) };
    case 'tp_btf':
      return probeTpBtf(target);
    case 'uprobe':
    case 'uretprobe':
      return existsSync('/sys/bus/event_source/devices/uprobe')
        ? { ok: true }
        : { ok: false, reason: 'the kernel has no uprobe PMU (CONFIG_UPROBE_EVENTS)' };
    case 'perf_event':
      return existsSync('/proc/sys/kernel/perf_event_paranoid')
        ? { ok: true }
        : { ok: false, reason: 'the kernel has no perf events (CONFIG_PERF_EVENTS)' };
    default:
      return { ok: false, reason: `${attach} hooks are not used by built-in tools` };
  }
}

function readable(dir: string): boolean {
  try {
    accessSync(dir, constants.R_OK | constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

function kernelBtf(): Uint8Array | null {
  if (vmlinux === undefined) {
    try {
      vmlinux = readFileSync(VMLINUX_BTF_PATH);
    } catch {
      vmlinux = null;
    }
  }
  return vmlinux;
}

/** The BTF id of `btf_trace_<name>`, the typedef every tracepoint of a BTF kernel has. */
function btfTraceId(name: string): number | undefined {
  const btf = kernelBtf();
  return btf ? findBtfTypeId(btf, BTF_KIND.TYPEDEF, `btf_trace_${name}`) : undefined;
}

function missingBtf(name: string): string {
  return kernelBtf()
    ? `tracepoint ${name} is not in the kernel's BTF`
    : `${VMLINUX_BTF_PATH} is missing (kernel without CONFIG_DEBUG_INFO_BTF)`;
}

const BPF_PROG_LOAD = 5;
const BPF_PROG_TYPE_TRACING = 26;
const BPF_TRACE_RAW_TP = 23;
/** r0 = 0; exit */
const RETURN_ZERO = Buffer.from([0xb7, 0, 0, 0, 0, 0, 0, 0, 0x95, 0, 0, 0, 0, 0, 0, 0]);
const LICENSE = Buffer.from('GPL\0');

/** Loads (never attaches) a trivial tp_btf program for tracepoint `name`. */
function probeTpBtf(name: string): HookSupport {
  if (process.env[NO_TP_BTF_ENV]) return { ok: false, reason: `tp_btf disabled by ${NO_TP_BTF_ENV}` };
  const id = btfTraceId(name);
  if (id === undefined) return { ok: false, reason: missingBtf(name) };
  const attr = Buffer.alloc(128);
  attr.writeUInt32LE(BPF_PROG_TYPE_TRACING, 0);
  attr.writeUInt32LE(RETURN_ZERO.length / 8, 4);
  attr.writeBigUInt64LE(addressOfBuffer(RETURN_ZERO), 8);
  attr.writeBigUInt64LE(addressOfBuffer(LICENSE), 16);
  attr.write('bpfkit_probe', 48, 'latin1');
  attr.writeUInt32LE(BPF_TRACE_RAW_TP, 68);
  attr.writeUInt32LE(id, 108);
  const fd = bpfRaw(BPF_PROG_LOAD, attr);
  if (fd < 0)
    return { ok: false, reason: `the kernel refused a tp_btf program for ${name}: ${errnoName(-fd)}` };
  closeFd(fd);
  return { ok: true };
}
