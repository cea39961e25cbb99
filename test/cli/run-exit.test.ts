/**
 * Every way `bpfkit run` ends, errors included, ends the process within 1 s with nothing left in the
 * kernel: records that do not decode (counted, the run goes on until SIGTERM), a failed attach,
 * SIGTERM, --duration, and a failure in the output path (stdout closed: exit 0; stdout failing with
 * ENOSPC: exit 1). The ids the child held are read from its /proc fds and checked gone with bpftool.
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BUILD, ROOT, compileBpf, fixture, runCli, waitFor } from '../helpers/bpf.js';
import { alive, heldIds, stillLoaded, type HeldIds } from '../helpers/held.js';

const tmp = mkdtempSync(join(tmpdir(), 'bpfkit-run-exit-'));
after(() => rmSync(tmp, { recursive: true, force: true }));

const built = await runCli([
  'build',
  fixture('records/execvar.bpf.c'),
  fixture('records/execvar.h'),
  '-o',
  join(BUILD, 'records'),
]);
assert.equal(built.code, 0, built.stderr);
/** execsnoop-style package (perf event array), built by `bpfkit build`. */
const PKG = join(BUILD, 'records/execvar.bpfkit.json');
/** The same source sending through a ring buffer. */
const RB_OBJ = await compileBpf(fixture('records/execvar.bpf.c'), 'execvar-rb', ['USE_RINGBUF']);

interface Run {
  child: ChildProcess;
  pid: number;
  stdout: () => string;
  stderr: () => string;
  /** Exit code or signal, and when it came (performance.now()). */
  exited: Promise<{ code: number | string; at: number }>;
}

/** Starts the CLI; `stdout` is a pipe unless an fd is given. */
function start(args: string[], stdout: 'pipe' | number = 'pipe'): Run {
  const child = spawn(process.execPath, [join(ROOT, 'dist/cli/bin.cjs'), ...args], {
    stdio: ['ignore', stdout, 'pipe'],
  });
  let out = '';
  let err = '';
  child.stdout?.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
  const exited = new Promise<{ code: number | string; at: number }>((res) =>
    child.on('exit', (code, sig) => res({ code: code ?? sig ?? -1, at: performance.now() })),
  );
  // Never leave a hung child behind a failed assertion.
  const killer = setTimeout(() => child.kill('SIGKILL'), 30_000);
  void exited.then(() => clearTimeout(killer));
  return { child, pid: child.pid!, stdout: () => out, stderr: () => err, exited };
}

/** A shell that keeps exec'ing /bin/echo: its pid is the ppid of the execve calls traced. */
function looper(): ChildProcess {
  const sh = spawn('sh', ['-c', 'while :; do /bin/echo one two > /dev/null; sleep 0.03; done'], {
    stdio: 'ignore',
  });
  after(() => sh.kill());
  return sh;
}

/** Waits until the run has attached (it holds a link) and returns what it holds. */
async function attached(run: Run): Promise<HeldIds> {
  const held = await waitFor(
    () => {
      const h = heldIds(run.pid);
      return h.links.length > 0 && h.progs.length > 0 ? h : undefined;
    },
    undefined,
    15000,
    10,
  );
  assert.ok(held.maps.length > 0);
  return held;
}

/** Asserts the run ended `within` ms after `t0` with `code`, is gone, and left nothing loaded. */
async function endedClean(run: Run, held: HeldIds, t0: number, code: number, within = 1000): Promise<void> {
  const { code: got, at } = await run.exited;
  assert.equal(got, code, run.stderr());
  assert.ok(at - t0 < within, `exit took ${(at - t0).toFixed(0)} ms`);
  assert.equal(alive(run.pid), false);
  assert.equal(heldIds(run.pid).fds, 0);
  assert.deepEqual(await stillLoaded(held), [], `${JSON.stringify(held)} left loaded`);
}

