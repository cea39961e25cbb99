/**
 * `bpfkit bashreadline` on the real kernel: an interactive bash child (`bash -i` reading a pipe
 * still reads its lines through readline) types known lines, and the rows (table, --json) carry
 * the child's pid and the lines; -s with a file without readline is one line and exit 1. Needs
 * root and `npm run build`.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { runCli } from '../helpers/bpf.js';
import { fields, lines, linesWhen, objectsWhen, withTool } from './helpers.js';

/** Runs an interactive bash that reads `line` and exits; resolves with its pid once it is done. */
async function typeInBash(line: string): Promise<number> {
  const bash = spawn('bash', ['--norc', '--noprofile', '-i'], {
    stdio: ['pipe', 'ignore', 'ignore'],
    env: { PATH: process.env.PATH, HISTFILE: '/dev/null', TERM: 'dumb' },
  });
  const done = new Promise((res) => bash.on('close', res));
  bash.stdin.end(`${line}\nexit\n`);
  await done;
  return bash.pid!;
}

test('table: the line an interactive bash child reads, with its pid', async () => {
  await withTool(['bashreadline'], async (run) => {
    assert.equal(lines(run)[0], 'TIME      PID     COMMAND');
    const line = `echo bpfkit-readline-${process.pid}`;
    const pid = await typeInBash(line);
    const [row] = await linesWhen(run, (l) => l.endsWith(line));
    const [time, p, command] = fields(row, 3);
    assert.match(time, /^\d\d:\d\d:\d\d$/);
    assert.equal(p, String(pid));
    assert.equal(command, line);
    assert.equal(row, `${time}  ${p.padEnd(7)} ${line}`);
  });
});

test('--json with -s /bin/bash: one object per line read, cut at 79 bytes', async () => {
  await withTool(['bashreadline', '--json', '-s', '/bin/bash'], async (run) => {
    const long = `echo ${'x'.repeat(100)}`;
    const pid = await typeInBash(long);
    const [o] = await objectsWhen(run, (x) => x.pid === pid && String(x.command).startsWith('echo x'));
    assert.deepEqual(Object.keys(o), ['time', 'pid', 'command']);
    assert.equal(o.command, long.slice(0, 79));
    await objectsWhen(run, (x) => x.pid === pid && x.command === 'exit');
  });
});

test('-s with a library without readline, a bad option: one line and the exit status', async () => {
  const r = await runCli(['bashreadline', '-s', '/bin/true']);
  assert.equal(r.code, 1);
  assert.equal(r.stderr, 'bashreadline: could not find readline in /bin/true\n');
  const bad = await runCli(['bashreadline', '-x']);
  assert.equal(bad.code, 64);
  assert.match(bad.stderr, /^bashreadline: invalid option -- 'x'$/m);
});
