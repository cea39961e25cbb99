/**
 * Maps marked `@sample`, end to end through `bpfkit build` and `bpfkit run` on the real kernel (issue
 * 3, must-show 3): the runqlat example's log2 histogram every interval (libbpf-tools layout,
 * cumulative, --json per interval), and a key/value table cleared after each print (clear_map).
 * Needs root and `npm run build`.
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ROOT, fixture, leftLoaded, runCli, startCli, waitFor, type CliRun } from '../helpers/bpf.js';
import { testEnv } from '../build/helpers.js';

const RUNQLAT_PROGS = ['sched_wakeup', 'sched_wakeup_new', 'sched_switch'];
const KILL_PROGS = ['count_kill'];

after(async () => assert.deepEqual(await leftLoaded([...RUNQLAT_PROGS, ...KILL_PROGS]), []));

/** Builds `source` into a fresh temp dir; returns the package path and a function removing the dir. */
async function buildPackage(source: string, name: string): Promise<[string, () => void]> {
  const dir = mkdtempSync(join(tmpdir(), `bpfkit-sample-${name}-`));
  const clean = (): void => rmSync(dir, { recursive: true, force: true });
  const r = await runCli(['build', source, '-o', dir], { env: testEnv() });
  if (r.code !== 0) clean();
  assert.equal(r.code, 0, r.stderr);
  return [join(dir, `${name}.bpfkit.json`), clean];
}

/** One printed log2 histogram: the rows' counts, checked against the libbpf-tools layout. */
function histogramCounts(print: string): number[] {
  const [time, header, ...rows] = print.split('\n').filter(Boolean);
  assert.match(time, /^\d\d:\d\d:\d\d$/);
  assert.equal(header, '     usecs               : count    distribution');
  const counts = rows.map((r) => {
    const m = /^ {0,9}(\d+) -> (\d+) +: (\d+) +\|([* ]{40})\|$/.exec(r);
    assert.ok(m && r.length === 78, `a histogram row: ${JSON.stringify(r)}`);
    return [Number(m[1]), Number(m[2]), Number(m[3]), m[4].trimEnd().length];
  });
  const max = Math.max(...counts.map((c) => c[2]));
  for (const [i, [low, high, count, stars]] of counts.entries()) {
    assert.deepEqual([low, high], [i === 0 ? 0 : 2 ** i, 2 ** (i + 1) - 1], `slot ${i}`);
    assert.equal(stars, Math.floor((count * 40) / max), `stars of slot ${i}`);
  }
  // Printed up to the last non-empty slot.
  assert.ok(counts.at(-1)![2] > 0);
  return counts.map((c) => c[2]);
}

test('runqlat: a log2 histogram every interval, cumulative; --json gives one object per interval', async () => {
  const [pkg, clean] = await buildPackage(join(ROOT, 'examples/runqlat/runqlat.bpf.c'), 'runqlat');
  // Wake-ups and context switches on demand (the rest of the machine adds its own).
  const sleeper = spawn('sh', ['-c', 'while :; do sleep 0.01; done'], { stdio: 'ignore' });
  let text: CliRun | undefined;
  let json: CliRun | undefined;
  try {
    text = startCli(['run', pkg, '--duration', '2.5']);
    json = startCli(['run', pkg, '--duration', '2.5', '--json']);
    assert.equal(await text.exited, 0, text.stderr());
    assert.equal(await json.exited, 0, json.stderr());

    // Each print is a blank line, the time, then the histogram ('' while the map is still empty).
    const prints = text.stdout().split(/\n(?=\d\d:\d\d:\d\d\n)/);
    assert.equal(prints.shift(), '', 'output starts with a print');
    assert.ok(prints.length >= 2 && prints.length <= 3, `a print per second: ${prints.length}`);
    const totals = prints.map((p) =>
      p.split('\n').filter(Boolean).length === 1 ? 0 : histogramCounts(p).reduce((a, b) => a + b, 0),
    );
    assert.ok(totals.filter((t) => t > 0).length >= 2, `histograms with counts: ${totals.join(', ')}`);
    for (let i = 1; i < totals.length; i++)
      assert.ok(totals[i] >= totals[i - 1], `cumulative: ${totals.join(', ')}`);

    const objects = json
      .stdout()
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as { map: string; key: number; value: { slots: number[] } });
    assert.ok(objects.length >= 2 && objects.length <= 3, `an object per second: ${objects.length}`);
    let last = 0;
    for (const o of objects) {
      assert.deepEqual(Object.keys(o), ['map', 'key', 'value']);
      assert.deepEqual([o.map, o.key, Object.keys(o.value)], ['hists', 0, ['slots']]);
      assert.equal(o.value.slots.length, 26);
      assert.ok(o.value.slots.every((n) => Number.isInteger(n) && n >= 0));
      const total = o.value.slots.reduce((a, b) => a + b, 0);
      assert.ok(total >= last);
      last = total;
    }
    assert.ok(last > 0);
  } finally {
    sleeper.kill();
    for (const r of [text, json]) if (r && r.child.exitCode === null) r.child.kill('SIGINT');
    await Promise.all([text?.exited, json?.exited]);
    clean();
  }
  assert.deepEqual(await leftLoaded(RUNQLAT_PROGS), []);
});

