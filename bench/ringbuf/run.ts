/**
 * Ring-buffer consumer benchmark: builds (in this run) a getppid() producer, a BPF program turning
 * each call into a 32-byte ring-buffer event (4 MiB ring), and a plain-C libbpf consumer
 * (ring_buffer__poll); then runs the C consumer and the bpfkit variants against the same producer
 * and prints events/s, consumer CPU ns/event, lost events and the bpfkit/C ratios.
 *
 * Like with like: every comparison is at the same drain policy on both sides, since the policy, not
 * the per-record work, decides most of the CPU a consumer spends (a wake-up costs ~25 µs):
 * - timer: bpfkit's default. Wait for a wake-up, then while a drain finds records, sleep 1 ms and
 *   drain again; the first empty drain goes back to waiting. consumer.c implements the same loop with
 *   ring_buffer__poll / ring_buffer__consume / nanosleep.
 * - event: one drain per wake-up on both sides (libbpf's ring_buffer__poll loop; bpfkit's Poller with
 *   busyIntervalMs 0).
 * Each policy is run in two notification modes: the default (the kernel wakes the consumer whenever
 * it has caught up) and sampled (--wakeup-every K: every Kth event forces a wake-up, the rest are
 * submitted with BPF_RB_NO_WAKEUP). Ratios compare bpfkit with C at the same policy and mode. The
 * latency columns (p50/p99 of every 64th event, kernel timestamp to callback) show what the timer
 * adds. After the timer tables, the floor: a 1 ms sleep loop with no ring at all, in C and in Node,
 * CPU per trip (sleeploop.c and a setTimeout loop).
 *
 * Variants named NAME:poll run the same consumer on no event loop at all: the reader has no poller and
 * the process runs consumer.c's loop itself with reader.poll() and a 1 ms nanosleep, blocking its
 * thread like the C consumer (how a worker thread consumes). Against the plain variants this shows
 * what Node's event loop costs per trip, and against C what the consumer itself costs.
 *
 * usage: run.ts [--events N] [--runs R] [--variants c,raw,batch,decoded,decoded-at,decoded-bigint,btf,btf-at,iterator,raw:poll,...]
 *               [--wakeup-every 0,64] [--policy timer,event] [--json]
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
  latP50Ns: number;
  latP99Ns: number;
}

function arg(name: string, dflt: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 && process.argv[i + 1] ? process.argv[i + 1] : dflt;
}

function build(dir: string): { obj: string; producer: string; consumer: string; sleeploop: string } {
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
    `-I${join(HERE, '../../bpf/include')}`,
    '-c',
    join(HERE, 'bench.bpf.c'),
    '-o',
    obj,
  ]);
  execFileSync('gcc', ['-O2', '-o', producer, join(HERE, 'producer.c')]);
  execFileSync('gcc', ['-O2', '-o', consumer, join(HERE, 'consumer.c'), '-lbpf']);
  const sleeploop = join(dir, 'sleeploop');
  execFileSync('gcc', ['-O2', '-o', sleeploop, join(HERE, 'sleeploop.c')]);
  return { obj, producer, consumer, sleeploop };
}

function runOnce(
  variant: string,
  bins: ReturnType<typeof build>,
  n: number,
  every: number,
  policy: string,
): Result {
  const args = [bins.obj, bins.producer, String(n), String(every), policy];
  const [name, loop = 'uv'] = variant.split(':');
  const out =
    variant === 'c'
      ? execFileSync(bins.consumer, args, { encoding: 'utf8' })
      : execFileSync(process.execPath, ['--import', 'tsx', join(HERE, 'consumer.ts'), name, ...args, loop], {
          encoding: 'utf8',
        });
  return JSON.parse(out.trim().split('\n').at(-1) ?? '{}') as Result;
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[xs.length >> 1];

interface Row {
  variant: string;
  policy: string;
  wakeupEvery: number;
  rate: number;
  nsPerEvent: number;
  lost: number;
  perWakeup: number;
  errors: number;
  latP50Us: number;
  latP99Us: number;
}

function printTable(rows: Row[], n: number, runs: number): void {
  const base = rows.find((r) => r.variant === 'c');
  const head = [
    'consumer',
    'events/s',
    'CPU ns/event',
    'lost',
    'events/wake-up',
    'latency p50/p99 µs',
    'CPU vs C',
    'rate vs C',
  ];
  const table = rows.map((r) => [
    r.variant === 'c'
      ? 'C libbpf'
      : `bpfkit ${r.variant.replace(/:poll$/, '')}${r.variant.endsWith(':poll') ? ', own loop' : ''}`,
    `${(r.rate / 1e6).toFixed(2)} M`,
    r.nsPerEvent.toFixed(0),
    String(r.lost) + (r.errors ? ' (!)' : ''),
    r.perWakeup.toFixed(1),
    `${r.latP50Us.toFixed(0)} / ${r.latP99Us.toFixed(0)}`,
    base ? `${(r.nsPerEvent / base.nsPerEvent).toFixed(2)}x` : '-',
    base ? `${(r.rate / base.rate).toFixed(2)}x` : '-',
  ]);
  const widths = head.map((h, i) => Math.max(h.length, ...table.map((row) => row[i].length)));
  const line = (cells: string[]): string => cells.map((c, i) => c.padEnd(widths[i])).join('  ');
  const mode = rows[0].wakeupEvery
    ? `sampled wake-ups (every ${rows[0].wakeupEvery} events)`
    : 'default wake-ups';
  const policy =
    rows[0].policy === 'timer' ? 'both drained on a 1 ms timer under load' : 'both drain once per wake-up';
  console.log(
    `\nring buffer, ${n} events of 32 bytes, 4 MiB ring, ${policy}, ${mode}, median of ${runs} runs`,
  );
  console.log(line(head));
  for (const row of table) console.log(line(row));
}

/** Node's side of the floor: a setTimeout(1) loop for `ms`, the same trips as sleeploop.c. */
const NODE_SLEEP_LOOP = `
const ms = Number(process.argv[1]), c0 = process.cpuUsage(), t0 = Date.now();
let trips = 0;
const tick = () => { trips++; if (Date.now() - t0 < ms) setTimeout(tick, 1); else { const c = process.cpuUsage(c0);
  console.log(JSON.stringify({ trips, cpuNs: (c.user + c.system) * 1000 })); } };
setTimeout(tick, 1);`;

