/**
 * Helpers of the built-in tools' tests: run a tool through the built CLI (or a libbpf-tools peer
 * from /usr/sbin), wait until it has attached (its header line, printed after attach), take the
 * ids of the programs it loaded from its own fds, stop it and check it exited 0 within a second
 * with those programs gone, and split table rows into fields. Needs root and `npm run build`.
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { fdById, closeFd } from '../../src/sys/bpf.js';
import { ensureMounts } from '../../src/sys/mounts.js';
import { startCli, waitFor, type CliRun } from '../helpers/bpf.js';

/** A running tool: its output so far, exit, and the ids of the BPF programs it holds. */
export interface ToolRun extends CliRun {
  programs: number[];
}

/** Complete lines of a run's stdout. */
export function lines(run: CliRun): string[] {
  const out = run.stdout();
  return out
    .slice(0, out.lastIndexOf('\n') + 1)
    .split('\n')
    .slice(0, -1);
}

/** Ids of the BPF programs process `pid` has fds of (from /proc/<pid>/fdinfo). */
export function programsOf(pid: number): number[] {
  const ids: number[] = [];
  for (const fd of readdirSync(`/proc/${pid}/fd`)) {
    let target: string;
    try {
      target = readlinkSync(`/proc/${pid}/fd/${fd}`);
    } catch {
      continue;
    }
    if (target !== 'anon_inode:bpf-prog') continue;
    const m = /^prog_id:\s*(\d+)$/m.exec(readFileSync(`/proc/${pid}/fdinfo/${fd}`, 'utf8'));
    if (m) ids.push(Number(m[1]));
  }
  return ids;
}

/** Whether program `id` still exists. */
export function isLoaded(id: number): boolean {
  const fd = fdById('prog', id);
  if (fd === undefined) return false;
  closeFd(fd);
  return true;
}

/**
 * Starts `bpfkit <args>` and resolves once it has attached: when its first stdout line (the
 * header) is out, or, for runs that print none (--json, `headerless`), when it holds links. The run's
 * `programs` are its own program ids at that point.
 */
export async function startTool(
  args: string[],
  env?: NodeJS.ProcessEnv,
  headerless = args.includes('--json'),
): Promise<ToolRun> {
  const run = startCli(args, env ? { env: { ...process.env, ...env } } : {});
  const json = headerless;
  let exited: number | string | undefined;
  void run.exited.then((c) => (exited = c));
  await waitFor(
    () => {
      if (exited !== undefined) throw new Error(`bpfkit ${args.join(' ')} exited ${exited}: ${run.stderr()}`);
      if (json) return hasLinks(run.child.pid!) || undefined;
      return lines(run).length > 0 || undefined;
    },
    () => {},
    20000,
    50,
  );
  return Object.assign(run, { programs: programsOf(run.child.pid!) });
}

/** Whether process `pid` holds a BPF link (it has attached). */
export function hasLinks(pid: number): boolean {
  try {
    return readdirSync(`/proc/${pid}/fd`).some((fd) => {
      try {
        return readlinkSync(`/proc/${pid}/fd/${fd}`) === 'anon_inode:bpf_link';
      } catch {
        return false;
      }
    });
  } catch {
    return false;
  }
}

/**
 * Stops a run with `signal` and checks the exit: status 0 within a second, then none of its
 * programs left once the kernel has freed them (tp_btf and raw_tp programs go a little later).
 */
export async function stopTool(run: ToolRun, signal: NodeJS.Signals = 'SIGINT'): Promise<void> {
  const t0 = Date.now();
  run.child.kill(signal);
  const code = await run.exited;
  const took = Date.now() - t0;
  assert.equal(code, 0, run.stderr());
  assert.ok(took < 1000, `exited ${took} ms after ${signal}`);
  await waitFor(
    () => (run.programs.some(isLoaded) ? undefined : true),
    () => {},
    3000,
    20,
  ).catch(() => assert.deepEqual(run.programs.filter(isLoaded), [], 'programs left loaded'));
}

/**
 * Runs `body` with a started tool (in `env`, added to ours), then stops it with `signal` and
 * stopTool's checks; when `body` fails, the tool is killed instead so that no run outlives its test.
 */
export async function withTool(
  args: string[],
  body: (run: ToolRun) => Promise<void>,
  opts: { env?: NodeJS.ProcessEnv; signal?: NodeJS.Signals; headerless?: boolean } = {},
): Promise<ToolRun> {
  const run = await startTool(args, opts.env, opts.headerless);
  try {
    await body(run);
  } catch (e) {
    run.child.kill('SIGKILL');
    throw e;
  }
  await stopTool(run, opts.signal);
  return run;
}

/** A libbpf-tools binary (/usr/sbin/<name>) with line-buffered stdout (it is a pipe here), started like startCli. */
export function startPeer(name: string, args: string[]): CliRun {
  const c = spawn('stdbuf', ['-oL', `/usr/sbin/${name}`, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  c.stdout.on('data', (d: Buffer) => (out += d.toString()));
  c.stderr.on('data', (d: Buffer) => (err += d.toString()));
  const exited = new Promise<number | string>((res) => c.on('close', (code, sig) => res(code ?? sig ?? -1)));
  return { child: c, stdout: () => out, stderr: () => err, exited };
}

/** The complete stdout lines `pick` selects, once there are at least `n`. */
export function linesWhen(
  run: CliRun,
  pick: (l: string) => boolean,
  n = 1,
  timeoutMs = 15000,
): Promise<string[]> {
  return waitFor(
    () => {
      const got = lines(run).filter(pick);
      return got.length >= n ? got : undefined;
    },
    () => {},
    timeoutMs,
    50,
  );
}

/** The --json objects of a run that `pick` selects, once there are at least `n`. */
export async function objectsWhen(
  run: CliRun,
  pick: (o: Record<string, unknown>) => boolean,
  n = 1,
): Promise<Record<string, unknown>[]> {
  return waitFor(
    () => {
      const got = lines(run)
        .map((l) => JSON.parse(l) as Record<string, unknown>)
        .filter(pick);
      return got.length >= n ? got : undefined;
    },
    () => {},
    15000,
    50,
  );
}

/** `row` split into `n` fields at blanks, the last field holding the rest (a path, arguments). */
export function fields(row: string, n: number): string[] {
  const out: string[] = [];
  let rest = row.trimStart();
  for (let i = 0; i < n - 1; i++) {
    const m = /^(\S+)\s*/.exec(rest);
    if (!m) break;
    out.push(m[1]);
    rest = rest.slice(m[0].length);
  }
  out.push(rest.trimEnd());
  return out;
}

/** A process started and its exit, for triggers (`stdin`: give it a pipe to write to). */
export function child(
  cmd: string,
  args: string[],
  opts: { stdin?: boolean } = {},
): ChildProcess & { done: Promise<number | string> } {
  const c = spawn(cmd, args, { stdio: [opts.stdin ? 'pipe' : 'ignore', 'pipe', 'ignore'] });
  const done = new Promise<number | string>((res) => c.on('close', (code, sig) => res(code ?? sig ?? -1)));
  return Object.assign(c, { done });
}

/** The command name (comm) of this process, as the kernel reports it. */
export function ownComm(): string {
  return readFileSync('/proc/self/comm', 'utf8').trim();
}

/** tracefs and friends, which the peers need mounted (bpfkit mounts them itself). */
export function mountTracing(): void {
  ensureMounts();
}
