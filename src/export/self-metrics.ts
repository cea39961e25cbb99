/**
 * The exporter's own metrics (`bpfkit_*`): events received and lost, decode errors, series folded
 * by the cardinality cap and series held, map read errors, each program's kernel run time and run
 * count (from bpf(2) program info; non-zero while BPF stats are on), scrape duration, whether each
 * program is attached, and build info. Families over state the exporter keeps; no kernel here.
 */
import type { HistogramState, MetricFamily, MetricKind, SeriesValue } from './families.js';
import type { ProgStats } from './source.js';

/** What the self-metrics report about one program. */
export interface ProgramState {
  name: string;
  attached: boolean;
  events: { map: string; received: number; lost: number }[];
  decodeErrors: number;
  mapReadErrors: Map<string, number>;
  /** Latest kernel statistics of its BPF programs. */
  progStats(): ProgStats[];
}

/** What the self-metrics report about one user metric. */
export interface MetricState {
  name: string;
  dropped: number;
  series: number;
}

/** The state the self-metrics read. */
export interface SelfState {
  programs: () => readonly ProgramState[];
  metrics: () => readonly MetricState[];
  scrapes: HistogramState;
  statsEnabled: () => boolean;
  version: string;
}

/** Bounds of the scrape duration histogram, in seconds. */
export const SCRAPE_BOUNDS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1];

type Rows = () => Iterable<[readonly string[], SeriesValue]>;

function family(
  name: string,
  help: string,
  kind: MetricKind,
  labelNames: string[],
  rows: Rows,
  bounds?: number[],
): MetricFamily {
  return {
    name,
    help,
    kind,
    labelNames,
    bounds,
    observable: true,
    forEach(fn) {
      for (const [values, v] of rows()) fn(values, v);
    },
  };
}

/** The self-metric families, in exposition order. */
export function selfFamilies(s: SelfState): MetricFamily[] {
  return [...eventFamilies(s), ...seriesFamilies(s), ...programFamilies(s), ...exporterFamilies(s)];
}

function eventFamilies(s: SelfState): MetricFamily[] {
  const events = (pick: 'received' | 'lost'): Rows =>
    function* () {
      for (const p of s.programs()) for (const e of p.events) yield [[p.name, e.map], e[pick]];
    };
  const received = 'Event records received from the kernel, per event map';
  const lost = 'Event records the kernel dropped because the perf buffer was full';
  const decode = 'Records that could not be decoded and field values a label decoder could not handle';
  return [
    family('bpfkit_events_received_total', received, 'counter', ['program', 'map'], events('received')),
    family('bpfkit_events_lost_total', lost, 'counter', ['program', 'map'], events('lost')),
    family('bpfkit_decode_errors_total', decode, 'counter', ['program'], function* () {
      for (const p of s.programs()) yield [[p.name], p.decodeErrors];
    }),
    family(
      'bpfkit_map_read_errors_total',
      'Failed reads of a BPF map at scrape time',
      'counter',
      ['program', 'map'],
      function* () {
        for (const p of s.programs()) for (const [m, n] of p.mapReadErrors) yield [[p.name, m], n];
      },
    ),
  ];
}

function seriesFamilies(s: SelfState): MetricFamily[] {
  const dropped =
    'Samples folded into the "other" series because the metric was at its series cap (map metrics: each entry once while it stays in the map)';
  return [
    family('bpfkit_series_dropped_total', dropped, 'counter', ['metric'], function* () {
      for (const m of s.metrics()) yield [[m.name], m.dropped];
    }),
    family('bpfkit_series', 'Series a metric holds now', 'gauge', ['metric'], function* () {
      for (const m of s.metrics()) yield [[m.name], m.series];
    }),
  ];
}

function programFamilies(s: SelfState): MetricFamily[] {
  const stats = (pick: (x: ProgStats) => number): Rows =>
    function* () {
      for (const p of s.programs()) {
        if (!p.attached) continue;
        for (const x of p.progStats()) yield [[p.name, x.bpfProgram], pick(x)];
      }
    };
  const labels = ['program', 'bpf_program'];
  const attached = 'Whether the program is loaded and attached (0 once it failed)';
  const runTime = 'Time the kernel spent running the BPF program (needs BPF stats on)';
  const runCount = 'Times the kernel ran the BPF program (needs BPF stats on)';
  const statsOn = 'Whether the kernel keeps BPF run time and count (kernel.bpf_stats_enabled)';
  return [
    family('bpfkit_program_attached', attached, 'gauge', ['program'], function* () {
      for (const p of s.programs()) yield [[p.name], p.attached ? 1 : 0];
    }),
    family(
      'bpfkit_program_run_time_seconds_total',
      runTime,
      'counter',
      labels,
      stats((x) => Number(x.runTimeNs) / 1e9),
    ),
    family(
      'bpfkit_program_run_count_total',
      runCount,
      'counter',
      labels,
      stats((x) => Number(x.runCount)),
    ),
    family('bpfkit_bpf_stats_enabled', statsOn, 'gauge', [], function* () {
      yield [[], s.statsEnabled() ? 1 : 0];
    }),
  ];
}

function exporterFamilies(s: SelfState): MetricFamily[] {
  const scrape = 'Time to read the maps and write a /metrics response';
  return [
    family(
      'bpfkit_scrape_duration_seconds',
      scrape,
      'histogram',
      [],
      function* () {
        yield [[], s.scrapes];
      },
      SCRAPE_BOUNDS,
    ),
    family('bpfkit_build_info', 'The bpfkit version exporting', 'gauge', ['version'], function* () {
      yield [[s.version], 1];
    }),
  ];
}
