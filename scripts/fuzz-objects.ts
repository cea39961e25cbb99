/**
 * Object fuzzer: mutated BPF objects (bit flips, truncations, corrupted section headers, symbols,
 * relocations, BTF and .BTF.ext) through `bpfkit inspect`'s report builder and the object loader's
 * open path (ObjectSpec + libbpf's bpf_object__open_mem). Every case must end in success or a
 * BpfkitError: no other exception, no crash, no case over the time budget.
 *
 *   node --import tsx scripts/fuzz-objects.ts [--cases N] [--seed S] [--budget-ms MS] [--json]
 *   node --import tsx scripts/fuzz-objects.ts --seed S --case I     (replay one case in-process)
 *
 * Cases run in a worker process (scripts/fuzz/worker.ts) so a crash inside libbpf or a hang cannot take
 * the run down: the worker is restarted after the case that killed it, and that case is reported with
 * its index. Case I of seed S is always the same bytes. Needs root and libbpf for the loader half, and
 * clang to compile the corpus (our test fixtures). Exit status 0 when every case was clean.
 */
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { basename, join } from 'node:path';
import { readFileSync } from 'node:fs';
import { compileBpf, fixture, ROOT } from '../test/helpers/bpf.js';
import type { Outcome } from './fuzz/cases.js';

/** The corpus: our fixtures, chosen for variety (CO-RE, subprograms, kfuncs, every BTF kind, maps). */
const CORPUS = [
  'inspect/inspect.bpf.c',
  'btf-kinds.bpf.c',
  'killsnoop.bpf.c',
  'build/opensnoop.bpf.c',
  'asm/calls.bpf.c',
  'asm/kfuncs.bpf.c',
];

interface Args {
  cases: number;
  seed: number;
  budgetMs: number;
  json: boolean;
  replay?: number;
}

function parseArgs(argv: string[]): Args {
  const a: Args = { cases: 10000, seed: 1, budgetMs: 2000, json: false };
  for (let i = 0; i < argv.length; i++) {
    const v = (): number => {
      const n = Number(argv[++i]);
      if (!Number.isInteger(n) || n < 0) throw new Error(`${argv[i - 1]} needs a non-negative integer`);
      return n;
    };
    if (argv[i] === '--cases') a.cases = v();
    else if (argv[i] === '--seed') a.seed = v();
    else if (argv[i] === '--budget-ms') a.budgetMs = v();
    else if (argv[i] === '--case') a.replay = v();
    else if (argv[i] === '--json') a.json = true;
    else throw new Error(`unknown argument ${argv[i]}`);
  }
  return a;
}

/** A case that did not end cleanly. */
interface Finding {
  case: number;
  kind: 'bug' | 'crash' | 'hang';
  half?: 'inspect' | 'loader';
  what?: string;
  error?: string;
}

/** Figures of a run. */
export interface Summary {
  seed: number;
  cases: number;
  corpus: string[];
  inspect: { accepted: number; cleanErrors: number; bugs: number };
  loader: { accepted: number; cleanErrors: number; bugs: number };
  crashes: number;
  hangs: number;
  budgetMs: number;
  slowestMs: number;
  slowestCase: number;
  seconds: number;
  findings: Finding[];
}

interface CaseLine {
  i: number;
  what: string;
  inspect: Outcome;
  loader: Outcome;
}

async function buildCorpus(): Promise<string[]> {
  const out: string[] = [];
  for (const f of CORPUS) out.push(await compileBpf(fixture(f), `fuzz-${basename(f, '.bpf.c')}`));
  return out;
}

/** Runs cases [from, to) in one worker; resolves with the next case to run and how the worker ended. */
function runWorker(
  a: Args,
  from: number,
  files: string[],
  onCase: (c: CaseLine) => void,
): Promise<{ next: number; ended: 'done' | 'crash' | 'hang'; detail: string }> {
  const child = spawn(
    process.execPath,
    [
      '--import',
      'tsx',
      join(ROOT, 'scripts/fuzz/worker.ts'),
      String(a.seed),
      String(from),
      String(a.cases),
      ...files,
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let next = from;
  let stderr = '';
  let hung = false;
  // A case gets its budget plus generous slack before the worker is killed as hung (a slow but
  // finishing case is still counted as a hang from its measured time).
  const killAfter = Math.max(2000, 5 * a.budgetMs);
  let timer: NodeJS.Timeout | undefined;
  const arm = (): void => {
    clearTimeout(timer);
    timer = setTimeout(() => {
      hung = true;
      child.kill('SIGKILL');
    }, killAfter);
  };
  child.stderr!.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-4000)));
  const rl = createInterface({ input: child.stdout! });
  rl.on('line', (line) => {
    if (line === 'ready') return arm();
    arm();
    const c = JSON.parse(line) as CaseLine;
    next = c.i + 1;
    onCase(c);
  });
  return new Promise((resolve) => {
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      if (hung) resolve({ next, ended: 'hang', detail: `no result within ${killAfter} ms` });
      else if (code === 0 && next >= a.cases) resolve({ next, ended: 'done', detail: '' });
      else
        resolve({
          next,
          ended: 'crash',
          detail: `worker ${signal ? `killed by ${signal}` : `exited with ${code}`}: ${stderr.trim().split('\n').slice(-3).join(' | ')}`,
        });
    });
  });
}

