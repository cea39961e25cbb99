/**
 * `bpfkit profile` on the real kernel: a test program compiled here with symbols spins in
 * spin_here_forever, and the folded stacks (-f), the multi-line ones (Ctrl-C) and --json name it;
 * a child reading /dev/zero shows kernel frames that are kallsyms functions under the syscall
 * entry (-K); bad options give the peer's exit statuses. Needs root, cc and `npm run build`.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { runCli } from '../helpers/bpf.js';
import { compileSpin, startSpin } from '../symbols/helpers.js';
import { lines, linesWhen, stopTool, startTool } from './helpers.js';

/** Runs `body` with the test program spinning; kills it afterwards. */
async function withSpinner(body: (pid: number) => Promise<void>): Promise<void> {
  const spin = await startSpin(compileSpin('spin-prof'), false);
  try {
    await body(spin.child.pid!);
  } finally {
    spin.child.kill('SIGKILL');
    await spin.done;
  }
}

test('-f: folded stacks name the function the child spins in', async () => {
  await withSpinner(async (pid) => {
    const r = await runCli(['profile', '-f', '-p', String(pid), '2']);
    assert.equal(r.code, 0, r.stderr);
    const out = r.stdout.trimEnd().split('\n');
    for (const l of out) assert.match(l, /^[^ ;]+(;[^ ;]+)* \d+$/, l);
    const mine = out.filter((l) => /^spin-prof;(.+;)?main;spin_here_forever[ ;]/.test(l));
    assert.ok(mine.length > 0, r.stdout);
    const total = mine.reduce((n, l) => n + Number(l.split(' ').at(-1)), 0);
    // The CPUs are shared: the spinner runs only part of the time.
    assert.ok(total >= 5, `only ${total} samples at 49 Hz over 2 s`);
  });
});

test('-K -f: kernel frames of a child in read(2) are kallsyms functions under the syscall entry', async () => {
  const dd = spawn('dd', ['if=/dev/zero', 'of=/dev/null', 'bs=4M'], { stdio: 'ignore' });
  try {
    const r = await runCli(['profile', '-K', '-f', '-p', String(dd.pid), '2']);
    assert.equal(r.code, 0, r.stderr);
    const kernel = new Set(
      readFileSync('/proc/kallsyms', 'utf8')
        .split('\n')
        .map((l) => l.split(/\s+/)[2]),
    );
    const stacks = r.stdout
      .trimEnd()
      .split('\n')
      .map((l) => l.replace(/ \d+$/, '').split(';'))
      .filter((f) => f.length > 1);
    assert.ok(stacks.length > 0, r.stdout);
    for (const [comm, ...frames] of stacks) {
      assert.equal(comm, 'dd');
      for (const f of frames) assert.ok(kernel.has(f), `${f} is not in /proc/kallsyms`);
    }
    assert.ok(
      stacks.some((f) => /^entry_SYSCALL_64/.test(f[1]) && f.includes('do_syscall_64')),
      r.stdout,
    );
  } finally {
    dd.kill('SIGKILL');
  }
});

test('multi-line stacks printed at Ctrl-C, within a second', async () => {
  await withSpinner(async (pid) => {
    const run = await startTool(['profile', '-p', String(pid), '-F', '99']);
    assert.equal(
      lines(run)[0],
      `Sampling at 99 Hertz of PID [${pid}] by user + kernel... Hit Ctrl-C to end.`,
    );
    await new Promise((r) => setTimeout(r, 1500));
    await stopTool(run);
    const out = run.stdout();
    assert.match(
      out,
      new RegExp(
        `\\n    spin_here_forever\\n    main\\n(    \\S+\\n)*    -                spin-prof \\(${pid}\\)\\n        \\d+\\n\\n`,
      ),
    );
    await linesWhen(run, (l) => l === `    -                spin-prof (${pid})`);
  });
});

test('--json: one object per stack, user frames symbolized with their file', async () => {
  await withSpinner(async (pid) => {
    const r = await runCli(['profile', '--json', '-U', '-p', String(pid), '1']);
    assert.equal(r.code, 0, r.stderr);
    const objs = r.stdout
      .trimEnd()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    const o = objs.find((x) => (x.user_stack as { symbol: string }[])[0]?.symbol === 'spin_here_forever');
    assert.ok(o, r.stdout);
    assert.deepEqual(Object.keys(o), [
      'pid',
      'comm',
      'count',
      'kernel_stack',
      'user_stack',
      'kernel_stack_missed',
      'user_stack_missed',
    ]);
    assert.equal(o.pid, pid);
    assert.equal(o.comm, 'spin-prof');
    assert.deepEqual(o.kernel_stack, []);
    const top = (o.user_stack as Record<string, unknown>[])[0];
    assert.match(String(top.module), /\/spin-prof$/);
    assert.equal(typeof top.address, 'number');
  });
});

test('bad usage: -U with -K exits 1, a bad frequency or duration 64, with one message', async () => {
  const both = await runCli(['profile', '-U', '-K', '1']);
  assert.equal(both.code, 1);
  assert.equal(both.stderr, 'profile: user_stacks_only and kernel_stacks_only cannot be used together.\n');
  const freq = await runCli(['profile', '-F', '0']);
  assert.equal(freq.code, 64);
  assert.match(freq.stderr, /^invalid FREQUENCY: 0$/m);
  const dur = await runCli(['profile', 'soon']);
  assert.equal(dur.code, 64);
  assert.match(dur.stderr, /^Invalid duration \(in s\): soon$/m);
});
