/**
 * Maps without `@sample` printed by `bpfkit run` (src/cli/run/aggregates.ts) at exit and every
 * --interval, on the real kernel: a log2 histogram of write(2) sizes and a counter of kill(2) calls
 * per target pid, both filled by this process, with scratch maps left out; --json with a u64 above
 * 2^53; IPv4/IPv6 address fields of TCP connect events as text; and `-1` for unsigned options.
 * Needs root and `npm run build`.
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { closeSync, openSync, readdirSync, readlinkSync, writeSync } from 'node:fs';
import { createServer, connect, type AddressInfo, type Server } from 'node:net';
import { compileBpf, fixture, leftLoaded, runCli, startCli, waitFor, type CliRun } from '../helpers/bpf.js';

const PROGS = ['count_write', 'write_done', 'count_kill', 'on_state'];
after(async () => assert.deepEqual(await leftLoaded(PROGS), []));

const AGGREGATE = await compileBpf(fixture('aggregate/aggregate.bpf.c'), 'aggregate');
const NETCONN = await compileBpf(fixture('aggregate/netconn.bpf.c'), 'netconn');
const BIG = '9007199254740993'; // 2^53 + 1: a double cannot hold it

/** Resolves once the CLI holds `links` BPF links, i.e. its programs are attached. */
async function attached(run: CliRun, links: number): Promise<void> {
  const pid = run.child.pid!;
  const count = (): number => {
    try {
      return readdirSync(`/proc/${pid}/fd`).filter((fd) => {
        try {
          return readlinkSync(`/proc/${pid}/fd/${fd}`) === 'anon_inode:bpf_link';
        } catch {
          return false;
        }
      }).length;
    } catch {
      return 0;
    }
  };
  await waitFor(() => (count() >= links ? true : run.child.exitCode !== null ? false : undefined));
  assert.equal(run.child.exitCode, null, `the CLI exited early: ${run.stderr()}`);
}

/** Writes of these sizes go to slots 0, 6, 6, 9 and 12 of a log2 histogram. */
const SIZES = [1, 100, 100, 1000, 5000];
const SLOTS = new Map([
  [0, 1],
  [6, 2],
  [9, 1],
  [12, 1],
]);

/** The calls the fixture counts: writes on `fd`, kill(pid, 0) `self` times to us, 3 to pid 1, 2 to the CLI. */
function trigger(fd: number, run: CliRun, self = 5): void {
  for (const n of SIZES) writeSync(fd, Buffer.alloc(n, 0x61));
  for (let i = 0; i < self; i++) process.kill(process.pid, 0);
  for (let i = 0; i < 3; i++) process.kill(1, 0);
  for (let i = 0; i < 2; i++) process.kill(run.child.pid!, 0);
}

/** Each print: its time line, then its maps by name with their lines. */
function prints(stdout: string): { time: string; maps: Map<string, string[]> }[] {
  const parts = stdout.split(/\n(?=\d\d:\d\d:\d\d\n)/);
  assert.equal(parts.shift(), '', 'output starts with a print');
  return parts.map((p) => {
    const [time, ...rest] = p.replace(/\n$/, '').split('\n');
    assert.match(time, /^\d\d:\d\d:\d\d$/);
    const maps = new Map<string, string[]>();
    for (const section of rest.join('\n').split(/\n\n(?=\w+:\n)/)) {
      const [title, ...lines] = section.split('\n');
      assert.match(title, /^\w+:$/, `a map title: ${JSON.stringify(section)}`);
      maps.set(title.slice(0, -1), lines);
    }
    return { time, maps };
  });
}

/** Counts by slot of a printed log2 histogram, checked against libbpf-tools' layout. */
function histogram(lines: string[]): Map<number, number> {
  const [header, ...rows] = lines;
  assert.equal(header, '     value               : count    distribution');
  const counts = new Map<number, number>();
  rows.forEach((r, i) => {
    const m = /^ {0,9}(\d+) -> (\d+) +: (\d+) +\|[* ]{40}\|$/.exec(r);
    assert.ok(m && r.length === 78, `a histogram row: ${JSON.stringify(r)}`);
    assert.deepEqual([Number(m[1]), Number(m[2])], [i === 0 ? 0 : 2 ** i, 2 ** (i + 1) - 1]);
    if (Number(m[3])) counts.set(i, Number(m[3]));
  });
  return counts;
}

/** Rows of a printed key/value table as [key, value] text, after checking its header. */
function table(lines: string[]): [string, string][] {
  const [header, ...rows] = lines;
  assert.deepEqual(header.trim().split(/\s+/), ['KEY', 'VALUE']);
  return rows.map((r) => r.trim().split(/\s+/) as [string, string]);
}

