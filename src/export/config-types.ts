/**
 * The normalized exporter config: what the exporter builds metrics from, with defaults applied,
 * paths resolved against the config file's directory, eunomia-exporter's spellings mapped onto ours,
 * and each element's place in the file kept (`at`) for errors found later against the program's BTF.
 */
import type { ConfigLocator, ConfigPath } from './config.js';

/** Series a metric keeps before new label sets fold into `other` (per metric). */
export const DEFAULT_MAX_SERIES = 10_000;

/** One step of a label decoder pipeline. */
export type DecoderConfig =
  | { name: 'string' | 'errno' | 'signal' | 'syscall' | 'uid' | 'ksym' | 'hex' }
  | { name: 'inet'; family?: 4 | 6 }
  | { name: 'static_map'; map: Record<string, string>; default?: string }
  | { name: 'regex'; match: string; replace?: string; unmatched: 'keep' | 'drop' };

/** A label: the field path it reads (`comm`, `args.fname`; `key` for a scalar map key). */
export interface LabelConfig {
  name: string;
  from: string;
  decoders: DecoderConfig[];
  at: ConfigPath;
}

/** Limits of one metric's series table. */
export interface SeriesLimits {
  maxSeries: number;
  /** Idle series are dropped after this long; 0 keeps them forever. */
  ttlMs: number;
}

/** A metric fed by events. */
export interface EventMetricConfig extends SeriesLimits {
  kind: 'counter' | 'gauge' | 'histogram';
  name: string;
  help: string;
  /** The event map to read; undefined = the program's only one. */
  events?: string;
  /** Field added per event (counters; default +1), set (gauges) or observed (histograms). */
  valueFrom?: string;
  labels: LabelConfig[];
  /** Histograms: finite upper bounds, increasing. */
  buckets?: number[];
  /** Factor applied to value_from (e.g. 1e-9 for ns to s). */
  multiplier: number;
  at: ConfigPath;
}

/** How a kernel histogram's slot index maps to a value range. */
export type SlotLayout =
  { type: 'log2' } | { type: 'exp2' } | { type: 'linear'; start: number; width: number };

/** One metric family read from a map's value (`from`: the member; undefined = the whole value). */
export interface MapValueConfig {
  name: string;
  help: string;
  from?: string;
  at: ConfigPath;
}

/** A metric read from a BPF map at scrape time. */
export interface MapMetricConfig extends SeriesLimits {
  kind: 'counter' | 'gauge' | 'histogram';
  map: string;
  labels: LabelConfig[];
  /** counter/gauge: one family per entry. */
  values: MapValueConfig[];
  /** counter/gauge: factor applied to the values read. */
  multiplier: number;
  /** histogram only. */
  histogram?: {
    name: string;
    help: string;
    slots: string;
    sum?: string;
    layout: SlotLayout;
    multiplier: number;
    /** 'last': the top slot holds everything the program clamped into it, so it only feeds +Inf. */
    overflow: 'last' | 'none';
  };
  at: ConfigPath;
}

/** Where a program comes from. */
export type ProgramSource =
  { kind: 'file'; path: string } | { kind: 'inline'; text: string } | { kind: 'tool'; name: string };

/** Values of globals by name (or option name), as YAML gave them. */
export type OptionValues = Record<string, string | number | boolean | (string | number)[]>;

/** A program to run and the metrics it feeds. */
export interface ProgramConfig {
  /** Its name in the config (the `program` label of the exporter's own metrics). */
  name: string;
  /** Where its object comes from: a package or object file, inline data, or a built-in tool. */
  source: ProgramSource;
  /** Values of its globals, set before load. */
  options: OptionValues;
  /** `event_type:`: the struct to decode every event map's records with, instead of what the package says. */
  eventType?: string;
  /** Kernel BTF file for CO-RE when /sys/kernel/btf/vmlinux is missing. */
  btf?: string;
  /** Pages per CPU of each perf event array's ring (a power of two). */
  perfBufferPages?: number;
  /** Metrics fed by the records of its event maps. */
  events: EventMetricConfig[];
  /** Metrics read from its maps at scrape time. */
  maps: MapMetricConfig[];
  /** Where it is in the file (`programs[i]`), for errors found later. */
  at: ConfigPath;
}

/** A whole config. */
export interface ExportConfig {
  /** The file it came from, as given. */
  file: string;
  /** `listen:` of the file: host:port to serve /metrics on (--listen overrides it). */
  listen?: string;
  /** The programs to run, in the file's order. */
  programs: ProgramConfig[];
  /** Locates paths of this config in its file, for errors found later. */
  locator: ConfigLocator;
}
