/**
 * `bpfkit exitsnoop` on the real kernel: children that exit 0, exit 3 and die of SIGKILL, and the
 * rows (table, -t, -x, --json) carry their pid, parent, comm and exit status; with tp_btf made
 * unavailable the tool says (-v) it takes the raw tracepoint and reports the same. Needs root and
 * `npm run build`.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, rmdirSync, writeFileSync } from 'node:fs';
import { runCli } from '../helpers/bpf.js';
import { child, fields, lines, linesWhen, objectsWhen, withTool } from './helpers.js';

/** Three children: one exits 0, one exits 3, one is killed. */
async function exits(): Promise<{ ok: number; three: number; killed: number }> {
  const ok = child('sh', ['-c', 'exit 0']);
  const three = child('sh', ['-c', 'exit 3']);
  const killed = child('sleep', ['30']);
  await new Promise((r) => setTimeout(r, 100));
  killed.kill('SIGKILL');
  await Promise.all([ok.done, three.done, killed.done]);
  return { ok: ok.pid!, three: three.pid!, killed: killed.pid! };
}

/** A row's cells: PCOMM PID PPID TID AGE(s) EXIT_CODE (the last one may hold blanks). */
function row(l: string): string[] {
  return fields(l, 6);
}

test('table: exit codes and signals of children', async () => {
  await withTool(['exitsnoop'], async (run) => {
    assert.equal(lines(run)[0], 'PCOMM            PID     PPID    TID     AGE(s)  EXIT_CODE');
    const pids = await exits();
    const rows = await linesWhen(run, (l) => Object.values(pids).includes(Number(row(l)[1])), 3);
    const by = (pid: number): string[] => row(rows.find((l) => row(l)[1] === String(pid))!);
    const me = String(process.pid);
    assert.deepEqual(
      by(pids.ok).filter((_, i) => i !== 4),
      ['sh', String(pids.ok), me, String(pids.ok), '0'],
    );
    assert.deepEqual(
      by(pids.three).filter((_, i) => i !== 4),
      ['sh', String(pids.three), me, String(pids.three), 'code 3'],
    );
    assert.deepEqual(
      by(pids.killed).filter((_, i) => i !== 4),
      ['sleep', String(pids.killed), me, String(pids.killed), 'signal 9 (Killed)'],
    );
    const age = Number(by(pids.killed)[4]);
    assert.ok(age >= 0.09 && age < 10, `age ${age}`);
  });
});

test('-t -x: wall-clock time column, failed exits only', async () => {
  await withTool(['exitsnoop', '-t', '-x'], async (run) => {
    assert.equal(lines(run)[0], 'TIME(s)  PCOMM            PID     PPID    TID     AGE(s)  EXIT_CODE');
    const pids = await exits();
    const [three] = await linesWhen(run, (l) => fields(l, 7)[2] === String(pids.three));
    assert.match(fields(three, 7)[0], /^\d\d:\d\d:\d\d$/);
    await linesWhen(run, (l) => fields(l, 7)[2] === String(pids.killed));
    assert.ok(!lines(run).some((l) => fields(l, 7)[2] === String(pids.ok)), 'exit 0 is not a failure');
  });
});

