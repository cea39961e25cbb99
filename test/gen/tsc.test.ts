/**
 * What the bindings promise at compile time: `tsc --noEmit` passes on a consumer of the bindings
 * generated from examples/opensnoop, and a copy with a misspelt global and a misspelt event field
 * fails with exactly those two errors (test/fixtures/gen/good.ts, bad.ts). No kernel needed.
 */
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { readGenInput } from '../../src/gen/input.js';
import { testEnv } from '../build/helpers.js';
import { ROOT, fixture } from '../helpers/bpf.js';
import { GEN_DIR, writeModule } from './helpers.js';

const DIR = join(GEN_DIR, 'tsc');

before(async () => {
  mkdirSync(DIR, { recursive: true });
  const input = await readGenInput(join(ROOT, 'examples/opensnoop/opensnoop.bpf.c'), { env: testEnv() });
  writeModule(join(DIR, 'opensnoop.ts'), input);
  for (const f of ['good.ts', 'bad.ts']) {
    copyFileSync(fixture(`gen/${f}`), join(DIR, f));
    // A tiny tsconfig per consumer: the repository's settings, this one file (and what it imports).
    const config = {
      compilerOptions: {
        target: 'ES2022',
        module: 'NodeNext',
        moduleResolution: 'NodeNext',
        strict: true,
        skipLibCheck: true,
        types: ['node'],
      },
      files: [f],
    };
    writeFileSync(join(DIR, f.replace('.ts', '.tsconfig.json')), JSON.stringify(config, null, 2));
  }
});

/** Runs `npx tsc --noEmit -p <dir>/<name>.tsconfig.json`; resolves with its status and output. */
async function tsc(name: string): Promise<{ code: number; out: string }> {
  try {
    const r = await promisify(execFile)(
      'npx',
      ['tsc', '--noEmit', '-p', join(DIR, `${name}.tsconfig.json`)],
      {
        cwd: DIR,
      },
    );
    return { code: 0, out: r.stdout + r.stderr };
  } catch (e) {
    const x = e as { code?: number; stdout?: string; stderr?: string };
    return { code: x.code ?? -1, out: (x.stdout ?? '') + (x.stderr ?? '') };
  }
}

/** 1-based line and column of the first `needle` in a fixture. */
function at(file: string, needle: string): string {
  const lines = readFileSync(fixture(`gen/${file}`), 'utf8').split('\n');
  const i = lines.findIndex((l) => l.includes(needle));
  assert.ok(i >= 0, `${needle} not in ${file}`);
  return `${i + 1},${lines[i].indexOf(needle) + 1}`;
}

test('a consumer of the generated bindings type-checks', async () => {
  const r = await tsc('good');
  assert.equal(r.out, '');
  assert.equal(r.code, 0);
});

test('a misspelt global and a misspelt event field are the only two errors', async () => {
  const r = await tsc('bad');
  assert.notEqual(r.code, 0);
  const errors = r.out.split('\n').filter((l) => /error TS\d+/.test(l));
  assert.deepEqual(
    errors.map((l) => /^(.*?)\((\d+,\d+)\): error (TS\d+):/.exec(l)?.slice(1)),
    [
      ['bad.ts', at('bad.ts', 'pid_targt'), 'TS2561'],
      ['bad.ts', at('bad.ts', 'fnam}'), 'TS2551'],
    ],
    r.out,
  );
  assert.match(
    errors[0],
    /'pid_targt' does not exist in type 'Globals'\. Did you mean to write 'pid_target'\?/,
  );
  assert.match(errors[1], /Property 'fnam' does not exist on type 'Event'\. Did you mean 'fname'\?/);
});
