/**
 * The probe model shared by the probe listers: one `Probe` per place a program can hook, named the way
 * bpftrace names it (`tracepoint:syscalls:sys_enter_openat`, `uprobe:/bin/bash:readline`, …).
 */

/** Canonical probe types (bpftrace provider names). */
export type ProbeType =
  | 'tracepoint'
  | 'rawtracepoint'
  | 'kprobe'
  | 'kretprobe'
  | 'fentry'
  | 'fexit'
  | 'uprobe'
  | 'uretprobe'
  | 'software'
  | 'hardware';

/** One argument of a probe: a tracepoint field (with its layout) or a BTF function parameter. */
export interface ProbeArg {
  /** C type, e.g. `const char *`, `char[16]`, `__data_loc char[]`. */
  type: string;
  name: string;
  /** The declaration as `-v` prints it, when it is not simply `type name` (`char prev_comm[16]`). */
  decl?: string;
  /** Tracepoint fields only: byte offset in the raw record, size in bytes, signedness. */
  offset?: number;
  size?: number;
  signed?: boolean;
}

/** A place a program can hook. */
export interface Probe {
  type: ProbeType;
  /** The full bpftrace-style name, e.g. `tracepoint:sched:sched_switch`. */
  probe: string;
  /** Tracepoint category (`sched`). */
  category?: string;
  /** Kernel module owning a BTF function, raw tracepoint or kprobe target (`vmlinux` for the kernel). */
  module?: string;
  /** Uprobe target binary, as it appears in `probe`. */
  path?: string;
  /** Event, function or symbol name. */
  name: string;
  /** Uprobe symbol address (st_value) as hex, for reference. */
  address?: string;
  /** False when the kernel lists the hook but refuses to attach programs to it. */
  available: boolean;
  /** Why `available` is false. */
  note?: string;
  /** Arguments, only filled in when verbose listing was asked for. */
  args?: ProbeArg[];
}

/** Options of `listProbes`. */
export interface ListOptions {
  /** Fill in `args` (tracefs format files, BTF prototypes). */
  verbose?: boolean;
  /** List uprobes of every executable file mapped by this process. */
  pid?: number;
}
