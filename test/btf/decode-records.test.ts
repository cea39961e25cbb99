/**
 * Decoding variable-length records (btf/decode.ts): a record shorter than its struct decodes when it
 * reaches the struct's trailing array, which is then cut at the record's end; a record ending inside
 * the fixed part is refused with a ShortRecordError naming both sizes.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { compileBpf, fixture } from '../helpers/bpf.js';
import { ObjectSpec } from '../../src/spec/object.js';
import { decoderFor } from '../../src/btf/decode.js';
import { ShortRecordError } from '../../src/errors/index.js';
import type { Btf } from '../../src/btf/btf.js';

const spec = new ObjectSpec(readFileSync(await compileBpf(fixture('records/shapes.bpf.c'), 'record-shapes')));
const btf = spec.btf as Btf;

function decoder(name: string): ReturnType<typeof decoderFor> {
  const t = btf.byName(name).find((x) => x.kind === 'struct');
  assert.ok(t, `struct ${name}`);
  return decoderFor(btf, t.id);
}

/** `bytes` placed inside a larger buffer, as a record in a ring mapping is (bytes follow it). */
function inRing(bytes: number[], after = 0xab): Uint8Array {
  const ring = new Uint8Array(256).fill(after);
  ring.set(bytes, 40);
  return ring.subarray(40, 40 + bytes.length);
}

const le32 = (n: number): number[] => [n & 0xff, (n >> 8) & 0xff, (n >> 16) & 0xff, n >>> 24];
const text = (s: string): number[] => [...Buffer.from(s, 'latin1')];

test('an execsnoop-style record: the fixed head and the used part of the args buffer', () => {
  const d = decoder('exec_event');
  assert.equal(d.size, 80);
  assert.equal(d.minSize, 16);
  const args = text('/bin/ls\0-l\0');
  const rec = [...le32(42), ...le32(args.length), ...text('ls\0\0\0\0\0\0'), ...args];
  assert.deepEqual(d(inRing(rec)), { pid: 42, args_size: 11, comm: 'ls', args: '/bin/ls' });
  // No NUL before the record's end: the string stops there, not in the bytes that follow it.
  const open = [...rec.slice(0, 16), ...text('/usr/bin/env')];
  assert.equal((d(inRing(open)) as { args: string }).args, '/usr/bin/env');
  // Exactly the fixed part: an empty buffer.
  assert.equal((d(inRing(rec.slice(0, 16))) as { args: string }).args, '');
  // A whole record still decodes as before.
  const whole = [...rec, ...new Array<number>(80 - rec.length).fill(0)];
  assert.equal((d(inRing(whole)) as { args: string }).args, '/bin/ls');
});

test('trailing arrays of numbers keep the elements that are whole, also inside a nested struct', () => {
  const s = decoder('samples');
  assert.equal(s.minSize, 4);
  const rec = [3, 0, 0, 0, ...le32(10), ...le32(20), ...le32(30), 0x99, 0x99];
  assert.deepEqual(s(inRing(rec)), { count: 3, vals: [10, 20, 30] });
  const w = decoder('wrapped');
  assert.equal(w.minSize, 8);
  assert.deepEqual(w(inRing([...le32(7), 1, 0, 0, 0, ...le32(5)])), { id: 7, s: { count: 1, vals: [5] } });
});

test('a flexible array member decodes as the elements a record carries', () => {
  const f = decoder('flex');
  assert.equal(f.size, 4);
  assert.equal(f.minSize, 4);
  assert.deepEqual(f(inRing([...le32(2)])), { n: 2, items: [] });
  assert.deepEqual(f(inRing([...le32(2), 1, 0, 2, 0, 3])), { n: 2, items: [1, 2] });
});

test('a record that ends inside the fixed part is refused with both sizes named', () => {
  const d = decoder('exec_event');
  assert.throws(
    () => d(inRing(le32(42))),
    (e: unknown) =>
      e instanceof ShortRecordError &&
      e.length === 4 &&
      e.minLength === 16 &&
      e.typeSize === 80 &&
      e.message === 'record of 4 bytes ends inside the fixed part of its type (16 of 80 bytes)',
  );
  const f = decoder('fixed');
  assert.equal(f.minSize, 8);
  assert.throws(() => f(inRing(text('abc\0'))), {
    name: 'ShortRecordError',
    message: 'record of 4 bytes is shorter than its type (8 bytes)',
  });
});

test('decodeAt reads the same values in place, from a view over the whole ring', () => {
  const ring = new Uint8Array(256).fill(0xab);
  const view = new DataView(ring.buffer);
  const args = text('/bin/ls\0-l\0');
  const rec = [...le32(42), ...le32(args.length), ...text('ls\0\0\0\0\0\0'), ...args];
  ring.set(rec, 40);
  const d = decoder('exec_event');
  assert.deepEqual(d.decodeAt(view, 40, rec.length), d(ring.subarray(40, 40 + rec.length)));
  assert.deepEqual(d.decodeAt(view, 40, rec.length), { pid: 42, args_size: 11, comm: 'ls', args: '/bin/ls' });
  // A view that starts inside its buffer: offsets are the view's.
  const inner = new DataView(ring.buffer, 40);
  assert.deepEqual(d.decodeAt(inner, 0, rec.length), d.decodeAt(view, 40, rec.length));
  assert.throws(() => d.decodeAt(view, 40, 4), ShortRecordError);
  const s = decoder('samples');
  const samples = [3, 0, 0, 0, ...le32(10), ...le32(20), ...le32(30)];
  ring.set(samples, 100);
  assert.deepEqual(s.decodeAt(view, 100, samples.length), { count: 3, vals: [10, 20, 30] });
});
