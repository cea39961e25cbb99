/**
 * The layer rule of eslint.config.js: fed deliberately wrong imports it fails, and the tree passes it.
 * No kernel needed.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { ESLint } from 'eslint';
import { ROOT } from './helpers/bpf.js';

const eslint = new ESLint({ cwd: ROOT });

async function layerErrors(file: string, code: string): Promise<string[]> {
  const [r] = await eslint.lintText(code, { filePath: join(ROOT, file) });
  return r.messages.filter((m) => m.ruleId === 'no-restricted-imports').map((m) => m.message);
}

test('the spec layer may not import the kernel layer or a feature', async () => {
  const kernel = await layerErrors(
    'src/btf/probe.ts',
    "import { libbpf } from '../sys/libbpf.js';\nvoid libbpf;\n",
  );
  assert.equal(kernel.length, 1);
  assert.match(kernel[0], /spec layer/);
  const feature = await layerErrors(
    'src/package/probe.ts',
    "import { build } from '../build/index.js';\nvoid build;\n",
  );
  assert.equal(feature.length, 1);
});

test('the kernel layer may not import a feature folder', async () => {
  const errs = await layerErrors(
    'src/maps/probe.ts',
    "import { listBtf } from '../loaded/btf.js';\nvoid listBtf;\n",
  );
  assert.equal(errs.length, 1);
  assert.match(errs[0], /kernel layer/);
});

test('allowed directions pass: features use both layers, the kernel layer uses the spec layer', async () => {
  assert.deepEqual(
    await layerErrors('src/cli/probe.ts', "import { libbpf } from '../sys/libbpf.js';\nvoid libbpf;\n"),
    [],
  );
  assert.deepEqual(
    await layerErrors('src/object/probe.ts', "import { Btf } from '../btf/btf.js';\nvoid Btf;\n"),
    [],
  );
});

test('the tree passes the layer rule', async () => {
  const results = await eslint.lintFiles(['src/**/*.ts']);
  const bad = results.flatMap((r) =>
    r.messages.filter((m) => m.ruleId === 'no-restricted-imports').map((m) => `${r.filePath}:${m.line}`),
  );
  assert.deepEqual(bad, []);
});
