/**
 * Must-show 1: a real Prometheus server (Debian's, on loopback, 1 s scrape interval, temporary data
 * dir) scrapes `bpfkit export` running opensnoop with a counter labelled by comm and filename and
 * runqlat's log2 histogram map. PromQL through Prometheus's HTTP API returns the count of opens of a
 * file only this test opens, and histogram_quantile over the map histogram is finite. Needs root,
 * `npm run build` and prometheus.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { closeSync, openSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  checkInvariants,
  pkg,
  progIdsOf,
  scratchDir,
  scrape,
  sleep,
  startExporter,
  startPrometheus,
  stillLoaded,
  type Prometheus,
  type RunningExporter,
} from './helpers.js';

test('Prometheus scrapes opensnoop counters and the runqlat histogram map', async () => {
  const [dir, clean] = scratchDir('prometheus');
  const config = join(dir, 'metrics.yaml');
  writeFileSync(
    config,
    `programs:
  - name: opensnoop
    package: ${await pkg('opensnoop')}
    metrics:
      counters:
        - name: opens_total
          help: openat(2) calls by command and file
          labels:
            - name: comm
            - name: filename
              from: fname
  - name: runqlat
    package: ${await pkg('runqlat')}
    metrics:
      maps:
        - map: hists
          type: histogram
          name: runq_latency_seconds
          help: Time runnable tasks waited for a CPU
          buckets: log2
          multiplier: 0.000001
`,
  );
  let exporter: RunningExporter | undefined;
  let prom: Prometheus | undefined;
  let ids: number[];
  let code: number | string | undefined;
  try {
    exporter = await startExporter(config);
    ids = progIdsOf(exporter.pid);
    assert.equal(ids.length, 5, 'opensnoop (2) and runqlat (3) programs loaded');
    prom = await startPrometheus([new URL(exporter.url).host]);
    const file = join(dir, `unique-${process.pid}-${Date.now()}`);
    for (let i = 0; i < 3; i++) closeSync(openSync(file, 'w'));

    const q = `sum(opens_total{filename="${file}"})`;
    let opens: number | undefined;
    for (const end = Date.now() + 20_000; Date.now() < end && opens !== 3; await sleep(250)) {
      const r = await prom.query(q);
      opens = r.length ? Number(r[0].value[1]) : undefined;
    }
    assert.equal(opens, 3, `${q} through Prometheus`);
    const [median] = await prom.query('histogram_quantile(0.5, sum by (le) (runq_latency_seconds_bucket))');
    assert.ok(median && Number.isFinite(Number(median.value[1])), `a finite median: ${median?.value[1]}`);
    const [up] = await prom.query('up{job="bpfkit"}');
    assert.equal(up.value[1], '1');

    // What Prometheus ingested is well-formed, in both formats.
    checkInvariants((await scrape(exporter.url)).text);
    checkInvariants((await scrape(exporter.url, 'application/openmetrics-text; version=1.0.0')).text);
  } finally {
    await prom?.stop();
    code = await exporter?.stop();
    clean();
    assert.equal(code, 0, exporter?.run.stderr());
  }
  assert.deepEqual(await stillLoaded(ids), [], 'nothing left loaded');
});
