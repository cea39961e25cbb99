/**
 * Must-show 4: 50,000 distinct file names opened under a cap of 1,000 series keep the metric at
 * 1,001 series (1,000 plus `other`), the exporter's RSS under 200 MB, and bpfkit_series_dropped_total
 * equal to the overflow (which the `other` series counts). opensnoop is pointed at this process and a
 * regex decoder drops the names outside the test's directory. Needs root and `npm run build`.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { openSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  parseExposition,
  pkg,
  rssBytes,
  scratchDir,
  scrape,
  sleep,
  startExporter,
  valueOf,
  type RunningExporter,
} from './helpers.js';

const FILES = 50_000;
const CAP = 1_000;
const BATCH = 2_500;

async function received(exporter: RunningExporter): Promise<number> {
  const { samples } = parseExposition((await scrape(exporter.url)).text);
  return valueOf(samples, 'bpfkit_events_received_total', { program: 'opensnoop' }) ?? 0;
}

/** Opens FILES missing files in `dir`, pacing on the exporter; returns the events received before. */
async function openMany(exporter: RunningExporter, dir: string): Promise<number> {
  const base = await received(exporter);
  for (let i = 0; i < FILES; i++) {
    try {
      openSync(join(dir, `f${i}`), 'r'); // ENOENT: an openat(2) the program reports all the same
    } catch {
      // expected
    }
    if ((i + 1) % BATCH === 0) {
      // Keep the perf buffer from filling: let the exporter catch up with what was opened.
      for (let t = 0; t < 200 && (await received(exporter)) < base + i + 1 - BATCH; t++) await sleep(10);
    }
  }
  return base;
}

test('50,000 file names under a cap of 1,000: 1,001 series, bounded memory, drops counted', async (t) => {
  const [dir, clean] = scratchDir('cardinality');
  const config = join(dir, 'metrics.yaml');
  const escaped = dir.replace(/[.*+?^${}()|[\]\\/-]/g, '\\$&');
  writeFileSync(
    config,
    `programs:
  - name: opensnoop
    package: ${await pkg('opensnoop')}
    options: { pid_target: ${process.pid} }
    metrics:
      counters:
        - name: opens_total
          help: Opens by command and file
          max_series: ${CAP}
          labels:
            - name: comm
            - name: filename
              from: fname
              decoders: [{ name: regex, match: '^(${escaped}/.*)$', unmatched: drop }]
`,
  );
  let exporter: RunningExporter | undefined;
  try {
    exporter = await startExporter(config);
    const base = await openMany(exporter, dir);
    let text = '';
    for (let t = 0; t < 100; t++) {
      text = (await scrape(exporter.url)).text;
      if ((valueOf(parseExposition(text).samples, 'bpfkit_events_received_total') ?? 0) >= base + FILES)
        break;
      await sleep(50);
    }
    const { samples } = parseExposition(text);
    assert.equal(valueOf(samples, 'bpfkit_events_lost_total', { program: 'opensnoop' }), 0, 'nothing lost');
    const series = samples.filter((s) => s.name === 'opens_total');
    assert.equal(series.length, CAP + 1, 'the cap, plus other');
    const other = valueOf(samples, 'opens_total', { comm: 'other', filename: 'other' });
    assert.equal(other, FILES - CAP, 'the overflow is counted in other');
    assert.equal(valueOf(samples, 'bpfkit_series_dropped_total', { metric: 'opens_total' }), FILES - CAP);
    assert.equal(valueOf(samples, 'bpfkit_series', { metric: 'opens_total' }), CAP + 1);
    assert.equal(
      series.reduce((a, s) => a + s.value, 0),
      FILES,
    );
    const rss = rssBytes(exporter.pid);
    t.diagnostic(`exporter RSS after ${FILES} names: ${Math.round(rss / 1048576)} MB`);
    assert.ok(rss < 200 * 1024 * 1024, `RSS ${Math.round(rss / 1048576)} MB`);
  } finally {
    const code = exporter ? await exporter.stop() : 0;
    clean();
    assert.equal(code, 0, exporter?.run.stderr());
  }
});
