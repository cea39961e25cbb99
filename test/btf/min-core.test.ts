/** Spec layer, no root: BTF written by writeBtf parses back to the same types; flavor names cut as libbpf cuts them. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { Btf } from '../../src/btf/btf.js';
import { writeBtf } from '../../src/btf/write.js';
import { essentialName } from '../../src/btf/min-core.js';
import { LazyBtf } from '../../src/btf/lazy.js';
import type { BtfType } from '../../src/btf/types.js';

test('writeBtf output parses back to the types it was given', () => {
  const types: BtfType[] = [
    { id: 0, kind: 'void', name: '' },
    {
      id: 1,
      kind: 'int',
      name: 'int',
      size: 4,
      signed: true,
      char: false,
      bool: false,
      bits: 32,
      bitOffset: 0,
    },
    { id: 2, kind: 'array', name: '', type: 1, indexType: 1, nelems: 6 },
    {
      id: 3,
      kind: 'struct',
      name: 'ev',
      size: 32,
      members: [
        { name: 'a', type: 2, bitOffset: 0, bitfieldSize: 0 },
        { name: 'b', type: 1, bitOffset: 195, bitfieldSize: 3 },
      ],
    },
    { id: 4, kind: 'enum', name: 'e', size: 4, signed: true, values: [{ name: 'X', value: -1n }] },
    { id: 5, kind: 'enum64', name: 'f', size: 8, signed: false, values: [{ name: 'Y', value: 1n << 40n }] },
    { id: 6, kind: 'ptr', name: '', type: 3 },
    { id: 7, kind: 'func_proto', name: '', returnType: 1, params: [{ name: 'p', type: 6 }] },
    { id: 8, kind: 'fwd', name: 'u', union: true },
    { id: 9, kind: 'typedef', name: 'ev_t', type: 3 },
  ];
  const back = new Btf(writeBtf(types));
  assert.deepEqual(back.types.slice(1), types.slice(1));
  assert.deepEqual(new LazyBtf(writeBtf(types)).type(3), types[3]);
});

test('essential names drop a ___flavor suffix only', () => {
  assert.equal(essentialName('task_struct___x'), 'task_struct');
  assert.equal(essentialName('task_struct'), 'task_struct');
  assert.equal(essentialName('a___b___c'), 'a___b');
  assert.equal(essentialName('__x___'), '__x___');
  assert.equal(essentialName('trace_event_raw_sys_enter'), 'trace_event_raw_sys_enter');
});

test('the lazy view decodes kernel types as the full parse does', () => {
  const raw = readFileSync('/sys/kernel/btf/vmlinux');
  const lazy = new LazyBtf(raw);
  const full = new Btf(raw);
  for (const id of [1, 2, 100, 5000, lazy.count - 1]) assert.deepEqual(lazy.type(id), full.types[id]);
  assert.equal(lazy.count, full.types.length);
});
