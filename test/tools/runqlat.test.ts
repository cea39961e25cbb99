/**
 * runqlat on the real kernel: a child that sleeps and wakes hundreds of times must show up in its
 * own histogram (-P, -p, -L), with counts in buckets; --json, -m, count reached, SIGINT and
 * SIGTERM; bad usage. Needs root and `npm run build`.
 */
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { runCli } from '../helpers/bpf.js';
import { child, lines, mountTracing, objectsWhen, startTool, withTool } from './helpers.js';
import { assertEndsItself, assertLog2Rows, histograms, total, waitForHist } from './hist.js';

before(mountTracing);

/** A process that sleeps 2 ms and wakes, `n` times (each wakeup queues it). */
function sleeper(n = 1500): ReturnType<typeof child> {
  return child('perl', ['-e', `select(undef, undef, undef, 0.002) for 1..${n}`]);
}

test('-P -p: the sleeping child has its own histogram with counts', async () => {
  const s = sleeper();
  try {
    await withTool(['runqlat', '-P', '-p', String(s.pid), '1'], async (run) => {
      assert.equal(lines(run)[0], 'Tracing run queue latency... Hit Ctrl-C to end.');
      const mine = `pid = ${s.pid} perl`;
      const h = await waitForHist(run, (x) => x.label === mine);
      assert.equal(h.unit, 'usecs');
      assertLog2Rows(h);
      assert.ok(total(h) > 10, JSON.stringify(h));
      assert.ok(
        histograms(run.stdout()).every((x) => x.label === mine),
        'only the process given to -p',
      );
    });
  } finally {
    s.kill();
  }
});

test('raw_tp fallback where tp_btf is missing (-v says so), same histogram', async () => {
  const s = sleeper();
  try {
    const run = await withTool(
      ['runqlat', '-v', '-P', '-p', String(s.pid), '1'],
      async (r) => {
        const h = await waitForHist(r, (x) => x.label === `pid = ${s.pid} perl`);
        assert.ok(total(h) > 0);
      },
      { env: { BPFKIT_NO_TP_BTF: '1' } },
    );
    assert.match(run.stderr(), /^runqlat: scheduler wakeups and switches: raw_tp\/sched_wakeup, /m);
  } finally {
    s.kill();
  }
});

test('default: one histogram per interval, count reached ends the run; -m -T', async () => {
  const s = sleeper(1000);
  try {
    const run = await startTool(['runqlat', '-m', '-T', '1', '2']);
    await assertEndsItself(run);
    const hs = histograms(run.stdout());
    assert.ok(hs.length >= 1 && hs.length <= 2, run.stdout());
    for (const h of hs) {
      assert.equal(h.unit, 'msecs');
      assert.match(h.label, /^\d\d:\d\d:\d\d$/);
      assert.ok(total(h) > 0);
    }
  } finally {
    s.kill();
  }
});

test('-L --json: one object per thread histogram; SIGTERM ends it', async () => {
  const s = sleeper();
  try {
    await withTool(
      ['runqlat', '-L', '-p', String(s.pid), '--json', '1'],
      async (run) => {
        const [o] = await objectsWhen(run, (x) => (x.key as { tid?: number }).tid === s.pid);
        assert.deepEqual(Object.keys(o), ['time', 'key', 'unit', 'buckets']);
        assert.deepEqual(o.key, { tid: s.pid, comm: 'perl' });
        assert.equal(o.unit, 'usecs');
        const buckets = o.buckets as { low: number; high: number; count: number }[];
        assert.deepEqual(buckets[0], { ...buckets[0], low: 0, high: 1 });
        assert.ok(buckets.reduce((n, b) => n + b.count, 0) > 0);
      },
      { signal: 'SIGTERM' },
    );
  } finally {
    s.kill();
  }
});

test('Ctrl-C before the first interval prints the summary so far', async () => {
  const s = sleeper();
  try {
    const run = await withTool(['runqlat', '-p', String(s.pid)], async () => {
      await new Promise((r) => setTimeout(r, 800));
    });
    const [h] = histograms(run.stdout());
    assert.ok(h && total(h) > 0, run.stdout());
  } finally {
    s.kill();
  }
});

test('bad usage: unknown option 64, bad interval 64, two keys 1', async () => {
  const bad = await runCli(['runqlat', '-z']);
  assert.equal(bad.code, 64);
  assert.match(bad.stderr, /invalid option -- 'z'/);
  const interval = await runCli(['runqlat', 'x']);
  assert.equal(interval.code, 64);
  assert.match(interval.stderr, /^invalid interval: x\n/);
  const extra = await runCli(['runqlat', '1', '2', '3']);
  assert.equal(extra.code, 64);
  assert.match(extra.stderr, /^unrecognized positional argument: 3\n/);
  const both = await runCli(['runqlat', '-P', '-L']);
  assert.equal(both.code, 1);
  assert.equal(both.stderr, "runqlat: pidnss, pids, tids cann't be used together.\n");
});
