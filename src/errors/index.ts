/**
 * Typed errors. Every error bpfkit raises on purpose derives from BpfkitError, so the CLI can print
 * its one-line message and exit with its code instead of a stack trace.
 */

/** Base class of every error bpfkit raises on purpose; `exitCode` is what the CLI exits with. */
export class BpfkitError extends Error {
  /** Exit status the CLI uses for this error: 1 for failures, 2 for bad usage. */
  readonly exitCode: number = 1;
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** Bad command-line usage or an invalid value given by the user (exit 2). */
export class UsageError extends BpfkitError {
  override readonly exitCode = 2;
}

/**
 * Bad usage of a built-in tool (`bpfkit opensnoop -p x`). Tools keep libbpf-tools' conventions: exit
 * status 64 (EX_USAGE), and either a message followed by the usage line (`Invalid PID: x`) or a
 * getopt-style one prefixed with the program name (`invalid option -- 'z'`).
 */
export class ToolUsageError extends BpfkitError {
  override readonly exitCode = 64;
  /** 'usage': print "Usage: <prog> [OPTION...]" after the message; 'prefix': print "<prog>: " before it. */
  readonly style: 'usage' | 'prefix';
  constructor(message: string, style: 'usage' | 'prefix' = 'usage') {
    super(message);
    this.style = style;
  }
}

/** A file that is not a valid ELF / BPF object / BTF blob / package. */
export class FormatError extends BpfkitError {}

/** The kernel lacks a hook or feature the program needs. */
export class NotSupportedError extends BpfkitError {
  /** The missing kernel feature, e.g. "CONFIG_KPROBES" or "tracepoint syscalls:sys_enter_foo". */
  readonly feature: string;
  constructor(message: string, feature: string, options?: { cause?: unknown }) {
    super(message, options);
    this.feature = feature;
  }
}

/** Missing privileges (root, CAP_BPF, CAP_PERFMON) or a locked-down kernel refusing an operation. */
export class PermissionError extends BpfkitError {}

/** A system library or file bpfkit needs is missing (libbpf.so.1, vmlinux BTF, clang). */
export class MissingDependencyError extends BpfkitError {}

/** The verifier rejected a program; `log` holds the full verifier log. */
export class VerifierError extends BpfkitError {
  /** Name of the program the verifier rejected. */
  readonly program: string;
  /** Full verifier log as the kernel returned it. */
  readonly log: string;
  constructor(program: string, log: string, errno: number) {
    const tail = VerifierError.summarize(log);
    super(
      `verifier rejected program '${program}' (${errnoName(errno)})` +
        (tail ? `: ${tail}` : '') +
        ' (--verbose prints the full log)',
    );
    this.program = program;
    this.log = log;
  }

  /** The lines of a verifier log that say why it failed: the last non-statistics lines. */
  static summarize(log: string): string {
    const lines = log
      .split('\n')
      .map((l) => l.trim())
      .filter(
        (l) => l && !/^(processed \d+ insns|verification time|stack depth|-- END PROG LOAD LOG --)/.test(l),
      );
    return lines.slice(-2).join(' | ');
  }
}

/** A system call failed; carries errno. */
export class SyscallError extends BpfkitError {
  readonly errno: number;
  constructor(what: string, errno: number) {
    super(`${what}: ${errnoName(errno)}`);
    this.errno = errno;
  }
}

const ERRNO: Record<number, string> = {
  1: 'EPERM (operation not permitted)',
  2: 'ENOENT (no such file or directory)',
  3: 'ESRCH (no such process)',
  4: 'EINTR (interrupted)',
  7: 'E2BIG (argument list too long)',
  9: 'EBADF (bad file descriptor)',
  11: 'EAGAIN (try again)',
  12: 'ENOMEM (out of memory)',
  13: 'EACCES (permission denied)',
  14: 'EFAULT (bad address)',
  16: 'EBUSY (device or resource busy)',
  17: 'EEXIST (file exists)',
  19: 'ENODEV (no such device)',
  22: 'EINVAL (invalid argument)',
  24: 'EMFILE (too many open files)',
  28: 'ENOSPC (no space left)',
  34: 'ERANGE (out of range)',
  38: 'ENOSYS (function not implemented)',
  95: 'EOPNOTSUPP (operation not supported)',
  524: 'ENOTSUPP (operation not supported)',
};

/** Human-readable name of a (positive) errno value. */
export function errnoName(errno: number): string {
  const e = Math.abs(errno);
  return ERRNO[e] ?? `errno ${e}`;
}
