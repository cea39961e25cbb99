/**
 * Serialization and metric building without a kernel: content negotiation, the canonical `le`
 * text, golden Prometheus 0.0.4 and OpenMetrics output (escaping, `_total`, `# EOF`, HELP quotes),
 * map metrics built against the kinds fixture's BTF and fed synthetic rows (log2 slots with the
 * clamped top slot only in +Inf, linear slots, per-CPU sums, several metrics from one struct value,
 * rows that decode alike summed, the cap on map series), event metrics fed decoded records, and
 * promtool plus the invariants over all of it. Builds the fixture with clang; no root.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import type { Decoded } from '../../src/btf/decode.js';
import { parseConfig } from '../../src/export/config.js';
import type { ExportConfig } from '../../src/export/config-types.js';
import { EventMetric } from '../../src/export/event-metrics.js';
import { Exposition, negotiate } from '../../src/export/exposition.js';
import { HistogramState, formatBound, type MetricFamily } from '../../src/export/families.js';
import { MapMetric, type MapShape } from '../../src/export/map-metrics.js';
import { SCRAPE_BOUNDS, selfFamilies } from '../../src/export/self-metrics.js';
import { parseTarget } from '../../src/package/load.js';
import { parseObject } from '../../src/package/parse-object.js';
import type { ObjectSpec } from '../../src/spec/object.js';
import { checkInvariants, parseExposition, pkg, promtool, valueOf, type Sample } from './helpers.js';

test('content negotiation', () => {
  const prometheus242 =
    'application/openmetrics-text;version=1.0.0,application/openmetrics-text;version=0.0.1;q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1';
  assert.equal(negotiate(prometheus242), 'openmetrics');
  assert.equal(negotiate(undefined), 'prometheus');
  assert.equal(negotiate('*/*'), 'prometheus');
  assert.equal(negotiate('text/plain; version=0.0.4'), 'prometheus');
  assert.equal(negotiate('text/plain;q=0.9, application/openmetrics-text;q=0.5'), 'prometheus');
  assert.equal(negotiate('application/openmetrics-text; q=0'), 'prometheus');
  assert.equal(negotiate('application/openmetrics-text; version=2.0.0'), 'prometheus');
});

test('bucket bounds have one canonical text', () => {
  const cases: [number, string][] = [
    [1, '1.0'],
    [0, '0.0'],
    [0.25, '0.25'],
    [0.001, '0.001'],
    [0.0001, '0.0001'],
    [1e-5, '1e-05'],
    [1.5e-5, '1.5e-05'],
    [123456, '123456.0'],
    [1048576, '1.048576e+06'],
    [1e21, '1e+21'],
    [Infinity, '+Inf'],
  ];
  for (const [v, text] of cases) assert.equal(formatBound(v), text, String(v));
});

const fixed = (
  f: Omit<MetricFamily, 'forEach'>,
  rows: [string[], number | HistogramState][],
): MetricFamily => ({
  ...f,
  forEach: (fn) => rows.forEach(([l, v]) => fn(l, v)),
});