/** kill(2) with signal 0 from this process (counted by the fixture under our pid). */
function signalZero(times: number): void {
  for (let i = 0; i < times; i++) process.kill(process.pid, 0);
}

/** Complete stdout lines. */
function lines(run: CliRun): string[] {
  const out = run.stdout();
  return out
    .slice(0, out.lastIndexOf('\n') + 1)
    .split('\n')
    .slice(0, -1);
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

test('default_kv with clear_map: a key/value table, and each print covers one interval', async () => {
  const [pkg, clean] = await buildPackage(fixture('sample/killcount.bpf.c'), 'killcount');
  let run: CliRun | undefined;
  try {
    // Plain text: a TIME column, then the key's fields, then the value's.
    run = startCli(['run', pkg, '--targ_pid', String(process.pid)]);
    const [header, row] = await waitFor(
      () => (lines(run!).length >= 2 ? lines(run!) : undefined),
      () => signalZero(1),
    );
    assert.deepEqual(header.split(/\s+/), ['TIME', 'PID', 'SIG', 'CALLS']);
    assert.match(row, new RegExp(`^\\d\\d:\\d\\d:\\d\\d +${process.pid} +0 [1-9]\\d*$`));
    const end = (s: string, word: string): number => s.indexOf(word) + word.length;
    assert.equal(end(row, ` ${process.pid}`), end(header, 'PID'), 'numbers end under their names');
    run.child.kill('SIGINT');
    assert.equal(await run.exited, 0, run.stderr());

    // JSON: signal until the first print shows the program is attached (some of those calls may
    // predate the attach), then count exactly.
    run = startCli(['run', pkg, '--targ_pid', String(process.pid), '--json']);
    let early = 0;
    await waitFor(
      () => (lines(run!).length > 0 ? true : undefined),
      () => {
        signalZero(1);
        early++;
      },
    );
    // Two intervals (300 ms) later the last of those calls has been printed and the map is empty;
    // without clear_map its entry would be printed again every interval.
    await sleep(700);
    const settled = lines(run).length;
    await sleep(700);
    assert.equal(lines(run).length, settled, 'nothing new is printed for an emptied map');
    signalZero(5);
    await waitFor(() => (lines(run!).length > settled ? true : undefined));
    await sleep(700);
    run.child.kill('SIGINT');
    assert.equal(await run.exited, 0, run.stderr());

    const counts = lines(run).map((l) => {
      const o = JSON.parse(l) as { map: string; key: { pid: number; sig: number }; value: { calls: number } };
      assert.deepEqual([o.map, o.key], ['calls', { pid: process.pid, sig: 0 }], l);
      return o.value.calls;
    });
    const sum = (a: number[]): number => a.reduce((x, y) => x + y, 0);
    assert.ok(sum(counts.slice(0, settled)) <= early, `printed ${counts.join(', ')} for ${early} calls`);
    // Cleared after each print: the burst is counted once, not on top of the earlier calls.
    assert.equal(sum(counts.slice(settled)), 5, `after the burst: ${counts.slice(settled).join(', ')}`);
  } finally {
    if (run && run.child.exitCode === null) {
      run.child.kill('SIGINT');
      await run.exited;
    }
    clean();
  }
  assert.deepEqual(await leftLoaded(KILL_PROGS), []);
});
