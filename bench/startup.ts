/**
 * bench/startup: time from exec to the first delivered event, peak RSS then, and settled RSS after
 * 3 s of tracing, for `bpfkit run` on the opensnoop example vs libbpf-tools' /usr/sbin/opensnoop and
 * bpftrace's opensnoop.bt, in one run. A trigger process opens a unique path every 5 ms; the clock
 * stops when the tool prints that path. Peak RSS (VmHWM) is read at the first event; settled RSS
 * (VmRSS) 3 s later, with the trigger still running: a C tool's peak includes libbpf's load-time
 * buffers that it frees, so only the settled figure compares steady-state memory.
 * Private RSS (RssAnon) is the part that is the process's own, not shared file pages: most of a Node
 * process's RSS is the node binary's own text. A floor row shows what Node costs before bpfkit does
 * anything: a bare `node -e` that prints the path at once and then idles.
 * NODE_EXTRA_CA_CERTS, when set, costs every node start ~35 ms here: the header line says whether it is.
 * Run as root: `bash bench/startup.sh [rounds]`.
 */
import { spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT, BUILD, compileBpf } from '../test/helpers/bpf.js';

interface Sample {
  ms: number;
  rssKiB: number;
  settledKiB: number;
  anonKiB: number;
}

const SETTLE_MS = 3000;

/** A field of /proc/<pid>/status in KiB (VmHWM: peak, VmRSS: now, RssAnon: private), 0 when unreadable. */
function statusKiB(pid: number, field: 'VmHWM' | 'VmRSS' | 'RssAnon'): number {
  try {
    const m = new RegExp(`${field}:\\s+(\\d+) kB`).exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) : 0;
  } catch {
    return 0;
  }
}

async function measure(cmd: string, args: string[], marker: string): Promise<Sample> {
  writeFileSync(marker, 'x');
  const trigger = spawn('sh', ['-c', `while :; do : < ${marker}; sleep 0.005; done`], { stdio: 'ignore' });
  const t0 = process.hrtime.bigint();
  const argv = args.map((a) => (a === '{marker}' ? marker : a));
  const child = spawn('stdbuf', ['-oL', cmd, ...argv], { stdio: ['ignore', 'pipe', 'ignore'] });
  let out = '';
  let rssKiB = 0;
  const ms = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${cmd}: no event within 60 s`)), 60000);
    child.stdout!.on('data', (d: Buffer) => {
      // Output after the first event (bpftrace prints more as it exits) must not re-read a gone process.
      if (rssKiB) return;
      out += d.toString();
      if (out.includes(marker)) {
        clearTimeout(timer);
        const ms = Number(process.hrtime.bigint() - t0) / 1e6;
        rssKiB = statusKiB(child.pid!, 'VmHWM');
        resolve(ms);
      }
    });
  });
  await new Promise((r) => setTimeout(r, SETTLE_MS));
  const settledKiB = statusKiB(child.pid!, 'VmRSS');
  const anonKiB = statusKiB(child.pid!, 'RssAnon');
  trigger.kill();
  child.kill('SIGINT');
  await new Promise((r) => child.on('close', r));
  return { ms, rssKiB, settledKiB, anonKiB };
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

const rounds = Number(process.argv[2] ?? 5);
const obj = await compileBpf(join(ROOT, 'examples/opensnoop/opensnoop.bpf.c'), 'opensnoop-bench', [
  'USE_RINGBUF',
]);
const tools: [string, string, string[]][] = [
  ['bpfkit run', process.execPath, [join(ROOT, 'dist/cli/bin.cjs'), 'run', obj]],
  ['libbpf-tools opensnoop', '/usr/sbin/opensnoop', []],
  ['bpftrace opensnoop.bt', 'bpftrace', ['/usr/sbin/opensnoop.bt']],
  [
    'floor: bare node -e',
    process.execPath,
    ['-e', 'console.log(process.argv[1]); setInterval(() => {}, 1e3)', '{marker}'],
  ],
];
const results = new Map<string, Sample[]>();
for (let r = 0; r < rounds; r++) {
  for (const [name, cmd, args] of tools) {
    const s = await measure(cmd, args, join(BUILD, `startup-marker-${r}-${name.replace(/\W/g, '')}`));
    results.set(name, [...(results.get(name) ?? []), s]);
  }
}
const ours = median(results.get('bpfkit run')!.map((s) => s.ms));
const oursSettled = median(results.get('bpfkit run')!.map((s) => s.settledKiB));
const ca = process.env.NODE_EXTRA_CA_CERTS ? 'set' : 'unset';
console.log(`startup: exec to first event, median of ${rounds} rounds (NODE_EXTRA_CA_CERTS ${ca})`);
const cols = ['tool', 'first event ms', 'peak RSS MiB', `RSS after ${SETTLE_MS / 1000} s MiB`, 'private MiB'];
cols.push('bpfkit/peer time', 'bpfkit/peer settled RSS');
const widths = [24, 15, 13, 18, 12, 17, 24];
const line = (cells: string[]): string =>
  cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join(' ');
console.log(line(cols));
for (const [name] of tools) {
  const ss = results.get(name)!;
  const ms = median(ss.map((s) => s.ms));
  const settled = median(ss.map((s) => s.settledKiB));
  const peer = name !== 'bpfkit run';
  console.log(
    line([
      name,
      ms.toFixed(0),
      (median(ss.map((s) => s.rssKiB)) / 1024).toFixed(1),
      (settled / 1024).toFixed(1),
      (median(ss.map((s) => s.anonKiB)) / 1024).toFixed(1),
      peer ? (ours / ms).toFixed(2) : '',
      peer && settled ? (oursSettled / settled).toFixed(2) : '',
    ]),
  );
}
