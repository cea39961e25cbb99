/**
 * bench/storm: what an opensnoop tracer keeps and what it costs under a storm of opens, bpfkit vs
 * libbpf-tools, in one run.
 *
 * Method. For each scenario (1M opens at full speed, 500k at 50k/s) and each tracer:
 * 1. bench/storm/opener.c is started first and opens a marker file every 2 ms; the tracer is started
 *    with a pid filter on the opener (`--pid_target` for bpfkit, `-p` for the C tool) and its stdout
 *    goes to a file (no pipe back-pressure, the C tool's stdio buffering as it chooses);
 * 2. once the marker shows in the output the tracer is attached: its CPU so far is read from
 *    /proc/<pid>/stat (all threads), and the opener is told to start the storm on one path;
 * 3. after the opener exits and the output has stopped growing for 1 s, the CPU is read again and
 *    the tracer gets SIGINT. Lines naming the storm path are counted: delivered; the tracer's own
 *    lost-event reports (stderr) are summed: reported lost; opens minus delivered: missing.
 * CPU per delivered event = tracer CPU during the storm / delivered. Ratios are bpfkit / C.
 * Tracers: the bpfkit package of examples/opensnoop (perf event array), the same source compiled
 * with -DUSE_RINGBUF (ring buffer), run as an object, and /usr/sbin/opensnoop.
 * Run as root: `bash bench/storm.sh [--scenarios full,paced] [--opens N]`.
 */
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, openSync, readFileSync, rmSync, statSync, writeFileSync, closeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ROOT, compileBpf } from '../test/helpers/bpf.js';

interface Tracer {
  name: string;
  cmd: (pid: number) => [string, string[]];
}

interface Outcome {
  delivered: number;
  reportedLost: number;
  cpuMs: number;
}

const CLK_TCK = 100;
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

function arg(name: string, dflt: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 && process.argv[i + 1] ? process.argv[i + 1] : dflt;
}

function cpuMs(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / CLK_TCK;
}

function countLines(file: string, needle: string): number {
  const text = readFileSync(file, 'latin1');
  let n = 0;
  for (let i = text.indexOf(needle); i >= 0; i = text.indexOf(needle, i + needle.length)) n++;
  return n;
}

/** Sums the lost-event counts a tracer reported on stderr (text "lost N" or JSON {"lost": N}). */
function reportedLost(stderr: string): number {
  let n = 0;
  for (const m of stderr.matchAll(/lost\D{0,3}(\d+)/gi)) n += Number(m[1]);
  return n;
}

async function waitFor(cond: () => boolean, ms: number, what: string): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(20);
  }
}

async function runOne(t: Tracer, dir: string, opener: string, n: number, rate: number): Promise<Outcome> {
  const marker = join(dir, `marker-${t.name.replace(/\W/g, '')}`);
  const path = join(dir, `storm-${t.name.replace(/\W/g, '')}-${rate}`);
  writeFileSync(marker, '');
  writeFileSync(path, '');
  const out = join(dir, 'out.txt');
  const outFd = openSync(out, 'w');
  const gen = spawn(opener, [marker, path, String(n), String(rate)], {
    stdio: ['pipe', 'ignore', 'inherit'],
  });
  const genExit = new Promise<void>((r) => gen.on('exit', () => r()));
  const [cmd, args] = t.cmd(gen.pid!);
  const tracer = spawn(cmd, args, { stdio: ['ignore', outFd, 'pipe'] });
  let stderr = '';
  tracer.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  const tracerExit = new Promise<void>((r) => tracer.on('exit', () => r()));
  try {
    await waitFor(() => readFileSync(out, 'latin1').includes(marker), 60_000, `${t.name} to attach`);
    const c0 = cpuMs(tracer.pid!);
    gen.stdin!.end('g');
    await genExit;
    let size = -1;
    for (let still = 0; still < 5; await sleep(200)) {
      const now = statSync(out).size;
      still = now === size ? still + 1 : 0;
      size = now;
    }
    const cpu = cpuMs(tracer.pid!) - c0;
    tracer.kill('SIGINT');
    await tracerExit;
    return { delivered: countLines(out, path), reportedLost: reportedLost(stderr), cpuMs: cpu };
  } finally {
    gen.kill();
    tracer.kill('SIGKILL');
    closeSync(outFd);
  }
}

async function main(): Promise<void> {
  const opens = Number(arg('opens', '0'));
  const scenarios = arg('scenarios', 'full,paced').split(',');
  const dir = mkdtempSync(join(tmpdir(), 'bpfkit-storm-'));
  try {
    const opener = join(dir, 'opener');
    execFileSync('gcc', ['-O2', '-o', opener, join(ROOT, 'bench/storm/opener.c')]);
    const bin = join(ROOT, 'dist/cli/bin.cjs');
    const src = join(ROOT, 'examples/opensnoop/opensnoop.bpf.c');
    execFileSync(process.execPath, [
      bin,
      'build',
      src,
      join(ROOT, 'examples/opensnoop/opensnoop.h'),
      '-o',
      dir,
    ]);
    const pkg = join(dir, 'opensnoop.bpfkit.json');
    const ringObj = await compileBpf(src, 'opensnoop-storm-ringbuf', ['USE_RINGBUF']);
    const tracers: Tracer[] = [
      {
        name: 'bpfkit package (perf)',
        cmd: (p) => [process.execPath, [bin, 'run', pkg, '--pid_target', String(p)]],
      },
      {
        name: 'bpfkit ring-buffer object',
        cmd: (p) => [process.execPath, [bin, 'run', ringObj, '--pid_target', String(p)]],
      },
      { name: '/usr/sbin/opensnoop', cmd: (p) => ['/usr/sbin/opensnoop', ['-p', String(p)]] },
    ];
    for (const sc of scenarios) {
      const n = opens || (sc === 'full' ? 1_000_000 : 500_000);
      const rate = sc === 'full' ? 0 : 50_000;
      const rows = new Map<string, Outcome>();
      for (const t of tracers) {
        const o = await runOne(t, dir, opener, n, rate);
        rows.set(t.name, o);
        process.stderr.write(`${sc} ${t.name}: ${JSON.stringify(o)}\n`);
      }
      printTable(sc === 'full' ? `${n} opens at full speed` : `${n} opens at 50k/s`, n, rows);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function printTable(title: string, n: number, rows: Map<string, Outcome>): void {
  const c = rows.get('/usr/sbin/opensnoop');
  const perEvent = (o: Outcome): number => (o.cpuMs * 1000) / Math.max(1, o.delivered);
  console.log(`\nopensnoop storm: ${title}`);
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
    c && name !== '/usr/sbin/opensnoop' ? `${(perEvent(o) / perEvent(c)).toFixed(2)}x` : '',
  ]);
  const widths = head.map((h, i) => Math.max(h.length, ...table.map((r) => r[i].length)));
  const line = (cells: string[]): string => cells.map((x, i) => x.padEnd(widths[i])).join('  ');
  console.log(line(head));
  for (const r of table) console.log(line(r));
}

await main();
