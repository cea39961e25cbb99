import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { Btf } from '../../src/btf/btf.js';
import { ElfFile } from '../../src/elf/reader.js';
import { expandPathGlob } from '../../src/probes/binaries.js';
import { BTF_KIND, scanBtfNames } from '../../src/probes/btf-scan.js';
import { parseFilterFunctions } from '../../src/probes/kprobes.js';
import { listPerfEvents } from '../../src/probes/perf-events.js';
import { buildId, crc32, functionSymbols } from '../../src/probes/uprobes.js';

test('available_filter_functions lines: module suffixes, invalid entries dropped', () => {
  const text = 'vfs_read\n__ftrace_invalid_address___64\nxfs_iget [xfs]\nfoo\t[bar]\n\n';
  assert.deepEqual(parseFilterFunctions(text), [
    { name: 'vfs_read', module: 'vmlinux' },
    { name: 'xfs_iget', module: 'xfs' },
    { name: 'foo', module: 'bar' },
  ]);
});

test('crc32 is the zlib CRC (the one .gnu_debuglink stores)', () => {
  assert.equal(crc32(Buffer.from('123456789')), 0xcbf43926);
  assert.equal(crc32(new Uint8Array(0)), 0);
});

test('ELF function symbols of /bin/bash: defined functions only', () => {
  const syms = functionSymbols('/bin/bash');
  assert.ok(syms.get('readline')! > 0n);
  assert.ok(!syms.has('read'), 'imported from libc, not defined here');
  assert.ok(!syms.has('read_doc'), 'an object, not a function');
  const id = buildId(new ElfFile(readFileSync('/bin/bash')));
  assert.match(id ?? '', /^[0-9a-f]{40}$/);
});

test('the quick BTF name scan agrees with the full parser', () => {
  const btf = Btf.kernel();
  const full = (kind: string, prefix: string): string[] =>
    btf.types.filter((t) => t.kind === kind && t.name.startsWith(prefix)).map((t) => t.name);
  const raw = readFileSync('/sys/kernel/btf/vmlinux');
  assert.deepEqual(scanBtfNames(raw, BTF_KIND.TYPEDEF, 'btf_trace_'), full('typedef', 'btf_trace_'));
  assert.deepEqual(scanBtfNames(raw, BTF_KIND.FUNC), full('func', ''));
});

test('path globs expand like glob(3)', () => {
  const found = expandPathGlob('/usr/bin/bas*');
  assert.ok(found.includes('/usr/bin/bash'));
  assert.deepEqual(expandPathGlob('/no/such/dir/*'), []);
});

test('perf event tables: names and aliases', () => {
  const sw = listPerfEvents('software', 'c*').map((p) => p.probe);
  assert.ok(sw.includes('software:cpu-clock:') && sw.includes('software:cs:'));
  assert.deepEqual(
    listPerfEvents('software', 'cs:').map((p) => p.probe),
    ['software:cs:'],
  );
});
