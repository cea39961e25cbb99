/**
 * Must-show 6: bad inputs give one clear error line, exit 1 (2 for usage), no stack trace, and leave
 * nothing loaded in the kernel.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, realpathSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { ROOT, buildFile, compileBpf, fixture, leftLoaded, runCli } from '../helpers/bpf.js';

const OPENSNOOP = join(ROOT, 'examples/opensnoop/opensnoop.bpf.c');

async function expectError(args: string[], code: number, message: RegExp): Promise<void> {
  const r = await runCli(args);
  assert.equal(r.code, code, `exit status of bpfkit ${args.join(' ')}: ${r.stderr}`);
  const lines = r.stderr.trim().split('\n');
  assert.ok(lines.length <= 2, `one error line (plus at most a usage hint), got:\n${r.stderr}`);
  assert.match(lines[0], message);
  assert.doesNotMatch(r.stderr, /^\s+at /m, 'no stack trace');
}

test('a truncated ELF file', async () => {
  const obj = readFileSync(await compileBpf(OPENSNOOP, 'opensnoop-perf'));
  const bad = buildFile('truncated.bpf.o', obj.subarray(0, 200));
  await expectError(
    ['run', bad],
    1,
    /^bpfkit: \S*truncated\.bpf\.o: .*(outside the file|too short|malformed)/,
  );
  await expectError(['inspect', bad], 1, /^bpfkit: \S*truncated\.bpf\.o: /);
});

test('a package with broken JSON names the position and the parser error', async () => {
  const bad = buildFile('broken.bpfkit.json', Buffer.from('{"format": "bpfkit-package",\n  "version": x}\n'));
  await expectError(['run', bad], 1, /^bpfkit: \S*broken\.bpfkit\.json: invalid JSON at line 2, column 14: /);
});

test('an ELF file that is not a BPF object', async () => {
  await expectError(
    ['run', '/bin/true'],
    1,
    /^bpfkit: \/bin\/true: not a BPF object \(ELF machine 62, expected 247 for BPF\)$/,
  );
});

test('a file that is not ELF at all', async () => {
  await expectError(
    ['run', '/etc/hostname'],
    1,
    /^bpfkit: \/etc\/hostname: not a BPF object \(\.bpf\.o\), a bpfkit package/,
  );
});

test('an unknown global given with --set', async () => {
  const obj = await compileBpf(OPENSNOOP, 'opensnoop-perf');
  await expectError(
    ['run', obj, '--set', 'nope=1'],
    2,
    /^bpfkit: no global 'nope' \(globals: pid_target, tid_target, uid_target, failed_only\)$/,
  );
});

test('an unknown option', async () => {
  const obj = await compileBpf(OPENSNOOP, 'opensnoop-perf');
  await expectError(['run', obj, '--no-such-option'], 2, /unknown option '--no-such-option'/);
});

test('an out-of-range value', async () => {
  const obj = await compileBpf(OPENSNOOP, 'opensnoop-perf');
  await expectError(
    ['run', obj, '--pid_target', '99999999999'],
    2,
    /^bpfkit: --pid_target: 99999999999 is out of range for pid_t \(-2147483648\.\.2147483647\)$/,
  );
});

test('a section naming a tracepoint the kernel does not have', async () => {
  const obj = await compileBpf(fixture('missing-tracepoint.bpf.c'), 'missing-tracepoint');
  await expectError(
    ['run', obj],
    1,
    /^bpfkit: tracepoint syscalls:sys_enter_no_such_call does not exist in this kernel$/,
  );
  assert.deepEqual(await leftLoaded(['no_such']), []);
});

test('a program the verifier rejects', async () => {
  const obj = await compileBpf(fixture('verifier-reject.bpf.c'), 'verifier-reject');
  await expectError(
    ['run', obj],
    1,
    /^bpfkit: verifier rejected program 'bad_deref' \(EACCES \(permission denied\)\): .*invalid mem access 'map_value_or_null'/,
  );
  assert.deepEqual(await leftLoaded(['bad_deref']), []);
  const verbose = await runCli(['run', obj, '--verbose']);
  assert.equal(verbose.code, 1);
  assert.match(verbose.stderr, /R\d+ invalid mem access 'map_value_or_null'/);
  assert.match(verbose.stderr, /processed \d+ insns/, '--verbose prints the full verifier log');
});

test('a missing file', async () => {
  await expectError(['run', '/nonexistent/x.bpf.o'], 1, /^bpfkit: \/nonexistent\/x\.bpf\.o: no such file$/);
});

test('no root: one sentence saying what is needed', async () => {
  const obj = await compileBpf(OPENSNOOP, 'opensnoop-perf');
  const r = spawnSync(
    'setpriv',
    [
      '--reuid=65534',
      '--regid=65534',
      '--clear-groups',
      '--inh-caps=-all',
      process.execPath,
      join(ROOT, 'dist/cli/bin.cjs'),
      'run',
      obj,
    ],
    { encoding: 'utf8' },
  );
  assert.equal(r.status, 1, r.stderr);
  assert.equal(
    r.stderr,
    'bpfkit: loading BPF programs needs root (or CAP_BPF and CAP_PERFMON): run with sudo\n',
  );
});

/** Runs the CLI in a private mount namespace after `setup` (shell commands) hid something from it. */
function inMountNamespace(setup: string, args: string[]): { status: number | null; stderr: string } {
  const cli = [process.execPath, join(ROOT, 'dist/cli/bin.cjs'), ...args].map((a) => `'${a}'`).join(' ');
  const r = spawnSync('unshare', ['-m', '--propagation', 'private', 'sh', '-c', `${setup} && exec ${cli}`], {
    encoding: 'utf8',
  });
  return { status: r.status, stderr: r.stderr };
}

test('libbpf.so.1 missing: one sentence saying what to install', async () => {
  const obj = await compileBpf(OPENSNOOP, 'opensnoop-perf');
  const lib = realpathSync('/usr/lib/x86_64-linux-gnu/libbpf.so.1');
  const r = inMountNamespace(`mount --bind /dev/null ${lib}`, ['run', obj]);
  assert.equal(r.status, 1, r.stderr);
  assert.equal(
    r.stderr,
    'bpfkit: libbpf.so.1 is missing: install libbpf 1.0 or newer (apt-get install libbpf1)\n',
  );
});

test('kernel BTF missing, or a --btf / BPFKIT_BTF file that is not BTF: one sentence each', async () => {
  const obj = await compileBpf(OPENSNOOP, 'opensnoop-perf');
  const r = inMountNamespace('mount -t tmpfs none /sys/kernel/btf', ['run', obj]);
  assert.equal(r.status, 1, r.stderr);
  assert.match(
    r.stderr,
    /^bpfkit: CO-RE needs the kernel BTF \(\/sys\/kernel\/btf\/vmlinux.*--btf <file>.*\n$/,
  );
  assert.equal(await leftLoaded(['tracepoint__syscalls__sys_enter_openat']).then((l) => l.length), 0);
  await expectError(
    ['run', obj, '--btf', '/nonexistent/vmlinux'],
    1,
    /^bpfkit: --btf: \/nonexistent\/vmlinux: no such file$/,
  );
  const env = { ...process.env, BPFKIT_BTF: '/etc/hostname' };
  const bad = spawnSync(process.execPath, [join(ROOT, 'dist/cli/bin.cjs'), 'run', obj], {
    encoding: 'utf8',
    env,
  });
  assert.equal(bad.status, 1);
  assert.match(bad.stderr, /^bpfkit: BPFKIT_BTF: \/etc\/hostname is not a BTF file \(.*\)\n$/);
});
