/**
 * Pushes the exporter's metrics over OTLP/HTTP with the OpenTelemetry JS SDK: a MeterProvider whose
 * resource says `host.name` and `service.name=bpfkit`, a periodic reader with the OTLP/HTTP
 * exporter, and a MetricProducer that hands the SDK our families as ready data points (the SDK has
 * no asynchronous histogram, and our series are capped before they exist). Temporality follows
 * OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE as the OTLP exporter reads it; for delta, the
 * producer sends differences since the previous export. No kernel.
 */
import { hostname } from 'node:os';
import { ValueType, type HrTime } from '@opentelemetry/api';
import { OTLPMetricExporter } from '@opentelemetry/exporter-metrics-otlp-http';
import { resourceFromAttributes, type Resource } from '@opentelemetry/resources';
import {
  AggregationTemporality,
  DataPointType,
  InstrumentType,
  MeterProvider,
  PeriodicExportingMetricReader,
  type CollectionResult,
  type DataPoint,
  type MetricData,
  type MetricProducer,
} from '@opentelemetry/sdk-metrics';
import type { Attributes } from '@opentelemetry/api';
import type { HistogramValue, MetricFamily, SeriesValue } from './families.js';
import { SEP } from './series.js';

/** Settings of the OTLP push. */
export interface OtlpOptions {
  /** Collector base URL (`http://127.0.0.1:4318`) or the full metrics URL (`…/v1/metrics`). */
  endpoint: string;
  /** Export period (default 10 s). */
  intervalMs?: number;
  /** The families to send, listed at each export. */
  families: () => readonly MetricFamily[];
  /** Called before each export (reads the kernel maps). */
  refresh: () => void;
  version: string;
}

/** The OTLP metrics URL for what the user gave. */
export function metricsUrl(endpoint: string): string {
  const u = new URL(endpoint);
  if (u.pathname === '' || u.pathname === '/') u.pathname = '/v1/metrics';
  return u.toString();
}

/** A running push; stop() sends a last export (bounded in time) and shuts the SDK down. */
export class OtlpPush {
  private readonly provider: MeterProvider;

  constructor(opts: OtlpOptions) {
    const exporter = new OTLPMetricExporter({ url: metricsUrl(opts.endpoint) });
    const resource = resourceFromAttributes({
      'host.name': hostname(),
      'service.name': 'bpfkit',
      'service.version': opts.version,
    });
    const producer = new FamilyProducer(opts, resource, (t) => exporter.selectAggregationTemporality(t));
    const reader = new PeriodicExportingMetricReader({
      exporter,
      exportIntervalMillis: opts.intervalMs ?? 10_000,
      exportTimeoutMillis: Math.min(opts.intervalMs ?? 10_000, 5_000),
      metricProducers: [producer],
    });
    this.provider = new MeterProvider({ resource, readers: [reader] });
  }

  /** Exports now (tests, and before stopping). */
  flush(): Promise<void> {
    return this.provider.forceFlush();
  }

  /** Final export and shutdown, giving up after `timeoutMs`. */
  async stop(timeoutMs = 500): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<void>((resolve) => (timer = setTimeout(resolve, timeoutMs)));
    await Promise.race([this.provider.shutdown().catch(() => undefined), late]);
    clearTimeout(timer);
  }
}

const hr = (ms: number): HrTime => [Math.floor(ms / 1000), Math.round((ms % 1000) * 1e6)];

/** Hands the SDK our families at each collection. */
class FamilyProducer implements MetricProducer {
  private readonly start = Date.now();
  private last = this.start;
  private prev = new Map<string, SeriesValue>();

  constructor(
    private readonly opts: OtlpOptions,
    private readonly resource: Resource,
    private readonly temporality: (t: InstrumentType) => AggregationTemporality,
  ) {}

