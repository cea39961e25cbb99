/**
 * Real-world sources built the ecc way, `bpfkit build x.bpf.c x.h`, and run on the real kernel with
 * their events decoded: a header whose event struct only a local variable holds, a header of
 * macros only, records sent through reserve_buf()/submit_buf() wrappers over a ring buffer or a
 * perf event array, and --event-type over a package's metadata (and a wrong name refused). The
 * fixtures are in test/fixtures/real. Needs root and `npm run build`.
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { copyFileSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ROOT, runCli, startCli, waitFor, type CliRun } from '../helpers/bpf.js';
import { testEnv } from '../build/helpers.js';

const REAL = join(ROOT, 'test/fixtures/real');
const out = mkdtempSync(join(tmpdir(), 'bpfkit-headers-'));
/** Ids of the programs our runs loaded, checked gone at the end. */
const ours = new Set<number>();

after(async () => {
  rmSync(out, { recursive: true, force: true });
  assert.deepEqual(await stillLoaded([...ours]), []);
});

/** `bpfkit build <source> <header> -o <dir>` through the CLI; returns its stderr. */
async function build(source: string, header: string, dir: string, extra: string[] = []): Promise<string> {
  const r = await runCli(['build', join(REAL, source), join(REAL, header), '-o', dir, ...extra], {
    env: testEnv(),
  });
  assert.equal(r.code, 0, r.stderr);
  return r.stderr;
}

/** A shell opening `path` itself (a builtin's redirection), under one pid, until killed. */
function opener(path: string): ChildProcess {
  return spawn('sh', ['-c', `while :; do : > ${path}; sleep 0.05; done`], { stdio: 'ignore' });
}

/** The ids of the BPF programs process `pid` holds fds of (its /proc fdinfo). */
function progIds(pid: number): number[] {
  const ids: number[] = [];
  for (const fd of readdirSync(`/proc/${pid}/fd`)) {
    let link: string;
    try {
      link = readlinkSync(`/proc/${pid}/fd/${fd}`);
    } catch {
      continue;
    }
    if (link !== 'anon_inode:bpf-prog') continue;
    const m = /^prog_id:\s*(\d+)$/m.exec(readFileSync(`/proc/${pid}/fdinfo/${fd}`, 'utf8'));
    if (m) ids.push(Number(m[1]));
  }
  return ids;
}

/** Which of `ids` are still loaded once the kernel has had up to 2 s to free them. */
async function stillLoaded(ids: number[]): Promise<number[]> {
  const loaded = (): number[] => {
    const list = JSON.parse(execFileSync('bpftool', ['-j', 'prog', 'list'], { encoding: 'utf8' })) as {
      id: number;
    }[];
    return ids.filter((id) => list.some((p) => p.id === id));
  };
  const end = Date.now() + 2000;
  let left = loaded();
  while (left.length && Date.now() < end) {
    await new Promise((r) => setTimeout(r, 50));
    left = loaded();
  }
  return left;
}

/** The JSON events of a run, once `pick` accepts at least `n`; records the run's program ids. */
async function events<T>(run: CliRun, pick: (e: T) => boolean, n = 3, poke?: () => void): Promise<T[]> {
  const got = await waitFor(() => {
    for (const id of progIds(run.child.pid!)) ours.add(id);
    const text = run.stdout();
    const all = text
      .slice(0, text.lastIndexOf('\n') + 1)
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as T);
    const mine = all.filter(pick);
    return mine.length >= n ? mine : undefined;
  }, poke);
  assert.ok(ours.size > 0, 'the run holds its programs');
  return got;
}

/** Stops a run with Ctrl-C: exit 0. */
async function stop(run: CliRun | undefined, ...children: ChildProcess[]): Promise<void> {
  for (const c of children) c.kill();
  if (!run) return;
  run.child.kill('SIGINT');
  assert.equal(await run.exited, 0, run.stderr());
}

interface OpenEvent {
  ts: number;
  pid: number;
  uid: number;
  flags: number;
  comm: string;
  fname: string;
}

test('a header struct only a local variable holds (opensnoop.bpf.h): the copied package and the .bpf.o decode it', async () => {
  const dir = join(out, 'opensnoop');
  const path = join(out, `opened-a-${process.pid}`);
  const child = opener(path);
  let run: CliRun | undefined;
  try {
    await build('opensnoop.bpf.c', 'opensnoop.bpf.h', dir);
    const away = mkdtempSync(join(out, 'copied-'));
    copyFileSync(join(dir, 'opensnoop.bpfkit.json'), join(away, 'opensnoop.bpfkit.json'));
    for (const target of [join(away, 'opensnoop.bpfkit.json'), join(dir, 'opensnoop.bpf.o')]) {
      run = startCli(['run', target, '--json', '--pid_target', String(child.pid)]);
      const got = await events<OpenEvent>(run, (e) => e.fname === path);
      for (const e of got) {
        assert.deepEqual(Object.keys(e), ['ts', 'pid', 'uid', 'flags', 'comm', 'fname']);
        assert.ok(e.ts > 0);
        // O_WRONLY|O_CREAT|O_TRUNC, as sh opens for `>`.
        assert.deepEqual([e.pid, e.uid, e.flags, e.comm], [child.pid, process.getuid!(), 577, 'sh']);
      }
      await stop(run);
      run = undefined;
    }
  } finally {
    await stop(run, child);
  }
});

