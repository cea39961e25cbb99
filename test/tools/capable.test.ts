/**
 * `bpfkit capable` on the real kernel (capability:cap_capable): a root child's `unshare -m` is
 * allowed CAP_SYS_ADMIN and an unprivileged one (setpriv to nobody) is denied it; the rows (table,
 * -x, -u pid, --json) carry the pid, uid, comm, capability and verdict. Needs root and `npm run build`.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runCli } from '../helpers/bpf.js';
import { child, fields, lines, linesWhen, objectsWhen, withTool } from './helpers.js';

/** `unshare -m true` as root, and as nobody (denied). */
async function unshares(): Promise<{ root: number; nobody: number }> {
  const root = child('unshare', ['-m', 'true']);
  const nobody = child('setpriv', [
    '--reuid=65534',
    '--regid=65534',
    '--clear-groups',
    'unshare',
    '-m',
    'true',
  ]);
  assert.equal(await root.done, 0);
  assert.notEqual(await nobody.done, 0);
  return { root: root.pid!, nobody: nobody.pid! };
}

test('table: an allowed and a denied CAP_SYS_ADMIN', async () => {
  await withTool(['capable'], async (run) => {
    assert.equal(
      lines(run)[0],
      'TIME     UID   PID     COMM             CAP     NAME                 AUDIT   VERDICT',
    );
    const pids = await unshares();
    const cells = (pid: number): Promise<string[]> =>
      linesWhen(run, (l) => fields(l, 8)[2] === String(pid) && fields(l, 8)[3] === 'unshare').then((r) =>
        fields(r[0], 8),
      );
    const [time, ...allowed] = await cells(pids.root);
    assert.match(time, /^\d\d:\d\d:\d\d$/);
    assert.deepEqual(allowed, ['0', String(pids.root), 'unshare', '21', 'CAP_SYS_ADMIN', '-', 'allow']);
    assert.deepEqual((await cells(pids.nobody)).slice(1), [
      '65534',
      String(pids.nobody),
      'unshare',
      '21',
      'CAP_SYS_ADMIN',
      '-',
      'deny',
    ]);
  });
});

test('-x -u pid: TID and INSETID columns, each capability once per process', async () => {
  await withTool(['capable', '-x', '-u', 'pid'], async (run) => {
    assert.equal(
      lines(run)[0],
      'TIME     UID   PID     TID     COMM             CAP     NAME                 AUDIT   VERDICT INSETID',
    );
    // Two unshare(CLONE_NEWNS) calls in one process: the second unshare is exec'ed by the first.
    const twice = child('unshare', ['-m', 'unshare', '-m', 'true']);
    assert.equal(await twice.done, 0);
    const pid = String(twice.pid);
    await linesWhen(run, (l) => fields(l, 10)[2] === pid && fields(l, 10)[6] === 'CAP_SYS_ADMIN');
    await new Promise((r) => setTimeout(r, 300));
    const rows = lines(run)
      .slice(1)
      .map((l) => fields(l, 10))
      .filter((f) => f[2] === pid);
    assert.ok(
      rows.every((f) => f[3] === pid && f[9] === '-'),
      rows.join('\n'),
    );
    const caps = rows.map((f) => f[5]);
    assert.deepEqual(caps, [...new Set(caps)], 'one row per capability');
    // The first check may come from the child before its exec (comm node), the rest are not shown.
    assert.deepEqual(rows.find((f) => f[6] === 'CAP_SYS_ADMIN')!.slice(5, 9), [
      '21',
      'CAP_SYS_ADMIN',
      '-',
      'allow',
    ]);
  });
});

test('--json: the fields of a denied check', async () => {
  await withTool(['capable', '--json'], async (run) => {
    const pids = await unshares();
    const [o] = await objectsWhen(run, (x) => x.pid === pids.nobody && x.comm === 'unshare');
    assert.deepEqual(
      { ...o, time: 0 },
      {
        time: 0,
        uid: 65534,
        pid: pids.nobody,
        tid: pids.nobody,
        comm: 'unshare',
        cap: 21,
        cap_name: 'CAP_SYS_ADMIN',
        audit: null,
        verdict: 'deny',
        insetid: null,
      },
    );
  });
});

test('bad -u: usage error; -K: not supported, one line, exit 1', async () => {
  const bad = await runCli(['capable', '-u', 'tid']);
  assert.equal(bad.code, 64);
  assert.match(bad.stderr, /^Unknown unique type tid\n/);
  const k = await runCli(['capable', '-K']);
  assert.equal(k.code, 1);
  assert.equal(k.stderr, 'capable: stack traces (-K, -U) are not supported\n');
});
