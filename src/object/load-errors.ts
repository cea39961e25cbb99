/**
 * Turns a failed bpf_object__load into the one error a user needs: a VerifierError with the log, a
 * NotSupportedError naming the missing hook, a PermissionError, or a plain failure with libbpf's reason.
 */
import {
  BpfkitError,
  NotSupportedError,
  PermissionError,
  VerifierError,
  errnoName,
} from '../errors/index.js';
import { extractVerifierLog, lastLine } from './log.js';
import type { ObjectSpec } from '../spec/object.js';

const EPERM = 1;
const ESRCH = 3;

/** Builds the error for a load that failed with `errno`, given libbpf's captured log. */
export function loadError(obj: { spec: ObjectSpec }, errno: number, log: string): BpfkitError {
  const failed = /prog '([^']+)': (?:BPF program load failed|failed to load)/.exec(log)?.[1];
  const prog = failed ? obj.spec.program(failed) : undefined;
  if (
    prog &&
    (prog.attach === 'fentry' ||
      prog.attach === 'fexit' ||
      prog.attach === 'fmod_ret' ||
      prog.attach === 'lsm')
  ) {
    if (errno === EPERM || errno === 524 || errno === 95) {
      return new NotSupportedError(
        `program '${prog.name}' needs ${prog.attach === 'lsm' ? 'an' : 'a'} ${prog.attach} hook (${prog.section}), which this kernel refuses (${errnoName(errno)}): BPF trampolines are unavailable here (refused by lockdown or the kernel's configuration); use a tracepoint or raw_tp hook instead`,
        `BPF trampolines (${prog.attach})`,
      );
    }
  }
  const btfMiss = /prog '([^']+)': failed to find kernel BTF type ID of '([^']+)'/.exec(log);
  if (btfMiss || (errno === ESRCH && prog?.attach === 'tp_btf')) {
    const name = btfMiss?.[1] ?? prog?.name ?? '?';
    const target = btfMiss?.[2] ?? prog?.target ?? '?';
    const kind = obj.spec.program(name)?.attach ?? 'tp_btf';
    return new NotSupportedError(
      `program '${name}' attaches to ${kind}:${target}, which this kernel does not have (no such function or raw tracepoint in its BTF)`,
      `${kind}:${target}`,
    );
  }
  if (failed) {
    const vlog = extractVerifierLog(log, failed);
    if (vlog && vlog.trim()) return new VerifierError(failed, vlog, errno);
    if (errno === EPERM) {
      return new PermissionError(`the kernel refused to load program '${failed}' (${errnoName(errno)})`);
    }
  }
  if (errno === EPERM)
    return new PermissionError(`loading the object failed: ${errnoName(errno)} (are you root?)`);
  if (/failed to find valid kernel BTF|Error loading vmlinux BTF|failed to parse target BTF/i.test(log)) {
    return new NotSupportedError(
      'CO-RE needs the kernel BTF (/sys/kernel/btf/vmlinux, CONFIG_DEBUG_INFO_BTF); pass --btf <file> or set BPFKIT_BTF',
      'CONFIG_DEBUG_INFO_BTF',
    );
  }
  const why = lastLine(log, 'failed') ?? lastLine(log, 'libbpf') ?? errnoName(errno);
  return new BpfkitError(`loading the object failed: ${why.trim()}`);
}