function kills(run: CliRun, self: number, child: number): [string, string][] {
  return [
    [String(process.pid), String(self)],
    ['1', '3'],
    [String(run.child.pid), String(child)],
  ].sort((a, b) => Number(b[1]) - Number(a[1]) || Number(a[0]) - Number(b[0])) as [string, string][];
}

test('at exit (Ctrl-C): the log2 histogram and the counter table sorted by value; no scratch maps', async () => {
  const fd = openSync('/dev/null', 'w');
  let run: CliRun | undefined;
  try {
    // -1 is taken for uid_t targ_uid: its doc says "-1: any".
    const args = ['--targ_pid', String(process.pid), '--targ_fd', String(fd), '--targ_uid', '-1'];
    run = startCli(['run', AGGREGATE, ...args]);
    await attached(run, 3);
    trigger(fd, run);
    await new Promise((r) => setTimeout(r, 300));
    assert.equal(run.stdout(), '', 'nothing is printed before the exit');
    const t0 = Date.now();
    run.child.kill('SIGINT');
    assert.equal(await run.exited, 0, run.stderr());
    assert.ok(Date.now() - t0 < 1000, `exited ${Date.now() - t0} ms after Ctrl-C`);

    const [only, ...more] = prints(run.stdout());
    assert.equal(more.length, 0, 'one print');
    assert.deepEqual(
      [...only.maps.keys()],
      ['sizes', 'kills', 'marks'],
      'scratch maps start and heap are left out',
    );
    assert.deepEqual(histogram(only.maps.get('sizes')!), SLOTS);
    // The kill(2) behind Ctrl-C is counted too.
    assert.deepEqual(table(only.maps.get('kills')!), kills(run, 5, 3));
    assert.deepEqual(table(only.maps.get('marks')!), [['0', BIG]]);
    assert.equal(run.stderr(), '');
  } finally {
    closeSync(fd);
    if (run && run.child.exitCode === null) run.child.kill('SIGKILL');
  }
});

test('--interval 1: cumulative prints every second, and a last one at exit (SIGTERM)', async () => {
  const fd = openSync('/dev/null', 'w');
  let run: CliRun | undefined;
  try {
    run = startCli([
      'run',
      AGGREGATE,
      '--targ_pid',
      String(process.pid),
      '--targ_fd',
      String(fd),
      '--interval',
      '1',
    ]);
    await attached(run, 3);
    trigger(fd, run);
    const row = (self: number): RegExp => new RegExp(`\\n${process.pid} +${self}\\n`);
    await waitFor(() => (row(5).test(run!.stdout()) ? true : undefined));
    for (let i = 0; i < 5; i++) process.kill(process.pid, 0);
    await waitFor(() => (row(10).test(run!.stdout()) ? true : undefined));
    run.child.kill('SIGTERM');
    assert.equal(await run.exited, 0, run.stderr());

    // A print may come before the first calls are all made: those are left out.
    const all = prints(run.stdout()).filter((p) => p.maps.has('kills'));
    const self = (p: (typeof all)[0]): number =>
      Number(table(p.maps.get('kills')!).find(([k]) => k === String(process.pid))?.[1] ?? 0);
    const counts = all.map(self);
    assert.ok(counts.filter((n) => n === 5).length >= 1, `a print of the first calls: ${counts.join(', ')}`);
    assert.ok(
      counts.filter((n) => n === 10).length >= 2,
      `an interval print and the exit print: ${counts.join(', ')}`,
    );
    assert.deepEqual(
      [...counts].sort((a, b) => a - b),
      counts,
      `cumulative: ${counts.join(', ')}`,
    );
    for (const p of all.filter((x) => self(x) >= 5)) assert.deepEqual(histogram(p.maps.get('sizes')!), SLOTS);
    const last = all.at(-1)!;
    assert.deepEqual(table(last.maps.get('kills')!), kills(run, 10, 3), 'the exit print counts the SIGTERM');
    const before = all.at(-2)!;
    assert.deepEqual(table(before.maps.get('kills')!), kills(run, 10, 2));
  } finally {
    closeSync(fd);
    if (run && run.child.exitCode === null) run.child.kill('SIGKILL');
  }
});

