/**
 * bench/tools: bpfkit's built-in opensnoop and execsnoop against libbpf-tools' (/usr/sbin) and a
 * bpftrace one-liner doing the same, under a storm, in one run: what each tracer delivers, what
 * it loses, and what it costs in CPU per event.
 *
 * Method (one run per tracer, one after the other; bench/lib.ts's runTracer does the measuring):
 * - opensnoop: bench/storm/opener.c opens a marker file every 2 ms until told to go, then opens and
 *   closes one storm path N times (default 200k) as fast as it can. Every tracer filters on the
 *   opener's pid in the kernel: `bpfkit opensnoop -p`, `/usr/sbin/opensnoop -p`, and bpftrace with
 *   `/pid == P/` on sys_enter_openat (keeping the path pointer per thread) and sys_exit_openat
 *   (printing pid, comm, result and path), which is opensnoop's work.
 * - execsnoop: bench/storm/execer.c runs `/bin/true <marker>` every 2 ms until told to go, then
 *   `/bin/true <tag>` N times (default 5k), each waited for. execsnoop has no pid filter: every
 *   tracer traces system-wide (`bpfkit execsnoop`, `/usr/sbin/execsnoop`, and bpftrace's classic
 *   one-liner printing pid and argv at sys_enter_execve, which does less: no result, no exit hook).
 * - Each tracer's stdout goes to a file; once the marker shows, its CPU (utime + stime from
 *   /proc/<pid>/stat) is read, the storm runs, the output is let settle (1 s without growth), the
 *   CPU is read again, and the tracer is stopped with SIGINT. Delivered: output lines holding the
 *   storm path or tag; missing: triggered minus delivered; reported lost: the counts the tracer
 *   printed on stderr ("lost N", "Lost N events"). CPU per event = CPU during the storm /
 *   delivered. Ratios are to the C tool's CPU per event.
 * The machine is shared: run it when it is quiet, and read the ratios rather than absolute times.
 * Run as root: `bash bench/tools.sh [--tools opensnoop,execsnoop] [--opens N] [--execs N]`.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { ROOT } from '../test/helpers/bpf.js';
import { arg, printTable, runTracer, type Outcome, type Storm, type Tracer } from './lib.js';

const BIN = join(ROOT, 'dist/cli/bin.cjs');
const C_OPENSNOOP = '/usr/sbin/opensnoop';
const C_EXECSNOOP = '/usr/sbin/execsnoop';

/** The three opensnoop tracers, each filtering on the generator's pid. */
const openTracers: Tracer[] = [
  { name: 'bpfkit opensnoop', cmd: (p) => [process.execPath, [BIN, 'opensnoop', '-p', String(p)]] },
  { name: C_OPENSNOOP, cmd: (p) => [C_OPENSNOOP, ['-p', String(p)]] },
  {
    name: 'bpftrace one-liner',
    cmd: (p) => [
      'bpftrace',
      [
        '-e',
        `tracepoint:syscalls:sys_enter_openat /pid == ${p}/ { @path[tid] = args->filename; }
         tracepoint:syscalls:sys_exit_openat /@path[tid]/ {
           printf("%d %s %d %s\\n", pid, comm, args->ret, str(@path[tid])); delete(@path[tid]); }`,
      ],
    ],
  },
];

/** The three execsnoop tracers, system-wide. */
const execTracers: Tracer[] = [
  { name: 'bpfkit execsnoop', cmd: () => [process.execPath, [BIN, 'execsnoop']] },
  { name: C_EXECSNOOP, cmd: () => [C_EXECSNOOP, []] },
  {
    name: 'bpftrace one-liner',
    cmd: () => [
      'bpftrace',
      ['-e', 'tracepoint:syscalls:sys_enter_execve { printf("%d ", pid); join(args->argv); }'],
    ],
  },
];

/** Runs every tracer against the storm `make` builds for it (fresh paths or tags per tracer). */
async function bench(
  title: string,
  n: number,
  tracers: Tracer[],
  reference: string,
  make: (slug: string) => Storm,
  out: string,
): Promise<void> {
  const rows = new Map<string, Outcome>();
  for (const t of tracers) {
    const o = await runTracer(t, make(t.name.replace(/\W/g, '')), out);
    rows.set(t.name, o);
    process.stderr.write(`${title} / ${t.name}: ${JSON.stringify(o)}\n`);
  }
  printTable(title, n, rows, reference);
}

async function main(): Promise<void> {
  const tools = arg('tools', 'opensnoop,execsnoop').split(',');
  const opens = Number(arg('opens', '200000'));
  const execs = Number(arg('execs', '5000'));
  const dir = mkdtempSync(join(tmpdir(), 'bpfkit-bench-tools-'));
  const out = join(dir, 'out.txt');
  console.log(
    `load average at start: ${loadavg()
      .map((l) => l.toFixed(2))
      .join(' ')}`,
  );
  try {
    if (tools.includes('opensnoop')) {
      const opener = join(dir, 'opener');
      execFileSync('gcc', ['-O2', '-o', opener, join(ROOT, 'bench/storm/opener.c')]);
      await bench(
        `opensnoop: ${opens} opens at full speed`,
        opens,
        openTracers,
        C_OPENSNOOP,
        (slug) => {
          const marker = join(dir, `marker-${slug}`);
          const path = join(dir, `storm-${slug}`);
          writeFileSync(marker, '');
          writeFileSync(path, '');
          return { gen: [opener, [marker, path, String(opens), '0']], marker, needle: path };
        },
        out,
      );
    }
    if (tools.includes('execsnoop')) {
      const execer = join(dir, 'execer');
      execFileSync('gcc', ['-O2', '-o', execer, join(ROOT, 'bench/storm/execer.c')]);
      await bench(
        `execsnoop: ${execs} execs, one at a time`,
        execs,
        execTracers,
        C_EXECSNOOP,
        (slug) => {
          const marker = `bpfkit-bench-marker-${slug}-${process.pid}`;
          const tag = `bpfkit-bench-storm-${slug}-${process.pid}`;
          return { gen: [execer, ['/bin/true', marker, tag, String(execs)]], marker, needle: tag };
        },
        out,
      );
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
