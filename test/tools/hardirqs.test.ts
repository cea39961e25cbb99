/**
 * hardirqs on the real kernel: direct disk writes raise the disk's interrupt, which must show up
 * by name; -C counts must not exceed what /proc/interrupts counted meanwhile (each interrupt once,
 * though tp_btf and raw_tp twins exist); -d histograms, --json, raw_tp, usage errors. Needs root
 * and `npm run build`.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { runCli } from '../helpers/bpf.js';
import { child, fields, lines, mountTracing, objectsWhen, startTool, stopTool, withTool } from './helpers.js';
import { histograms, total, waitForHist } from './hist.js';
import { delta, hardIrqCounts } from './irqs.js';

// Not tmpfs: the writes must reach a disk.
const dir = mkdtempSync(join('/var/tmp', 'bpfkit-hardirqs-'));
before(mountTracing);
after(() => rmSync(dir, { recursive: true, force: true }));

/** Direct, synced writes to a file on disk; returns the handler whose count grew most meanwhile. */
async function diskIo(): Promise<string> {
  const before = hardIrqCounts();
  await child('dd', ['if=/dev/zero', `of=${join(dir, 'f')}`, 'bs=4k', 'count=200', 'oflag=direct,sync']).done;
  return [...delta(before, hardIrqCounts())].sort((a, b) => b[1] - a[1])[0][0];
}

/** Table rows (name, number) of a run's stdout. */
const rows = (out: string[]): [string, number][] =>
  out
    .filter((l) => /^\S+ +\d+$/.test(l))
    .map((l) => fields(l, 2) as [string, string])
    .map(([n, v]) => [n, Number(v)]);

test('-C: the disk interrupt by name, each counted once', async () => {
  const before = hardIrqCounts();
  const run = await startTool(['hardirqs', '-C', '1']);
  const irq = await diskIo();
  await new Promise((r) => setTimeout(r, 1200));
  await stopTool(run);
  const grown = delta(before, hardIrqCounts());
  const out = lines(run);
  assert.equal(out[0], 'Tracing hard irq events... Hit Ctrl-C to end.');
  assert.ok(out.includes('HARDIRQ                    TOTAL_count'), out.join('\n'));
  const seen = new Map<string, number>();
  for (const [n, c] of rows(out)) seen.set(n, (seen.get(n) ?? 0) + c);
  assert.ok((seen.get(irq) ?? 0) > 0, `${irq} in\n${out.join('\n')}`);
  for (const [n, c] of seen) assert.ok(c <= (grown.get(n) ?? 0), `${n}: ${c} > ${grown.get(n)}`);
});

test('default: time per handler; -d histograms in nsecs (-N)', async () => {
  await withTool(['hardirqs', '1'], async (run) => {
    const irq = await diskIo();
    await objectsOrRows(run, irq);
    assert.ok(lines(run).includes('HARDIRQ                    TOTAL_usecs'));
  });
  await withTool(['hardirqs', '-d', '-N', '1'], async (run) => {
    const irq = await diskIo();
    const h = await waitForHist(run, (x) => x.label === `hardirq = ${irq}`);
    assert.equal(h.unit, 'nsecs');
    assert.ok(total(h) > 0);
    assert.ok(histograms(run.stdout()).every((x) => x.label.startsWith('hardirq = ')));
  });
});

test('--json on raw_tp: one object per handler', async () => {
  await withTool(
    ['hardirqs', '-C', '--json', '1'],
    async (run) => {
      const irq = await diskIo();
      const [o] = await objectsWhen(run, (x) => x.irq === irq);
      assert.deepEqual(Object.keys(o), ['time', 'irq', 'count']);
      assert.ok((o.count as number) > 0);
    },
    { env: { BPFKIT_NO_TP_BTF: '1' } },
  );
});

test('bad usage: unknown option 64, -C with -d 1', async () => {
  assert.equal((await runCli(['hardirqs', '-z'])).code, 64);
  const both = await runCli(['hardirqs', '-C', '-d']);
  assert.equal(both.code, 1);
  assert.equal(both.stderr, "hardirqs: count, distributed cann't be used together.\n");
});

/** Waits for a table row of `irq` with a non-zero time. */
async function objectsOrRows(run: { stdout(): string }, irq: string): Promise<void> {
  for (let i = 0; i < 100; i++) {
    if (rows(run.stdout().split('\n')).some(([n, v]) => n === irq && v >= 0)) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`no row for ${irq}:\n${run.stdout()}`);
}
