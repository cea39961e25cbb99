/**
 * `bpfkit runqslower` on the real kernel: two busy loops and a task that sleeps 1 ms at a time
 * share one CPU (taskset), so each wake-up of the sleeper waits behind a busy loop; with a 100 µs
 * threshold its waits show up with its tid and comm and a latency above the threshold, in the
 * table (-P), and in --json through the raw tracepoints too. Needs root, taskset and `npm run build`.
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { availableParallelism } from 'node:os';
import { readFileSync } from 'node:fs';
import { runCli, waitFor } from '../helpers/bpf.js';
import { child, fields, lines, linesWhen, objectsWhen, withTool } from './helpers.js';

const CPU = String(availableParallelism() - 1);
const children: ReturnType<typeof child>[] = [];

/** Starts the contention on CPU; resolves with the sleeper's pid once it runs python3. */
async function contention(): Promise<number> {
  for (let i = 0; i < 2; i++) children.push(child('taskset', ['-c', CPU, 'sh', '-c', 'while :; do :; done']));
  const script = 'import time\nwhile True: time.sleep(0.001)';
  const sleeper = child('taskset', ['-c', CPU, '/usr/bin/python3', '-c', script]);
  children.push(sleeper);
  const comm = (): string => readFileSync(`/proc/${sleeper.pid}/comm`, 'utf8').trim();
  await waitFor(
    () => (comm() === 'python3' ? true : undefined),
    () => {},
    5000,
    20,
  );
  return sleeper.pid!;
}

after(async () => {
  for (const c of children) c.kill('SIGKILL');
  await Promise.all(children.map((c) => c.done));
});

test('table -P: waits of a known task above a 100 µs threshold', async () => {
  const pid = await contention();
  await withTool(['runqslower', '-P', '-p', String(pid), '100'], async (run) => {
    assert.deepEqual(lines(run).slice(0, 2), [
      'Tracing run queue latency higher than 100 us',
      'TIME     COMM             TID           LAT(us) PREV COMM        PREV TID',
    ]);
    const rows = (await linesWhen(run, (l) => /^\d\d:\d\d:\d\d /.test(l), 3)).map((l) => fields(l, 6));
    for (const r of rows) {
      assert.deepEqual(r.slice(1, 3), ['python3', String(pid)]);
      assert.ok(Number(r[3]) > 100, `latency ${r[3]}`);
      assert.match(r[5], /^\d+$/);
    }
    // The previous task is whatever ran on that CPU: a busy loop, or another process of the machine.
    for (const r of rows) assert.ok(r[4].length > 0);
  });
});

test('--json -t through the raw tracepoints (-v says so)', async () => {
  const pid = children.at(-1)!.pid!;
  const run = await withTool(
    ['runqslower', '--json', '-v', '-t', String(pid), '100'],
    async (run) => {
      const [o] = await objectsWhen(run, (o) => o.tid === pid);
      assert.deepEqual(Object.keys(o), ['time', 'comm', 'tid', 'pid', 'latency_us', 'prev_comm', 'prev_tid']);
      assert.deepEqual([o.comm, o.pid], ['python3', pid]);
      assert.ok((o.latency_us as number) > 100);
      assert.ok(lines(run).every((l) => (JSON.parse(l) as { tid: number }).tid === pid));
    },
    { env: { BPFKIT_NO_TP_BTF: '1' } },
  );
  assert.match(
    run.stderr(),
    /^runqslower: run queue waits: raw_tp\/sched_wakeup, raw_tp\/sched_wakeup_new, raw_tp\/sched_switch \(not tp_btf/m,
  );
});

test('default threshold, and bad operands: one line, exit 64', async () => {
  await withTool(['runqslower'], async (run) => {
    assert.equal(lines(run)[0], 'Tracing run queue latency higher than 10000 us');
  });
  for (const [args, msg] of [
    [['0'], 'Invalid delay (in us): 0'],
    [['100', '200'], 'Unrecognized positional argument: 200'],
    [['-t', 'x'], 'Invalid TID: x'],
  ] as const) {
    const r = await runCli(['runqslower', ...args]);
    assert.equal(r.code, 64);
    assert.equal(r.stderr.split('\n')[0], msg);
  }
});
