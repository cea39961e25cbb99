/**
 * The fuzzer's worker process: runs cases [from, to) of a seed over the corpus objects and prints one
 * JSON line per finished case on stdout (synchronous on a pipe, so the supervisor knows the last
 * finished case even when libbpf kills this process). Started by scripts/fuzz-objects.ts:
 *   node --import tsx scripts/fuzz/worker.ts <seed> <from> <to> <object>...
 */
import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { kernelHelperNames } from '../../src/asm/helpers.js';
import { inspectHalf, loaderHalf } from './cases.js';
import { layoutOf, mutant } from './mutate.js';

const [seedArg, fromArg, toArg, ...files] = process.argv.slice(2);
const seed = Number(seedArg);
const corpus = files.map((f) => layoutOf(basename(f), readFileSync(f)));
const helpers = kernelHelperNames();
// Test hooks: make case N crash (as a libbpf segfault would) or hang, to prove the supervisor copes.
const crashAt = Number(process.env.BPFKIT_FUZZ_CRASH_AT ?? -1);
const hangAt = Number(process.env.BPFKIT_FUZZ_HANG_AT ?? -1);
process.stdout.write('ready\n');
for (let i = Number(fromArg); i < Number(toArg); i++) {
  if (i === crashAt) process.kill(process.pid, 'SIGSEGV');
  while (i === hangAt);
  const m = mutant(corpus, seed, i);
  const a = inspectHalf(m.bytes, helpers);
  const b = loaderHalf(m.bytes);
  process.stdout.write(JSON.stringify({ i, what: m.what, inspect: a, loader: b }) + '\n');
}
