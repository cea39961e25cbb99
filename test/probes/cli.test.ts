/**
 * `bpfkit probes` against the real kernel, compared line for line with bpftrace -l where bpftrace is
 * installed (the peer tool this command mirrors).
 */
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { test } from 'node:test';
import { loadCommands, main } from '../../src/cli/main.js';
import { kprobeSupport, traceableFunctions } from '../../src/probes/kprobes.js';
import { listProbesDetailed } from '../../src/probes/list.js';

// Loaded before any capture: an import while stdout is captured would catch the test runner's output.
await loadCommands();

/** Runs the CLI in-process, capturing what it writes. */
async function run(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const out = process.stdout.write.bind(process.stdout);
  const err = process.stderr.write.bind(process.stderr);
  process.stdout.write = ((s: string | Uint8Array) => ((stdout += s.toString()), true)) as typeof out;
  process.stderr.write = ((s: string | Uint8Array) => ((stderr += s.toString()), true)) as typeof err;
  try {
    const code = await main(args);
    return { code, stdout, stderr };
  } finally {
    process.stdout.write = out;
    process.stderr.write = err;
  }
}

let hasBpftrace: boolean | undefined;
/** bpftrace's stdout for `args` (its warnings go to stderr and are dropped), or undefined without it. */
function bpftrace(...args: string[]): string | undefined {
  if (hasBpftrace === false) return undefined;
  try {
    const out = execFileSync('bpftrace', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
    hasBpftrace = true;
    return out;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') {
      hasBpftrace = false;
      return undefined;
    }
    throw e;
  }
}

test('tracepoint globs list exactly what bpftrace -l lists', async (t) => {
  const r = await run('probes', 'tracepoint:syscalls:sys_enter_open*');
  assert.equal(r.code, 0);
  assert.match(r.stdout, /^tracepoint:syscalls:sys_enter_openat$/m);
  const peer = bpftrace('-l', 'tracepoint:syscalls:sys_enter_open*');
  if (peer === undefined) return t.skip('bpftrace not installed');
  assert.equal(r.stdout, peer);
});

test('-v shows tracepoint fields as bpftrace -lv does', async (t) => {
  const r = await run('probes', '-v', 'tracepoint:syscalls:sys_enter_openat');
  assert.equal(r.code, 0);
  assert.equal(
    r.stdout,
    [
      'tracepoint:syscalls:sys_enter_openat',
      '    int __syscall_nr',
      '    int dfd',
      '    const char * filename',
      '    int flags',
      '    umode_t mode',
      '',
    ].join('\n'),
  );
  const peer = bpftrace('-lv', 'tracepoint:syscalls:sys_enter_openat');
  if (peer === undefined) return t.skip('bpftrace not installed');
  assert.equal(r.stdout, peer);
});

test('the whole tracepoint listing, plain and -v, equals bpftrace', async (t) => {
  const plain = await run('probes', 'tracepoint:*');
  const verbose = await run('probes', '-v', 'tracepoint:*');
  assert.ok(plain.stdout.split('\n').length > 500);
  const peer = bpftrace('-l', 'tracepoint:*');
  if (peer === undefined) return t.skip('bpftrace not installed');
  assert.equal(plain.stdout, peer);
  assert.equal(verbose.stdout, bpftrace('-lv', 'tracepoint:*'));
});

test('uprobe symbols of /bin/bash equal bpftrace -l', async (t) => {
  const r = await run('probes', 'uprobe:/bin/bash:read*');
  assert.equal(r.code, 0);
  assert.match(r.stdout, /^uprobe:\/bin\/bash:readline$/m);
  assert.doesNotMatch(r.stdout, /:read$/m, 'imported (undefined) symbols are not hooks');
  assert.doesNotMatch(r.stdout, /read_doc/, 'data symbols are not hooks');
  const peer = bpftrace('-l', 'uprobe:/bin/bash:read*');
  if (peer === undefined) return t.skip('bpftrace not installed');
  assert.equal(r.stdout, peer);
});

test('libc: dynsym plus the separate debug file, as bpftrace reads them', async (t) => {
  const lib = '/usr/lib/x86_64-linux-gnu/libc.so.6';
  const r = await run('probes', `uprobe:${lib}:mem*`);
  assert.equal(r.code, 0);
  assert.match(r.stdout, /:memcpy$/m);
  const peer = bpftrace('-l', `uprobe:${lib}:mem*`);
  if (peer === undefined) return t.skip('bpftrace not installed');
  assert.equal(r.stdout, peer);
});

