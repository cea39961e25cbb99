/**
 * What a built-in tool declares: its options (libbpf-tools spellings), the hooks its programs use
 * with their fallbacks, how it sets the object's globals, and either how one event becomes a table
 * row or a JSON object (Tool, run by session.ts) or how its maps become a report every interval
 * (AggregatorTool, run by aggregate.ts). The runners do the rest: parse, load, attach, print, stop.
 */
import type { Decoded } from '../btf/decode.js';
import type { Encodable } from '../btf/encode.js';
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
  /** Sets a global of the tool's object (type-checked against its BTF; arrays for array globals). */
  setGlobal(name: string, value: Encodable): void;
  /** Sizes a map of the tool's object (a stack map's depth and capacity). */
  setMaxEntries(map: string, maxEntries: number): void;
  /** Sets the value size of a map of the tool's object (a stack map's frames per stack). */
  setValueSize(map: string, valueSize: number): void;
}

/**
 * What every built-in tool declares, whatever it prints: its name, help, options, hooks and how its
 * options become globals. The shared runner part (session.ts `loadTool`) needs only this.
 */
export interface ToolBase<O = Record<string, unknown>> {
  name: string;
  /** Other names that run it with preset options (libbpf-tools' killsnoop is sigsnoop -k). */
  aliases?: Record<string, string[]>;
  /** One line: the first line of --help and the description in `bpfkit tools`. */
  summary: string;
  /** The USAGE and EXAMPLES block of --help. */
  usage: string;
  options: ToolOption[];
  /** Positional arguments accepted (opensnoop ignores its one; aggregators read interval and count); default 0. */
  maxOperands?: number;
  /** Turns the positional arguments (at most maxOperands) into options (runqslower's min_us, profile's duration; throws ToolUsageError). */
  operands?(values: string[]): Partial<O>;
  /** Message for an operand beyond maxOperands when the peer has its own ("Unrecognized positional argument: %s"). */
  extraOperandMessage?: string;
  hooks: HookSpec<O>[];
  /** Where this tool deliberately differs from the libbpf-tools tool of the same name (for --help). */
  notes: string[];
  /** The fields of a --json object, with what each means (for --help). */
  jsonFields: [name: string, meaning: string][];
  /** Sets globals from the options, before load; throws (ToolUsageError, BpfkitError) on options it refuses. */
  configure(o: O, setup: ToolSetup): void;
  /**
   * How to attach the programs (a uprobe's binary:symbol, a perf event's frequency), from the
   * options; asked before load, so a target that cannot be resolved fails early. Default: none.
   */
  attachOptions?(o: O): AttachOptions;
}

/** A built-in event tracer: one row per record of its `events` ring buffer. `E` is its event. */
export interface Tool<O = Record<string, unknown>, E = unknown> extends ToolBase<O> {
  /** Seconds to run before stopping by itself, if the options say so. */
  duration?(o: O): number | undefined;
  /** Turns the decoded fixed part of a record and its variable-length tail into the event. */
  event(fields: { [field: string]: Decoded }, tail: Uint8Array): E;
  /** User-space filters (comm substrings and the like); default: every event. */
  accept?(e: E, o: O): boolean;
  /** A line printed before the header once attached, as the peer prints it ("Tracing ... Hit Ctrl-C to end."). */
  banner?(o: O): string;
  /** Whether the table has a header line with options `o` (oomkill and mountsnoop -d have none); default yes. */
  header?(o: O): boolean;
  /**
   * With these options, events are not printed but added up, and the total printed once at the end
   * (tcpconnect -c); undefined for a plain run. Called once per run.
   */
  totals?(o: O): Totals<E> | undefined;
  /** The table: header line and one row per event. */
  columns: Column<E, O>[];
  /** The --json object of `e` (field names as listed in jsonFields). */
  json(e: E, o: O): Record<string, JsonField>;
}

/** What a tool adds its events up in when it prints a total at the end instead of rows. */
export interface Totals<E> {
  add(e: E): void;
  /** The table printed at the end (with its header), or the --json objects. */
  text(): string;
  json(): Record<string, JsonField>[];
}

/** When an aggregator reports: every `interval` seconds, `count` times; always once more when stopped. */
export interface Schedule {
  /** Seconds between reports; undefined: report only when stopped (Ctrl-C, SIGTERM, duration). */
  interval?: number;
  /** Reports before stopping by itself; undefined: until stopped. */
  count?: number;
  /** Seconds after which to report once and stop (profile's positional duration, syscount -d). */
  duration?: number;
}

/**
 * One part of a report: its text exactly as the peer prints it (a histogram with its label line,
 * a table) and, for --json, its object (the runner adds `time`). A block without `json` is left
 * out of --json output (a table header).
 */
export interface ReportBlock {
  text: string;
  json?: Record<string, JsonField>;
}

/** How an aggregator reads its maps at report time (decoded through the object's BTF). */
export interface AggregateMaps {
  /**
   * The entries of map `name` in kernel iteration order (per-CPU values as one value per CPU);
   * with `clear`, every entry read is deleted (hash maps) or zeroed (arrays).
   */
  entries(name: string, opts?: { clear?: boolean }): [key: Decoded, value: Decoded][];
}

/**
 * A built-in aggregator: after attach it prints a banner, then, every interval and once more when
 * stopped, a report read from its maps (histograms, counters, top-N tables). The runner
 * (aggregate.ts) owns timing, the per-report header, --json framing and cleanup.
 */
export interface AggregatorTool<O = Record<string, unknown>> extends ToolBase<O> {
  kind: 'aggregate';
  /** The line printed once attached, without newline ("Tracing run queue latency... Hit Ctrl-C to end."). */
  banner(o: O): string;
  /** When to report, from the options and operands (see `intervalCount` in aggregate.ts); throws ToolUsageError. */
  schedule(o: O, operands: string[]): Schedule;
  /**
   * Text before each report's blocks; default libbpf-tools' "\n" and, with -T (`timestamp`), the
   * time as "%-8s\n" HH:MM:SS.
   */
  reportHeader?(o: O, now: Date): string;
  /** Print nothing at all (header included) for a report without blocks (syscount); default false. */
  quietWhenEmpty?: boolean;
  /** Reads (and clears) the maps into the report's blocks, in print order. */
  report(maps: AggregateMaps, o: O): ReportBlock[];
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
export interface CollectorTool<O = Record<string, unknown>> extends ToolBase<O> {
  kind: 'collect';
  /** Seconds to run before stopping by itself, if the options say so. */
  duration?(o: O): number | undefined;
  run(o: O, ctx: CollectorRun): Promise<void>;
}
