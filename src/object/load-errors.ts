/**
 * Turns a failed bpf_object__load into the one error a user needs: a VerifierError with the log, a
 * NotSupportedError naming the missing hook, a PermissionError, or a LoadError carrying libbpf's own
 * reason (its most specific warning, never the "failed to load object" wrapper).
 */
import {
  BpfkitError,
  LoadError,
  NotSupportedError,
  PermissionError,
  VerifierError,
  errnoName,
} from '../errors/index.js';
import { btfTargetMissing } from '../links/hook-support.js';
import { extractVerifierLog } from '../sys/libbpf-log.js';
import type { ObjectSpec } from '../spec/object.js';

const EPERM = 1;
const ESRCH = 3;
const TRAMPOLINES = new Set(['fentry', 'fexit', 'fmod_ret', 'lsm']);

/** libbpf warnings that only wrap the real reason, or announce a retry. */
const WRAPPERS = [
  /^failed to load object\b/,
  /^failed to load BPF skeleton\b/,
  /^prog '[^']+': failed to load: -?\d+$/,
  /Retrying without BTF\.?$/,
];

/**
 * Builds the error for a load that failed with `errno`, given libbpf's captured log and its
 * warning-level messages.
 */
export function loadError(
  obj: { spec: ObjectSpec },
  errno: number,
  log: string,
  warnings: readonly string[] = [],
): BpfkitError {
  const failed = /prog '([^']+)': (?:BPF program load failed|failed to load)/.exec(log)?.[1];
  const prog = failed ? obj.spec.program(failed) : undefined;
  if (prog && TRAMPOLINES.has(prog.attach) && (errno === EPERM || errno === 524 || errno === 95)) {
    return new NotSupportedError(
      `program '${prog.name}' needs ${prog.attach === 'lsm' ? 'an' : 'a'} ${prog.attach} hook (${prog.section}), which this kernel refuses (${errnoName(errno)}): BPF trampolines are unavailable here (refused by lockdown or the kernel's configuration); use a tracepoint or raw_tp hook instead`,
      `BPF trampolines (${prog.attach})`,
      { program: prog.name },
    );
  }
  const btfMiss = /prog '([^']+)': failed to find kernel BTF type ID of '([^']+)'/.exec(log);
  if (btfMiss || (errno === ESRCH && prog?.attach === 'tp_btf')) {
    const name = btfMiss?.[1] ?? prog?.name ?? '?';
    const target = btfMiss?.[2] ?? prog?.target ?? '?';
    const kind = obj.spec.program(name)?.attach ?? 'tp_btf';
    return btfTargetMissing(name, kind, target);
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
  const reason = libbpfReason(warnings) ?? errnoName(errno);
  return new LoadError(reason, errno, {
    program: failed ?? /^prog '([^']+)'/.exec(reason)?.[1],
    map: /^map '([^']+)'/.exec(reason)?.[1],
  });
}

/** libbpf's last warning that says why, on one line, without its "libbpf: " prefix. */
export function libbpfReason(warnings: readonly string[]): string | undefined {
  const lines = warnings
    .flatMap((w) => w.split('\n'))
    .map((l) => l.replace(/^libbpf: /, '').trim())
    .filter((l) => l && !WRAPPERS.some((re) => re.test(l)));
  return lines.at(-1);
}