test('--json at exit (--duration): one object per entry, sorted, a u64 above 2^53 exact', async () => {
  const fd = openSync('/dev/null', 'w');
  let run: CliRun | undefined;
  try {
    run = startCli([
      'run',
      AGGREGATE,
      '--targ_pid',
      String(process.pid),
      '--targ_fd',
      String(fd),
      '--json',
      '--duration',
      '2',
    ]);
    await attached(run, 3);
    trigger(fd, run);
    assert.equal(await run.exited, 0, run.stderr());
    const lines = run.stdout().split('\n').filter(Boolean);
    assert.equal(lines.at(-1), `{"map":"marks","key":0,"value":${BIG}}`, 'written as an exact JSON number');
    const objects = lines.map((l) => JSON.parse(l) as { map: string; key: unknown; value: unknown });
    for (const o of objects) assert.deepEqual(Object.keys(o), ['map', 'key', 'value']);
    assert.deepEqual(
      objects.map((o) => o.map),
      ['sizes', 'kills', 'kills', 'kills', 'marks'],
    );
    const slots = (objects[0].value as { slots: number[] }).slots;
    assert.equal(slots.length, 24);
    assert.deepEqual(new Map(slots.flatMap((n, i) => (n ? [[i, n] as [number, number]] : []))), SLOTS);
    assert.deepEqual(
      objects.slice(1, 4).map((o) => [String(o.key), String(o.value)]),
      kills(run, 5, 2),
    );
  } finally {
    closeSync(fd);
    if (run && run.child.exitCode === null) run.child.kill('SIGKILL');
  }
});

/** Opens a TCP connection from this process to a listener on `host`; resolves with the port. */
async function connectOnce(host: string): Promise<number> {
  const server: Server = createServer((s) => s.destroy());
  await new Promise<void>((r) => server.listen(0, host, r));
  const port = (server.address() as AddressInfo).port;
  await new Promise<void>((resolve, reject) => {
    const c = connect(port, host, () => {
      c.destroy();
      resolve();
    });
    c.on('error', reject);
  });
  await new Promise((r) => server.close(r));
  return port;
}

test('address fields of TCP connect events print as IPv4 and IPv6 text (table and --json)', async () => {
  for (const json of [false, true]) {
    const run = startCli(['run', NETCONN, '--targ_pid', String(process.pid), ...(json ? ['--json'] : [])]);
    try {
      await attached(run, 1);
      const port4 = await connectOnce('127.0.0.1');
      const port6 = await connectOnce('::1');
      const lines = await waitFor(() => {
        const l = run.stdout().split('\n').filter(Boolean);
        return l.length >= (json ? 2 : 3) ? l : undefined;
      });
      if (json) {
        const [v4, v6] = lines;
        assert.equal(
          v4,
          `{"pid":${process.pid},"af":2,"dport":${port4},"saddr_v4":"127.0.0.1","saddr_v6":"127.0.0.1","daddr_v4":"127.0.0.1","daddr_v6":"127.0.0.1","big":${BIG}}`,
        );
        // Under AF_INET6 a 4-byte member cannot hold the address: it stays a number.
        assert.equal(
          v6,
          `{"pid":${process.pid},"af":10,"dport":${port6},"saddr_v4":0,"saddr_v6":"::1","daddr_v4":0,"daddr_v6":"::1","big":${BIG}}`,
        );
      } else {
        const [header, v4, v6] = lines.map((l) => l.split(/\s+/));
        assert.deepEqual(header, [
          'TIME',
          'PID',
          'AF',
          'DPORT',
          'SADDR_V4',
          'SADDR_V6',
          'DADDR_V4',
          'DADDR_V6',
          'BIG',
        ]);
        assert.deepEqual(v4.slice(1), [
          String(process.pid),
          '2',
          String(port4),
          '127.0.0.1',
          '127.0.0.1',
          '127.0.0.1',
          '127.0.0.1',
          BIG,
        ]);
        assert.deepEqual(v6.slice(1), [
          String(process.pid),
          '10',
          String(port6),
          '0',
          '::1',
          '0',
          '::1',
          BIG,
        ]);
        // Address columns are wide enough for their text: the row lines up with the header.
        const [h, r] = run.stdout().split('\n');
        assert.equal(r.indexOf('127.0.0.1'), h.indexOf('SADDR_V4'));
      }
    } finally {
      run.child.kill('SIGINT');
      assert.equal(await run.exited, 0, run.stderr());
    }
  }
});

test('-1 for an unsigned option only where its doc or default says so; --interval must be positive', async () => {
  let r = await runCli(['run', AGGREGATE, '--targ_pid', '-1', '--duration', '0']);
  assert.equal(r.code, 2);
  assert.equal(r.stderr, 'bpfkit: --targ_pid: -1 is out of range for __u32 (0..4294967295)\n');
  r = await runCli(['run', AGGREGATE, '--targ_uid', '-2', '--duration', '0']);
  assert.equal(r.code, 2);
  assert.equal(r.stderr, 'bpfkit: --targ_uid: -2 is out of range for uid_t (0..4294967295)\n');
  r = await runCli(['run', AGGREGATE, '--interval', '0']);
  assert.equal(r.code, 2);
  assert.equal(r.stderr, "bpfkit: --interval: '0' is not a positive number of seconds\n");
  assert.equal(r.stdout, '');
});
