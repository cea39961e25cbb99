/**
 * What works without root: a package's options are checked against its globals' BTF types before
 * anything touches the kernel, by the CLI and by the library's ObjectSpec.setGlobal, for a user
 * with no capabilities at all (uid 65534 through setpriv).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ROOT, fixture, runCli } from '../helpers/bpf.js';

const NOBODY = ['--reuid=65534', '--regid=65534', '--clear-groups', '--inh-caps=-all'];

/** Runs `args` as the unprivileged user nobody. */
function asNobody(args: string[]): { status: number | null; stdout: string; stderr: string } {
  return spawnSync('setpriv', [...NOBODY, ...args], { encoding: 'utf8', cwd: tmpdir() });
}

/** A package of the opensnoop fixture (its `pid_target` global is an int), readable by everyone. */
async function opensnoopPackage(): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), 'bpfkit-unpriv-'));
  chmodSync(dir, 0o755);
  const r = await runCli(['build', fixture('build/opensnoop.bpf.c'), '-o', dir]);
  assert.equal(r.code, 0, r.stderr);
  return join(dir, 'opensnoop.bpfkit.json');
}

test('without root, a bad option value is named with its type: exit 2, one line', async () => {
  const pkg = await opensnoopPackage();
  const cli = [process.execPath, join(ROOT, 'dist/cli/bin.cjs'), 'run', pkg];
  const word = asNobody([...cli, '--pid_target', 'abc']);
  assert.equal(word.status, 2, word.stderr);
  assert.equal(word.stderr, "bpfkit: --pid_target: 'abc' is not an integer (expected int)\n");
  const big = asNobody([...cli, '--pid_target', '99999999999']);
  assert.equal(big.status, 2, big.stderr);
  assert.equal(
    big.stderr,
    'bpfkit: --pid_target: 99999999999 is out of range for int (-2147483648..2147483647)\n',
  );
  // A good value gets as far as the kernel, which is where root is needed.
  const good = asNobody([...cli, '--pid_target', '42']);
  assert.equal(good.status, 1);
  assert.match(good.stderr, /needs root/);
});

test('ObjectSpec.setGlobal encodes and checks values with no privileges', async () => {
  const pkg = await opensnoopPackage();
  const script = `
    import { readPackage, BadValueError } from ${JSON.stringify(join(ROOT, 'dist/index.js'))};
    const { spec } = await readPackage(${JSON.stringify(pkg)});
    spec.setGlobal('pid_target', 42);
    const bytes = spec.globalBytes('pid_target');
    let error;
    try { spec.setGlobal('pid_target', 'abc'); } catch (e) { error = e; }
    console.log(JSON.stringify({
      uid: process.getuid(),
      bytes: Array.from(bytes),
      bad: error instanceof BadValueError,
      target: error?.target, value: error?.value, type: error?.type,
    }));`;
  const r = asNobody([process.execPath, '--input-type=module', '-e', script]);
  assert.equal(r.status, 0, r.stderr);
  assert.deepEqual(JSON.parse(r.stdout), {
    uid: 65534,
    bytes: [42, 0, 0, 0],
    bad: true,
    target: 'pid_target',
    value: 'abc',
    type: 'int',
  });
});
