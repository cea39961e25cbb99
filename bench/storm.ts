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
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ROOT, compileBpf } from '../test/helpers/bpf.js';
import { arg, printTable, runTracer, type Outcome, type Tracer } from './lib.js';

async function runOne(t: Tracer, dir: string, opener: string, n: number, rate: number): Promise<Outcome> {
  const marker = join(dir, `marker-${t.name.replace(/\W/g, '')}`);
  const path = join(dir, `storm-${t.name.replace(/\W/g, '')}-${rate}`);
  writeFileSync(marker, '');
  writeFileSync(path, '');
  const gen: [string, string[]] = [opener, [marker, path, String(n), String(rate)]];
  return runTracer(t, { gen, marker, needle: path }, join(dir, 'out.txt'));
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
      const title = `opensnoop storm: ${sc === 'full' ? `${n} opens at full speed` : `${n} opens at 50k/s`}`;
      printTable(title, n, rows, '/usr/sbin/opensnoop');
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