  async collect(): Promise<CollectionResult> {
    this.opts.refresh();
    const now = Date.now();
    const seen = new Map<string, SeriesValue>();
    const metrics = this.opts.families().map((f) => this.metric(f, now, seen));
    this.prev = seen;
    this.last = now;
    return {
      resourceMetrics: {
        resource: this.resource,
        scopeMetrics: [{ scope: { name: 'bpfkit', version: this.opts.version }, metrics }],
      },
      errors: [],
    };
  }

  private metric(f: MetricFamily, now: number, seen: Map<string, SeriesValue>): MetricData {
    const descriptor = { name: f.name, description: f.help, unit: '', valueType: ValueType.DOUBLE };
    const instrument =
      f.kind === 'histogram'
        ? InstrumentType.HISTOGRAM
        : f.kind === 'gauge'
          ? InstrumentType.OBSERVABLE_GAUGE
          : f.observable
            ? InstrumentType.OBSERVABLE_COUNTER
            : InstrumentType.COUNTER;
    const delta = f.kind !== 'gauge' && this.temporality(instrument) === AggregationTemporality.DELTA;
    const aggregationTemporality = delta ? AggregationTemporality.DELTA : AggregationTemporality.CUMULATIVE;
    const startTime = hr(delta ? this.last : this.start);
    const endTime = hr(now);
    const points: DataPoint<number | HistogramPoint>[] = [];
    f.forEach((values, value) => {
      const attributes: Attributes = {};
      f.labelNames.forEach((n, i) => (attributes[n] = values[i]));
      const key = `${f.name}\u0001${values.join(SEP)}`;
      seen.set(key, snapshot(value));
      const v = delta ? difference(value, this.prev.get(key)) : value;
      points.push({
        startTime,
        endTime,
        attributes,
        value: typeof v === 'number' ? v : histogramPoint(v, f.bounds ?? []),
      });
    });
    if (f.kind === 'histogram')
      return {
        descriptor,
        aggregationTemporality,
        dataPointType: DataPointType.HISTOGRAM,
        dataPoints: points as DataPoint<HistogramPoint>[],
      };
    if (f.kind === 'gauge')
      return {
        descriptor,
        aggregationTemporality,
        dataPointType: DataPointType.GAUGE,
        dataPoints: points as DataPoint<number>[],
      };
    return {
      descriptor,
      aggregationTemporality,
      dataPointType: DataPointType.SUM,
      isMonotonic: true,
      dataPoints: points as DataPoint<number>[],
    };
  }
}

interface HistogramPoint {
  buckets: { boundaries: number[]; counts: number[] };
  sum?: number;
  count: number;
}

function histogramPoint(h: HistogramValue, bounds: readonly number[]): HistogramPoint {
  const counts = Array.from({ length: bounds.length + 1 }, (_, i) => h.counts[i] ?? 0);
  for (let i = bounds.length + 1; i < h.counts.length; i++) counts[bounds.length] += h.counts[i];
  return { buckets: { boundaries: [...bounds], counts }, sum: h.sum, count: h.count };
}

/** A copy that later updates of the live series do not change. */
function snapshot(v: SeriesValue): SeriesValue {
  return typeof v === 'number' ? v : { counts: Float64Array.from(v.counts), sum: v.sum, count: v.count };
}

/** `cur - prev`; a value below the previous one means the series restarted, so it counts whole. */
function difference(cur: SeriesValue, prev: SeriesValue | undefined): SeriesValue {
  if (prev === undefined) return cur;
  if (typeof cur === 'number' || typeof prev === 'number')
    return typeof cur === 'number' && typeof prev === 'number' && cur >= prev ? cur - prev : cur;
  if (cur.count < prev.count) return cur;
  const counts = Float64Array.from(cur.counts, (c, i) => c - (prev.counts[i] ?? 0));
  const sum = cur.sum === undefined ? undefined : cur.sum - (prev.sum ?? 0);
  return { counts, sum, count: cur.count - prev.count };
}