test('a header of macros only (killsnoop.h) builds, and the struct the program reserves decodes', async () => {
  const dir = join(out, 'killsnoop');
  const target = spawn('sleep', ['30'], { stdio: 'ignore' });
  let run: CliRun | undefined;
  try {
    const stderr = await build('killsnoop.bpf.c', 'killsnoop.h', dir, ['-v']);
    assert.match(
      stderr,
      /^bpfkit: .*killsnoop\.h declares no named struct or union, so no event type comes from it$/m,
    );
    assert.match(
      stderr,
      /^bpfkit: map kills: kill_event: struct kill_event is sent to kills by real_kill_enter\(\) with bpf_ringbuf_reserve\(\)$/m,
    );
    run = startCli(['run', join(dir, 'killsnoop.bpfkit.json'), '--json', '--target_pid', String(target.pid)]);
    type Kill = { pid: number; target: number; sig: number; comm: string };
    const got = await events<Kill>(
      run,
      (e) => e.target === target.pid,
      3,
      () => process.kill(target.pid!, 0),
    );
    for (const e of got) assert.deepEqual([e.pid, e.target, e.sig], [process.pid, target.pid, 0]);
  } finally {
    await stop(run, target);
  }
});

interface CompatEvent {
  pid: number;
  tid: number;
  comm: string;
  fname: string;
}

test('reserve_buf()/submit_buf() wrappers: decoded through the ring buffer and through the perf event array; -v says why', async () => {
  const dir = join(out, 'opencompat');
  const path = join(out, `opened-c-${process.pid}`);
  const child = opener(path);
  let run: CliRun | undefined;
  try {
    await build('opencompat.bpf.c', 'opencompat.h', dir);
    const pkg = join(dir, 'opencompat.bpfkit.json');
    for (const extra of [['-v'], ['--disable-use_ringbuf']]) {
      run = startCli(['run', pkg, '--json', '--pid_target', String(child.pid), ...extra]);
      const got = await events<CompatEvent>(run, (e) => e.fname === path);
      for (const e of got) assert.deepEqual(e, { pid: child.pid, tid: child.pid, comm: 'sh', fname: path });
      if (extra[0] === '-v') {
        const lines = run.stderr().split('\n');
        assert.ok(
          lines.includes(
            "bpfkit: map 'rb': struct event (struct event is sent to rb by compat_open_enter() through reserve_buf())",
          ),
          run.stderr(),
        );
        assert.ok(
          lines.includes(
            "bpfkit: map 'pb': struct event (struct event is sent to pb by compat_open_enter() through submit_buf())",
          ),
          run.stderr(),
        );
      }
      await stop(run);
      run = undefined;
    }
  } finally {
    await stop(run, child);
  }
});

test('--event-type overrides the package; an unknown name fails with one line before anything loads', async () => {
  const dir = join(out, 'override');
  const path = join(out, `opened-d-${process.pid}`);
  const child = opener(path);
  let run: CliRun | undefined;
  try {
    await build('opencompat.bpf.c', 'opencompat.h', dir);
    const pkg = join(dir, 'opencompat.bpfkit.json');
    run = startCli([
      'run',
      pkg,
      '--json',
      '--pid_target',
      String(child.pid),
      '--event-type',
      'struct counts',
    ]);
    // struct counts over struct event's bytes: `opens` is pid and tid, `fails` starts with the comm "sh".
    type Counts = { opens: number; fails: number };
    const pid = child.pid!;
    const want = pid + pid * 2 ** 32;
    const got = await events<Counts>(run, (e) => e.opens === want);
    for (const e of got) assert.equal(e.fails, 0x6873);
    assert.doesNotMatch(run.stderr(), /bytes/, 'a struct asked for by name may be a prefix of the records');
    await stop(run);
    run = undefined;

    await build('opensnoop.bpf.c', 'opensnoop.bpf.h', join(dir, 'marked'));
    for (const [target, candidates] of [
      [pkg, 'event types: event, counts'],
      [join(dir, 'marked', 'opensnoop.bpf.o'), 'event types: event'],
    ]) {
      const started = Date.now();
      const r = await runCli(['run', target, '--event-type', 'nosuch']);
      assert.equal(r.code, 2, r.stderr);
      assert.equal(r.stdout, '');
      assert.match(
        r.stderr,
        new RegExp(
          `^bpfkit: --event-type: no struct 'nosuch' in the object's BTF \\(${candidates}[;)].*\\n$`,
        ),
      );
      assert.equal(r.stderr.split('\n').length, 2, 'one line');
      assert.ok(Date.now() - started < 5000);
    }
  } finally {
    await stop(run, child);
  }
});
