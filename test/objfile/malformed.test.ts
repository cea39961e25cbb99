/**
 * The parser checks the object fuzzer led to, on hand-made malformed BTF: cycles in the type graph
 * end in a FormatError instead of recursing forever, dangling type references are refused before
 * libbpf sees them, and decoders refuse layouts that would read past a record. No kernel needed.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Btf } from '../../src/btf/btf.js';
import { decoderFor } from '../../src/btf/decode.js';
import { FormatError } from '../../src/errors/index.js';
import { checkBtfReferences } from '../../src/spec/validate.js';

const KIND = { int: 1, ptr: 2, array: 3, struct: 4, typedef: 8, func: 12, func_proto: 13, float: 16 };
const info = (kind: number, vlen = 0): number => (kind << 24) | vlen;

/** A raw BTF blob from type records given as u32 words; the string table is "\0a\0". */
function blob(types: number[][]): Uint8Array {
  const words = types.flat();
  const strings = Buffer.from('\0a\0');
  const out = new Uint8Array(24 + words.length * 4 + strings.length);
  const dv = new DataView(out.buffer);
  dv.setUint16(0, 0xeb9f, true);
  dv.setUint8(2, 1);
  dv.setUint32(4, 24, true);
  dv.setUint32(8, 0, true);
  dv.setUint32(12, words.length * 4, true);
  dv.setUint32(16, words.length * 4, true);
  dv.setUint32(20, strings.length, true);
  words.forEach((w, i) => dv.setUint32(24 + i * 4, w >>> 0, true));
  out.set(strings, 24 + words.length * 4);
  return out;
}

const INT = [1, info(KIND.int), 4, 32]; // int 'a', 4 bytes

test('a typedef of itself: resolve and sizeof throw FormatError', () => {
  const btf = new Btf(blob([[1, info(KIND.typedef), 1]]));
  assert.throws(() => btf.resolve(1), FormatError);
  assert.throws(() => btf.sizeof(1), FormatError);
});

test('an array of itself: sizeof and alignof throw FormatError', () => {
  const btf = new Btf(blob([INT, [0, info(KIND.array), 0, 2, 1, 4]]));
  assert.throws(() => btf.sizeof(2), /nest too deep/);
  assert.throws(() => btf.alignof(2), /nest too deep/);
});

test('a pointer to itself: typeName throws FormatError', () => {
  const btf = new Btf(blob([[0, info(KIND.ptr), 1]]));
  assert.throws(() => btf.typeName(1), /nest too deep/);
});

test('a struct containing itself: no decoder, a FormatError', () => {
  const btf = new Btf(blob([[1, info(KIND.struct, 1), 8, 1, 1, 0]]));
  assert.throws(() => decoderFor(btf, 1), /nest too deep/);
  // ...also through an anonymous member, whose fields are flattened into the parent.
  const anon = new Btf(blob([[1, info(KIND.struct, 1), 8, 0, 1, 0]]));
  assert.throws(() => decoderFor(anon, 1), /nest too deep/);
});

test('decoders refuse members outside their struct and sizes BTF does not have', () => {
  // struct a { int a; } claiming 2 bytes.
  let btf = new Btf(blob([INT, [1, info(KIND.struct, 1), 2, 1, 1, 0]]));
  assert.throws(() => decoderFor(btf, 2), /member a lies outside it/);
  btf = new Btf(blob([[1, info(KIND.int), 3, 24]]));
  assert.throws(() => decoderFor(btf, 1), /integer of 3 bytes/);
  btf = new Btf(blob([[1, info(KIND.int), 0, (4 << 24) | 8]])); // a bool of 0 bytes
  assert.throws(() => decoderFor(btf, 1), /integer of 0 bytes/);
  btf = new Btf(blob([[1, info(KIND.float), 1]]));
  assert.throws(() => decoderFor(btf, 1), /float of 1 bytes/);
});

test('dangling type references and functions without a prototype are refused', () => {
  assert.throws(
    () => checkBtfReferences(new Btf(blob([[0, info(KIND.ptr), 99]]))),
    /BTF type 1 refers to type 99, which does not exist/,
  );
  assert.throws(
    () => checkBtfReferences(new Btf(blob([INT, [1, info(KIND.func), 1]]))),
    /BTF function a has type 1, not a function prototype/,
  );
  // A well-formed set passes: int, func_proto returning int, func.
  checkBtfReferences(new Btf(blob([INT, [0, info(KIND.func_proto), 1], [1, info(KIND.func), 2]])));
});
