/**
 * `bpfkit execsnoop` on the real kernel: a child shell execs echo with arguments and fails to exec
 * a missing program, and the rows (table, -q, --decode, --json) carry the pid, parent, comm after
 * the exec, return value and arguments. Needs root and `npm run build`.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { child, fields, lines, linesWhen, objectsWhen, withTool } from './helpers.js';

const tag = `bpfkit-exec-${process.pid}`;
const missing = `/nonexistent-${tag}`;

/** sh runs a missing program (a failed exec in a forked shell), then becomes echo. */
function execs(): ReturnType<typeof child> {
  return child('sh', ['-c', `${missing} x 2>/dev/null; exec /bin/echo ${tag} "two words"`]);
}

test('table: -T -U -x rows of an exec and a failed exec', async () => {
  await withTool(['execsnoop', '-T', '-U', '-x'], async (run) => {
    assert.equal(lines(run)[0], 'TIME     UID    PCOMM            PID    PPID   RET ARGS');
    const sh = execs();
    const [ok] = await linesWhen(run, (l) => fields(l, 7)[6].startsWith(`/bin/echo ${tag}`));
    const [bad] = await linesWhen(run, (l) => fields(l, 7)[6].startsWith(missing));
    const uid = String(process.getuid!());
    const [time, ...rest] = fields(ok, 7);
    assert.match(time, /^\d\d:\d\d:\d\d$/);
    assert.deepEqual(rest, [
      uid,
      'echo',
      String(sh.pid),
      String(process.pid),
      '0',
      `/bin/echo ${tag} two words`,
    ]);
    // The failed exec ran in a child of the shell, which keeps its name.
    const f = fields(bad, 7);
    assert.deepEqual([f[1], f[2], f[4], f[5], f[6]], [uid, 'sh', String(sh.pid), '-2', `${missing} x`]);
    assert.notEqual(f[3], String(sh.pid));
    // Every cell starts where its header does (UID included, which libbpf-tools runs into PCOMM).
    const header = lines(run)[0];
    assert.equal(ok.indexOf('echo'), header.indexOf('PCOMM'));
    assert.equal(ok.indexOf(`/bin/echo ${tag}`), header.indexOf('ARGS'));
  });
});

test('without -x failed execs are dropped; -q quotes; --decode names the error', async () => {
  await withTool(['execsnoop', '-q', '--decode', '-l', tag], async (run) => {
    const sh = execs();
    const [row] = await linesWhen(run, (l) => fields(l, 5)[4].startsWith('"/bin/echo"'));
    assert.equal(fields(row, 5)[4], `"/bin/echo" "${tag}" "two words"`);
    await sh.done;
    assert.ok(!lines(run).some((l) => l.includes(`"${missing}" "x"`)), 'no failed exec without -x');
  });
  await withTool(['execsnoop', '-x', '--decode'], async (run) => {
    execs();
    const [row] = await linesWhen(run, (l) => fields(l, 5)[4].startsWith(missing));
    assert.equal(fields(row, 5)[3], '-ENOENT');
  });
});

test('--json and --max-args: filename, args, truncation', async () => {
  await withTool(['execsnoop', '--json', '-x', '--max-args', '2'], async (run) => {
    const sh = execs();
    const [ok] = await objectsWhen(run, (o) => o.pid === sh.pid && o.comm === 'echo');
    const [bad] = await objectsWhen(run, (o) => o.filename === missing);
    assert.deepEqual(Object.keys(ok), [
      'time',
      'pid',
      'tid',
      'ppid',
      'uid',
      'comm',
      'syscall',
      'ret',
      'errno_name',
      'filename',
      'args',
      'args_truncated',
      'timestamp',
    ]);
    assert.deepEqual(
      { ...ok, time: 0, timestamp: 0 },
      {
        time: 0,
        pid: sh.pid,
        tid: sh.pid,
        ppid: process.pid,
        uid: process.getuid!(),
        comm: 'echo',
        syscall: 'execve',
        ret: 0,
        errno_name: null,
        filename: '/bin/echo',
        args: [tag],
        args_truncated: true,
        timestamp: 0,
      },
    );
    assert.ok((ok.timestamp as number) > 0);
    assert.deepEqual(
      [bad.ppid, bad.ret, bad.errno_name, bad.args, bad.args_truncated],
      [sh.pid, -2, 'ENOENT', ['x'], false],
    );
  });
});

test('-t: seconds since tracing started, with the header libbpf-tools prints', async () => {
  await withTool(['execsnoop', '-t'], async (run) => {
    assert.equal(lines(run)[0], 'TIME(s)  PCOMM            PID    PPID   RET ARGS');
    execs();
    const [row] = await linesWhen(run, (l) => fields(l, 6)[5].startsWith(`/bin/echo ${tag}`));
    const [secs, comm] = fields(row, 3);
    assert.ok(Number(secs) > 0 && Number(secs) < 60, secs);
    assert.equal(comm, 'echo');
  });
});
