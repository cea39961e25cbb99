/**
 * `bpfkit statsnoop` on the real kernel: a child stats an existing file (absolute and relative to
 * its cwd) and a missing one, and the rows (table, -x -t -s, --json) carry its pid, comm, result,
 * errno and path; -p keeps other processes out. Needs root and `npm run build`.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from '../helpers/bpf.js';
import { child, fields, lines, linesWhen, objectsWhen, withTool } from './helpers.js';

const dir = mkdtempSync(join(tmpdir(), 'bpfkit-statsnoop-'));
const existing = join(dir, 'existing');
const missing = join(dir, 'missing');
writeFileSync(existing, 'x');
process.on('exit', () => rmSync(dir, { recursive: true, force: true }));

/** A python child, waiting for a line on stdin, then stat(existing), stat(missing), stat("existing") from `dir`. */
function statter(): ReturnType<typeof child> {
  const script = `import os,sys,time
os.chdir(${JSON.stringify(dir)})
sys.stdin.readline()
os.stat(${JSON.stringify(existing)})
try: os.stat(${JSON.stringify(missing)})
except OSError: pass
os.stat("existing")
time.sleep(0.5)`;
  return child('python3', ['-c', script], { stdin: true });
}

const HEADER = 'PID     COMM                 RET  ERR  PATH';

test('table and -p: the child stats an existing file, a missing one and a relative path', async () => {
  const py = statter();
  await withTool(['statsnoop', '-p', String(py.pid)], async (run) => {
    assert.equal(lines(run)[0], HEADER);
    py.stdin!.end('go\n');
    // The relative "existing" is shown under the child's cwd, so `existing` appears twice.
    const rows = await linesWhen(run, (l) => l.endsWith(` ${existing}`) || l.endsWith(` ${missing}`), 3);
    const me = String(py.pid);
    const cells = rows.map((r) => fields(r, 5));
    assert.deepEqual(cells.filter((c) => c[4] === existing).length, 2, rows.join('\n'));
    assert.deepEqual(
      cells.find((c) => c[4] === existing),
      [me, 'python3', '0', '0', existing],
    );
    assert.deepEqual(
      cells.find((c) => c[4] === missing),
      [me, 'python3', '-1', '2', missing],
    );
    await py.done;
    assert.ok(
      lines(run)
        .slice(1)
        .every((l) => fields(l, 5)[0] === me),
      lines(run).join('\n'),
    );
  });
});

test('-x -t -s: failed calls only, with the time since the first event and the syscall', async () => {
  const py = statter();
  await withTool(['statsnoop', '-x', '-t', '-s', '-p', String(py.pid)], async (run) => {
    assert.equal(lines(run)[0], 'TIME(s)        PID     COMM                 RET  ERR  SYSCALL    PATH');
    py.stdin!.end('go\n');
    const [row] = await linesWhen(run, (l) => l.endsWith(` ${missing}`));
    const [time, pid, comm, ret, err, call] = fields(row, 7);
    assert.match(time, /^\d+\.\d{9}$/);
    assert.deepEqual([pid, comm, ret, err, call], [String(py.pid), 'python3', '-1', '2', 'newfstatat']);
    await py.done;
    await new Promise((r) => setTimeout(r, 200));
    assert.ok(!lines(run).some((l) => l.endsWith(` ${existing}`)), 'a successful stat is not a failure');
  });
});

test('--json: fields of a failed and a successful stat', async () => {
  const py = statter();
  await withTool(['statsnoop', '--json', '-p', String(py.pid)], async (run) => {
    py.stdin!.end('go\n');
    const [bad] = await objectsWhen(run, (o) => o.path === missing);
    const [rel] = await objectsWhen(run, (o) => o.path === 'existing');
    assert.deepEqual(Object.keys(bad), [
      'time',
      'pid',
      'tid',
      'comm',
      'syscall',
      'ret',
      'errno',
      'errno_name',
      'fd',
      'dirfd',
      'path',
      'full_path',
    ]);
    assert.deepEqual(
      { ...bad, time: 0 },
      {
        time: 0,
        pid: py.pid,
        tid: py.pid,
        comm: 'python3',
        syscall: 'newfstatat',
        ret: -2,
        errno: 2,
        errno_name: 'ENOENT',
        fd: -1,
        dirfd: -100,
        path: missing,
        full_path: missing,
      },
    );
    assert.deepEqual([rel.ret, rel.errno_name, rel.full_path], [0, null, existing]);
  });
});

test('usage errors exit 64 with libbpf-tools messages', async () => {
  const bad = await runCli(['statsnoop', '-p', '0']);
  assert.equal(bad.code, 64);
  assert.equal(
    bad.stderr,
    "Invalid PID: 0\nUsage: bpfkit statsnoop [OPTION...]\nTry `bpfkit statsnoop --help' or `bpfkit statsnoop --usage' for more information.\n",
  );
});
