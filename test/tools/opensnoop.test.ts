/**
 * `bpfkit opensnoop` on the real kernel: a child shell opens an existing file, a missing one and a
 * new one, and the rows (table, --decode, --json) carry its pid, comm, flags, fd or errno and path;
 * -p/-x/-n/-d filter and stop as libbpf-tools' do; a flood while the tool is stopped is reported
 * as lost events. Needs root and `npm run build`.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli, waitFor } from '../helpers/bpf.js';
import { child, fields, isLoaded, lines, linesWhen, objectsWhen, startTool, withTool } from './helpers.js';

const dir = mkdtempSync(join(tmpdir(), 'bpfkit-opensnoop-'));
const existing = join(dir, 'existing');
const missing = join(dir, 'missing');
const made = join(dir, 'made');
writeFileSync(existing, 'x');
process.on('exit', () => rmSync(dir, { recursive: true, force: true }));

/** A shell that reads `existing`, fails on `missing` and creates `made`, each with a redirection. */
function opens(): ReturnType<typeof child> {
  return child('sh', ['-c', `: < ${existing}; true < ${missing}; : > ${made}`]);
}

test('table: -T -U -e rows of a child shell', async () => {
  await withTool(['opensnoop', '-T', '-U', '-e'], async (run) => {
    assert.equal(lines(run)[0], 'TIME     UID     PID    COMM              FD ERR FLAGS    PATH');
    const sh = opens();
    const rows = await linesWhen(run, (l) => [existing, missing, made].some((p) => l.endsWith(` ${p}`)), 3);
    const byPath = new Map(rows.map((r) => [fields(r, 8)[7], fields(r, 8)]));
    const uid = String(process.getuid!());
    const [time, , pid, comm, fd, err, flags] = byPath.get(existing)!;
    assert.match(time, /^\d\d:\d\d:\d\d$/);
    assert.deepEqual([pid, comm, err, flags], [String(sh.pid), 'sh', '0', '00000000']);
    assert.ok(Number(fd) >= 0, fd);
    assert.deepEqual(byPath.get(missing)!.slice(1, 7), [uid, String(sh.pid), 'sh', '-1', '2', '00000000']);
    // O_WRONLY|O_CREAT|O_TRUNC, what sh opens for `>`
    assert.deepEqual(byPath.get(made)!.slice(1, 4), [uid, String(sh.pid), 'sh']);
    assert.equal(byPath.get(made)![6], '00001101');
    // Columns line up with the header: PID under PID, FD and ERR right-aligned under theirs.
    const header = lines(run)[0];
    const row = rows.find((r) => r.endsWith(missing))!;
    assert.equal(row.indexOf(` ${sh.pid} `) + 1, header.indexOf('PID'));
    assert.equal(row.indexOf(' -1 ') + 3, header.indexOf('FD') + 2);
    assert.equal(row.indexOf(missing), header.indexOf('PATH'));
  });
});

test('--decode: ERR as an errno name, FLAGS as O_* names', async () => {
  await withTool(['opensnoop', '-e', '--decode', '-x'], async (run) => {
    const sh = opens();
    const [row] = await linesWhen(run, (l) => l.endsWith(` ${missing}`));
    assert.deepEqual(fields(row, 6), [String(sh.pid), 'sh', '-1', 'ENOENT', 'O_RDONLY', missing]);
    await sh.done;
    // -x: only failures, so none of the successful opens of the shell.
    assert.ok(!lines(run).some((l) => l.endsWith(existing) || l.endsWith(made)));
  });
});

test('--json: one object per open with stable fields', async () => {
  await withTool(['opensnoop', '--json'], async (run) => {
    const sh = opens();
    const [fail] = await objectsWhen(run, (o) => o.pid === sh.pid && o.path === missing);
    const [ok] = await objectsWhen(run, (o) => o.pid === sh.pid && o.path === made);
    assert.deepEqual(Object.keys(fail), [
      'time',
      'pid',
      'tid',
      'uid',
      'comm',
      'syscall',
      'ret',
      'fd',
      'errno',
      'errno_name',
      'flags',
      'flags_names',
      'mode',
      'path',
    ]);
    assert.match(String(fail.time), /^\d{4}-\d\d-\d\dT/);
    assert.deepEqual(
      { ...fail, time: 0 },
      {
        time: 0,
        pid: sh.pid,
        tid: sh.pid,
        uid: process.getuid!(),
        comm: 'sh',
        syscall: 'openat',
        ret: -2,
        fd: -1,
        errno: 2,
        errno_name: 'ENOENT',
        flags: 0,
        flags_names: 'O_RDONLY',
        mode: 0,
        path: missing,
      },
    );
    assert.equal(ok.flags_names, 'O_WRONLY|O_CREAT|O_TRUNC');
    assert.equal(ok.mode, 0o666);
    assert.equal(ok.errno_name, null);
    assert.ok((ok.fd as number) >= 0 && ok.ret === ok.fd);
  });
});

