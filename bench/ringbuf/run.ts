/**
 * Ring-buffer consumer benchmark: builds (in this run) a getppid() producer, a BPF program turning
 * each call into a 32-byte ring-buffer event (4 MiB ring), and a plain-C libbpf consumer
 * (ring_buffer__poll); then runs the C consumer and the bpfkit variants against the same producer
 * and prints events/s, consumer CPU ns/event, lost events and the bpfkit/C ratios.
 *
 * Two notification modes are measured: the default (the kernel wakes the consumer whenever it has
 * caught up) and sampled (--wakeup-every K: every Kth event forces a wake-up, the rest are submitted
 * with BPF_RB_NO_WAKEUP), which isolates the per-event consumption cost from wake-up costs.
 *
 * usage: run.ts [--events N] [--runs R] [--variants c,raw,decoded,decoded-at,decoded-bigint,iterator]
 *               [--wakeup-every 0,64] [--json]
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const HERE = dirname(fileURLToPath(import.meta.url));

interface Result {
  events: number;
  produced: number;
  dropped: number;
  wallNs: number;
  cpuNs: number;
  orderErrors: number;
  wakeups: number;
}

function arg(name: string, dflt: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 && process.argv[i + 1] ? process.argv[i + 1] : dflt;
}

function build(dir: string): { obj: string; producer: string; consumer: string } {
  const obj = join(dir, 'bench.bpf.o');
  const producer = join(dir, 'producer');
  const consumer = join(dir, 'consumer');
  const inc = '-I/usr/include/x86_64-linux-gnu';
  execFileSync('clang', [
    '-g',
    '-O2',
    '-target',
    'bpf',
    '-mcpu=v3',
    inc,
    '-c',
    join(HERE, 'bench.bpf.c'),
    '-o',
    obj,
  ]);
  execFileSync('gcc', ['-O2', '-o', producer, join(HERE, 'producer.c')]);
  execFileSync('gcc', ['-O2', '-o', consumer, join(HERE, 'consumer.c'), '-lbpf']);
  return { obj, producer, consumer };
}

function runOnce(variant: string, bins: ReturnType<typeof build>, n: number, every: number): Result {
  const args = [bins.obj, bins.producer, String(n), String(every)];
  const out =
    variant === 'c'
      ? execFileSync(bins.consumer, args, { encoding: 'utf8' })
      : execFileSync(process.execPath, ['--import', 'tsx', join(HERE, 'consumer.ts'), variant, ...args], {
          encoding: 'utf8',
        });
  return JSON.parse(out.trim().split('\n').at(-1) ?? '{}') as Result;
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[xs.length >> 1];

interface Row {
  variant: string;
  wakeupEvery: number;
  rate: number;
  nsPerEvent: number;
  lost: number;
  perWakeup: number;
  errors: number;
}

function printTable(rows: Row[], n: number, runs: number): void {
  const base = rows.find((r) => r.variant === 'c');
  const head = ['consumer', 'events/s', 'CPU ns/event', 'lost', 'events/wake-up', 'CPU vs C', 'rate vs C'];
  const table = rows.map((r) => [
    r.variant === 'c' ? 'C libbpf' : `bpfkit ${r.variant}`,
    `${(r.rate / 1e6).toFixed(2)} M`,
    r.nsPerEvent.toFixed(0),
    String(r.lost) + (r.errors ? ' (!)' : ''),
    r.perWakeup.toFixed(1),
    base ? `${(r.nsPerEvent / base.nsPerEvent).toFixed(2)}x` : '-',
    base ? `${(r.rate / base.rate).toFixed(2)}x` : '-',
  ]);
  const widths = head.map((h, i) => Math.max(h.length, ...table.map((row) => row[i].length)));
  const line = (cells: string[]): string => cells.map((c, i) => c.padEnd(widths[i])).join('  ');
  const mode = rows[0].wakeupEvery
    ? `sampled wake-ups (every ${rows[0].wakeupEvery} events)`
    : 'default wake-ups';
  console.log(`\nring buffer, ${n} events of 32 bytes, 4 MiB ring, ${mode}, median of ${runs} runs`);
  console.log(line(head));
  for (const row of table) console.log(line(row));
}

function main(): void {
  const n = Number(arg('events', '2000000'));
  const runs = Number(arg('runs', '3'));
  const variants = arg('variants', 'c,raw,decoded,decoded-at,decoded-bigint,iterator').split(',');
  const modes = arg('wakeup-every', '0,64').split(',').map(Number);
  const dir = mkdtempSync(join(tmpdir(), 'bpfkit-bench-ringbuf-'));
  try {
    const bins = build(dir);
    for (const every of modes) {
      const rows: Row[] = [];
      for (const variant of variants) {
        const results: Result[] = [];
        for (let r = 0; r < runs; r++) results.push(runOnce(variant, bins, n, every));
        rows.push({
          variant,
          wakeupEvery: every,
          rate: median(results.map((x) => x.events / (x.wallNs / 1e9))),
          nsPerEvent: median(results.map((x) => x.cpuNs / Math.max(1, x.events))),
          lost: median(results.map((x) => x.produced - x.events)),
          perWakeup: median(results.map((x) => x.events / Math.max(1, x.wakeups))),
          errors: results.reduce((s, x) => s + x.orderErrors + (x.produced === n ? 0 : 1), 0),
        });
        process.stderr.write(`${variant} (wakeup-every ${every}): ${JSON.stringify(results)}\n`);
      }
      if (process.argv.includes('--json')) {
        for (const r of rows) process.stdout.write(JSON.stringify({ ...r, events: n, runs }) + '\n');
      } else printTable(rows, n, runs);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

main();