async function fuzz(a: Args, files: string[]): Promise<Summary> {
  const t0 = Date.now();
  const s: Summary = {
    seed: a.seed,
    cases: a.cases,
    corpus: files.map((f) => basename(f)),
    inspect: { accepted: 0, cleanErrors: 0, bugs: 0 },
    loader: { accepted: 0, cleanErrors: 0, bugs: 0 },
    crashes: 0,
    hangs: 0,
    budgetMs: a.budgetMs,
    slowestMs: 0,
    slowestCase: -1,
    seconds: 0,
    findings: [],
  };
  const count = (half: 'inspect' | 'loader', o: Outcome, c: CaseLine): void => {
    const f = s[half];
    if (o.result === 'ok') f.accepted++;
    else if (o.result === 'clean') f.cleanErrors++;
    else {
      f.bugs++;
      s.findings.push({ case: c.i, kind: 'bug', half, what: c.what, error: `${o.error}\n${o.stack ?? ''}` });
    }
  };
  const onCase = (c: CaseLine): void => {
    count('inspect', c.inspect, c);
    count('loader', c.loader, c);
    const ms = c.inspect.ms + c.loader.ms;
    if (ms > s.slowestMs) [s.slowestMs, s.slowestCase] = [Math.round(ms * 10) / 10, c.i];
    if (ms > a.budgetMs) {
      s.hangs++;
      s.findings.push({ case: c.i, kind: 'hang', what: c.what, error: `took ${Math.round(ms)} ms` });
    }
  };
  for (let from = 0; from < a.cases;) {
    const r = await runWorker(a, from, files, onCase);
    if (r.ended === 'done') break;
    // The worker died in (or hung on) case r.next: report it and go on after it.
    if (r.ended === 'hang') s.hangs++;
    else s.crashes++;
    s.findings.push({ case: r.next, kind: r.ended, error: r.detail });
    from = r.next + 1;
  }
  s.seconds = Math.round((Date.now() - t0) / 100) / 10;
  return s;
}

function printSummary(s: Summary): void {
  const half = (n: string, h: Summary['inspect']): string =>
    `  ${n.padEnd(8)} accepted ${h.accepted}, clean errors ${h.cleanErrors}, other errors ${h.bugs}`;
  const lines = [
    `fuzz-objects: seed ${s.seed}, ${s.cases} cases over ${s.corpus.length} objects (${s.corpus.join(', ')})`,
    half('inspect', s.inspect),
    half('loader', s.loader),
    `  crashes ${s.crashes}, hangs ${s.hangs} (budget ${s.budgetMs} ms a case), slowest case ${s.slowestMs} ms (#${s.slowestCase}), total ${s.seconds} s`,
  ];
  for (const f of s.findings.slice(0, 20))
    lines.push(
      `  ${f.kind} in case ${f.case}${f.half ? ` (${f.half})` : ''}: ${f.what ?? ''}\n    ${(f.error ?? '').trim().split('\n').slice(0, 6).join('\n    ')}\n    replay: node --import tsx scripts/fuzz-objects.ts --seed ${s.seed} --case ${f.case}`,
    );
  process.stdout.write(lines.join('\n') + '\n');
}

/** Replays one case in this process and prints what happened (with the stack of a bug). */
async function replay(a: Args, files: string[], index: number): Promise<number> {
  const { layoutOf, mutant } = await import('./fuzz/mutate.js');
  const { inspectHalf, loaderHalf } = await import('./fuzz/cases.js');
  const { kernelHelperNames } = await import('../src/asm/helpers.js');
  const corpus = files.map((f) => layoutOf(basename(f), readFileSync(f)));
  const m = mutant(corpus, a.seed, index);
  process.stdout.write(`case ${index} of seed ${a.seed}: ${m.what} (${m.bytes.length} bytes)\n`);
  const show = (name: string, o: Outcome): void => {
    process.stdout.write(`  ${name}: ${o.result}${o.error ? ` — ${o.error}` : ''} (${o.ms.toFixed(1)} ms)\n`);
    if (o.stack) process.stdout.write(`${o.stack}\n`);
  };
  const i = inspectHalf(m.bytes, kernelHelperNames());
  show('inspect', i);
  const l = loaderHalf(m.bytes);
  show('loader', l);
  return i.result === 'bug' || l.result === 'bug' ? 1 : 0;
}

const args = parseArgs(process.argv.slice(2));
const files = await buildCorpus();
if (args.replay !== undefined) process.exit(await replay(args, files, args.replay));
const summary = await fuzz(args, files);
if (args.json) process.stdout.write(JSON.stringify(summary) + '\n');
else printSummary(summary);
const clean = summary.inspect.bugs + summary.loader.bugs + summary.crashes + summary.hangs === 0;
process.exit(clean ? 0 : 1);
