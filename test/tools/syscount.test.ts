/**
 * `bpfkit syscount` on the real kernel: a child (perl, held on a read until the tool has attached)
 * makes 500 getppid(2) calls and 50 opens of a missing file; the report printed at Ctrl-C counts
 * them by name (-p), by process (-P), failures only (-x, -e), with a latency column (-L, -m), as
 * --json rows; -i/-d time the reports like libbpf-tools; -l lists the table. Side by side with
 * /usr/sbin/syscount on the same child, the lines and headers are equal and so are the counts.
 * Needs root and `npm run build`.
 */
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { runCli, waitFor, type CliRun } from '../helpers/bpf.js';
import { child, lines, mountTracing, startPeer, startTool, stopTool, withTool } from './helpers.js';

before(mountTracing);

const MISSING = `/nonexistent-bpfkit-syscount-${process.pid}`;
const SCRIPT = `my $go = <STDIN>; syscall(110) for 1..500; open(my $f, '<', '${MISSING}') for 1..50;`;

/** A perl child blocked in read(2) until `go` lets it make its calls; resolves once it exits. */
async function caller(): Promise<{ pid: number; comm: string; go: () => Promise<void> }> {
  const c = child('perl', ['-e', SCRIPT], { stdin: true });
  const pid = c.pid!;
  await waitFor(
    () => readFileSync(`/proc/${pid}/syscall`, 'utf8').startsWith('0 ') || undefined,
    () => {},
    10000,
    20,
  );
  const go = async (): Promise<void> => {
    c.stdin!.end('\n');
    await c.done;
  };
  return { pid, comm: 'perl', go };
}

interface Report {
  stamp: string;
  header: string;
  /** First column (syscall name, or "PID COMM" squeezed) → [count, time]. */
  rows: Map<string, [count: number, time?: number]>;
}

/** The reports of a run's stdout: `[HH:MM:SS]`, a header, rows, a blank line each. */
function reports(run: CliRun): Report[] {
  const out: Report[] = [];
  const all = lines(run);
  for (let i = 0; i < all.length; i++) {
    if (!/^\[\d\d:\d\d:\d\d\]$/.test(all[i])) continue;
    const r: Report = { stamp: all[i], header: all[i + 1], rows: new Map() };
    for (i += 2; i < all.length && all[i] !== ''; i++) {
      const m = /^(.*?)\s+(\d+)(?:\s+(\d+\.\d{3}))?$/.exec(all[i]);
      assert.ok(m, `row ${JSON.stringify(all[i])}`);
      r.rows.set(m[1].replace(/\s+/g, ' '), [Number(m[2]), m[3] === undefined ? undefined : Number(m[3])]);
    }
    out.push(r);
  }
  return out;
}

/** Runs `syscount <args> -p <child>` around the child's calls; returns the one report. */
async function countChild(args: string[]): Promise<{ report: Report; run: CliRun; pid: number }> {
  const c = await caller();
  const run = await startTool(['syscount', '-p', String(c.pid), ...args]);
  await c.go();
  await stopTool(run);
  const all = reports(run);
  assert.equal(all.length, 1, run.stdout());
  return { report: all[0], run, pid: c.pid };
}

test('counts by syscall name: 500 getppid and 50 failed openat of the child', async () => {
  const { report, run } = await countChild(['-T', '30']);
  assert.equal(lines(run)[0], 'Tracing syscalls, printing top 30... Ctrl+C to quit.');
  assert.equal(report.header, 'SYSCALL                   COUNT');
  assert.deepEqual(report.rows.get('getppid'), [500, undefined]);
  assert.ok(report.rows.get('openat')![0] >= 50, JSON.stringify([...report.rows]));
  assert.match(
    lines(run).find((l) => l.startsWith('getppid'))!,
    /^getppid {15} {6}500$/,
  );
});

test('-P: one row for the child, by pid and comm', async () => {
  const { report, pid } = await countChild(['-P']);
  assert.equal(report.header, 'PID    COMM               COUNT');
  const [key, [count]] = [...report.rows][0];
  assert.equal(report.rows.size, 1);
  assert.equal(key, `${pid} perl`);
  assert.ok(count >= 550, String(count));
});

