/**
 * OTLP temporality without a kernel: the push follows OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE
 * as the OTLP exporter reads it. Cumulative sends running totals; delta sends what changed since the
 * previous export, for counters and histograms alike (gauges are values either way), to a loopback
 * receiver.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { HistogramState, type MetricFamily } from '../../src/export/families.js';
import { OtlpPush, metricsUrl } from '../../src/export/otlp.js';
import { attrs, startReceiver, type OtlpMetric } from './otlp-receiver.js';

async function twoExports(preference: string): Promise<OtlpMetric[][]> {
  const receiver = await startReceiver();
  const counter = { v: 5 };
  const hist = new HistogramState([1, 10]);
  hist.observe(0.5);
  const families: MetricFamily[] = [
    {
      name: 'events_total',
      help: 'Events',
      kind: 'counter',
      labelNames: ['k'],
      forEach: (fn) => fn(['a'], counter.v),
    },
    {
      name: 'wait_seconds',
      help: 'Wait',
      kind: 'histogram',
      labelNames: [],
      bounds: [1, 10],
      forEach: (fn) => fn([], hist),
    },
    { name: 'depth', help: 'Depth', kind: 'gauge', labelNames: [], forEach: (fn) => fn([], counter.v * 10) },
  ];
  const saved = process.env.OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE;
  process.env.OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE = preference;
  const push = new OtlpPush({
    endpoint: receiver.url,
    intervalMs: 60_000,
    families: () => families,
    refresh: () => {},
    version: 't',
  });
  if (saved === undefined) delete process.env.OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE;
  else process.env.OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE = saved;
  try {
    await push.flush();
    counter.v = 8;
    hist.observe(5);
    hist.observe(50);
    await push.flush();
  } finally {
    await push.stop();
    await receiver.close();
  }
  return receiver.requests.map((r) => r.resourceMetrics[0].scopeMetrics.flatMap((s) => s.metrics));
}

const sumOf = (ms: OtlpMetric[]): [number, number] => {
  const m = ms.find((x) => x.name === 'events_total')!;
  const p = m.sum!.dataPoints[0];
  assert.equal(attrs(p.attributes).k, 'a');
  return [Number(p.asDouble ?? p.asInt), m.sum!.aggregationTemporality];
};
const histOf = (ms: OtlpMetric[]): number[] =>
  ms.find((x) => x.name === 'wait_seconds')!.histogram!.dataPoints[0].bucketCounts.map(Number);
const gaugeOf = (ms: OtlpMetric[]): number => {
  const p = ms.find((x) => x.name === 'depth')!.gauge!.dataPoints[0];
  return Number(p.asDouble ?? p.asInt);
};

test('cumulative: running totals', async () => {
  const [a, b] = await twoExports('cumulative');
  assert.deepEqual(
    [sumOf(a), sumOf(b)],
    [
      [5, 2],
      [8, 2],
    ],
  );
  assert.deepEqual(
    [histOf(a), histOf(b)],
    [
      [1, 0, 0],
      [1, 1, 1],
    ],
  );
  assert.deepEqual([gaugeOf(a), gaugeOf(b)], [50, 80]);
});

test('delta: what changed since the previous export', async () => {
  const [a, b] = await twoExports('delta');
  assert.deepEqual(
    [sumOf(a), sumOf(b)],
    [
      [5, 1],
      [3, 1],
    ],
  );
  assert.deepEqual(
    [histOf(a), histOf(b)],
    [
      [1, 0, 0],
      [0, 1, 1],
    ],
  );
  assert.deepEqual([gaugeOf(a), gaugeOf(b)], [50, 80]);
});

test('the metrics URL', () => {
  assert.equal(metricsUrl('http://127.0.0.1:4318'), 'http://127.0.0.1:4318/v1/metrics');
  assert.equal(metricsUrl('http://c:4318/custom/v1/metrics'), 'http://c:4318/custom/v1/metrics');
});
