/**
 * Typed errors. Every error bpfkit raises on purpose derives from BpfkitError and carries what went
 * wrong as fields, so callers can act on it and the CLI can print its one-line message (and choose an
 * exit status, cli/report.ts) instead of a stack trace.
 */

/** Base class of every error bpfkit raises on purpose. */
export class BpfkitError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }
}

/**
 * Bad command-line usage: an unknown option, a missing operand, options that exclude each other.
 * Thrown by the CLI and the features it drives; library code throws BadValueError or NotFoundError.
 */
export class UsageError extends BpfkitError {}

/**
 * Bad usage of a built-in tool (`bpfkit opensnoop -p x`). Tools keep libbpf-tools' conventions: exit
 * status 64 (EX_USAGE), and either a message followed by the usage line (`Invalid PID: x`) or a
 * getopt-style one prefixed with the program name (`invalid option -- 'z'`).
 */
export class ToolUsageError extends BpfkitError {
  /** 'usage': print "Usage: <prog> [OPTION...]" after the message; 'prefix': print "<prog>: " before it. */
  readonly style: 'usage' | 'prefix';
  constructor(message: string, style: 'usage' | 'prefix' = 'usage') {
    super(message);
    this.style = style;
  }
}

/**
 * Options that each make sense but not together (`runqlat -p 1 -L 2`). Built-in tools exit 1 on it,
 * as libbpf-tools' do, where bad usage is 64.
 */
export class OptionConflictError extends BpfkitError {
  /** The options that conflict, as the tool's peer names them (e.g. "pids", "tids"). */
  readonly options: readonly string[];
  constructor(message: string, options: readonly string[]) {
    super(message);
    this.options = options;
  }
}

/** A file that is not a valid ELF / BPF object / BTF blob / package. */
export class FormatError extends BpfkitError {}

/**
 * A record (ring-buffer or perf sample) too short to decode as its type: it ends before the type's
 * fixed part, i.e. before its trailing array when it has one, else before its end.
 */
export class ShortRecordError extends FormatError {
  /** Bytes the record has. */
  readonly length: number;
  /** Fewest bytes the type can be decoded from (its size, or the offset of its trailing array). */
  readonly minLength: number;
  /** Size of the type. */
  readonly typeSize: number;
  constructor(length: number, minLength: number, typeSize: number) {
    super(
      minLength === typeSize
        ? `record of ${length} bytes is shorter than its type (${typeSize} bytes)`
        : `record of ${length} bytes ends inside the fixed part of its type (${minLength} of ${typeSize} bytes)`,
    );
    this.length = length;
    this.minLength = minLength;
    this.typeSize = typeSize;
  }
}

/** The kernel lacks a hook or feature the program needs. */
export class NotSupportedError extends BpfkitError {
  /** The missing kernel feature, e.g. "CONFIG_KPROBES" or "tracepoint syscalls:sys_enter_foo". */
  readonly feature: string;
  /** The program that needs it, when one does. */
  readonly program?: string;
  constructor(message: string, feature: string, options?: { cause?: unknown; program?: string }) {
    super(message, options);
    this.feature = feature;
    this.program = options?.program;
  }
}

/**
 * Loading an object failed for a reason libbpf gave in its own words (a map the kernel refused, a
 * relocation it could not do…); `program` or `map` names what failed when libbpf says.
 */
export class LoadError extends BpfkitError {
  /** libbpf's reason, e.g. "map 'start': failed to create: Invalid argument(-22)". */
  readonly reason: string;
  /** The errno libbpf's load returned (positive, e.g. 22 for EINVAL). */
  readonly errno: number;
  /** The program that failed to load, when libbpf names one. */
  readonly program?: string;
  /** The map the kernel refused to create, when libbpf names one. */
  readonly map?: string;
  constructor(reason: string, errno: number, where: { program?: string; map?: string } = {}) {
    super(`loading the object failed: ${reason}`);
    this.reason = reason;
    this.errno = errno;
    this.program = where.program;
    this.map = where.map;
  }
}

