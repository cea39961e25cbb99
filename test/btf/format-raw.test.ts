/**
 * The raw BTF listing and `bpfkit btf dump` against bpftool (the peer tool): the same lines, byte for
 * byte, for a fixture object holding every BTF kind and for the running kernel's BTF.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Btf, VMLINUX_BTF_PATH } from '../../src/btf/btf.js';
import { formatRaw, formatRawBytes } from '../../src/btf/format-raw.js';
import { BtfTable } from '../../src/btf/format-c-table.js';
import { ElfFile } from '../../src/elf/reader.js';
import { ROOT, fixture } from '../helpers/bpf.js';
import { formatC, formatCBytes } from '../../src/btf/format-c.js';

const dir = mkdtempSync(join(tmpdir(), 'bpfkit-formatraw-'));
test.after(() => rmSync(dir, { recursive: true, force: true }));

const obj = join(dir, 'kinds.bpf.o');
execFileSync('clang', ['-g', '-O2', '-target', 'bpf', '-c', fixture('btf-kinds.bpf.c'), '-o', obj]);

const bpftool = (file: string): Buffer =>
  execFileSync('bpftool', ['btf', 'dump', 'file', file], { maxBuffer: 1 << 30 });

/**
 * `bpfkit <args>` as installed (dist/cli/bin.cjs, which runs plain `btf dump` command lines from the
 * CommonJS bundle dist/cli/btf-dump.cjs), or with `sources` from the TypeScript sources (where no
 * bundle exists and bin.cts imports the ES modules); stdout as bytes.
 */
function cli(args: string[], sources = false): { status: number | null; stdout: Buffer; stderr: string } {
  const bin = sources ? ['--import', 'tsx', join(ROOT, 'src/cli/bin.cts')] : [join(ROOT, 'dist/cli/bin.cjs')];
  const r = spawnSync(process.execPath, [...bin, ...args], { cwd: ROOT, maxBuffer: 1 << 30 });
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

test('bpfkit btf dump: the bundle, the sources and the library write the same kernel header', () => {
  const lib = Buffer.from(formatCBytes(BtfTable.fromBytes(readFileSync(VMLINUX_BTF_PATH))));
  for (const sources of [false, true]) {
    const r = cli(['btf', 'dump', VMLINUX_BTF_PATH, '--format', 'c'], sources);
    assert.equal(r.status, 0, r.stderr);
    assert.ok(r.stdout.equals(lib), sources ? 'from the sources' : 'from the bundle');
  }
  const missing = cli(['btf', 'dump', join(dir, 'nope')], true);
  assert.equal(missing.status, 1);
  assert.match(missing.stderr, /^bpfkit: cannot read .*nope[^\n]*\n$/);
});

test('bpfkit btf dump: plain command lines (run without commander) and the others (commander) agree', () => {
  const c = cli(['btf', 'dump', obj, '--format', 'c']).stdout;
  for (const args of [
    ['--format=c', obj],
    [obj, '--format', 'raw', '--format', 'c'], // the last one wins, as with commander
  ]) {
    const r = cli(['btf', 'dump', ...args]);
    assert.equal(r.status, 0, r.stderr);
    assert.ok(r.stdout.equals(c), args.join(' '));
  }
  // Not plain: handed to commander, which reports usage errors and prints help.
  const noValue = cli(['btf', 'dump', obj, '--format']);
  assert.equal(noValue.status, 2);
  assert.match(noValue.stderr, /option '--format <format>' argument missing/);
  const help = cli(['btf', 'dump', '--help']);
  assert.equal(help.status, 0, help.stderr);
  assert.match(help.stdout.toString(), /^Usage: bpfkit btf dump \[options\] <file\.\.\.>/);
});

test('bpfkit btf dump piped into head ends quietly', () => {
  const r = spawnSync(
    'bash',
    ['-c', `node dist/cli/bin.cjs btf dump ${VMLINUX_BTF_PATH} --format c | head -n 3`],
    { cwd: ROOT, encoding: 'utf8' },
  );
  assert.equal(r.status, 0);
  assert.equal(r.stdout, '#ifndef __VMLINUX_H__\n#define __VMLINUX_H__\n\n');
  assert.equal(r.stderr, '');
});

/**
 * A split BTF blob on top of `base`: new strings start at the base's string length and new ids after
 * its last type, as in kernel module BTF.
 */
function splitBtf(base: Btf): Uint8Array {
  const baseStrLen = base.strings.length;
  const strs = ['', 'split_s', 'p', 'n', 'e', 'split_t', 'split_e', 'SPLIT_A', 'SPLIT_B'];
  const off = new Map<string, number>();
  let len = 0;
  for (const x of strs) {
    off.set(x, x ? baseStrLen + len : 0);
    len += x.length + 1;
  }
  const name = (x: string): number => off.get(x)!;
  const everything = base.byName('everything', 'struct')[0].id;
  const int = base.byName('int', 'int')[0].id;
  const first = base.types.length;
  const info = (kind: number, vlen: number, kflag = 0): number => ((kflag << 31) | (kind << 24) | vlen) >>> 0;
  // prettier-ignore
  const words = [
    0, info(2, 0), everything, // [first] PTR -> struct everything (base)
    name('split_s'), info(4, 3), 16, // [first+1] STRUCT split_s { everything *p; int n; enum split_e e; }
    name('p'), first, 0,
    name('n'), int, 64,
    name('e'), first + 3, 96,
    name('split_t'), info(8, 0), first + 1, // [first+2] TYPEDEF split_t -> split_s
    name('split_e'), info(6, 2), 4, // [first+3] ENUM split_e
    name('SPLIT_A'), 1,
    name('SPLIT_B'), 2,
  ];
  const types = Buffer.from(new Uint32Array(words).buffer);
  const strings = Buffer.from(strs.map((x) => x + '\0').join(''), 'latin1');
  const hdr = Buffer.alloc(24);
  hdr.writeUInt16LE(0xeb9f, 0);
  hdr.writeUInt8(1, 2);
  hdr.writeUInt32LE(24, 4);
  hdr.writeUInt32LE(0, 8);
  hdr.writeUInt32LE(types.length, 12);
  hdr.writeUInt32LE(types.length, 16);
  hdr.writeUInt32LE(strings.length, 20);
  return Buffer.concat([hdr, types, strings]);
}

test('split BTF (module-style) on a base: raw listing matches bpftool -B; C has both', () => {
  const elf = new ElfFile(readFileSync(obj));
  const baseRaw = elf.sectionData(elf.section('.BTF')!);
  const basePath = join(dir, 'base.btf');
  const splitPath = join(dir, 'split.btf');
  writeFileSync(basePath, baseRaw);
  const base = new Btf(baseRaw);
  writeFileSync(splitPath, splitBtf(base));
  const theirs = execFileSync('bpftool', ['btf', 'dump', 'file', splitPath, '-B', basePath]);
  const ours = cli(['btf', 'dump', splitPath, '--base', basePath]);
  assert.equal(ours.status, 0, ours.stderr);
  assert.equal(ours.stdout.toString('latin1'), theirs.toString('latin1'));
  assert.match(ours.stdout.toString(), new RegExp(`^\\[${base.types.length}\\] PTR `));

  const split = new Btf(readFileSync(splitPath), base);
  assert.equal(formatRaw(split), theirs.toString('latin1'));
  const c = formatC(split);
  assert.match(c, /struct split_s \{\n\tstruct everything \*p;\n\tint n;\n\tenum split_e e;\n\};/);
  assert.match(c, /typedef struct split_s split_t;/);
  assert.match(c, /\nstruct everything \{\n/);
});
