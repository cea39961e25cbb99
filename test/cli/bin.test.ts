/**
 * The executable's V8 code cache (src/cli/bin.cts): written on a command's first run, reused after,
 * rewritten when V8 rejects it, and never in the way when it cannot be written. No root needed.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ROOT } from '../helpers/bpf.js';

const BIN = join(ROOT, 'dist/cli/bin.cjs');

function bpfkit(cache: string, args: string[], extra: NodeJS.ProcessEnv = {}) {
  const r = spawnSync(process.execPath, [BIN, ...args], {
    encoding: 'utf8',
    env: { ...process.env, XDG_CACHE_HOME: cache, BPFKIT_NO_CODE_CACHE: '', ...extra },
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

function withCache(fn: (cache: string, dir: string) => void): void {
  const cache = mkdtempSync(join(tmpdir(), 'bpfkit-v8-'));
  try {
    fn(cache, join(cache, 'bpfkit', 'v8'));
  } finally {
    rmSync(cache, { recursive: true, force: true });
  }
}

test('the first run of a command writes its cache, the next one reuses it unchanged', () => {
  withCache((cache, dir) => {
    const first = bpfkit(cache, ['--version']);
    assert.equal(first.code, 0, first.stderr);
    const files = readdirSync(dir);
    assert.equal(files.length, 1, `one cache file: ${files.join(', ')}`);
    assert.match(files[0], /^other-v\d+\.\d+\.\d+-\d+-\d+\.bin$/);
    const before = statSync(join(dir, files[0]));
    assert.ok(before.size > 10_000, `a real code cache (${before.size} bytes)`);

    const second = bpfkit(cache, ['--version']);
    assert.equal(second.code, 0, second.stderr);
    assert.equal(second.stdout, first.stdout);
    assert.equal(statSync(join(dir, files[0])).mtimeMs, before.mtimeMs, 'an accepted cache is not rewritten');

    const usage = bpfkit(cache, ['tools', '--help']);
    assert.equal(usage.code, 0, usage.stderr);
    assert.ok(
      readdirSync(dir).some((f) => f.startsWith('tools-')),
      'each command word has its own file',
    );
  });
});

test('a cache V8 rejects is ignored and rewritten', () => {
  withCache((cache, dir) => {
    assert.equal(bpfkit(cache, ['--version']).code, 0);
    const [file] = readdirSync(dir);
    writeFileSync(join(dir, file), Buffer.alloc(4096, 0x5a));
    const r = bpfkit(cache, ['--version']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^\d+\.\d+\.\d+\n$/);
    assert.equal(r.stderr, '');
    assert.ok(statSync(join(dir, file)).size > 10_000, 'the garbage was replaced by a real cache');
  });
});

test('a cache others could have written is not used, and is replaced by one only this user can write', () => {
  withCache((cache, dir) => {
    assert.equal(bpfkit(cache, ['--version']).code, 0);
    const [file] = readdirSync(dir);
    const path = join(dir, file);
    assert.equal(statSync(path).mode & 0o777, 0o600);
    chmodSync(path, 0o666);
    const before = statSync(path).mtimeMs;
    assert.equal(bpfkit(cache, ['--version']).code, 0);
    assert.equal(statSync(path).mode & 0o777, 0o600, 'rewritten as a private file');
    assert.notEqual(statSync(path).mtimeMs, before);

    chmodSync(dir, 0o777);
    rmSync(path);
    const r = bpfkit(cache, ['--version']);
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(readdirSync(dir), [], 'nothing written into a directory others can write to');
  });
});

test("writing a command's cache removes that command's files from other bundles", () => {
  withCache((cache, dir) => {
    assert.equal(bpfkit(cache, ['--version']).code, 0);
    const [file] = readdirSync(dir);
    const stale = join(dir, 'other-v1.2.3-100-200.bin');
    const kept = join(dir, 'tools-v1.2.3-100-200.bin');
    writeFileSync(stale, 'old');
    writeFileSync(kept, 'old');
    rmSync(join(dir, file));
    assert.equal(bpfkit(cache, ['--version']).code, 0);
    assert.deepEqual(readdirSync(dir).sort(), [file, 'tools-v1.2.3-100-200.bin']);
  });
});

test('an unwritable cache, or BPFKIT_NO_CODE_CACHE, changes nothing but the speed', () => {
  withCache((cache, dir) => {
    // Root writes through file modes, so a plain file where the cache directory goes blocks it.
    const blocked = join(cache, 'blocked');
    writeFileSync(blocked, '');
    const r = bpfkit(blocked, ['--version']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^\d+\.\d+\.\d+\n$/);
    assert.equal(r.stderr, '');

    const off = bpfkit(cache, ['--version'], { BPFKIT_NO_CODE_CACHE: '1' });
    assert.equal(off.code, 0, off.stderr);
    assert.equal(off.stdout, r.stdout);
    assert.equal(existsSync(dir), false, 'no cache written when it is turned off');
  });
});

test('a bad command line still exits 2 with one line through the loader', () => {
  withCache((cache) => {
    const r = bpfkit(cache, ['no-such-command']);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /^error: unknown command 'no-such-command'/);
    assert.doesNotMatch(r.stderr, /^\s+at /m);
  });
});
