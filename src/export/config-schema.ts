/**
 * The schema of an exporter config file (`bpfkit export --config metrics.yaml`), as written: zod
 * types with every object strict, so an unknown key is an error. eunomia-exporter's shape
 * (`programs[].name`, `compiled_ebpf_filename`/`ebpf_data`, `metrics.counters[].name/description/
 * labels[].name/from`) is a subset of it. config.ts turns the parsed value into the normalized form.
 * Spec layer: no kernel.
 */
import * as z from 'zod';

/** Prometheus metric names: `[a-zA-Z_:][a-zA-Z0-9_:]*`. */
export const METRIC_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
/** Prometheus label names: `[a-zA-Z_][a-zA-Z0-9_]*`, `__` reserved. */
export const LABEL_NAME = /^(?!__)[a-zA-Z_][a-zA-Z0-9_]*$/;

const metricName = z
  .string()
  .regex(METRIC_NAME, { error: 'not a valid metric name ([a-zA-Z_:][a-zA-Z0-9_:]*)' });
const labelName = z.string().regex(LABEL_NAME, {
  error: 'not a valid label name ([a-zA-Z_][a-zA-Z0-9_]*, not starting with __)',
});
/** A duration: seconds as a number, or `500ms`, `30s`, `10m`, `1h`; 0 means never. */
const duration = z.union([z.number().nonnegative(), z.string().regex(/^\d+(\.\d+)?(ms|s|m|h)$/)], {
  error: 'expected a duration: seconds, or a number with ms, s, m or h (0: never)',
});
const maxSeries = z.int().positive();

const decoderName = z.enum(['string', 'errno', 'signal', 'syscall', 'uid', 'inet', 'ksym', 'hex'], {
  error: 'unknown decoder (string, errno, signal, syscall, uid, inet, ksym, hex, static_map, regex)',
});
const decoderObject = z.union(
  [
    z.strictObject({ name: decoderName }),
    z.strictObject({ name: z.literal('inet'), family: z.union([z.literal(4), z.literal(6)]).optional() }),
    z.strictObject({
      name: z.literal('static_map'),
      map: z.record(z.string(), z.union([z.string(), z.number(), z.boolean()])),
      default: z.string().optional(),
    }),
    z.strictObject({
      name: z.literal('regex'),
      match: z.string(),
      replace: z.string().optional(),
      unmatched: z.enum(['keep', 'drop']).optional(),
    }),
  ],
  {
    error:
      'expected a decoder name, or {name: static_map, map: {...}}, {name: regex, match: ...}, {name: inet, family: 4|6}',
  },
);
/** One step of a label's decoder pipeline: a name, or an object with the decoder's settings. */
export const DecoderSchema = z.union([decoderName, decoderObject], {
  error:
    'expected a decoder: string, errno, signal, syscall, uid, inet, ksym, hex, {name: static_map, ...} or {name: regex, ...}',
});

/** A label: its name, the field it comes from (default: the same name), and decoders. */
const LabelSchema = z.strictObject({
  name: labelName,
  from: z.string().optional(),
  decoders: z.array(DecoderSchema).nullish(),
});

const limits = { max_series: maxSeries.optional(), series_ttl: duration.optional() };

/** Bucket layouts of histograms built from events. */
const eventBuckets = z.union(
  [
    z.array(z.number()).min(1),
    z.strictObject({ exp2: z.strictObject({ min: z.int(), max: z.int() }) }),
    z.strictObject({
      linear: z.strictObject({ start: z.number(), width: z.number().positive(), count: z.int().positive() }),
    }),
  ],
  {
    error: 'expected a list of bucket bounds, {exp2: {min, max}} or {linear: {start, width, count}}',
  },
);

const eventMetric = {
  name: metricName,
  help: z.string().optional(),
  /** eunomia-exporter's name for help. */
  description: z.string().optional(),
  /** The event map (ring buffer or perf event array) whose records count; default: the only one. */
  events: z.string().optional(),
  labels: z.array(LabelSchema).nullish(),
  ...limits,
};

const multiplier = z.number().positive().optional();
const CounterSchema = z.strictObject({ ...eventMetric, value_from: z.string().optional(), multiplier });
const GaugeSchema = z.strictObject({ ...eventMetric, value_from: z.string(), multiplier });
const HistogramSchema = z.strictObject({
  ...eventMetric,
  value_from: z.string(),
  buckets: eventBuckets,
  multiplier,
});

/** Bucket layouts of kernel histogram maps (how the program chose the slot index). */
const slotBuckets = z.union(
  [
    z.enum(['log2', 'exp2']),
    z.strictObject({
      linear: z.strictObject({ start: z.number().optional(), width: z.number().positive() }),
    }),
  ],
  { error: 'expected log2, exp2 or {linear: {start, width}}' },
);

const MapValueSchema = z.strictObject({
  name: metricName,
  help: z.string().optional(),
  from: z.string().optional(),
});

const MapMetricSchema = z.strictObject({
  map: z.string(),
  type: z.enum(['counter', 'gauge', 'histogram']),
  name: metricName.optional(),
  help: z.string().optional(),
  /** counter/gauge: the value member to read (default: the whole value, an integer). */
  value: z.string().optional(),
  /** counter/gauge: several metrics from one read of a struct value. */
  values: z.array(MapValueSchema).min(1).optional(),
  labels: z.array(LabelSchema).nullish(),
  slots: z.string().optional(),
  sum: z.string().optional(),
  buckets: slotBuckets.optional(),
  multiplier: z.number().positive().optional(),
  overflow: z.enum(['last', 'none']).optional(),
  ...limits,
});

const OptionValue = z.union([
  z.string(),
  z.number(),
  z.boolean(),
  z.array(z.union([z.string(), z.number()])),
]);

const ProgramSchema = z.strictObject({
  name: z.string().min(1),
  package: z.string().optional(),
  object: z.string().optional(),
  tool: z.string().optional(),
  /** eunomia-exporter: path of the compiled package.json. */
  compiled_ebpf_filename: z.string().optional(),
  /** eunomia-exporter: the package.json text inline (empty: use compiled_ebpf_filename). */
  ebpf_data: z.string().optional(),
  options: z.record(z.string(), OptionValue).nullish(),
  event_type: z.string().optional(),
  btf: z.string().optional(),
  perf_buffer_pages: z.int().positive().optional(),
  metrics: z
    .strictObject({
      counters: z.array(CounterSchema).nullish(),
      gauges: z.array(GaugeSchema).nullish(),
      histograms: z.array(HistogramSchema).nullish(),
      maps: z.array(MapMetricSchema).nullish(),
    })
    .nullish(),
});

/** The whole file. */
export const ConfigSchema = z.strictObject({
  programs: z.array(ProgramSchema).min(1, { error: 'at least one program is needed' }),
  listen: z.string().optional(),
  ...limits,
});

/** A config file as parsed (before normalization). */
export type RawConfig = z.infer<typeof ConfigSchema>;
/** One program entry as parsed. */
export type RawProgram = z.infer<typeof ProgramSchema>;
/** One label as parsed. */
export type RawLabel = z.infer<typeof LabelSchema>;
/** One decoder step as parsed. */
export type RawDecoder = z.infer<typeof DecoderSchema>;
/** One map metric as parsed. */
export type RawMapMetric = z.infer<typeof MapMetricSchema>;
/** Event histogram buckets as parsed. */
export type RawEventBuckets = z.infer<typeof eventBuckets>;
/** Slot bucket layout as parsed. */
export type RawSlotBuckets = z.infer<typeof slotBuckets>;