test('-p, -n and -d: only the given process and names, and a run that ends by itself', async () => {
  const loop = child('sh', ['-c', `while :; do : < ${existing}; sleep 0.05; done`]);
  const other = child('sh', ['-c', `while :; do : < ${existing}; sleep 0.05; done`]);
  try {
    const run = await startTool(['run', 'opensnoop', '-p', String(loop.pid), '-d', '2']);
    const t0 = Date.now();
    const code = await Promise.race([run.exited, new Promise((r) => setTimeout(r, 5000, 'still running'))]);
    if (code === 'still running') run.child.kill('SIGKILL');
    assert.equal(code, 0, run.stderr());
    assert.ok(Date.now() - t0 < 3000, 'stopped after -d 2');
    const rows = lines(run).slice(1);
    assert.ok(rows.length >= 3, `rows of the loop: ${rows.length}`);
    assert.ok(
      rows.every((r) => fields(r, 2)[0] === String(loop.pid)),
      rows.join('\n'),
    );

    await withTool(['opensnoop', '--name', 'nonesuch-comm'], async (named) => {
      await new Promise((r) => setTimeout(r, 500));
      assert.deepEqual(lines(named).slice(1), []);
    });
  } finally {
    loop.kill();
    other.kill();
  }
});

// The default ring (at least 4 MiB) holds this flood; a 256 KiB one cannot.
test('a flood while the tool is stopped is reported as lost events, and counted at exit', async () => {
  const flood = child(
    'sh',
    ['-c', `read go; i=0; while [ $i -lt 20000 ]; do : < ${existing}; i=$((i+1)); done`],
    { stdin: true },
  );
  let lost = 0;
  let shown = 0;
  const run = await withTool(['opensnoop', '-p', String(flood.pid), '--buffer-size', '256K'], async (run) => {
    run.child.kill('SIGSTOP');
    try {
      flood.stdin!.end('go\n');
      await flood.done;
    } finally {
      run.child.kill('SIGCONT');
    }
    const m = await waitFor(
      () => /^opensnoop: lost (\d+) events \(ring buffer full\)$/m.exec(run.stderr()) ?? undefined,
    );
    lost = Number(m[1]);
    // The ring is drained after the counter is first read: wait for every open to be accounted for.
    await waitFor(() => (lines(run).length - 1 + lostSoFar(run.stderr()) >= 20000 ? true : undefined));
    shown = lines(run).length - 1;
  });
  const total = /^opensnoop: (\d+) events lost in total$/m.exec(run.stderr());
  assert.ok(total, run.stderr());
  assert.ok(lost > 0 && shown > 0, `${lost} lost, ${shown} shown`);
  assert.equal(Number(total[1]), lostSoFar(run.stderr()));
});

/** The lost events reported so far. */
function lostSoFar(stderr: string): number {
  return [...stderr.matchAll(/^opensnoop: lost (\d+) events/gm)].reduce((n, m) => n + Number(m[1]), 0);
}

test('usage errors exit 64 with libbpf-tools messages', async () => {
  const bad = await runCli(['opensnoop', '-p', 'abc']);
  assert.equal(bad.code, 64);
  assert.equal(
    bad.stderr,
    "Invalid PID: abc\nUsage: bpfkit opensnoop [OPTION...]\nTry `bpfkit opensnoop --help' or `bpfkit opensnoop --usage' for more information.\n",
  );
  const extra = await runCli(['opensnoop', 'one', 'two']);
  assert.equal(extra.code, 64);
  assert.match(extra.stderr, /^Unrecognized positional argument: two\n/);
});

test('a reader that goes away (| head) ends the run, with nothing left loaded', async () => {
  const run = await startTool(['opensnoop', '-n', 'sh']);
  run.child.stdout!.destroy();
  const sh = opens();
  await sh.done;
  const code = await Promise.race([run.exited, new Promise((r) => setTimeout(r, 5000, 'still running'))]);
  if (code === 'still running') run.child.kill('SIGKILL');
  assert.equal(code, 0, run.stderr());
  await waitFor(
    () => (run.programs.every((id) => !isLoaded(id)) ? true : undefined),
    () => {},
    3000,
    20,
  );
});