/** What a NotFoundError was looking for. */
export type NotFoundKind =
  | 'program'
  | 'map'
  | 'global'
  | 'struct'
  | 'file'
  | 'package'
  | 'BTF object'
  | 'process'
  | 'uprobe target'
  | 'function'
  | 'section'
  | 'interface'
  | 'tool'
  | 'disk';

/** A named or numbered thing does not exist: a program, map or global of an object, a kernel id, a file. */
export class NotFoundError extends BpfkitError {
  /** What kind of thing was looked for. */
  readonly what: NotFoundKind;
  /** Its name, when looked up by name (a path for files). */
  readonly key?: string;
  /** Its kernel id, when looked up by id. */
  readonly id?: number;
  /** The names that do exist, when there is a short list of them. */
  readonly available?: readonly string[];
  constructor(
    message: string,
    fields: { what: NotFoundKind; key?: string; id?: number; available?: readonly string[] },
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.what = fields.what;
    this.key = fields.key;
    this.id = fields.id;
    this.available = fields.available;
  }
}

/** An operation on a handle (object, map, reader, poller) after its close(). */
export class ClosedError extends BpfkitError {
  /** The handle, e.g. "object opensnoop", "poller". */
  readonly handle: string;
  /** The operation that was refused. */
  readonly operation: string;
  constructor(handle: string, operation: string) {
    super(`${operation}: the ${handle} is closed`);
    this.handle = handle;
    this.operation = operation;
  }
}

/**
 * An operation in the wrong phase of a handle's life: a map before its object is loaded, setGlobal
 * after, a reader polled before it has a consumer.
 */
export class StateError extends BpfkitError {
  /** The phase the handle was in: 'loaded' (too late), 'not loaded' or 'no consumer' (too early). */
  readonly state: 'loaded' | 'not loaded' | 'no consumer';
  constructor(message: string, state: 'loaded' | 'not loaded' | 'no consumer') {
    super(message);
    this.state = state;
  }
}

/** A value that does not fit where it goes: a global's BTF type, a map key or value, an option. */
export class BadValueError extends BpfkitError {
  /** Where the value was going: a global's or option's name, "key of map x". */
  readonly target: string;
  /** The value as given. */
  readonly value: unknown;
  /** The type it had to fit, as C spells it (e.g. "pid_t", "char[16]"), when known. */
  readonly type?: string;
  constructor(message: string, fields: { target: string; value: unknown; type?: string }) {
    super(message);
    this.target = fields.target;
    this.value = fields.value;
    this.type = fields.type;
  }
}

/** A file that exists but cannot be read or fetched (permission, I/O, HTTP status). */
export class ReadError extends BpfkitError {
  /** Path or URL. */
  readonly path: string;
  /** errno code ("EACCES") or HTTP status ("HTTP 404"), when known. */
  readonly code?: string;
  constructor(message: string, fields: { path: string; code?: string }, options?: { cause?: unknown }) {
    super(message, options);
    this.path = fields.path;
    this.code = fields.code;
  }
}

