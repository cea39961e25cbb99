/**
 * `bpfkit run` choosing programs and sizing maps as real tools do, end to end on the real kernel:
 * our own sources in libbpf-tools' styles, each built with `bpfkit build` (with its header) and run
 * with decoded output. tp_btf/raw_tp/tracepoint twins count each exec once; a twin the verifier
 * rejects hands over to the next; signal_generate vs the kill syscalls print one kill once;
 * programs for missing hooks are left out with a warning; --program / --no-program; maps left to
 * user space get defaults and obey --max-entries (checked in the kernel's map info); a failing load
 * says libbpf's reason; an unbounded loop's summary names the verifier's reason and instruction,
 * with the whole log under -v. Needs root and `npm run build`.
 */
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fixture, leftLoaded, runCli, startCli, waitFor, type CliRun } from '../helpers/bpf.js';
import { testEnv } from '../build/helpers.js';
import { objectRefs } from '../../src/loaded/pids.js';
import { closeFd, fdById } from '../../src/sys/bpf.js';
import { mapInfo } from '../../src/sys/objinfo.js';
import type { PackageMeta } from '../../src/package/types.js';

const OUT = mkdtempSync(join(tmpdir(), 'bpfkit-programs-'));
const pkg = (name: string, dir = OUT): string => join(dir, `${name}.bpfkit.json`);
const TWINS = ['exec_btf', 'exec_raw', 'exec_tp'];
const SIGNALS = ['kill_entry', 'kill_exit', 'tgkill_entry', 'tgkill_exit', 'sig_trace'];
const N = 5;

/** `bpfkit build` of test/fixtures/programs/<name>.bpf.c (and its header) into `dir`. */
async function build(name: string, header: boolean, dir = OUT, extra: string[] = []): Promise<void> {
  const src = fixture(`programs/${name}.bpf.c`);
  const args = ['build', src, ...(header ? [fixture(`programs/${name}.h`)] : []), '-o', dir, ...extra];
  const r = await runCli(args, { env: testEnv() });
  assert.equal(r.code, 0, r.stderr);
}

before(async () => {
  await build('twins', true);
  await build('twins', true, join(OUT, 'broken'), ['--cflags', '-DBROKEN_BTF']);
  await build('signals', true);
  await build('missing', true);
  await build('sized', true);
  await build('badmap', false);
  await build('unbounded', false);
});

/** Complete JSON lines of stdout, parsed. */
function events<T>(run: CliRun): T[] {
  const out = run.stdout();
  return out
    .slice(0, out.lastIndexOf('\n') + 1)
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as T);
}

/** Stops a run with Ctrl-C and checks it ends cleanly. */
async function stop(run: CliRun): Promise<void> {
  run.child.kill('SIGINT');
  assert.equal(await run.exited, 0, run.stderr());
}

const settle = (ms = 400): Promise<void> => new Promise((r) => setTimeout(r, ms));

interface ExecEvent {
  pid: number;
  source: string;
  comm: string;
}

/**
 * Runs the twins package on children of this process: execs `true` until the run sees one (it is
 * attached), then execs `echo` N times; returns the run's echo events.
 */
async function execEvents(path: string, args: string[]): Promise<{ echo: ExecEvent[]; stderr: string }> {
  const run = startCli(['run', path, '--parent_tgid', String(process.pid), '--json', ...args]);
  try {
    await waitFor(
      () => (events<ExecEvent>(run).some((e) => e.comm === 'true') ? true : undefined),
      () => spawnSync('/bin/true'),
    );
    for (let i = 0; i < N; i++) assert.equal(spawnSync('/bin/echo', ['x']).status, 0);
    await waitFor(() =>
      events<ExecEvent>(run).filter((e) => e.comm === 'echo').length >= N ? true : undefined,
    );
    await settle(); // a second program on the hook would have reported by now
  } finally {
    await stop(run);
  }
  return { echo: events<ExecEvent>(run).filter((e) => e.comm === 'echo'), stderr: run.stderr() };
}