test('-x and -e: failed calls only, by errno', async () => {
  const failed = await countChild(['-x']);
  assert.equal(failed.report.rows.get('openat')?.[0], 50, JSON.stringify([...failed.report.rows]));
  assert.equal(failed.report.rows.get('getppid'), undefined);
  const enoent = await countChild(['-e', 'ENOENT']);
  assert.deepEqual([...enoent.report.rows], [['openat', [50, undefined]]]);
  const c = await caller();
  const eacces = await withTool(['syscount', '-p', String(c.pid), '-e', '13'], async () => c.go());
  assert.deepEqual(reports(eacces), [], 'nothing failed with EACCES: no report');
});

test('-L and -m: a latency column, sorted by total time', async () => {
  for (const [args, unit] of [
    [['-L'], 'us'],
    [['-L', '-m'], 'ms'],
  ] as [string[], string][]) {
    const { report } = await countChild([...args, '-T', '30']);
    assert.equal(report.header, `SYSCALL                   COUNT        TIME (${unit})`);
    const [count, time] = report.rows.get('getppid')!;
    assert.equal(count, 500);
    assert.ok(time! > 0 && time! < (unit === 'us' ? 1e6 : 1e3), String(time));
    const times = [...report.rows.values()].map(([, t]) => t!);
    assert.deepEqual(
      times,
      [...times].sort((a, b) => b - a),
    );
  }
});

test('--json: one object per row, with the fields --help lists', async () => {
  const c = await caller();
  const run = await startTool(['syscount', '--json', '-L', '-p', String(c.pid)]);
  await c.go();
  await stopTool(run);
  const objects = lines(run).map((l) => JSON.parse(l) as Record<string, unknown>);
  const getppid = objects.find((o) => o.syscall === 'getppid')!;
  assert.deepEqual(Object.keys(getppid), ['time', 'id', 'syscall', 'count', 'total_ns']);
  assert.deepEqual([getppid.id, getppid.count], [110, 500]);
  assert.ok(typeof getppid.total_ns === 'number' && getppid.total_ns > 0);
  assert.equal(new Set(objects.map((o) => o.time)).size, 1);
  assert.match(getppid.time as string, /^\d{4}-\d\d-\d\dT/);
});

test('-i 1 -d 2: a report each second, then the tool exits 0 by itself', async () => {
  const r = await runCli(['syscount', '-i', '1', '-d', '2', '-T', '1']);
  assert.equal(r.code, 0, r.stderr);
  const stamps = r.stdout.split('\n').filter((l) => /^\[\d\d:\d\d:\d\d\]$/.test(l));
  assert.equal(stamps.length, 2, r.stdout);
});

test('-l: the syscall table, as libbpf-tools prints it', async () => {
  const r = await runCli(['syscount', '-l']);
  assert.equal(r.code, 0, r.stderr);
  const all = r.stdout.split('\n');
  assert.equal(all[0], '  0: read');
  assert.ok(all.includes('110: getppid'));
  assert.ok(all.includes('257: openat'));
});

/** Runs bpfkit's and the peer's syscount with `args` on one child; returns both outputs. */
async function bothOn(args: string[]): Promise<{ ours: CliRun; peer: CliRun }> {
  const c = await caller();
  const argv = ['-p', String(c.pid), ...args];
  const peer = startPeer('syscount', argv);
  try {
    const ours = await startTool(['syscount', ...argv]);
    await waitFor(
      () => lines(peer).length > 0 || undefined,
      () => {},
      30000,
      50,
    );
    await c.go();
    await stopTool(ours);
    peer.child.kill('SIGINT');
    assert.equal(await peer.exited, 0, peer.stderr());
    return { ours, peer };
  } finally {
    peer.child.kill('SIGKILL');
  }
}

for (const args of [['-T', '30'], ['-P'], ['-x'], ['-L', '-m', '-T', '30']]) {
  test(`conformance with /usr/sbin/syscount ${args.join(' ')}`, async () => {
    const { ours, peer } = await bothOn(args);
    assert.equal(lines(ours)[0], lines(peer)[0]);
    const [a] = reports(ours);
    const [b] = reports(peer);
    assert.ok(a && b, `${ours.stdout()}\n---\n${peer.stdout()}`);
    assert.equal(a.header, b.header);
    assert.ok(b.rows.size > 0, peer.stdout());
    const counts = (r: Report): [string, number][] =>
      [...r.rows].map(([k, [n]]): [string, number] => [k, n]).sort(([x], [y]) => (x < y ? -1 : 1));
    assert.deepEqual(counts(a), counts(b));
  });
}
