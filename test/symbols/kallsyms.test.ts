/** Kernel symbol lookup from /proc/kallsyms text (sample text; the real table as root). */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { KernelSymbols } from '../../src/symbols/kallsyms.js';

const SAMPLE = `ffffffff81000000 T _stext
ffffffff81000000 T startup_64
ffffffff81001000 t native_write_cr4
ffffffff81002000 D some_data
ffffffff81003000 W weak_func
0000000000000000 A fixed_percpu_data
ffffffffc0200000 t ext4_lookup\t[ext4]
ffffffffc0300000 t bpf_prog_6deef7357e7b4530_do_perf_event\t[bpf]
`;

test('lookup: the text symbol at or below, its offset and module; data symbols ignored', () => {
  const k = KernelSymbols.parse(SAMPLE);
  assert.equal(k.size, 6);
  assert.deepEqual(k.lookup(0xffffffff81001010n), { name: 'native_write_cr4', offset: 0x10n });
  assert.deepEqual(k.lookup(0xffffffff81002800n), { name: 'native_write_cr4', offset: 0x1800n });
  assert.deepEqual(k.lookup(0xffffffff81003000n), { name: 'weak_func', offset: 0n });
  assert.deepEqual(k.lookup(0xffffffffc0200004n), { name: 'ext4_lookup', offset: 4n, module: 'ext4' });
  assert.equal(k.lookup(0xffffffffc0300008n)?.name, 'bpf_prog_6deef7357e7b4530_do_perf_event');
  assert.equal(k.lookup(0x1000n), undefined);
  assert.equal(k.lookup(0xffffffff81000000n)?.offset, 0n);
});

test(
  'the real /proc/kallsyms: a known kernel function resolves to itself',
  { skip: process.getuid?.() !== 0 },
  () => {
    const k = KernelSymbols.read();
    const line = /^([0-9a-f]+) T schedule$/m.exec(readFileSync('/proc/kallsyms', 'utf8'));
    assert.ok(line, 'schedule in /proc/kallsyms');
    assert.deepEqual(k.lookup(BigInt(`0x${line[1]}`) + 2n), { name: 'schedule', offset: 2n });
  },
);
