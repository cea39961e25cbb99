/**
 * Helpers of the aggregator tools' tests: histograms and labels read back from printed reports
 * (libbpf-tools' print_log2_hist layout), and a run that ends by itself after its count.
 */
import assert from 'node:assert/strict';
import type { ToolRun } from './helpers.js';
import { isLoaded } from './helpers.js';
import { waitFor } from '../helpers/bpf.js';

/** One printed histogram: the label lines above it, its unit, and its rows. */
export interface PrintedHist {
  label: string;
  unit: string;
  rows: { low: number; high: number; count: number }[];
}

const HEADER = /^ +(\w+) +: count {4}distribution$/;
const ROW = /^ +(\d+) -> (\d+) +: (\d+) +\|[* ]*\|$/;

/** The histograms in `text`, each with the lines just above it (after the last blank line) as its label. */
export function histograms(text: string): PrintedHist[] {
  const out: PrintedHist[] = [];
  let label: string[] = [];
  let cur: PrintedHist | undefined;
  for (const line of text.split('\n')) {
    const h = HEADER.exec(line);
    const r = ROW.exec(line);
    if (h) {
      cur = { label: label.join('\n'), unit: h[1], rows: [] };
      out.push(cur);
      label = [];
    } else if (r && cur) {
      cur.rows.push({ low: Number(r[1]), high: Number(r[2]), count: Number(r[3]) });
    } else {
      cur = undefined;
      if (line.trim()) label.push(line);
      else label = [];
    }
  }
  return out;
}

/** Sum of a histogram's counts. */
export function total(h: PrintedHist): number {
  return h.rows.reduce((s, r) => s + r.count, 0);
}

/** Checks the rows are print_log2_hist's buckets 0 -> 1, 2 -> 3, 4 -> 7… from the first on. */
export function assertLog2Rows(h: PrintedHist): void {
  h.rows.forEach((r, i) => {
    assert.equal(r.low, i === 0 ? 0 : 2 ** i);
    assert.equal(r.high, 2 ** (i + 1) - 1);
  });
}

/** Waits for a run that stops by itself (count reached): exit 0, none of its programs left. */
export async function assertEndsItself(run: ToolRun, timeoutMs = 10000): Promise<void> {
  const code = await Promise.race([
    run.exited,
    new Promise((r) => setTimeout(() => r('timeout'), timeoutMs)),
  ]);
  if (code === 'timeout') run.child.kill('SIGKILL');
  assert.equal(code, 0, run.stderr());
  await waitFor(
    () => (run.programs.some(isLoaded) ? undefined : true),
    () => {},
    3000,
    20,
  ).catch(() => assert.deepEqual(run.programs.filter(isLoaded), [], 'programs left loaded'));
}

/** The first histogram `pick` selects, once printed. */
export async function waitForHist(
  run: { stdout(): string },
  pick: (h: PrintedHist) => boolean,
): Promise<PrintedHist> {
  for (let i = 0; i < 150; i++) {
    // A histogram is complete once a later line follows it; reports end with a row.
    const h = histograms(run.stdout()).find(pick);
    if (h && h.rows.length > 0) return h;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`no such histogram in:\n${run.stdout()}`);
}
