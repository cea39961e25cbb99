/**
 * Must-show 2: a /metrics response holding every kind of metric (event counters with every decoder,
 * a counter from a field, an event histogram and gauge; map counters from a struct value, from a
 * per-CPU array, a log2 histogram with a sum, a linear histogram keyed by a scalar, a gauge map, and
 * the self-metrics) passes `promtool check metrics`, and the invariants promtool does not check. The
 * fixture counts this process's getppid(2) calls, so every value is known exactly. Needs root,
 * `npm run build` and promtool.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  checkInvariants,
  parseExposition,
  pkg,
  promtool,
  scratchDir,
  scrape,
  sleep,
  startExporter,
  valueOf,
  type RunningExporter,
} from './helpers.js';

const CALLS = 300;

function config(pkgPath: string): string {
  return `programs:
  - name: kinds
    package: ${pkgPath}
    options: { target_pid: ${process.pid} }
    metrics:
      counters:
        - name: getppid_events_total
          help: 'Events by "comm", user, result, signal and address'
          labels:
            - { name: comm }
            - { name: user, from: uid, decoders: [uid] }
            - { name: result, from: ret, decoders: [errno] }
            - { name: signal, from: sig, decoders: [signal] }
            - { name: addr, decoders: [inet] }
        - name: getppid_event_latency_seconds_total
          help: Sum of the latencies the events carry
          value_from: latency_ns
          multiplier: 1.0e-9
      histograms:
        - name: getppid_latency_seconds
          help: Latency the events carry
          value_from: latency_ns
          multiplier: 1.0e-9
          buckets: { exp2: { min: -20, max: -10 } }
      gauges:
        - name: getppid_last_latency_seconds
          help: Latency of the last event
          value_from: latency_ns
          multiplier: 1.0e-9
      maps:
        - map: calls
          type: counter
          labels: [{ name: pid }, { name: comm }]
          values:
            - { name: getppid_calls_total, help: Calls per process, from: calls }
            - { name: getppid_call_numbers_total, help: Sum of the call numbers, from: total }
        - { map: hits, type: counter, name: getppid_hits_total, help: Calls counted per CPU and summed }
        - { map: lat, type: histogram, name: getppid_number, help: Call numbers in log2 slots, sum: sum }
        - map: sizes
          type: histogram
          name: getppid_number_linear
          help: Call numbers in slots of ten
          buckets: { linear: { start: 0, width: 10 } }
          labels:
            - { name: parity, from: key, decoders: [{ name: static_map, map: { 0: even, 1: odd } }] }
        - { map: last, type: gauge, name: getppid_last_number, help: The last call number }
`;
}

test('every metric kind passes promtool and the exposition invariants, with exact values', async () => {
  const [dir, clean] = scratchDir('kinds');
  const file = join(dir, 'kinds.yaml');
  writeFileSync(file, config(await pkg('kinds')));
  let exporter: RunningExporter | undefined;
  try {
    exporter = await startExporter(file);
    for (let i = 0; i < CALLS; i++) void process.ppid; // getppid(2) each time
    let text = '';
    for (let i = 0; i < 40; i++) {
      const r = await scrape(exporter.url);
      assert.equal(r.contentType, 'text/plain; version=0.0.4; charset=utf-8');
      text = r.text;
      if (valueOf(parseExposition(text).samples, 'getppid_latency_seconds_count') === CALLS) break;
      await sleep(50);
    }
    const lint = promtool(text);
    assert.equal(lint.status, 0, `promtool check metrics:\n${lint.output}`);
    checkInvariants(text);
    const om = await scrape(exporter.url, 'application/openmetrics-text; version=1.0.0');
    assert.match(om.contentType, /^application\/openmetrics-text; version=1\.0\.0; charset=utf-8$/);
    assert.ok(om.text.endsWith('# EOF\n'));
    checkInvariants(om.text);
    checkValues(text);
  } finally {
    const code = exporter ? await exporter.stop() : 0;
    clean();
    assert.equal(code, 0, exporter?.run.stderr());
  }
});

function checkValues(text: string): void {
  const { samples, types } = parseExposition(text);
  const v = (name: string, labels: Record<string, string> = {}): number | undefined =>
    valueOf(samples, name, labels);
  const half = CALLS / 2;
  const ev = { comm: 'node', user: 'root', addr: '127.0.0.1' };
  assert.equal(v('getppid_events_total', { ...ev, result: 'ENOENT', signal: 'SIGKILL' }), half);
  assert.equal(v('getppid_events_total', { ...ev, result: '0', signal: 'SIGTERM' }), half);
  const sum = (CALLS * (CALLS + 1)) / 2;
  assert.ok(Math.abs(v('getppid_event_latency_seconds_total')! - sum * 1e-6) < 1e-9);
  assert.ok(Math.abs(v('getppid_last_latency_seconds')! - CALLS * 1e-6) < 1e-12);
  assert.equal(v('getppid_latency_seconds_bucket', { le: '0.00048828125' }), CALLS);
  assert.equal(v('getppid_calls_total', { pid: String(process.pid), comm: 'node' }), CALLS);
  assert.equal(v('getppid_call_numbers_total', { pid: String(process.pid) }), sum);
  assert.equal(v('getppid_hits_total'), CALLS, 'per-CPU values summed');
  assert.equal(v('getppid_last_number'), CALLS);
  // log2 slots 0..6 are finite buckets (le = 2^(i+1) - 1); the program clamps n >= 128 into slot 7,
  // which only +Inf counts.
  const log2 = [1, 3, 7, 15, 31, 63, 127].map((le) => v('getppid_number_bucket', { le: `${le}.0` }));
  assert.deepEqual(log2, [1, 3, 7, 15, 31, 63, 127]);
  assert.equal(v('getppid_number_bucket', { le: '+Inf' }), CALLS);
  assert.equal(v('getppid_number_count'), CALLS);
  assert.equal(v('getppid_number_sum'), sum);
  const odd = [9, 19, 29, 39].map((le) =>
    v('getppid_number_linear_bucket', { parity: 'odd', le: `${le}.0` }),
  );
  assert.deepEqual(odd, [5, 10, 15, 20]);
  assert.equal(v('getppid_number_linear_bucket', { parity: 'even', le: '+Inf' }), half);
  for (const [name, type] of [
    ['getppid_events_total', 'counter'],
    ['getppid_latency_seconds', 'histogram'],
    ['getppid_last_number', 'gauge'],
    ['bpfkit_program_attached', 'gauge'],
  ])
    assert.equal(types.get(name), type, name);
  assert.equal(v('bpfkit_program_attached', { program: 'kinds' }), 1);
  assert.equal(v('bpfkit_events_received_total', { program: 'kinds', map: 'events' }), CALLS);
  assert.equal(v('bpfkit_decode_errors_total', { program: 'kinds' }), 0);
  assert.ok(v('bpfkit_program_run_count_total', { bpf_program: 'count_getppid' })! >= CALLS);
}
