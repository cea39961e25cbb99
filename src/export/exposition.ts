/**
 * Serializes metric families through prom-client: Prometheus text 0.0.4 or OpenMetrics 1.0, chosen
 * by content negotiation, with an explicit Content-Type. prom-client has no API for pre-aggregated
 * data (kernel maps, our capped series), so each family is a custom collector that hands it ready
 * samples (`_bucket{le}` cumulative, `+Inf` equal to `_count`); prom-client does the escaping, the
 * OpenMetrics `_total`/`# EOF` rules and the layout. One fix on top: OpenMetrics HELP text must also
 * escape `"`, which prom-client leaves raw. No kernel.
 */
import { Registry, type Metric, type OpenMetricsContentType } from 'prom-client';
import { formatBound, type HistogramValue, type MetricFamily } from './families.js';

/** The two exposition formats. */
export type Format = 'prometheus' | 'openmetrics';

/** Content-Type of each format. */
export const CONTENT_TYPES: Record<Format, string> = {
  prometheus: Registry.PROMETHEUS_CONTENT_TYPE,
  openmetrics: Registry.OPENMETRICS_CONTENT_TYPE,
};

/** The format an Accept header prefers (OpenMetrics only when asked for; text 0.0.4 otherwise). */
export function negotiate(accept: string | undefined): Format {
  if (!accept) return 'prometheus';
  let best: { format: Format; q: number } = { format: 'prometheus', q: -1 };
  for (const part of accept.split(',')) {
    const [type, ...params] = part.split(';').map((s) => s.trim().toLowerCase());
    const q = Number(params.find((p) => p.startsWith('q='))?.slice(2) ?? 1);
    const version = params.find((p) => p.startsWith('version='))?.slice(8);
    let format: Format | undefined;
    if (
      type === 'application/openmetrics-text' &&
      (!version || version.startsWith('1.') || version === '0.0.1')
    )
      format = 'openmetrics';
    else if (type === 'text/plain' || type === '*/*' || type === 'text/*') format = 'prometheus';
    if (format && Number.isFinite(q) && q > 0 && q > best.q) best = { format, q };
  }
  return best.format;
}

/** A prom-client sample as its serializer reads it. */
interface Sample {
  metricName?: string;
  labels: Record<string, string>;
  value: number;
}

/** OpenMetrics registry: the HELP line's text gets `"` escaped as the spec's escaped-string requires. */
class OpenMetricsRegistry extends Registry<OpenMetricsContentType> {
  constructor() {
    super();
    this.setContentType(Registry.OPENMETRICS_CONTENT_TYPE);
  }
  async getMetricsAsString(metric: unknown): Promise<string> {
    const base = Registry.prototype as unknown as { getMetricsAsString(m: unknown): Promise<string> };
    const text = await base.getMetricsAsString.call(this, metric);
    const nl = text.indexOf('\n');
    const head = nl < 0 ? text : text.slice(0, nl);
    return head.replace(/"/g, '\\"') + (nl < 0 ? '' : text.slice(nl));
  }
}

/** Renders families in either format. */
export class Exposition {
  private readonly registries: Record<Format, Registry<OpenMetricsContentType> | Registry> = {
    prometheus: new Registry(),
    openmetrics: new OpenMetricsRegistry(),
  };

  /** Adds a family (its name must be new). */
  add(family: MetricFamily): void {
    for (const format of ['prometheus', 'openmetrics'] as const)
      this.registries[format].registerMetric(collector(family, format) as unknown as Metric);
  }

  /** The exposition text of every family, in the order they were added. */
  render(format: Format): Promise<string> {
    return this.registries[format].metrics();
  }
}

/**
 * A duck-typed prom-client metric over a family. prom-client renames OpenMetrics counter families
 * (dropping `_total`) on its own object, so each format gets its own.
 */
function collector(f: MetricFamily, format: Format): object {
  const les = (): string[] => (f.bounds ?? []).map(formatBound);
  const c = {
    name: f.name,
    help: f.help,
    type: f.kind,
    aggregator: 'sum',
    reset() {},
    get() {
      const values: Sample[] = [];
      const bounds = f.kind === 'histogram' ? les() : [];
      f.forEach((vals, v) => {
        const labels: Record<string, string> = {};
        f.labelNames.forEach((n, i) => (labels[n] = vals[i]));
        if (typeof v === 'number') values.push({ labels, value: v });
        else histogramSamples(c.name, labels, bounds, v, format, values);
      });
      return { name: c.name, help: f.help, type: f.kind, aggregator: 'sum', values };
    },
  };
  return c;
}

function histogramSamples(
  name: string,
  labels: Record<string, string>,
  les: string[],
  h: HistogramValue,
  format: Format,
  out: Sample[],
): void {
  let cum = 0;
  for (let i = 0; i < les.length; i++) {
    cum += h.counts[i];
    out.push({ metricName: `${name}_bucket`, labels: { ...labels, le: les[i] }, value: cum });
  }
  for (let i = les.length; i < h.counts.length; i++) cum += h.counts[i];
  out.push({ metricName: `${name}_bucket`, labels: { ...labels, le: '+Inf' }, value: cum });
  // OpenMetrics has `_count` exactly when there is a `_sum`; text 0.0.4 always gets it.
  if (h.sum !== undefined) out.push({ metricName: `${name}_sum`, labels, value: h.sum });
  if (h.sum !== undefined || format === 'prometheus')
    out.push({ metricName: `${name}_count`, labels, value: cum });
}
