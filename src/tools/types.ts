/**
 * What a built-in tool declares: its options (libbpf-tools spellings), the hooks its programs use
 * with their fallbacks, how it sets the object's globals, and how one event becomes a table row or
 * a JSON object. The runner (session.ts) does the rest: parse, load, attach, stream, stop.
 */
import type { Decoded } from '../btf/decode.js';
import type { AttachOptions } from '../links/attach.js';
import type { BpfObject } from '../object/collection.js';
import type { PrintfArg } from './printf.js';

/** An option, declared with commander's flag syntax: `-p, --pid <PID>`, `-T, --timestamp`, `--max-args <N>`. */
export interface ToolOption {
  flags: string;
  /** One line for --help. */
  help: string;
  /** Turns the option's text into its value; throws ToolUsageError with the message to print. */
  parse?: (text: string) => unknown;
  /** Listed under "bpfkit additions" in --help rather than with the peer's options. */
  extra?: boolean;
  /** Accepted but not listed (libbpf-tools' `-h`). */
  hidden?: boolean;
}

/** One thing a tool traces, and the program sections that can implement it, best first. */
export interface HookSpec<O = unknown> {
  /** What it traces, for `bpfkit tools` and -v: "openat(2)", "signals". */
  what: string;
  /**
   * Alternatives, best first (tp_btf before raw_tp); each lists the sections of the programs that
   * together implement the hook (an entry and an exit tracepoint, say).
   */
  use: string[][];
  /** The tool runs without it (open(2) does not exist on arm64); it is skipped when missing. */
  optional?: boolean;
  /** Only with these options (sigsnoop -k); default: always. */
  when?: (o: O) => boolean;
  /** When `when` holds, for `bpfkit tools`: "with -k". */
  whenText?: string;
}

/** A table column: printf formats of its header and row cells (`'%-6s '`, `'%-6d '`), as the peer prints them. */
export interface Column<E, O> {
  /** Shown only when this holds (e.g. with -T). */
  when?: (o: O) => boolean;
  /** Header format and text. */
  header: [format: string, text: string];
  /** Row format and the value for one event. */
  cell: [format: string, value: (e: E, o: O) => PrintfArg];
}

/** A JSON value of an event, bigints written as exact numbers. */
export type JsonField = string | number | bigint | boolean | null | JsonField[] | { [k: string]: JsonField };

/** What the runner hands a tool to configure the object before it is loaded. */
export interface ToolSetup {
  /** Sets a global of the tool's object (type-checked against its BTF). */
  setGlobal(name: string, value: number | bigint | boolean | string): void;
  /** Sizes a map of the tool's object (a stack map's depth and capacity). */
  setMaxEntries(map: string, maxEntries: number): void;
  setValueSize(map: string, valueSize: number): void;
}

/** A built-in tool. `O` is its parsed options (commander's attribute names), `E` its event. */
export interface Tool<O = Record<string, unknown>, E = unknown> {
  name: string;
  /** Other names that run it with preset options (libbpf-tools' killsnoop is sigsnoop -k). */
  aliases?: Record<string, string[]>;
  /** One line: the first line of --help and the description in `bpfkit tools`. */
  summary: string;
  /** The USAGE and EXAMPLES block of --help. */
  usage: string;
  options: ToolOption[];
  /** Positional arguments accepted (and ignored, as opensnoop does); default 0. */
  maxOperands?: number;
  /** Turns the operands into options (profile's duration); throws ToolUsageError. Default: ignored. */
  parseOperands?(operands: string[]): Partial<O>;
  /** Message for an operand beyond maxOperands when the peer has its own ("Unrecognized positional argument: %s"). */
  extraOperandMessage?: string;
  hooks: HookSpec<O>[];
  /** Where this tool deliberately differs from the libbpf-tools tool of the same name (for --help). */
  notes: string[];
  /** The fields of a --json object, with what each means (for --help). */
  jsonFields: [name: string, meaning: string][];
  /** Sets globals from the options, before load. */
  configure(o: O, setup: ToolSetup): void;
  /**
   * How to attach the programs (a uprobe's binary:symbol, a perf event's frequency), from the
   * options; asked before load, so a target that cannot be resolved fails early. Default: none.
   */
  attachOptions?(o: O): AttachOptions;
  /** Seconds to run before stopping by itself, if the options say so. */
  duration?(o: O): number | undefined;
  /** Turns the decoded fixed part of a record and its variable-length tail into the event. */
  event(fields: { [field: string]: Decoded }, tail: Uint8Array): E;
  /** User-space filters (comm substrings and the like); default: every event. */
  accept?(e: E, o: O): boolean;
  /** The table: header line and one row per event. */
  columns: Column<E, O>[];
  /** The --json object of `e` (field names as listed in jsonFields). */
  json(e: E, o: O): Record<string, JsonField>;
}

/** What a collector tool's `run` gets once its programs are loaded and attached. */
export interface CollectorRun {
  /** The loaded object: its maps to fill (filters) and read. */
  obj: BpfObject;
  out(text: string): void;
  err(text: string): void;
  /** Resolves when the run must end: Ctrl-C, SIGTERM, or the tool's duration. */
  stopped: Promise<void>;
}

/**
 * A tool that counts in its own maps and prints by itself (profile: stacks printed at exit)
 * instead of streaming the `events` ring buffer: the runner loads and attaches it as any tool, then
 * hands over to `run`, and detaches and closes everything once `run` is done.
 */
export interface CollectorTool<O = Record<string, unknown>> extends Omit<
  Tool<O, never>,
  'event' | 'accept' | 'columns' | 'json'
> {
  run(o: O, ctx: CollectorRun): Promise<void>;
}
