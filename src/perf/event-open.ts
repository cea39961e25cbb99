/**
 * perf_event_open(2) for the output side of a BPF_MAP_TYPE_PERF_EVENT_ARRAY: one software
 * PERF_COUNT_SW_BPF_OUTPUT event per CPU whose mmap'd ring receives bpf_perf_event_output() samples.
 */
import { SyscallError } from '../errors/index.js';
import { errno, libc } from '../sys/libc.js';

/** perf_event_attr constants (include/uapi/linux/perf_event.h). */
export const PERF = {
  TYPE_SOFTWARE: 1,
  COUNT_SW_BPF_OUTPUT: 10,
  SAMPLE_RAW: 1 << 10,
  FLAG_FD_CLOEXEC: 8,
  /** _IO('$', 0) */
  IOC_ENABLE: 0x2400,
  /** _IO('$', 1) */
  IOC_DISABLE: 0x2401,
  RECORD_LOST: 2,
  RECORD_SAMPLE: 9,
} as const;

/** perf_event_attr size we pass (PERF_ATTR_SIZE_VER5; every field we set predates it). */
const ATTR_SIZE = 112;
/** Bit of the attr flags word: wakeup_watermark holds bytes, not events. */
const FLAG_WATERMARK = 1n << 14n;

/** When the kernel wakes the reader for a CPU ring. */
export interface WakeupPolicy {
  /** Wake after this many samples (default 1). */
  wakeupEvents?: number;
  /** Wake once this many bytes are in the ring instead (overrides wakeupEvents). */
  watermark?: number;
}

/**
 * Opens a PERF_COUNT_SW_BPF_OUTPUT event on `cpu` (any process, PERF_SAMPLE_RAW, enabled) and returns
 * its fd. Needs CAP_PERFMON/CAP_SYS_ADMIN (or a permissive perf_event_paranoid); ENODEV for an offline
 * CPU.
 */
export function openBpfOutputEvent(cpu: number, policy: WakeupPolicy = {}): number {
  const attr = Buffer.alloc(ATTR_SIZE);
  attr.writeUInt32LE(PERF.TYPE_SOFTWARE, 0);
  attr.writeUInt32LE(ATTR_SIZE, 4);
  attr.writeBigUInt64LE(BigInt(PERF.COUNT_SW_BPF_OUTPUT), 8);
  attr.writeBigUInt64LE(1n, 16); // sample_period: every output is a sample
  attr.writeBigUInt64LE(BigInt(PERF.SAMPLE_RAW), 24);
  if (policy.watermark !== undefined) {
    attr.writeBigUInt64LE(FLAG_WATERMARK, 40);
    attr.writeUInt32LE(Math.max(1, policy.watermark), 48);
  } else {
    attr.writeUInt32LE(Math.max(1, policy.wakeupEvents ?? 1), 48);
  }
  const fd = libc().perfEventOpen(attr, -1, cpu, -1, PERF.FLAG_FD_CLOEXEC);
  if (fd < 0) throw new SyscallError(`perf_event_open(BPF output, cpu ${cpu})`, errno());
  return fd;
}