/**
 * The floor under the timer policy: what one 1 ms sleep-and-wake trip costs with nothing else to do,
 * in C (nanosleep) and in Node (setTimeout), in the same run. The consumers above make about one
 * trip per wake-up plus one per timer drain, so this bounds how close a Node consumer can get.
 */
function printFloor(bins: ReturnType<typeof build>, runs: number, json: boolean): void {
  const once = (cmd: string, args: string[]): { trips: number; cpuNs: number } =>
    JSON.parse(execFileSync(cmd, args, { encoding: 'utf8' }).trim()) as { trips: number; cpuNs: number };
  const c: number[] = [];
  const node: number[] = [];
  for (let r = 0; r < runs; r++) {
    const a = once(bins.sleeploop, ['2000']);
    const b = once(process.execPath, ['-e', NODE_SLEEP_LOOP, '2000']);
    c.push(a.cpuNs / a.trips);
    node.push(b.cpuNs / b.trips);
  }
  const [cm, nm] = [median(c), median(node)];
  if (json) {
    process.stdout.write(
      JSON.stringify({ floor: '1 ms sleep loop', cNsPerTrip: cm, nodeNsPerTrip: nm, runs }) + '\n',
    );
    return;
  }
  console.log(`\nfloor: a 1 ms sleep-and-wake loop with no ring, CPU per trip, median of ${runs} runs`);
  console.log(`C nanosleep        ${(cm / 1e3).toFixed(1)} µs`);
  console.log(`Node setTimeout    ${(nm / 1e3).toFixed(1)} µs   ${(nm / cm).toFixed(2)}x C`);
}

function main(): void {
  const n = Number(arg('events', '2000000'));
  const runs = Number(arg('runs', '3'));
  const variants = arg(
    'variants',
    'c,raw,batch,decoded,decoded-at,btf,btf-at,iterator,raw:poll,batch:poll,decoded-at:poll',
  ).split(',');
  const modes = arg('wakeup-every', '0,64').split(',').map(Number);
  const policies = arg('policy', 'timer,event').split(',');
  const dir = mkdtempSync(join(tmpdir(), 'bpfkit-bench-ringbuf-'));
  try {
    const bins = build(dir);
    for (const policy of policies)
      for (const every of modes) {
        const rows: Row[] = [];
        for (const variant of variants) {
          const results: Result[] = [];
          // Interleave nothing across variants: each run is its own process, C first, same producer.
          for (let r = 0; r < runs; r++) results.push(runOnce(variant, bins, n, every, policy));
          rows.push({
            variant,
            policy,
            wakeupEvery: every,
            rate: median(results.map((x) => x.events / (x.wallNs / 1e9))),
            nsPerEvent: median(results.map((x) => x.cpuNs / Math.max(1, x.events))),
            lost: median(results.map((x) => x.produced - x.events)),
            perWakeup: median(results.map((x) => x.events / Math.max(1, x.wakeups))),
            errors: results.reduce((s, x) => s + x.orderErrors + (x.produced === n ? 0 : 1), 0),
            latP50Us: median(results.map((x) => x.latP50Ns / 1e3)),
            latP99Us: median(results.map((x) => x.latP99Ns / 1e3)),
          });
          process.stderr.write(`${variant} (${policy}, wakeup-every ${every}): ${JSON.stringify(results)}\n`);
        }
        if (process.argv.includes('--json')) {
          for (const r of rows) process.stdout.write(JSON.stringify({ ...r, events: n, runs }) + '\n');
        } else printTable(rows, n, runs);
      }
    if (policies.includes('timer')) printFloor(bins, runs, process.argv.includes('--json'));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

main();