test('--json, and the raw_tp fallback when tp_btf is unavailable (-v says which)', async () => {
  for (const env of [{}, { BPFKIT_NO_TP_BTF: '1' }]) {
    const run = await withTool(
      ['exitsnoop', '--json', '-v'],
      async (run) => {
        const pids = await exits();
        const [killed] = await objectsWhen(run, (o) => o.pid === pids.killed);
        const [three] = await objectsWhen(run, (o) => o.pid === pids.three);
        assert.deepEqual(Object.keys(killed), [
          'time',
          'pid',
          'tid',
          'ppid',
          'comm',
          'age',
          'exit_code',
          'signal',
          'signal_name',
          'core_dumped',
        ]);
        assert.deepEqual(
          { ...killed, time: 0, age: 0 },
          {
            time: 0,
            pid: pids.killed,
            tid: pids.killed,
            ppid: process.pid,
            comm: 'sleep',
            age: 0,
            exit_code: 0,
            signal: 9,
            signal_name: 'SIGKILL',
            core_dumped: false,
          },
        );
        assert.deepEqual([three.comm, three.exit_code, three.signal, three.signal_name], ['sh', 3, 0, null]);
      },
      { env },
    );
    const chosen = /^exitsnoop: process exits: (.*)$/m.exec(run.stderr())?.[1];
    if ('BPFKIT_NO_TP_BTF' in env)
      assert.equal(
        chosen,
        'raw_tp/sched_process_exit (not tp_btf/sched_process_exit: tp_btf disabled by BPFKIT_NO_TP_BTF)',
      );
    else assert.equal(chosen, 'tp_btf/sched_process_exit');
  }
});

test('-p: only the given process', async () => {
  const keep = child('sleep', ['30']);
  await withTool(['exitsnoop', '-p', String(keep.pid)], async (run) => {
    await exits();
    keep.kill('SIGTERM');
    const [r] = await linesWhen(run, (l) => row(l)[1] === String(keep.pid));
    assert.equal(row(r)[5], 'signal 15 (Terminated)');
    assert.equal(lines(run).length, 2, lines(run).join('\n'));
  });
});

test('-c: only processes in the cgroup (v2) given; SIGTERM ends the run cleanly', async () => {
  const cg = `/sys/fs/cgroup/unified/bpfkit-exitsnoop-${process.pid}`;
  mkdirSync(cg);
  const inside = child('sh', ['-c', 'read go; exit 5'], { stdin: true });
  const outside = child('sh', ['-c', 'read go; exit 6'], { stdin: true });
  try {
    writeFileSync(`${cg}/cgroup.procs`, String(inside.pid));
    await withTool(
      ['exitsnoop', '-c', cg],
      async (run) => {
        for (const c of [outside, inside]) c.stdin!.end('go\n');
        await Promise.all([inside.done, outside.done]);
        const [r] = await linesWhen(run, (l) => row(l)[1] === String(inside.pid));
        assert.equal(row(r)[5], 'code 5');
        await new Promise((res) => setTimeout(res, 300));
        assert.ok(!lines(run).some((l) => row(l)[1] === String(outside.pid)), 'outside the cgroup');
      },
      { signal: 'SIGTERM' },
    );
  } finally {
    inside.kill();
    outside.kill();
    await inside.done;
    rmdirSync(cg);
  }
});

test('-c with a path that is not a cgroup directory: one line, exit 1', async () => {
  const r = await runCli(['exitsnoop', '-c', '/nonexistent-cgroup']);
  assert.equal(r.code, 1);
  assert.equal(r.stderr, 'exitsnoop: Failed opening Cgroup path: /nonexistent-cgroup (ENOENT)\n');
});

test('-T: the exit of every thread, not only of main threads', async () => {
  const script =
    'import threading,os,sys; sys.stdin.readline(); t=threading.Thread(target=lambda: print(threading.get_native_id(), flush=True)); t.start(); t.join()';
  for (const threaded of [true, false]) {
    const py = child('python3', ['-c', script], { stdin: true });
    let out = '';
    py.stdout!.on('data', (d: Buffer) => (out += d.toString()));
    await withTool(['exitsnoop', ...(threaded ? ['-T'] : []), '-p', String(py.pid)], async (run) => {
      py.stdin!.end('go\n');
      await py.done;
      const tid = out.trim();
      const [main] = await linesWhen(run, (l) => row(l)[3] === String(py.pid));
      assert.equal(row(main)[1], String(py.pid));
      await new Promise((r) => setTimeout(r, 300));
      const thread = lines(run).filter((l) => row(l)[3] === tid);
      assert.equal(thread.length, threaded ? 1 : 0, lines(run).join('\n'));
      if (threaded) assert.equal(row(thread[0])[1], String(py.pid));
    });
  }
});