test('library names and -p PID resolve the mapped files', async () => {
  const byName = await run('probes', 'uprobe:libc:memcpy');
  assert.match(byName.stdout, /^uprobe:\/.*libc\.so\.6:memcpy$/m);
  const child = spawn('sleep', ['30'], { stdio: 'ignore' });
  try {
    await new Promise((r) => setTimeout(r, 200));
    const r = await run('probes', '-p', String(child.pid), 'uprobe:*:nanosleep');
    assert.equal(r.code, 0);
    assert.match(r.stdout, /^uprobe:\/.*libc\.so\.6:nanosleep$/m);
  } finally {
    child.kill();
  }
  const missing = await run('probes', 'uprobe:/no/such/binary:*');
  assert.equal(missing.code, 1);
  assert.match(missing.stderr, /^bpfkit: uprobe target \/no\/such\/binary: no such program or library\n$/);
});

test('--json: one object per line, args with -v', async () => {
  const r = await run('probes', '--json', '-v', 'tracepoint:sched:sched_switch');
  const lines = r.stdout.trim().split('\n');
  assert.equal(lines.length, 1);
  const o = JSON.parse(lines[0]) as Record<string, unknown>;
  assert.equal(o.type, 'tracepoint');
  assert.equal(o.category, 'sched');
  assert.equal(o.name, 'sched_switch');
  assert.deepEqual((o.args as unknown[])[0], {
    type: 'char[16]',
    name: 'prev_comm',
    offset: 8,
    size: 16,
    signed: false,
  });
  const plain = await run('probes', '--json', 'tracepoint:sched:sched_switch');
  assert.equal((JSON.parse(plain.stdout) as { args?: unknown }).args, undefined);
});

test('raw tracepoints come from BTF with their arguments', async () => {
  const r = await run('probes', '-v', 'rawtracepoint:sched_switch');
  assert.equal(r.code, 0);
  const lines = r.stdout.trim().split('\n');
  assert.equal(lines[0], 'rawtracepoint:vmlinux:sched_switch');
  assert.ok(lines.includes('    struct task_struct * prev'), r.stdout);
  assert.ok(!lines.some((l) => l.includes('__data')));
});

test('the full listing is fast and holds only hooks this kernel can attach', () => {
  const t0 = performance.now();
  const { probes } = listProbesDetailed(undefined);
  const ms = performance.now() - t0;
  assert.ok(ms < 1000, `full listing took ${ms.toFixed(0)} ms`);
  const types = new Set(probes.map((p) => p.type));
  assert.ok(types.has('tracepoint') && types.has('rawtracepoint') && types.has('software'));
  assert.ok(probes.every((p) => p.available));
  const names = probes.map((p) => p.probe);
  assert.deepEqual(
    names,
    [...names].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)),
  );
  if (!traceableFunctions().ok) assert.ok(!types.has('fentry'));
  if (!kprobeSupport().available) assert.ok(!types.has('kprobe'));
});

test('fentry targets are listed from BTF and flagged when the kernel refuses them', async (t) => {
  const r = await run('probes', 'kfunc:vfs_read');
  assert.equal(r.code, 0);
  assert.equal(r.stdout, 'fentry:vmlinux:vfs_read\n');
  if (traceableFunctions().ok) return t.skip('fentry usable on this kernel');
  assert.match(r.stderr, /^bpfkit: note: fentry probes are listed but cannot be attached here: .*EPERM/);
  const j = await run('probes', '--json', '-v', 'fexit:vmlinux:vfs_read');
  const o = JSON.parse(j.stdout) as { available: boolean; note: string; args: { name: string }[] };
  assert.equal(o.available, false);
  assert.ok(o.note.length > 0);
  assert.deepEqual(
    o.args.map((a) => a.name),
    ['file', 'buf', 'count', 'pos', 'retval'],
  );
});

test('kprobes: none and one note when the kernel has no kprobes', async (t) => {
  if (kprobeSupport().available) return t.skip('kernel has kprobes');
  const r = await run('probes', 'kprobe:vfs_*');
  assert.equal(r.code, 0);
  assert.equal(r.stdout, '');
  assert.match(r.stderr, /^bpfkit: note: this kernel has no kprobes .*CONFIG_KPROBES/);
});

test('usage: --help, unknown provider', async () => {
  const h = await run('probes', '--help');
  assert.equal(h.code, 0);
  assert.match(h.stdout, /Usage: bpfkit probes \[options\] \[pattern\]/);
  const bad = await run('probes', 'nosuch:x');
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /^bpfkit: unknown probe type 'nosuch'/);
});
