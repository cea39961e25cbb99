/**
 * Function symbols of a compiled test program and of stripped copies: its own .symtab, a separate
 * debug file found by build id and by .gnu_debuglink (CRC checked), and .gnu_debugdata unpacked
 * with xz (skipped, with the reason, when the xz command is missing). Needs cc, objcopy, strip and
 * xz; no root.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { ElfFile } from '../../src/elf/reader.js';
import { BinarySymbols } from '../../src/symbols/binary-symbols.js';
import { buildId, debugLink } from '../../src/symbols/debug-files.js';
import {
  fileOffsetToAddress,
  functionSymbols,
  loadSegments,
  SymbolTable,
} from '../../src/symbols/elf-symbols.js';
import { compileSpin, sh } from './helpers.js';

/** The file offset of `name` in the binary at `path` (from its own symbols and segments). */
function offsetOf(path: string, name: string): bigint {
  const elf = new ElfFile(readFileSync(path));
  const sym = functionSymbols(elf).find((s) => s.name === name)!;
  const seg = loadSegments(elf).find(
    (s) => sym.address >= s.vaddr && sym.address < s.vaddr + BigInt(s.filesz),
  )!;
  return sym.address - seg.vaddr + BigInt(seg.offset);
}

test('SymbolTable: sizes bound a function, unknown sizes reach the next one, first alias wins', () => {
  const t = new SymbolTable([
    { address: 0x1000n, size: 0x10n, name: 'a' },
    { address: 0x1000n, size: 0x10n, name: 'a_alias' },
    { address: 0x2000n, size: 0n, name: 'b' },
  ]);
  assert.equal(t.size, 2);
  assert.deepEqual(t.lookup(0x1008n), { name: 'a', offset: 8n });
  assert.equal(t.lookup(0x1010n), undefined);
  assert.deepEqual(t.lookup(0x2500n), { name: 'b', offset: 0x500n });
  assert.equal(t.lookup(0xfffn), undefined);
});

test('an unstripped PIE: the function by file offset, through the PT_LOAD segments', () => {
  const bin = compileSpin('spin-plain');
  const syms = new BinarySymbols(bin);
  const off = offsetOf(bin, 'spin_here_forever');
  assert.deepEqual(syms.lookupFileOffset(off + 4n), { name: 'spin_here_forever', offset: 4n });
  assert.equal(syms.lookupFileOffset(off + 4n)?.name, 'spin_here_forever');
  assert.equal(fileOffsetToAddress(loadSegments(new ElfFile(readFileSync(bin))), 1n << 40n), undefined);
  assert.deepEqual(syms.notes, []);
});

test('stripped, with a separate debug file: by build id and by .gnu_debuglink', () => {
  const bin = compileSpin('spin-debug', ['-Wl,--build-id=sha1']);
  const off = offsetOf(bin, 'spin_here_forever');
  const dir = dirname(bin);
  const debugDir = join(dir, 'debugroot');
  rmSync(debugDir, { recursive: true, force: true });
  sh('objcopy', ['--only-keep-debug', bin, `${bin}.debug`]);
  sh('strip', ['--strip-all', bin]);
  assert.equal(new BinarySymbols(bin, { debugDir }).lookupFileOffset(off), undefined, 'stripped');
  // By build id.
  const id = buildId(new ElfFile(readFileSync(bin)))!;
  assert.match(id, /^[0-9a-f]{40}$/);
  mkdirSync(join(debugDir, '.build-id', id.slice(0, 2)), { recursive: true });
  copyFileSync(`${bin}.debug`, join(debugDir, '.build-id', id.slice(0, 2), `${id.slice(2)}.debug`));
  const byId = new BinarySymbols(bin, { debugDir });
  assert.equal(byId.lookupFileOffset(off)?.name, 'spin_here_forever');
  rmSync(join(debugDir, '.build-id'), { recursive: true });
  // By debuglink, in <debugDir>/<dir of the binary>/, CRC checked.
  sh('objcopy', [`--add-gnu-debuglink=${bin}.debug`, bin]);
  assert.deepEqual(debugLink(new ElfFile(readFileSync(bin)))?.name, 'spin-debug.debug');
  const linked = join(debugDir, dir, 'spin-debug.debug');
  mkdirSync(dirname(linked), { recursive: true });
  copyFileSync(`${bin}.debug`, linked);
  rmSync(`${bin}.debug`);
  const byLink = new BinarySymbols(bin, { debugDir });
  assert.equal(byLink.lookupFileOffset(off)?.name, 'spin_here_forever');
  assert.deepEqual(byLink.sources, [linked]);
  writeFileSync(linked, Buffer.concat([readFileSync(linked), Buffer.from('x')]));
  assert.equal(new BinarySymbols(bin, { debugDir }).lookupFileOffset(off), undefined, 'CRC mismatch');
});

test('stripped, with .gnu_debugdata: unpacked with xz, or skipped with the reason', () => {
  const bin = compileSpin('spin-mini');
  const off = offsetOf(bin, 'spin_here_forever');
  const mini = `${bin}.mini`;
  sh('objcopy', ['--only-keep-debug', '--strip-debug', bin, mini]);
  sh('xz', ['-f', mini]);
  sh('strip', ['--strip-all', bin]);
  sh('objcopy', ['--add-section', `.gnu_debugdata=${mini}.xz`, bin]);
  const syms = new BinarySymbols(bin, { debugDir: '/nonexistent' });
  assert.equal(syms.lookupFileOffset(off)?.name, 'spin_here_forever');
  assert.deepEqual(syms.sources, [`${bin}:.gnu_debugdata`]);
  const without = new BinarySymbols(bin, { debugDir: '/nonexistent', xz: 'bpfkit-no-such-xz' });
  assert.equal(without.lookupFileOffset(off), undefined);
  assert.deepEqual(without.notes, [
    `${bin}: .gnu_debugdata skipped: no bpfkit-no-such-xz command to unpack it`,
  ]);
});
