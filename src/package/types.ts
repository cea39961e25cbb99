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
  name: string;
  section: string;
  /** C spelling of the type, for help output. */
  type: string;
  description?: string;
  cmdarg?: CmdArg;
  /** Other `@tags` of its doc comment, as written (JSON when the text parses as JSON). */
  tags?: Record<string, JsonValue>;
}

/** How a map is sampled and printed by `bpfkit run` (from `@sample`). */
export interface SampleMeta {
  interval: number;
  type: 'log2_hist' | 'linear_hist' | 'default_kv';
  unit?: string;
  clearMap?: boolean;
  /** linear_hist only (a bpfkit addition): the value slot 0 starts at (default 0) and each slot's width (default 1). */
  base?: number;
  step?: number;
}

/** A map as described in a package. */
export interface MapMeta {
  name: string;
  type: string;
  description?: string;
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
  name: string;
  section: string;
  /** How it attaches, from the section prefix (see AttachKind in spec/sections.ts: 'tracepoint', 'uprobe', …). */
  attach: string;
  description?: string;
  /** Other `@tags` of its doc comment (e.g. eunomia's `@tchook`, `@xdpopts`). */
  tags?: Record<string, JsonValue>;
}

/** Everything besides the object that a package says. */
export interface PackageMeta {
  /** Program name (the package's name). */
  name: string;
  description?: string;
  brief?: string;
  details?: string;
  version?: string;
  programs: ProgramMeta[];
  maps: MapMeta[];
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
