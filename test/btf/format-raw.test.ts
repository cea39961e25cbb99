/**
 * The raw BTF listing and `bpfkit btf dump` against bpftool (the peer tool): the same lines, byte for
 * byte, for a fixture object holding every BTF kind and for the running kernel's BTF.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Btf, VMLINUX_BTF_PATH } from '../../src/btf/btf.js';
import { formatRaw, formatRawBytes } from '../../src/btf/format-raw.js';
import { BtfTable } from '../../src/btf/format-c-table.js';
import { ElfFile } from '../../src/elf/reader.js';
import { ROOT, fixture } from '../helpers/bpf.js';

const dir = mkdtempSync(join(tmpdir(), 'bpfkit-formatraw-'));
test.after(() => rmSync(dir, { recursive: true, force: true }));

const obj = join(dir, 'kinds.bpf.o');
execFileSync('clang', ['-g', '-O2', '-target', 'bpf', '-c', fixture('btf-kinds.bpf.c'), '-o', obj]);

const bpftool = (file: string): Buffer =>
  execFileSync('bpftool', ['btf', 'dump', 'file', file], { maxBuffer: 1 << 30 });

/** `bpfkit <args>` from the sources; stdout as bytes. */
function cli(args: string[]): { status: number | null; stdout: Buffer; stderr: string } {
  const r = spawnSync(process.execPath, ['--import', 'tsx', join(ROOT, 'src/cli/bin.ts'), ...args], {
    cwd: ROOT,
    maxBuffer: 1 << 30,
  });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr.toString() };
}

test('raw listing of an object with every BTF kind matches bpftool line for line', () => {
  const elf = new ElfFile(readFileSync(obj));
  const btf = new Btf(elf.sectionData(elf.section('.BTF')!));
  const ours = formatRaw(btf).split('\n');
  const theirs = bpftool(obj).toString('latin1').split('\n');
  assert.deepEqual(ours, theirs);
  for (const kind of [
    'STRUCT',
    'UNION',
    'ENUM',
    'FWD',
    'TYPEDEF',
    'FUNC_PROTO',
    'VAR',
    'DATASEC',
    'DECL_TAG',
  ]) {
    assert.ok(
      ours.some((l) => l.includes(`] ${kind} `)),
      `fixture covers ${kind}`,
    );
  }
});

test("raw listing of the kernel's BTF matches bpftool byte for byte", () => {
  const ours = Buffer.from(formatRawBytes(BtfTable.fromBytes(readFileSync(VMLINUX_BTF_PATH))));
  const theirs = bpftool(VMLINUX_BTF_PATH);
  if (!ours.equals(theirs)) {
    const a = ours.toString('latin1').split('\n');
    const b = theirs.toString('latin1').split('\n');
    const i = a.findIndex((l, n) => l !== b[n]);
    assert.fail(`first difference at line ${i + 1}:\n ours: ${a[i]}\n bpftool: ${b[i]}`);
  }
});

test('bpfkit btf dump: raw by default, C with --format c, bpftool word syntax, typed errors', () => {
  const raw = cli(['btf', 'dump', obj]);
  assert.equal(raw.status, 0, raw.stderr);
  assert.ok(raw.stdout.equals(bpftool(obj)));
  const words = cli(['btf', 'dump', 'file', obj, 'format', 'c']);
  assert.equal(words.status, 0, words.stderr);
  assert.match(words.stdout.toString(), /^#ifndef __VMLINUX_H__\n/);
  assert.ok(words.stdout.equals(cli(['btf', 'dump', obj, '--format', 'c']).stdout));

  const missing = cli(['btf', 'dump', join(dir, 'nope')]);
  assert.equal(missing.status, 1);
  assert.match(missing.stderr, /^bpfkit: cannot read .*nope/);
  const notBtf = cli(['btf', 'dump', '/etc/hostname']);
  assert.equal(notBtf.status, 1);
  assert.match(notBtf.stderr, /^bpfkit: \/etc\/hostname: /);
  const badFormat = cli(['btf', 'dump', obj, '--format', 'json']);
  assert.equal(badFormat.status, 2);
  assert.match(badFormat.stderr, /unknown format 'json'/);
});

test('bpfkit btf dump piped into head ends quietly', () => {
  const r = spawnSync(
    'bash',
    ['-c', `node --import tsx src/cli/bin.ts btf dump ${VMLINUX_BTF_PATH} --format c | head -n 3`],
    { cwd: ROOT, encoding: 'utf8' },
  );
  assert.equal(r.status, 0);
  assert.equal(r.stdout, '#ifndef __VMLINUX_H__\n#define __VMLINUX_H__\n\n');
  assert.equal(r.stderr, '');
});
