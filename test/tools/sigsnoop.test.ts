/**
 * `bpfkit sigsnoop` / `bpfkit killsnoop` on the real kernel: a child shell signals two sleeping
 * children and itself, probes itself with signal 0 and a missing pid, and the rows carry sender pid
 * and comm, signal (number, -n name, --decode name), target and result; with tp_btf made
 * unavailable the raw tracepoint serves. Needs root and `npm run build`.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { child, fields, lines, linesWhen, objectsWhen, ownComm, withTool, type ToolRun } from './helpers.js';

interface Signaller {
  sh: number;
  /** The two sleeping children it signals. */
  a: number;
  b: number;
}

/**
 * A shell that, once told to go, starts two sleeps and sends: SIGUSR1 to the first, signal 35 to
 * the second, SIGWINCH to itself (ignored), signal 0 to itself, SIGTERM to a pid that does not exist.
 */
async function signaller(): Promise<{ go: () => Promise<Signaller> }> {
  const sh = child(
    'sh',
    [
      '-c',
      'read go; sleep 30 & a=$!; sleep 30 & b=$!; echo $a $b; sleep 0.3; kill -USR1 $a; kill -35 $b; kill -WINCH $$; ' +
        'kill -0 $$; kill -TERM 999999 2>/dev/null; wait',
    ],
    { stdin: true },
  );
  let out = '';
  sh.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  return {
    go: async () => {
      sh.stdin!.end('go\n');
      await sh.done;
      const [a, b] = out.trim().split(' ').map(Number);
      return { sh: sh.pid!, a, b };
    },
  };
}

/**
 * PID COMM SIG TPID RESULT of each row the shell sent, but for the SIGCHLD its exit sends to us
 * (which any exiting child sends).
 */
function sent(run: ToolRun, sh: number): string[][] {
  return lines(run)
    .map((l) => fields(l, 6).slice(1))
    .filter(
      (f) => f[0] === String(sh) && !(f[3] === String(process.pid) && ['17', 'SIGCHLD'].includes(f[2])),
    );
}

test('signal_generate: sender, signal, target and delivery result', async () => {
  const s = await signaller();
  await withTool(['sigsnoop'], async (run) => {
    assert.equal(lines(run)[0], 'TIME     PID     COMM             SIG       TPID    RESULT');
    const p = await s.go();
    await linesWhen(run, (l) => fields(l, 6)[1] === String(p.sh), 3);
    const rows = sent(run, p.sh);
    assert.deepEqual(rows, [
      [String(p.sh), 'sh', '10', String(p.a), '0'],
      [String(p.sh), 'sh', '35', String(p.b), '0'],
      // SIGWINCH's default action is to ignore it: not delivered.
      [String(p.sh), 'sh', '28', String(p.sh), '1'],
    ]);
    assert.match(lines(run)[1], /^\d\d:\d\d:\d\d /);
  });
});

test('-k (and killsnoop): every kill(2) with its return value; -n names the signal', async () => {
  for (const args of [
    ['sigsnoop', '-k', '-n'],
    ['killsnoop', '--name'],
  ]) {
    const s = await signaller();
    await withTool(args, async (run) => {
      const p = await s.go();
      await linesWhen(run, (l) => fields(l, 6)[1] === String(p.sh), 5);
      assert.deepEqual(sent(run, p.sh), [
        [String(p.sh), 'sh', 'SIGUSR1', String(p.a), '0'],
        [String(p.sh), 'sh', '35', String(p.b), '0'],
        [String(p.sh), 'sh', 'SIGWINCH', String(p.sh), '0'],
        [String(p.sh), 'sh', 'N/A', String(p.sh), '0'],
        [String(p.sh), 'sh', 'SIGTERM', '999999', '-3'],
      ]);
    });
  }
});

test('-x --decode: failures only, by name; -s filters signals', async () => {
  let s = await signaller();
  await withTool(['sigsnoop', '-x', '--decode'], async (run) => {
    const p = await s.go();
    await linesWhen(run, (l) => fields(l, 6)[1] === String(p.sh));
    await new Promise((r) => setTimeout(r, 300));
    assert.deepEqual(sent(run, p.sh), [[String(p.sh), 'sh', 'SIGWINCH', String(p.sh), 'IGNORED']]);
  });
  s = await signaller();
  await withTool(['sigsnoop', '-k', '-x', '--decode'], async (run) => {
    const p = await s.go();
    await linesWhen(run, (l) => fields(l, 6)[1] === String(p.sh));
    await new Promise((r) => setTimeout(r, 300));
    assert.deepEqual(sent(run, p.sh), [[String(p.sh), 'sh', 'SIGTERM', '999999', '-ESRCH']]);
  });
  s = await signaller();
  await withTool(['sigsnoop', '-k', '-s', 'USR1,35', '--decode'], async (run) => {
    const p = await s.go();
    await linesWhen(run, (l) => fields(l, 6)[1] === String(p.sh), 2);
    await new Promise((r) => setTimeout(r, 300));
    assert.deepEqual(sent(run, p.sh), [
      [String(p.sh), 'sh', 'SIGUSR1', String(p.a), '0'],
      [String(p.sh), 'sh', 'SIGRTMIN+1', String(p.b), '0'],
    ]);
  });
});

test('--json (target comm included), -p, and the raw_tp fallback', async () => {
  for (const env of [{}, { BPFKIT_NO_TP_BTF: '1' }]) {
    const s = await signaller();
    const run = await withTool(
      ['sigsnoop', '--json', '-v'],
      async (run) => {
        const p = await s.go();
        const [usr1] = await objectsWhen(run, (o) => o.pid === p.sh && o.sig === 10);
        assert.deepEqual(Object.keys(usr1), [
          'time',
          'pid',
          'tid',
          'comm',
          'tpid',
          'tcomm',
          'sig',
          'sig_name',
          'ret',
          'result',
          'source',
        ]);
        assert.deepEqual(
          { ...usr1, time: 0 },
          {
            time: 0,
            pid: p.sh,
            tid: p.sh,
            comm: 'sh',
            tpid: p.a,
            tcomm: 'sleep',
            sig: 10,
            sig_name: 'SIGUSR1',
            ret: 0,
            result: 'DELIVERED',
            source: 'signal_generate',
          },
        );
      },
      { env },
    );
    const chosen = /^sigsnoop: signals: (\S+)/m.exec(run.stderr())?.[1];
    assert.equal(chosen, 'BPFKIT_NO_TP_BTF' in env ? 'raw_tp/signal_generate' : 'tp_btf/signal_generate');
  }
  const target = child('sleep', ['30']);
  const other = await signaller();
  await withTool(['sigsnoop', '-k', '-p', String(process.pid)], async (run) => {
    await other.go();
    target.kill('SIGTERM');
    const [row] = await linesWhen(run, (l) => fields(l, 6)[4] === String(target.pid));
    assert.deepEqual(fields(row, 6).slice(1), [
      String(process.pid),
      ownComm(),
      '15',
      String(target.pid),
      '0',
    ]);
    assert.ok(
      lines(run)
        .slice(1)
        .every((l) => fields(l, 6)[1] === String(process.pid)),
      lines(run).join('\n'),
    );
  });
});
