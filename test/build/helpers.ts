/**
 * Shared setup of the build and package tests: a scratch copy of test/fixtures/build, a cache dir for
 * the generated vmlinux.h that survives between runs (keyed by the kernel BTF anyway), and the CLI.
 */
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** test/fixtures/build. */
export const FIXTURES = fileURLToPath(new URL('../fixtures/build/', import.meta.url));
/** The repository root. */
export const ROOT = fileURLToPath(new URL('../../', import.meta.url));
/** Cache dir (XDG_CACHE_HOME) the tests build with. */
export const TEST_CACHE = join(tmpdir(), 'bpfkit-test-cache');

/** The environment builds run with. */
export function testEnv(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  return { ...process.env, XDG_CACHE_HOME: TEST_CACHE, ...extra };
}

/** A fresh copy of the fixtures (removed when the process exits). */
export function scratch(): string {
  const dir = mkdtempSync(join(tmpdir(), 'bpfkit-build-test-'));
  process.on('exit', () => rmSync(dir, { recursive: true, force: true }));
  cpSync(FIXTURES, dir, { recursive: true });
  return dir;
}

/** Runs the bpfkit CLI from source; returns status and output. */
export function cli(
  args: string[],
  opts: { cwd?: string; env?: NodeJS.ProcessEnv } = {},
): { status: number; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, ['--import', import.meta.resolve('tsx'), join(ROOT, 'src/cli/bin.cts'), ...args], {
    cwd: opts.cwd ?? ROOT,
    env: opts.env ?? testEnv(),
    encoding: 'utf8',
  });
  return { status: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}