/** A file that cannot be written (permission, no space, a missing directory). */
export class WriteError extends BpfkitError {
  /** Path written to. */
  readonly path: string;
  /** errno code ("ENOSPC"), when known. */
  readonly code?: string;
  constructor(message: string, fields: { path: string; code?: string }, options?: { cause?: unknown }) {
    super(message, options);
    this.path = fields.path;
    this.code = fields.code;
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

  /**
   * Why a verifier log says the program failed, in one line: the lines after the last instruction
   * (the verifier's reason), the limit when the instruction budget ran out, and that instruction.
   * libbpf's own lines never count.
   */
  static summarize(log: string): string {
    const lines = log
      .split('\n')
      .map((l) => l.trim())
      .filter((l) => l && !l.startsWith('libbpf: ') && !l.startsWith('-- END PROG LOAD LOG --'));
    let limit = '';
    const body: string[] = [];
    for (const l of lines) {
      const stats = /^processed (\d+) insns \(limit (\d+)\)/.exec(l);
      if (stats) {
        if (Number(stats[1]) > Number(stats[2])) limit = stats[2];
      } else if (!/^(verification time|stack depth) /.test(l)) body.push(l);
    }
    let at = body.length - 1;
    while (at >= 0 && !INSN_LINE.test(body[at])) at--;
    const reason = body
      .slice(at + 1)
      .filter((l) => !l.startsWith(';') && !STATE_LINE.test(l))
      .slice(-3)
      .join('; ');
    const insn = at >= 0 ? body[at].replace(/\s+;.*$/, '').replace(/\s+/g, ' ') : '';
    const parts = [reason || body.at(-1) || ''];
    if (limit && !parts[0].includes(`limit ${limit}`)) parts.push(`(limit ${limit} insns)`);
    if (insn && reason) parts.push(`at insn ${insn}`);
    return parts.filter(Boolean).join(' ');
  }
}

/** A verifier log line showing an instruction: "12: (85) call bpf_map_lookup_elem#1". */
const INSN_LINE = /^\d+: \([0-9a-f]{2}\)/;
/** Register-state lines ("from 11 to 8: R1=scalar() …", "8: R1_w=…"), which say nothing of why. */
const STATE_LINE = /^(from \d+ to \d+: |\d+: )?R\d+(_[a-zA-Z]+)?=/;

/** A system call failed; carries errno. */
export class SyscallError extends BpfkitError {
  /** The errno the call failed with (positive, e.g. 1 for EPERM). */
  readonly errno: number;
  constructor(what: string, errno: number) {
    super(`${what}: ${errnoName(errno)}`);
    this.errno = errno;
  }
}

/** Attaching a loaded program to its hook failed; `hook` says where (e.g. "xdp:eth0"). */
export class AttachError extends BpfkitError {
  /** The hook the program was attached to: "tracepoint syscalls:sys_enter_openat", "xdp:eth0", … */
  readonly hook: string;
  /** The errno the attach failed with (positive). */
  readonly errno: number;
  /** libbpf's or the kernel's own words, when it gave some. */
  readonly reason?: string;
  /**
   * `detail` follows the errno name in the message; `reason` (libbpf's last log line, which names the
   * errno itself) replaces both.
   */
  constructor(hook: string, errno: number, detail?: string, reason?: string) {
    super(`attaching ${hook} failed: ${reason ?? errnoName(errno) + (detail ? `: ${detail}` : '')}`);
    this.hook = hook;
    this.errno = errno;
    this.reason = reason ?? detail;
  }
}

/**
 * Building a package failed before or after the compiler ran: a source or header that is not a
 * file, a header the source does not include, doc-comment metadata that does not fit (`file:line:`
 * first), two options with one name. clang's own rejections are CompileError.
 */
export class BuildError extends BpfkitError {
  /** The file the problem is in, when there is one. */
  readonly file?: string;
  constructor(message: string, fields: { file?: string } = {}) {
    super(message);
    this.file = fields.file;
  }
}

/** clang rejected the source; `diagnostics` holds its messages (file:line: error: …). */
export class CompileError extends BuildError {
  /** clang's diagnostics as it printed them (`file:line:col: error: …` lines). */
  readonly diagnostics: string;
  constructor(source: string, diagnostics: string, hint?: string) {
    const n = (diagnostics.match(/\berror:/g) ?? []).length;
    super(
      `${source}: compilation failed${n ? ` (${n} error${n > 1 ? 's' : ''})` : ''}${hint ? `; ${hint}` : ''}`,
      {
        file: source,
      },
    );
    this.diagnostics = diagnostics;
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