test('golden output in both formats', async () => {
  const h = new HistogramState([0.5, 1]);
  [0.2, 0.7, 3].forEach((v) => h.observe(v));
  const e = new Exposition();
  e.add(
    fixed({ name: 'opens_total', help: 'Opens of "files" \\ paths', kind: 'counter', labelNames: ['file'] }, [
      [['a"b\\c\nd'], 2],
    ]),
  );
  e.add(fixed({ name: 'depth', help: 'Depth', kind: 'gauge', labelNames: [] }, [[[], -1.5]]));
  e.add(
    fixed({ name: 'wait_seconds', help: 'Wait', kind: 'histogram', labelNames: ['q'], bounds: [0.5, 1] }, [
      [['x'], h],
    ]),
  );
  const noSum = { counts: [1, 1], sum: undefined, count: 2 };
  e.add({
    name: 'slots',
    help: 'Slots',
    kind: 'histogram',
    labelNames: [],
    bounds: [1],
    forEach: (fn) => fn([], noSum),
  });
  assert.equal(
    await e.render('prometheus'),
    `# HELP opens_total Opens of "files" \\\\ paths
# TYPE opens_total counter
opens_total{file="a\\"b\\\\c\\nd"} 2

# HELP depth Depth
# TYPE depth gauge
depth -1.5

# HELP wait_seconds Wait
# TYPE wait_seconds histogram
wait_seconds_bucket{q="x",le="0.5"} 1
wait_seconds_bucket{q="x",le="1.0"} 2
wait_seconds_bucket{q="x",le="+Inf"} 3
wait_seconds_sum{q="x"} 3.9
wait_seconds_count{q="x"} 3

# HELP slots Slots
# TYPE slots histogram
slots_bucket{le="1.0"} 1
slots_bucket{le="+Inf"} 2
slots_count 2
`,
  );
  const om = await e.render('openmetrics');
  assert.match(
    om,
    /^# HELP opens Opens of \\"files\\" \\\\ paths\n# TYPE opens counter\nopens_total\{file="a\\"b\\\\c\\nd"\} 2\n/,
  );
  assert.match(om, /\nslots_bucket\{le="\+Inf"\} 2\n# EOF\n$/, 'no _count without _sum in OpenMetrics');
  assert.equal(await e.render('prometheus'), await e.render('prometheus'), 'rendering twice is stable');
});

/** The kinds fixture's object, its metrics config (as kinds.test.ts uses) and the map shapes. */
async function kinds(): Promise<{ spec: ObjectSpec; config: ExportConfig; shape: (m: string) => MapShape }> {
  const path = await pkg('kinds');
  const t = parseTarget(new Uint8Array(readFileSync(path)), path);
  const spec = parseObject(t.object, path);
  const config = parseConfig(
    `programs:
  - name: kinds
    package: ${path}
    metrics:
      counters:
        - name: ev_total
          labels: [{ name: comm }, { name: result, from: ret, decoders: [errno] }]
        - { name: ev_latency_sum_seconds_total, value_from: latency_ns, multiplier: 1.0e-9 }
      gauges: [{ name: ev_last_latency_seconds, value_from: latency_ns, multiplier: 1.0e-9 }]
      histograms:
        - { name: ev_latency_seconds, value_from: latency_ns, multiplier: 1.0e-9, buckets: [0.000001, 0.000002] }
      maps:
        - map: calls
          type: counter
          labels: [{ name: comm }]
          values: [{ name: calls_total, from: calls }, { name: call_numbers_total, from: total }]
        - { map: hits, type: counter, name: hits_total }
        - { map: lat, type: histogram, name: number, sum: sum }
        - { map: lat, type: histogram, name: number_unclamped, overflow: none }
        - map: sizes
          type: histogram
          name: number_linear
          buckets: { linear: { start: 0, width: 10 } }
          max_series: 1
          labels: [{ name: parity, from: key, decoders: [{ name: static_map, map: { 0: even, 1: odd } }] }]
`,
    'kinds.yaml',
  );
  const shape = (name: string): MapShape => {
    const m = spec.maps.find((x) => x.name === name)!;
    return { name, typeName: m.typeName, btf: spec.btf!, keyType: m.keyType, valueType: m.valueType };
  };
  return { spec, config, shape };
}

test('map and event metrics, serialized, pass promtool and the invariants', async () => {
  const { spec, config, shape } = await kinds();
  const p = config.programs[0];
  const stats = { decodeErrors: 0 };
  const maps = p.maps.map((m) => new MapMetric(m, shape(m.map), config.locator, stats));
  const [calls, hits, lat, unclamped, sizes] = maps;
  calls.update(
    [
      { key: { pid: 1, comm: 'a' }, values: [{ calls: 2n, total: 3n }] },
      { key: { pid: 2, comm: 'a' }, values: [{ calls: 5n, total: 7n }] },
      { key: { pid: 3, comm: 'b' }, values: [{ calls: 1n, total: 1n }] },
    ],
    0,
  );
  hits.update([{ key: 0, values: [5n, 7n] }], 0);
  const slots = [1, 2, 4, 8, 16, 32, 64, 173].map(BigInt);
  for (const m of [lat, unclamped]) m.update([{ key: 0, values: [{ slots, sum: 45150n }] }], 0);
  sizes.update(
    [
      { key: 1, values: [{ slots: [5, 5, 5, 5, 130] }] },
      { key: 0, values: [{ slots: [4, 5, 5, 5, 131] }] },
    ],
    0,
  );
  sizes.update(
    [
      { key: 1, values: [{ slots: [5, 5, 5, 5, 130] }] },
      { key: 0, values: [{ slots: [4, 5, 5, 5, 131] }] },
    ],
    1,
  );
  assert.equal(sizes.dropped, 1, 'a folded map entry counts once while it stays');

  const btf = spec.btf!;
  const typeId = btf.byName('event').find((t) => t.kind === 'struct')!.id;
  const events = p.events.map(
    (m) => new EventMetric(m, { btf, typeId, describe: 'struct event' }, config.locator, stats),
  );
  for (const n of [1, 2, 3])
    for (const m of events) m.observe({ comm: 'node', ret: n % 2 ? -2 : 0, latency_ns: BigInt(n * 1000) }, 0);

  const e = new Exposition();
  for (const f of [...events, ...maps.flatMap((m) => m.families)]) e.add(f);
  for (const f of fakeSelfFamilies()) e.add(f);
  const text = await e.render('prometheus');
  const lint = promtool(text);
  assert.equal(lint.status, 0, lint.output);
  checkInvariants(text);
  checkInvariants(await e.render('openmetrics'));

  checkMapAndEventValues(parseExposition(text).samples);
  assert.equal(stats.decodeErrors, 0);

  // A map entry that goes away frees its place under the cap.
  sizes.update([{ key: 0, values: [{ slots: [1, 0, 0, 0, 0] }] }], 2);
  const after = parseExposition(await e.render('prometheus')).samples;
  assert.equal(valueOf(after, 'number_linear_count', { parity: 'even' }), 1);
  assert.equal(valueOf(after, 'number_linear_count', { parity: 'other' }), undefined);
});

/** Self-metric families over a made-up exporter state. */
function fakeSelfFamilies(): MetricFamily[] {
  const scrapes = new HistogramState(SCRAPE_BOUNDS);
  scrapes.observe(0.002);
  return selfFamilies({
    programs: () => [
      {
        name: 'kinds',
        attached: true,
        events: [{ map: 'events', received: 3, lost: 0 }],
        decodeErrors: 0,
        mapReadErrors: new Map(),
        progStats: () => [{ bpfProgram: 'count_getppid', runTimeNs: 1500n, runCount: 3n }],
      },
    ],
    metrics: () => [{ name: 'ev_total', dropped: 0, series: 2 }],
    scrapes,
    statsEnabled: () => true,
    version: '0.0.0',
  });
}

/** What the synthetic rows and records of the test above must come to. */
function checkMapAndEventValues(samples: Sample[]): void {
  const v = (name: string, labels: Record<string, string> = {}): number | undefined =>
    valueOf(samples, name, labels);
  assert.equal(v('calls_total', { comm: 'a' }), 7, 'rows whose labels decode alike are summed');
  assert.equal(v('call_numbers_total', { comm: 'b' }), 1);
  assert.equal(v('hits_total'), 12, 'per-CPU values summed');
  assert.deepEqual(
    ['1.0', '3.0', '7.0', '15.0', '31.0', '63.0', '127.0', '+Inf'].map((le) => v('number_bucket', { le })),
    [1, 3, 7, 15, 31, 63, 127, 300],
    'the clamped top slot only in +Inf',
  );
  assert.equal(v('number_sum'), 45150);
  assert.equal(
    v('number_unclamped_bucket', { le: '255.0' }),
    300,
    'overflow: none gives the top slot a bound',
  );
  assert.equal(v('number_unclamped_sum'), undefined);
  assert.equal(v('number_linear_bucket', { parity: 'odd', le: '39.0' }), 20);
  assert.equal(v('number_linear_bucket', { parity: 'other', le: '+Inf' }), 150, 'past max_series: other');
  assert.equal(v('ev_total', { comm: 'node', result: 'ENOENT' }), 2);
  assert.equal(v('ev_total', { comm: 'node', result: '0' }), 1);
  assert.ok(Math.abs(v('ev_latency_sum_seconds_total')! - 6e-6) < 1e-15);
  assert.equal(v('ev_latency_seconds_bucket', { le: '1e-06' }), 1);
  assert.equal(v('ev_latency_seconds_bucket', { le: '2e-06' }), 2);
  assert.equal(v('ev_latency_seconds_bucket', { le: '+Inf' }), 3);
  assert.ok(Math.abs(v('ev_last_latency_seconds')! - 3e-6) < 1e-15);
  assert.equal(v('bpfkit_program_run_time_seconds_total', { bpf_program: 'count_getppid' }), 1.5e-6);
}

test('event metrics: checks against the event type, decode failures counted', async () => {
  const { spec, config } = await kinds();
  const btf = spec.btf!;
  const typeId = btf.byName('event').find((t) => t.kind === 'struct')!.id;
  const stats = { decodeErrors: 0 };
  const [counter] = config.programs[0].events;
  const m = new EventMetric(counter, { btf, typeId, describe: 'struct event' }, config.locator, stats);
  m.observe({ comm: 'x', ret: 'not a number' } as unknown as Decoded, 0);
  assert.equal(stats.decodeErrors, 1);
  const bad = { ...counter, labels: [{ ...counter.labels[0], from: 'nope' }] };
  assert.throws(
    () => new EventMetric(bad, { btf, typeId, describe: 'struct event' }, config.locator, stats),
    /kinds\.yaml:7:20: programs\[0\]\.metrics\.counters\[0\]\.labels\[0\]\.from: struct event: struct event has no field 'nope' \(fields: pid, uid, ret, sig, addr, latency_ns, comm\)/,
  );
});
