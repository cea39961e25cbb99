/**
 * `bpfkit run` on records as real programs send them: an execsnoop-style source (a fixed head and the
 * used part of an args buffer, sent with a computed size) built with `bpfkit build` decodes with
 * its trailing string cut at the record's end; a malformed record is counted and told while the
 * run goes on; ring-buffer drops counted by bpfkit.h's reserve helper and perf losses are reported,
 * as JSON on stderr with --json.
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { cpus } from 'node:os';
import { BUILD, compileBpf, fixture, runCli, startCli, waitFor, type CliRun } from '../helpers/bpf.js';
import { heldIds } from '../helpers/held.js';

const built = await runCli([
  'build',
  fixture('records/execvar.bpf.c'),
  fixture('records/execvar.h'),
  '-o',
  join(BUILD, 'records'),
]);
assert.equal(built.code, 0, built.stderr);
const PKG = join(BUILD, 'records/execvar.bpfkit.json');

/** A shell that keeps exec'ing `/bin/echo one two`: its pid is the ppid of the execve calls. */
function looper(): ChildProcess {
  const sh = spawn('sh', ['-c', 'while :; do /bin/echo one two > /dev/null; sleep 0.03; done'], {
    stdio: 'ignore',
  });
  after(() => sh.kill());
  return sh;
}

/** Lines of `text` that parse as JSON objects. */
function objects(text: string): Record<string, unknown>[] {
  return text
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as Record<string, unknown>);
}

async function stop(run: CliRun): Promise<void> {
  run.child.kill('SIGTERM');
  assert.equal(await run.exited, 0, run.stderr());
}

/** What execvar sends for `/bin/echo one two` run by the looper `sh`. */
function echoEvent(ppid: number): Record<string, unknown> {
  // "/bin/echo\0one\0two\0": 18 bytes of the 512-byte buffer are sent.
  return { ppid, args_count: 3, args_size: 18, comm: 'sh', args: '/bin/echo' };
}

test('an execsnoop-style package decodes its variable-length records (perf event array, --json)', async () => {
  assert.match(built.stdout + built.stderr, /events: event/);
  const sh = looper();
  const run = startCli(['run', PKG, '--ppid_target', String(sh.pid), '--json']);
  try {
    const echoes = await waitFor(() => {
      const e = objects(run.stdout()).filter((o) => o.args === '/bin/echo');
      return e.length >= 3 ? e : undefined;
    });
    for (const e of echoes) {
      const { pid, ...rest } = e;
      assert.equal(typeof pid, 'number');
      assert.deepEqual(rest, echoEvent(sh.pid!));
    }
  } finally {
    await stop(run);
  }
  assert.equal(run.stderr(), '');
});

test('the same source through a ring buffer: table rows with the args cut at the record end', async () => {
  const obj = await compileBpf(fixture('records/execvar.bpf.c'), 'execvar-rb', ['USE_RINGBUF']);
  const sh = looper();
  const run = startCli(['run', obj, '--ppid_target', String(sh.pid)]);
  try {
    const out = await waitFor(() => (run.stdout().split('\n').length > 4 ? run.stdout() : undefined));
    const [header, ...rows] = out.split('\n');
    assert.match(header, /^TIME\s+PID\s+PPID\s+ARGS_COUNT\s+ARGS_SIZE\s+COMM\s+ARGS$/);
    const echo = rows.find((r) => r.endsWith('/bin/echo'));
    assert.ok(echo, out);
    assert.match(
      echo,
      new RegExp(`^\\d\\d:\\d\\d:\\d\\d\\s+\\d+\\s+${sh.pid}\\s+3\\s+18\\s+sh\\s+/bin/echo$`),
    );
  } finally {
    await stop(run);
  }
  assert.equal(run.stderr(), '');
});

test('a malformed record is counted and told on stderr, and the run goes on decoding the others', async () => {
  const sh = looper();
  const run = startCli(['run', PKG, '--ppid_target', String(sh.pid), '--malformed_every', '2']);
  const rows = (): string[] => run.stdout().split('\n').slice(1).filter(Boolean);
  try {
    await waitFor(() => (run.stderr() ? true : undefined));
    const [first] = run.stderr().split('\n');
    assert.equal(
      first,
      "bpfkit: map 'events': skipped a malformed record: record of 12 bytes ends inside the fixed part of its type (32 of 544 bytes)",
    );
    // Records keep coming after it, and later malformed ones are summed (at most one line a second).
    const seen = rows().length;
    await waitFor(() => (rows().length >= seen + 3 ? true : undefined));
    await waitFor(() => (/skipped \d+ more malformed records?\n/.test(run.stderr()) ? true : undefined));
    assert.ok(
      rows().every((r) => new RegExp(`^\\S+\\s+\\d+\\s+${sh.pid}\\s`).test(r)),
      run.stdout(),
    );
  } finally {
    await stop(run);
  }
  const lines = run.stderr().trimEnd().split('\n');
  assert.ok(
    lines.slice(1).every((l) => /^bpfkit: map 'events': skipped \d+ more malformed records?$/.test(l)),
    lines.join('\n'),
  );
});

