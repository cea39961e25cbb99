/**
 * What the tracer benchmarks (bench/storm.ts, bench/tools.ts) share: a tracer run against a storm
 * generator, measured from outside, and the table of outcomes.
 *
 * One run (runTracer): the generator is started first and repeats a marker action (an open of a
 * marker file, an exec with a marker argument) every 2 ms until a byte arrives on its stdin; the
 * tracer is started with its stdout to a file (no pipe back-pressure; C tools buffer as they
 * choose). Once the marker shows in the output the tracer is attached: its CPU so far is read from
 * /proc/<pid>/stat (utime + stime, all threads) and the generator is told to start the storm. After
 * the generator exits and the output has stopped growing for 1 s, the CPU is read again and the
 * tracer gets SIGINT. Once it has exited, the output lines holding the storm's needle are counted:
 * delivered; the lost-event counts it reported on stderr are summed: reported lost.
 */
import { spawn } from 'node:child_process';
import { closeSync, openSync, readFileSync, statSync } from 'node:fs';

/** A tracer: a name for the table and its command line given the generator's pid. */
export interface Tracer {
  name: string;
  cmd: (pid: number) => [string, string[]];
}

/** A storm: the generator's command line, the output text showing attach, and the storm's. */
export interface Storm {
  gen: [string, string[]];
  marker: string;
  needle: string;
}

/** What one tracer run gave. */
export interface Outcome {
  delivered: number;
  reportedLost: number;
  /** Tracer CPU (user + system) during the storm, ms. */
  cpuMs: number;
}

const CLK_TCK = 100;

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** The value of `--name V` on the command line, or `dflt`. */
export function arg(name: string, dflt: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 && process.argv[i + 1] ? process.argv[i + 1] : dflt;
}

/** utime + stime of process `pid` (all its threads), ms. */
export function cpuMs(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / CLK_TCK;
}

/** Occurrences of `needle` in `file`. */
export function countLines(file: string, needle: string): number {
  const text = readFileSync(file, 'latin1');
  let n = 0;
  for (let i = text.indexOf(needle); i >= 0; i = text.indexOf(needle, i + needle.length)) n++;
  return n;
}

/** Sums the lost-event counts a tracer reported on stderr (text "lost N" or JSON {"lost": N}). */
export function reportedLost(stderr: string): number {
  let n = 0;
  for (const m of stderr.matchAll(/lost\D{0,3}(\d+)/gi)) n += Number(m[1]);
  return n;
}

export async function waitFor(cond: () => boolean, ms: number, what: string): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(20);
  }
}

/** One run of tracer `t` against `storm`, its output in `out` (see the header comment). */
export async function runTracer(t: Tracer, storm: Storm, out: string): Promise<Outcome> {
  const outFd = openSync(out, 'w');
  const gen = spawn(storm.gen[0], storm.gen[1], { stdio: ['pipe', 'ignore', 'inherit'] });
  const genExit = new Promise<void>((r) => gen.on('exit', () => r()));
  const [cmd, args] = t.cmd(gen.pid!);
  const tracer = spawn(cmd, args, { stdio: ['ignore', outFd, 'pipe'] });
  let stderr = '';
  tracer.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  const tracerExit = new Promise<void>((r) => tracer.on('exit', () => r()));
  try {
    const t0 = Date.now();
    await waitFor(() => readFileSync(out, 'latin1').includes(storm.marker), 60_000, `${t.name} to attach`);
    process.stderr.write(`${t.name}: attached after ${((Date.now() - t0) / 1000).toFixed(1)} s\n`);
    const c0 = cpuMs(tracer.pid!);
    gen.stdin!.end('g');
    await genExit;
    let size = -1;
    for (let still = 0, end = Date.now() + 120_000; still < 5 && Date.now() < end; await sleep(200)) {
      const now = statSync(out).size;
      still = now === size ? still + 1 : 0;
      size = now;
    }
    const cpu = cpuMs(tracer.pid!) - c0;
    tracer.kill('SIGINT');
    if (!(await Promise.race([tracerExit.then(() => true), sleep(10_000).then(() => false)])))
      process.stderr.write(`${t.name}: still running 10 s after SIGINT; killed\n`);
    return { delivered: countLines(out, storm.needle), reportedLost: reportedLost(stderr), cpuMs: cpu };
  } finally {
    gen.kill();
    tracer.kill('SIGKILL');
    closeSync(outFd);
  }
}

/** Prints the outcomes of `n` triggered events, with CPU per event as a ratio to tracer `reference` (the C tool). */
export function printTable(title: string, n: number, rows: Map<string, Outcome>, reference: string): void {
  const c = rows.get(reference);
  const perEvent = (o: Outcome): number => (o.cpuMs * 1000) / Math.max(1, o.delivered);
  console.log(`\n${title}`);
  const head = [
    'tracer',
    'delivered',
    'missing',
    'reported lost',
    'CPU ms',
    'CPU µs/event',
    'CPU/event vs C',
  ];
  const table = [...rows].map(([name, o]) => [
    name,
    String(o.delivered),
    String(n - o.delivered),
    String(o.reportedLost),
    o.cpuMs.toFixed(0),
    perEvent(o).toFixed(2),
    c && name !== reference ? `${(perEvent(o) / perEvent(c)).toFixed(2)}x` : '',
  ]);
  const widths = head.map((h, i) => Math.max(h.length, ...table.map((r) => r[i].length)));
  const line = (cells: string[]): string => cells.map((x, i) => x.padEnd(widths[i])).join('  ');
  console.log(line(head));
  for (const r of table) console.log(line(r));
}
