/**
 * The exporter's metric model, shared by the Prometheus/OpenMetrics serializer and the OTLP push:
 * a family (name, help, kind, label names, histogram bounds) that lists its series on demand, the
 * per-series histogram state (non-cumulative bucket counts with the overflow bucket last, sum, count)
 * and the one canonical rendering of bucket bounds. No kernel.
 */

/** The three kinds of metric the exporter writes. */
export type MetricKind = 'counter' | 'gauge' | 'histogram';

/** A histogram's data: `counts[i]` values in bucket i (not cumulative); the last is above every bound. */
export interface HistogramValue {
  readonly counts: ArrayLike<number>;
  /** Sum of the observed values, when known (kernel maps without a sum slot have none). */
  readonly sum: number | undefined;
  readonly count: number;
}

/** A series' value: a number (counter, gauge) or a histogram. */
export type SeriesValue = number | HistogramValue;

/** A metric family as the serializers see it. */
export interface MetricFamily {
  readonly name: string;
  readonly help: string;
  readonly kind: MetricKind;
  readonly labelNames: readonly string[];
  /** Histograms: finite upper bounds (inclusive), increasing. */
  readonly bounds?: readonly number[];
  /**
   * True when values are read whole from elsewhere (kernel maps, the exporter's state), like an
   * OpenTelemetry observable instrument; false/absent when the exporter counts them (events).
   */
  readonly observable?: boolean;
  /** Calls `fn` once per series with its label values (in labelNames order) and value. */
  forEach(fn: (values: readonly string[], value: SeriesValue) => void): void;
}

/** A counter or gauge series' value. */
export interface Cell {
  v: number;
}

/** Histogram state fed one observation at a time (event histograms). */
export class HistogramState implements HistogramValue {
  readonly counts: Float64Array;
  sum = 0;
  count = 0;

  constructor(private readonly bounds: readonly number[]) {
    this.counts = new Float64Array(bounds.length + 1);
  }

  /** Counts `v` in the first bucket whose bound is >= v (the overflow bucket when none is). */
  observe(v: number): void {
    const b = this.bounds;
    let lo = 0;
    let hi = b.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (v <= b[mid]) hi = mid;
      else lo = mid + 1;
    }
    this.counts[lo]++;
    this.sum += v;
    this.count++;
  }
}

/**
 * Multiplies by `m` the way a person would: a multiplier that is the inverse of an integer (1e-9,
 * 1e-6) divides by that integer instead, so 1000 ns × 1e-9 is exactly 1e-6 and lands in the bucket
 * bounded by 1e-6 (1000 * 1e-9 is 1.0000000000000002e-6 in floating point).
 */
export function scaler(m: number): (x: number) => number {
  if (m === 1) return (x) => x;
  const inv = Math.round(1 / m);
  if (m < 1 && inv > 1 && Math.abs(inv * m - 1) < 1e-12) return (x) => x / inv;
  return (x) => x * m;
}

/**
 * `v` rounded to 15 significant digits: bounds computed as integer × multiplier (3 × 1e-6) come out
 * of floating point with noise in the last digit (3.0000000000000001e-06), which would show in `le`.
 */
export function tidy(v: number): number {
  return Number.isFinite(v) && v !== 0 ? Number(v.toPrecision(15)) : v;
}

/**
 * A bound as `le` text, the same in both text formats so a series never changes name: Go's shortest
 * `%g` (exponent below 1e-4 and from 1e6 on, two exponent digits), with `.0` added to integers, as
 * OpenMetrics makes canonical: `1.0`, `0.25`, `1e-06`, `1.048576e+06`, `+Inf`.
 */
export function formatBound(v: number): string {
  if (v === Infinity) return '+Inf';
  if (v === -Infinity) return '-Inf';
  if (Number.isNaN(v)) return 'NaN';
  if (v === 0) return '0.0';
  const [mant, e] = v.toExponential().split('e');
  const exp = Number(e);
  if (exp < -4 || exp >= 6) return `${mant}e${exp < 0 ? '-' : '+'}${String(Math.abs(exp)).padStart(2, '0')}`;
  const s = String(v);
  return s.includes('.') ? s : `${s}.0`;
}
