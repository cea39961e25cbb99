/**
 * The public surface is reviewed: api/*.api.md are the API reports api-extractor writes from the
 * built declarations, and a build whose public API differs from its committed report fails.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { appendFileSync, cpSync, mkdtempSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ROOT } from './helpers/bpf.js';

const EXTRACTOR = join(ROOT, 'node_modules/.bin/api-extractor');

/** Runs api-extractor in CI mode (no report update) with `config`. */
function check(config: string): { status: number | null; out: string } {
  const r = spawnSync(EXTRACTOR, ['run', '--config', config], { encoding: 'utf8', cwd: ROOT });
  return { status: r.status, out: r.stdout + r.stderr };
}

test('the committed API reports match the built declarations', () => {
  for (const entry of ['main', 'export']) {
    const r = check(join(ROOT, `api/${entry}.json`));
    assert.equal(r.status, 0, r.out);
  }
});

test('an unreviewed change to the public API fails the check', () => {
  const dir = mkdtempSync(join(tmpdir(), 'bpfkit-api-'));
  cpSync(join(ROOT, 'dist'), join(dir, 'dist'), {
    recursive: true,
    filter: (src) => !/\.(js|cjs|map)$/.test(src),
  });
  cpSync(join(ROOT, 'api'), join(dir, 'api'), { recursive: true });
  cpSync(join(ROOT, 'tsconfig.json'), join(dir, 'tsconfig.json'));
  cpSync(join(ROOT, 'package.json'), join(dir, 'package.json'));
  appendFileSync(
    join(dir, 'dist/index.d.ts'),
    '/** Added without review. */\nexport declare const unreviewed: number;\n',
  );
  symlinkSync(join(ROOT, 'node_modules'), join(dir, 'node_modules'));
  const r = spawnSync(EXTRACTOR, ['run', '--config', join(dir, 'api/main.json')], {
    encoding: 'utf8',
    cwd: dir,
  });
  assert.notEqual(r.status, 0, 'the check passed on a changed API');
  assert.match(r.stdout + r.stderr, /You have changed the API signature/);
});
