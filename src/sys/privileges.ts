/**
 * Checks that this process may load and attach BPF programs: root, or CAP_BPF with CAP_PERFMON
 * (or the older catch-all CAP_SYS_ADMIN).
 */
import { readFileSync } from 'node:fs';
import { PermissionError } from '../errors/index.js';

const CAP_SYS_ADMIN = 21n;
const CAP_PERFMON = 38n;
const CAP_BPF = 39n;

/** Effective capability mask of this process, from /proc/self/status. */
export function effectiveCaps(): bigint {
  try {
    const m = /^CapEff:\s*([0-9a-f]+)$/m.exec(readFileSync('/proc/self/status', 'utf8'));
    return m ? BigInt('0x' + m[1]) : 0n;
  } catch {
    return 0n;
  }
}

/** Throws PermissionError with one sentence unless the process can load tracing programs. */
export function requireBpfPrivileges(): void {
  const caps = effectiveCaps();
  const has = (c: bigint): boolean => ((caps >> c) & 1n) === 1n;
  if (has(CAP_SYS_ADMIN) || (has(CAP_BPF) && has(CAP_PERFMON))) return;
  throw new PermissionError('loading BPF programs needs root (or CAP_BPF and CAP_PERFMON): run with sudo');
}

/** The kernel lockdown mode ("none", "integrity", "confidentiality") or undefined when unknown. */
export function lockdownMode(): string | undefined {
  try {
    const m = /\[(\w+)\]/.exec(readFileSync('/sys/kernel/security/lockdown', 'utf8'));
    return m?.[1];
  } catch {
    return undefined;
  }
}