test('tp_btf, raw_tp and tracepoint twins of sched_process_exec: one loads, N execs give N events', async () => {
  const built = JSON.parse(readFileSync(pkg('twins'), 'utf8')) as { meta: PackageMeta };
  assert.deepEqual(built.meta.alternatives, [
    { hook: 'sched_process_exec', rule: 'same-hook', choices: [['exec_btf'], ['exec_raw'], ['exec_tp']] },
  ]);
  const { echo, stderr } = await execEvents(pkg('twins'), ['-v']);
  assert.equal(echo.length, N);
  assert.ok(
    echo.every((e) => e.source === 'SOURCE_TP_BTF'),
    JSON.stringify(echo),
  );
  assert.match(
    stderr,
    /^bpfkit: sched_process_exec: loading 'exec_btf' \(tp_btf\); not 'exec_raw' \(raw_tracepoint\), 'exec_tp' \(tracepoint\)$/m,
  );
  assert.deepEqual(await leftLoaded(TWINS), []);
});

test('a plain .bpf.o finds its twins again (no package metadata)', async () => {
  const r = await runCli(['run', join(OUT, 'twins.bpf.o'), '-v', '--duration', '0.3', '--parent_tgid', '1']);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stderr, /^bpfkit: sched_process_exec: loading 'exec_btf' \(tp_btf\); not 'exec_raw'/m);
  assert.deepEqual(await leftLoaded(TWINS), []);
});

test('--no-program and --program choose among the twins by hand', async () => {
  for (const [args, source] of [
    [['--no-program', 'exec_btf'], 'SOURCE_RAW_TP'],
    [['--program', 'exec_tp'], 'SOURCE_TRACEPOINT'],
    [['--no-program', 'exec_btf', '--no-program', 'exec_raw'], 'SOURCE_TRACEPOINT'],
  ] as const) {
    const { echo } = await execEvents(pkg('twins'), [...args]);
    assert.equal(echo.length, N, args.join(' '));
    assert.ok(
      echo.every((e) => e.source === source),
      `${args.join(' ')}: ${JSON.stringify(echo)}`,
    );
  }
  const both = await runCli(['run', pkg('twins'), '--program', 'exec_btf', '--program', 'exec_raw']);
  assert.equal(both.code, 2);
  assert.equal(
    both.stderr,
    'bpfkit: --program exec_btf and --program exec_raw: they are alternatives for sched_process_exec; pick one\n',
  );
  const unknown = await runCli(['run', pkg('twins'), '--no-program', 'exec']);
  assert.equal(unknown.code, 2);
  assert.equal(
    unknown.stderr,
    "bpfkit: --no-program: no program 'exec' (programs: exec_btf, exec_raw, exec_tp)\n",
  );
  assert.deepEqual(await leftLoaded(TWINS), []);
});

test('a twin the verifier rejects hands over to the next one; chosen by hand it fails the run', async () => {
  const broken = pkg('twins', join(OUT, 'broken'));
  const { echo, stderr } = await execEvents(broken, ['-v']);
  assert.equal(echo.length, N);
  assert.ok(
    echo.every((e) => e.source === 'SOURCE_RAW_TP'),
    JSON.stringify(echo),
  );
  assert.match(
    stderr,
    /^bpfkit: program 'exec_btf' failed to load \(verifier rejected program 'exec_btf' \(EACCES \(permission denied\)\): invalid bpf_context access off=128 size=8 at insn \d+: .*\); trying 'exec_raw' instead$/m,
  );
  const quiet = await execEvents(broken, []);
  assert.equal(quiet.echo.length, N);
  assert.equal(quiet.stderr, '', 'the fallback is silent without -v');
  const forced = await runCli(['run', broken, '--program', 'exec_btf']);
  assert.equal(forced.code, 1);
  assert.match(forced.stderr, /^bpfkit: verifier rejected program 'exec_btf' .*invalid bpf_context access/);
  assert.equal(forced.stderr.split('\n').length, 2, 'one line');
  assert.deepEqual(await leftLoaded(TWINS), []);
});