test('ring-buffer drops counted by bpfkit_ringbuf_reserve and perf losses are reported as JSON', async () => {
  const obj = await compileBpf(fixture('records/burst.bpf.c'), 'burst');
  // One kill(2) per line on stdin. The reader drains on the other CPU while the program runs, so
  // the perf rings are one page (15 records; the ring buffer keeps its page) to be sure a burst of
  // 2048 overflows them; the kernel writes its lost-record notice once a later burst finds room, so
  // bursts are sent, each after the last was read, until that notice arrives.
  const sh = spawn('sh', ['-c', 'while read a; do kill -0 $$; done'], {
    stdio: ['pipe', 'ignore', 'ignore'],
  });
  after(() => sh.kill());
  const run = startCli([
    'run',
    obj,
    '--target_tgid',
    String(sh.pid),
    '--perf_burst',
    '2048',
    '--buffer-size',
    '4K',
    '--json',
  ]);
  try {
    // Attached, and the perf rings exist (one per CPU after the tracepoint's own perf event): the
    // run opens its readers just after attaching, and a record sent before has nowhere to go.
    await waitFor(
      () => (heldIds(run.child.pid!).perfEvents > cpus().length ? true : undefined),
      undefined,
      15000,
      10,
    );
    await new Promise((r) => setTimeout(r, 50));
    const notices = (): Record<string, unknown>[] => objects(run.stderr());
    let bursts = 0;
    while (!notices().some((o) => o.map === 'pevents') && bursts < 8) {
      sh.stdin!.write('1\n');
      bursts++;
      const seen = objects(run.stdout()).length;
      await waitFor(() => (objects(run.stdout()).length > seen + 16 ? true : undefined));
      await new Promise((r) => setTimeout(r, 300));
    }
    assert.ok(
      notices().some((o) => o.map === 'pevents'),
      `no perf loss after ${bursts} bursts`,
    );
    // 40 reserves per burst in a ring of 16 records: what was not delivered was counted, nothing else.
    const ringLost = (): number =>
      notices()
        .filter((o) => o.map === 'events')
        .reduce((sum, o) => sum + (o.count as number), 0);
    const ringGot = (): number => objects(run.stdout()).filter((o) => (o.seq as number) < 64).length;
    await waitFor(() => (ringGot() + ringLost() === 40 * bursts ? true : undefined), undefined, 5000);
    assert.ok(ringLost() >= 24 * bursts, `ring buffer lost ${ringLost()}`);
    for (const n of notices()) {
      assert.equal(n.notice, 'lost');
      assert.ok((n.count as number) > 0);
      // Perf losses are per CPU ring; a ring buffer is one ring for every CPU.
      assert.equal(typeof n.cpu, n.map === 'pevents' ? 'number' : 'undefined', JSON.stringify(n));
    }
  } finally {
    await stop(run);
  }
});

test('without --json the drops are the plain perf-style line', async () => {
  const obj = await compileBpf(fixture('records/burst.bpf.c'), 'burst');
  const sh = spawn('sh', ['-c', 'read a; kill -0 $$; read b'], { stdio: ['pipe', 'ignore', 'ignore'] });
  after(() => sh.kill());
  const run = startCli(['run', obj, '--target_tgid', String(sh.pid), '--burst', '30']);
  try {
    // Attached, and the perf rings exist (one per CPU after the tracepoint's own perf event): the
    // run opens its readers just after attaching, and a record sent before has nowhere to go.
    await waitFor(
      () => (heldIds(run.child.pid!).perfEvents > cpus().length ? true : undefined),
      undefined,
      15000,
      10,
    );
    await new Promise((r) => setTimeout(r, 50));
    sh.stdin!.write('1\n');
    await waitFor(() => (run.stderr() ? true : undefined));
    assert.match(run.stderr(), /^lost (1[4-9]|2\d|30) events\n$/);
  } finally {
    await stop(run);
  }
});
