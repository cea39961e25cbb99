/**
 * `bpfkit run` on objects, end to end through the built CLI on the real kernel: globals as options
 * (must-show 3), bpf_printk output from trace_pipe (must-show 4), clean exits on signals.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { BpfObject } from '../../src/object/collection.js';
import { ROOT, compileBpf, fixture, leftLoaded, startCli, waitFor } from '../helpers/bpf.js';

const OPENSNOOP = join(ROOT, 'examples/opensnoop/opensnoop.bpf.c');
const OPENSNOOP_PROGS = ['tracepoint__syscalls__sys_enter_openat', 'tracepoint__syscalls__sys_exit_openat'];

test('--pid_target N shows only the events of pid N', async () => {
  const obj = await compileBpf(OPENSNOOP, 'opensnoop-rb-cli', ['USE_RINGBUF']);
  // A shell whose builtin redirection opens a file itself, again and again, under its own pid.
  const opener = spawn('sh', ['-c', 'while :; do : < /etc/hostname; sleep 0.05; done'], { stdio: 'ignore' });
  const run = startCli(['run', obj, '--pid_target', String(opener.pid), '--json', '--duration', '20']);
  try {
    // Other processes open files meanwhile; they must not show up.
    const lines = await waitFor(
      () => {
        const l = run.stdout().split('\n').filter(Boolean);
        return l.length >= 3 ? l : undefined;
      },
      () => spawnSync('cat', ['/etc/hostname']),
    );
    for (const line of lines) {
      const e = JSON.parse(line) as { pid: number; fname: string; comm: string };
      assert.equal(e.pid, opener.pid, line);
      assert.equal(e.fname, '/etc/hostname');
      assert.equal(e.comm, 'sh');
    }
  } finally {
    opener.kill();
    run.child.kill('SIGINT');
  }
  assert.equal(await run.exited, 0, run.stderr());
  assert.deepEqual(await leftLoaded(OPENSNOOP_PROGS), []);
});

test('default output is an aligned table with a TIME column', async () => {
  const obj = await compileBpf(OPENSNOOP, 'opensnoop-perf-cli');
  const opener = spawn('sh', ['-c', 'while :; do : < /etc/hostname; sleep 0.05; done'], { stdio: 'ignore' });
  const run = startCli(['run', obj, '--pid_target', String(opener.pid)]);
  try {
    const out = await waitFor(() => (run.stdout().split('\n').length >= 3 ? run.stdout() : undefined));
    const [header, row] = out.split('\n');
    assert.match(header, /^TIME\s+TS\s+PID\s+UID\s+RET\s+FLAGS\s+COMM\s+FNAME$/);
    assert.match(
      row,
      new RegExp(
        `^\\d\\d:\\d\\d:\\d\\d\\s+\\d+\\s+${opener.pid}\\s+0\\s+\\d+\\s+\\d+\\s+sh\\s+/etc/hostname$`,
      ),
    );
    // Columns line up: PID ends where the header's PID ends.
    assert.equal(row.indexOf(String(opener.pid)) + String(opener.pid).length, header.indexOf('PID') + 3);
  } finally {
    opener.kill();
    run.child.kill('SIGTERM');
  }
  assert.equal(await run.exited, 0, run.stderr());
  assert.deepEqual(await leftLoaded(OPENSNOOP_PROGS), []);
});

test('bpf_printk output of a kill(2) tracer appears, and only lines emitted after attach', async () => {
  const obj = await compileBpf(fixture('killsnoop.bpf.c'), 'killsnoop');
  // Leave an old line in trace_pipe: attach, trigger, detach without reading.
  const old = BpfObject.open(obj);
  let oldPid: number | undefined;
  try {
    old.attachAll();
    oldPid = spawnSync('sh', ['-c', 'kill -0 $$']).pid ?? 0;
  } finally {
    old.close();
  }
  const run = startCli(['run', obj]);
  try {
    let pid = 0;
    const line = await waitFor(
      () =>
        run
          .stdout()
          .split('\n')
          .find((l) => l.includes(`kill pid=${pid} sig=0 ret=0`)),
      () => {
        pid = spawnSync('sh', ['-c', 'kill -0 $$']).pid ?? 0;
      },
    );
    // The trace_pipe line format: "<comm>-<pid> [<cpu>] <flags> <secs>: bpf_trace_printk: <message>"
    assert.match(
      line,
      new RegExp(
        `^\\s*sh-${pid}\\s+\\[\\d+\\] \\S+\\s+\\d+\\.\\d+: bpf_trace_printk: kill pid=${pid} sig=0 ret=0$`,
      ),
    );
    assert.ok(!run.stdout().includes(`kill pid=${oldPid ?? 0} `), 'lines from before the run are not shown');
  } finally {
    run.child.kill('SIGINT');
  }
  assert.equal(await run.exited, 0, run.stderr());
  assert.deepEqual(await leftLoaded(['kill_entry', 'kill_exit']), []);
});

test('--duration ends the run with status 0 and nothing loaded', async () => {
  const obj = await compileBpf(fixture('killsnoop.bpf.c'), 'killsnoop');
  const run = startCli(['run', obj, '--duration', '0.5']);
  assert.equal(await run.exited, 0, run.stderr());
  assert.deepEqual(await leftLoaded(['kill_entry', 'kill_exit']), []);
});

test('--help lists the options generated from globals', async () => {
  const obj = await compileBpf(OPENSNOOP, 'opensnoop-perf-cli');
  const run = startCli(['run', obj, '--help']);
  assert.equal(await run.exited, 0);
  assert.match(run.stdout(), /--pid_target <value>\s+set global pid_target \(pid_t, default 0\)/);
  assert.match(run.stdout(), /--failed_only\s+set global failed_only \(bool, default false\)/);
});
