/**
 * cpudist on the real kernel: a CPU-burning child (preempted while runnable) must show up in its
 * own on-CPU histogram, a sleeping child in its off-CPU one (-O), with counts in buckets; --json,
 * raw_tp fallback, usage errors. Needs root and `npm run build`.
 */
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { runCli } from '../helpers/bpf.js';
import { child, lines, mountTracing, objectsWhen, withTool } from './helpers.js';
import { assertLog2Rows, histograms, total, waitForHist } from './hist.js';

before(mountTracing);

/** A process that burns CPU for `sec` seconds. */
const burner = (sec = 20): ReturnType<typeof child> =>
  child('perl', ['-e', `my $t = time + ${sec}; 1 while time < $t`]);

test('-P -p: the burning child has an on-CPU histogram with counts', async () => {
  const b = burner();
  try {
    await withTool(['cpudist', '-P', '-p', String(b.pid), '1'], async (run) => {
      assert.equal(lines(run)[0], 'Tracing on-CPU time... Hit Ctrl-C to end.');
      const h = await waitForHist(run, (x) => x.label === `pid = ${b.pid} perl`);
      assert.equal(h.unit, 'usecs');
      assertLog2Rows(h);
      assert.ok(total(h) > 0, JSON.stringify(h));
      // Preemption comes after a scheduler slice: milliseconds, not microseconds.
      assert.ok(h.rows.length > 10, JSON.stringify(h));
      assert.ok(histograms(run.stdout()).every((x) => x.label === `pid = ${b.pid} perl`));
    });
  } finally {
    b.kill();
  }
});

test('-O -m: a sleeping child has an off-CPU histogram in msecs', async () => {
  const s = child('perl', ['-e', 'select(undef, undef, undef, 0.02) for 1..500']);
  try {
    await withTool(['cpudist', '-O', '-m', '-p', String(s.pid), '1'], async (run) => {
      assert.equal(lines(run)[0], 'Tracing off-CPU time... Hit Ctrl-C to end.');
      const h = await waitForHist(run, (x) => x.label === '' && total(x) > 0);
      assert.equal(h.unit, 'msecs');
      // 20 ms sleeps: the 16 -> 31 bucket.
      assert.ok((h.rows[4]?.count ?? 0) > 0, JSON.stringify(h));
    });
  } finally {
    s.kill();
  }
});

test('-L --json on raw_tp: one object per thread', async () => {
  const b = burner();
  try {
    await withTool(
      ['cpudist', '-L', '-p', String(b.pid), '--json', '1'],
      async (run) => {
        const [o] = await objectsWhen(run, (x) => (x.key as { tid?: number }).tid === b.pid);
        assert.deepEqual(Object.keys(o), ['time', 'key', 'unit', 'buckets']);
        assert.deepEqual(o.key, { tid: b.pid, comm: 'perl' });
        assert.ok((o.buckets as { count: number }[]).some((x) => x.count > 0));
      },
      { env: { BPFKIT_NO_TP_BTF: '1' } },
    );
  } finally {
    b.kill();
  }
});

test('bad usage: unknown option 64, -P with -L 1', async () => {
  const bad = await runCli(['cpudist', '-z']);
  assert.equal(bad.code, 64);
  assert.match(bad.stderr, /invalid option -- 'z'/);
  const both = await runCli(['cpudist', '-P', '-L']);
  assert.equal(both.code, 1);
  assert.equal(both.stderr, "cpudist: pids, tids cann't be used together.\n");
});
