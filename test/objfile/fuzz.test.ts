/**
 * Must-show 6 in CI: 2,000 deterministic mutated objects (bit flips, truncations, corrupted section
 * headers, symbols, relocations, BTF and .BTF.ext) through the inspect report and the loader's open
 * path end cleanly: success or a BpfkitError, no crash, no hang, nothing left loaded. The cases run in
 * scripts/fuzz-objects.ts's worker process, so a libbpf segfault fails this test with the case's
 * index instead of killing it. Needs root, libbpf and clang.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { join } from 'node:path';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { ROOT, compileBpf, fixture } from '../helpers/bpf.js';
import type { Summary } from '../../scripts/fuzz-objects.js';
import { layoutOf, mutant } from '../../scripts/fuzz/mutate.js';

const SCRIPT = join(ROOT, 'scripts/fuzz-objects.ts');

/** Runs the fuzzer with `args` (plus --json); resolves with its exit code and summary. */
function fuzz(
  args: string[],
  env: Record<string, string> = {},
): Promise<{ code: number | null; summary: Summary }> {
  const child = spawn(process.execPath, ['--import', 'tsx', SCRIPT, ...args, '--json'], {
    cwd: ROOT,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  return new Promise((resolve, reject) =>
    child.on('close', (code) => {
      const last = out.trim().split('\n').at(-1) ?? '';
      try {
        resolve({ code, summary: JSON.parse(last) as Summary });
      } catch {
        reject(new Error(`the fuzzer printed no summary (exit ${code}):\n${out}`));
      }
    }),
  );
}

function progIds(): number[] {
  const list = JSON.parse(execFileSync('bpftool', ['-j', 'prog', 'list'], { encoding: 'utf8' })) as {
    id: number;
  }[];
  return list.map((p) => p.id);
}

test('2,000 mutated objects: clean errors or success, no crash, no hang', { timeout: 120_000 }, async () => {
  const before = progIds();
  const t0 = Date.now();
  const { code, summary: s } = await fuzz(['--cases', '2000', '--seed', '1']);
  const report = s.findings
    .map((f) => `${f.kind} in case ${f.case} (${f.half ?? ''}): ${f.what ?? ''}: ${f.error ?? ''}`)
    .join('\n');
  assert.equal(s.crashes, 0, `crashes:\n${report}`);
  assert.equal(s.hangs, 0, `hangs:\n${report}`);
  assert.equal(s.inspect.bugs + s.loader.bugs, 0, `errors other than BpfkitError:\n${report}`);
  assert.equal(code, 0);
  assert.equal(s.cases, 2000);
  for (const half of [s.inspect, s.loader]) {
    assert.equal(half.accepted + half.cleanErrors, 2000);
    // The mutations must reach past the first checks: both outcomes occur often.
    assert.ok(half.accepted > 400 && half.cleanErrors > 400, JSON.stringify(half));
  }
  assert.ok(Date.now() - t0 < 60_000, `took ${Date.now() - t0} ms`);
  assert.deepEqual(
    progIds().filter((id) => !before.includes(id)),
    [],
    'no program left loaded',
  );
});

test('case I of seed S is always the same bytes', async () => {
  const obj = await compileBpf(fixture('inspect/inspect.bpf.c'), 'fuzz-inspect');
  const corpus = [layoutOf('inspect.bpf.o', readFileSync(obj))];
  const digest = (seed: number): string[] =>
    Array.from({ length: 300 }, (_, i) => {
      const m = mutant(corpus, seed, i);
      return createHash('sha1').update(m.bytes).update(m.what).digest('hex');
    });
  const a = digest(7);
  assert.deepEqual(digest(7), a);
  assert.notDeepEqual(digest(8), a);
  assert.ok(new Set(a).size > 280, 'cases differ from each other');
});

test(
  'a case that kills the worker is reported by its index and the run goes on',
  { timeout: 60_000 },
  async () => {
    const { code, summary: s } = await fuzz(['--cases', '12', '--seed', '1'], { BPFKIT_FUZZ_CRASH_AT: '5' });
    assert.equal(code, 1);
    assert.equal(s.crashes, 1);
    assert.deepEqual(
      s.findings.map((f) => [f.kind, f.case]),
      [['crash', 5]],
    );
    assert.match(s.findings[0].error ?? '', /killed by SIGSEGV/);
    assert.equal(s.inspect.accepted + s.inspect.cleanErrors, 11, 'the other cases ran');
  },
);

test(
  'a case that hangs is killed, reported by its index, and the run goes on',
  { timeout: 60_000 },
  async () => {
    const { code, summary: s } = await fuzz(['--cases', '6', '--seed', '1', '--budget-ms', '300'], {
      BPFKIT_FUZZ_HANG_AT: '2',
    });
    assert.equal(code, 1);
    assert.deepEqual(
      s.findings.map((f) => [f.kind, f.case]),
      [['hang', 2]],
    );
    assert.equal(s.loader.accepted + s.loader.cleanErrors, 5, 'the other cases ran');
  },
);