test('records that do not decode are counted and the run goes on; SIGTERM then ends it within 1 s', async () => {
  const sh = looper();
  const run = start(['run', PKG, '--ppid_target', String(sh.pid), '--malformed_every', '1', '--json']);
  const held = await attached(run);
  // The first one is told with its reason, the next ones summed a second later: the run lived on.
  await waitFor(() => (/"notice":"malformed".*"count":\d+}$/m.test(run.stderr()) ? true : undefined));
  const first = JSON.parse(run.stderr().split('\n')[0]) as Record<string, unknown>;
  assert.deepEqual(first, {
    notice: 'malformed',
    map: 'events',
    count: 1,
    bytes: 12,
    error: 'record of 12 bytes ends inside the fixed part of its type (32 of 544 bytes)',
  });
  assert.equal(run.stdout(), '');
  assert.ok(alive(run.pid));
  const t0 = performance.now();
  run.child.kill('SIGTERM');
  await endedClean(run, held, t0, 0);
});

test('a failed attach (the only program) ends the run within 1 s with status 1 or 2 and nothing loaded', async () => {
  const obj = await compileBpf(fixture('records/attach-fails.bpf.c'), 'attach-fails');
  // Reading the uprobe's binary blocks on this FIFO, which holds the run after load and before
  // attach, so its program and map ids can be read; what is then written is not an ELF file.
  const fifo = join(tmp, 'binary');
  execFileSync('mkfifo', [fifo]);
  const run = start(['run', obj, '--uprobe', `${fifo}:main`]);
  const held = await waitFor(
    () => {
      const h = heldIds(run.pid);
      return h.progs.length > 0 ? h : undefined;
    },
    undefined,
    15000,
    10,
  );
  const t0 = performance.now();
  const w = openSync(fifo, 'w');
  writeFileSync(w, 'not an ELF file\n');
  closeSync(w);
  const { code } = await run.exited;
  assert.ok(code === 1 || code === 2, `exit ${code}`);
  assert.match(run.stderr(), /^bpfkit: uprobe: cannot read .*binary: .*\n$/);
  await endedClean(run, held, t0, code as number);
});

test('SIGTERM ends a run that is printing events within 1 s with status 0', async () => {
  const sh = looper();
  const run = start(['run', RB_OBJ, '--ppid_target', String(sh.pid)]);
  const held = await attached(run);
  await waitFor(() => (run.stdout().includes('/bin/echo') ? true : undefined));
  const t0 = performance.now();
  run.child.kill('SIGTERM');
  await endedClean(run, held, t0, 0);
});

test('--duration ends the run within 1 s of its end with status 0', async () => {
  const sh = looper();
  const run = start(['run', RB_OBJ, '--ppid_target', String(sh.pid), '--duration', '1']);
  const held = await attached(run);
  await endedClean(run, held, performance.now(), 0, 2000);
});

test('stdout closed by its reader (EPIPE) ends the run within 1 s with status 0', async () => {
  const sh = looper();
  const run = start(['run', RB_OBJ, '--ppid_target', String(sh.pid), '--json']);
  const held = await attached(run);
  await waitFor(() => (run.stdout().includes('/bin/echo') ? true : undefined));
  const t0 = performance.now();
  run.child.stdout!.destroy();
  await endedClean(run, held, t0, 0);
  assert.equal(run.stderr(), '');
});

test('stdout failing with ENOSPC ends the run within 1 s with status 1 and one line', async () => {
  const full = openSync('/dev/full', 'w');
  after(() => closeSync(full));
  const run = start(['run', RB_OBJ, '--json', '--ppid_target', '0'], full);
  const held = await attached(run);
  // Records start flowing once attached (every execve on the machine; start one ourselves too).
  const t0 = performance.now();
  execFileSync('/bin/true');
  await endedClean(run, held, t0, 1);
  assert.equal(run.stderr(), 'bpfkit: writing the output: ENOSPC (no space left)\n');
});