interface SignalEvent {
  pid: number;
  tpid: number;
  sig: number;
  ret: number;
  comm: string;
}

/** Runs the signals package on a sleeping child, sends it one SIGTERM, returns the SIGTERM events. */
async function sigtermEvents(args: string[]): Promise<{ term: SignalEvent[]; stderr: string }> {
  const child = spawn('sleep', ['60'], { stdio: 'ignore' });
  const gone = once(child, 'exit');
  const run = startCli(['run', pkg('signals'), '--target_pid', String(child.pid), '--json', ...args]);
  try {
    // SIGCONT to a running process changes nothing: send it until the run reports one.
    await waitFor(
      () => (events<SignalEvent>(run).some((e) => e.sig === 18) ? true : undefined),
      () => process.kill(child.pid!, 'SIGCONT'),
    );
    process.kill(child.pid!, 'SIGTERM');
    await gone;
    await waitFor(() => (events<SignalEvent>(run).some((e) => e.sig === 15) ? true : undefined));
    await settle();
  } finally {
    child.kill('SIGKILL');
    await stop(run);
  }
  return { term: events<SignalEvent>(run).filter((e) => e.sig === 15), stderr: run.stderr() };
}

test('sigsnoop style: signal_generate or the kill syscalls, never both: one kill is printed once', async () => {
  const { term, stderr } = await sigtermEvents(['-v']);
  assert.equal(term.length, 1, JSON.stringify(term));
  assert.equal(term[0].pid, process.pid);
  assert.match(
    stderr,
    /^bpfkit: signals sent \(signal_generate, or the kill\/tkill\/tgkill system calls\): loading 'sig_trace' \(tracepoint\); not 'kill_entry' \(tracepoint\), 'kill_exit' \(tracepoint\), 'tgkill_entry' \(tracepoint\), 'tgkill_exit' \(tracepoint\)$/m,
  );
  const bySyscall = await sigtermEvents(['--program', 'kill_entry']);
  assert.equal(bySyscall.term.length, 1, JSON.stringify(bySyscall.term));
  assert.equal(bySyscall.term[0].ret, 0, 'the kill(2) result, from the exit program');
  assert.deepEqual(await leftLoaded(SIGNALS), []);
});

test('programs for missing hooks are left out with one warning each; the run goes on', async () => {
  const run = startCli(['run', pkg('missing'), '--target_tgid', String(process.pid), '--json']);
  try {
    const got = await waitFor(
      () =>
        events<{ pid: number }>(run).length >= 3 ? events<{ pid: number; comm: string }>(run) : undefined,
      () => void process.ppid, // each read is a getppid(2)
    );
    assert.ok(
      got.every((e) => e.pid === process.pid && e.comm === 'node'),
      JSON.stringify(got),
    );
  } finally {
    await stop(run);
  }
  assert.equal(
    run.stderr(),
    [
      "bpfkit: warning: program 'absent_call' skipped: tracepoint syscalls:sys_enter_bpfkit_no_such_call does not exist in this kernel",
      "bpfkit: warning: program 'absent_event' skipped: raw tracepoint bpfkit_no_such_tracepoint does not exist in this kernel",
      "bpfkit: warning: program 'absent_target' skipped: program 'absent_target' attaches to tp_btf:bpfkit_absent_target_tracepoint, which this kernel does not have (no such function or raw tracepoint in its BTF)",
      '',
    ].join('\n'),
  );
  // With the working program turned off nothing is left: the first missing hook fails the run.
  const none = await runCli(['run', pkg('missing'), '--no-program', 'on_getppid']);
  assert.equal(none.code, 1);
  assert.equal(
    none.stderr,
    'bpfkit: tracepoint syscalls:sys_enter_bpfkit_no_such_call does not exist in this kernel\n',
  );
  assert.deepEqual(await leftLoaded(['on_getppid', 'absent_call', 'absent_event', 'absent_target']), []);
});

