/**
 * The metadata a bpfkit package carries beside its object: what `bpfkit build` learns from BTF and doc
 * comments, and what `bpfkit run` needs to build a command line and print events without the source.
 */

import type { AlternativeGroup } from '../spec/alternatives.js';

/** A JSON value: what a doc-comment tag holds. */
export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };

/** How a global becomes a command-line option (from `@cmdarg` or defaults). */
export interface CmdArg {
  /** Long option name without dashes (default: the global's name). */
  long: string;
  /** One-letter short option, if any. */
  short?: string;
  /** Help text (from `@description`, `@cmdarg.help` or the plain doc comment). */
  help?: string;
  /** Default shown in --help (the object's initial value unless `@cmdarg.default` says otherwise). */
  default?: string | number | boolean;
}

/** A global variable as described in a package. */
export interface GlobalMeta {
  /** Variable name in the source. */
  name: string;
  /** Data section holding it (".rodata" for `const volatile` globals, ".data", ".bss"). */
  section: string;
  /** C spelling of the type, for help output. */
  type: string;
  /** Its doc comment (`///` text or `@description`). */
  description?: string;
  /** How `bpfkit run` offers it as an option; absent for globals that are not options. */
  cmdarg?: CmdArg;
  /** Other `@tags` of its doc comment, as written (JSON when the text parses as JSON). */
  tags?: Record<string, JsonValue>;
}

/** How a map is sampled and printed by `bpfkit run` (from `@sample`). */
export interface SampleMeta {
  /** Milliseconds between prints. */
  interval: number;
  /** How the map is printed: a log2 or linear histogram of a `slots` array, or a key/value table. */
  type: 'log2_hist' | 'linear_hist' | 'default_kv';
  /** Unit of the histogram's values, for its header ("usecs", "nsecs", …). */
  unit?: string;
  /** Empty the map after each print, so each print covers one interval (default: cumulative). */
  clearMap?: boolean;
  /** linear_hist only (a bpfkit addition): the value slot 0 starts at (default 0) and each slot's width (default 1). */
  base?: number;
  /** linear_hist only: the width of each slot (default 1). */
  step?: number;
}

/** A map as described in a package. */
export interface MapMeta {
  /** Map name as the source declares it. */
  name: string;
  /** Map type by bpftool's name ('hash', 'ringbuf', 'perf_event_array', …). */
  type: string;
  /** Its doc comment. */
  description?: string;
  /** How `bpfkit run` prints it periodically (`@sample`), when it does. */
  sample?: SampleMeta;
  /**
   * For a ring buffer or perf event array: the BTF name of the struct (or typedef) its records are,
   * when known (from the program's bpf_ringbuf_*()/bpf_perf_event_output() calls or BPFKIT_EVENT markers).
   */
  exportType?: string;
  /** Why exportType is that struct, in a few words ("struct event is sent to rb by handle() through reserve_buf()"). */
  exportTypeReason?: string;
  /** True when exportType is a guess: nothing ties the struct to this map (a header's first struct, a generic marker). */
  exportTypeGuess?: boolean;
  /** Other `@tags` of its doc comment. */
  tags?: Record<string, JsonValue>;
}

/** A program as described in a package. */
export interface ProgramMeta {
  /** Function name of the program. */
  name: string;
  /** ELF section, e.g. "tracepoint/syscalls/sys_enter_openat". */
  section: string;
  /** How it attaches, from the section prefix (see AttachKind in spec/sections.ts: 'tracepoint', 'uprobe', …). */
  attach: string;
  /** Its doc comment. */
  description?: string;
  /** Other `@tags` of its doc comment (e.g. eunomia's `@tchook`, `@xdpopts`). */
  tags?: Record<string, JsonValue>;
}

/** Everything besides the object that a package says. */
export interface PackageMeta {
  /** Program name (the package's name). */
  name: string;
  /** The source's file-level description (`@description`), for --help. */
  description?: string;
  /** One-line summary (`@brief`), for --help. */
  brief?: string;
  /** Longer text shown after the options in --help (`@details`). */
  details?: string;
  /** The program's version (`@version`), for -V. */
  version?: string;
  /** Programs in ELF order. */
  programs: ProgramMeta[];
  /** Maps of the `.maps` section, with event types and sampling. */
  maps: MapMeta[];
  /** Globals with their option names, types and help. */
  globals: GlobalMeta[];
  /**
   * Names of the event structs (in the object's BTF) emitted through ring/perf buffers, in order:
   * exportTypes[i] is the record type of the i-th event map (ring buffers and perf event arrays in
   * declaration order) when known; types no event map is known to carry follow.
   */
  exportTypes: string[];
  /**
   * Programs that are alternatives for one hook (see spec/alternatives.ts), recorded at build time:
   * `bpfkit run` loads one choice of each group. Absent: found again from the object.
   */
  alternatives?: AlternativeGroup[];
}

/** A loadable unit: an object's bytes plus optional metadata. */
export interface RunTarget {
  /** What the user named (path, URL, tool name), for messages. */
  source: string;
  object: Uint8Array;
  meta?: PackageMeta;
}