/** The kernel's info of the maps process `pid` holds, by name. */
function heldMaps(pid: number): Map<string, { maxEntries: number; valueSize: number }> {
  const out = new Map<string, { maxEntries: number; valueSize: number }>();
  for (const [id, refs] of objectRefs('map')) {
    if (!refs.some((r) => r.pid === pid)) continue;
    const fd = fdById('map', id);
    if (fd === undefined) continue;
    try {
      const info = mapInfo(fd);
      out.set(info.name, { maxEntries: info.maxEntries, valueSize: info.valueSize });
    } finally {
      closeFd(fd);
    }
  }
  return out;
}

test('maps sized at run time load with defaults, and --max-entries sets one (checked in the map info)', async () => {
  for (const [args, start] of [
    [[], 10240],
    [['--max-entries', 'start=4096'], 4096],
  ] as const) {
    const run = startCli(['run', pkg('sized'), '--target_tgid', String(process.pid), '--json', ...args]);
    try {
      const [e] = await waitFor(
        () => {
          const got = events<{ pid: number; calls: number }>(run);
          return got.length ? got : undefined;
        },
        () => void process.ppid,
      );
      assert.equal(e.pid, process.pid);
      const maps = heldMaps(run.child.pid!);
      assert.deepEqual(maps.get('start'), { maxEntries: start, valueSize: 8 });
      assert.deepEqual(maps.get('stacks'), { maxEntries: 1024, valueSize: 127 * 8 });
      assert.deepEqual(maps.get('events'), { maxEntries: 256 * 1024, valueSize: 0 });
    } finally {
      await stop(run);
    }
  }
  const bad = await runCli(['run', pkg('sized'), '--max-entries', 'stat=1']);
  assert.equal(bad.code, 2);
  assert.equal(bad.stderr, "bpfkit: --max-entries: no map 'stat' (maps: start, events, stacks)\n");
  assert.deepEqual(await leftLoaded(['count_getppid']), []);
});

test("a map the kernel refuses: one line with libbpf's own reason", async () => {
  const r = await runCli(['run', pkg('badmap')]);
  assert.equal(r.code, 1);
  assert.equal(
    r.stderr,
    "bpfkit: loading the object failed: map 'counts': failed to create: Invalid argument(-22)\n",
  );
  assert.deepEqual(await leftLoaded(['bump']), []);
});

test('an unbounded loop: the summary names the reason and the instruction; -v prints the whole log', async () => {
  const r = await runCli(['run', pkg('unbounded')]);
  assert.equal(r.code, 1);
  assert.match(
    r.stderr,
    /^bpfkit: verifier rejected program 'spin_forever' \(E2BIG \(argument list too long\)\): BPF program is too large\. Processed 1000001 insn \(limit 1000000 insns\) at insn \d+: \(\w\w\) [^\n]+ \(--verbose prints the full log\)\n$/,
  );
  const v = await runCli(['run', pkg('unbounded'), '-v']);
  assert.equal(v.code, 1);
  const begin = v.stderr.indexOf("prog 'spin_forever': -- BEGIN PROG LOAD LOG --\n");
  const end = v.stderr.indexOf('-- END PROG LOAD LOG --\n');
  assert.ok(begin >= 0 && end > begin, 'the log is there from its first line to its end marker');
  const log = v.stderr.slice(begin, end);
  assert.ok(log.length > 1024 * 1024, `${log.length} bytes: far past 64 KiB`);
  const tail = log.trimEnd().split('\n').slice(-3);
  assert.match(tail[1], /^BPF program is too large\. Processed 1000001 insn$/);
  assert.match(
    tail[2],
    /^processed 1000001 insns \(limit 1000000\) max_states_per_insn \d+ total_states \d+/,
  );
  assert.match(tail[0], /^\d+: \(\w\w\) /, 'the last instruction, whole');
  assert.equal(v.stderr.split('\n').filter((l) => l.startsWith('bpfkit:')).length, 1);
  assert.match(
    v.stderr,
    /\n-- END PROG LOAD LOG --\n(libbpf: [^\n]*\n)*bpfkit: verifier rejected program 'spin_forever'[^\n]*\n$/,
  );
  assert.deepEqual(await leftLoaded(['spin_forever']), []);
});
