/**
 * The value codec (btf/decode.ts, btf/encode.ts) on globals of an object we compile: every global
 * decodes to its C initializer, encoding what was decoded gives the same bytes back, and bad values
 * are refused with a message naming the value.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { compileBpf, fixture } from '../helpers/bpf.js';
import { ObjectSpec } from '../../src/spec/object.js';
import { decoderFor, toJson, type Decoded } from '../../src/btf/decode.js';
import { encodeValue, type Encodable } from '../../src/btf/encode.js';
import { BadValueError } from '../../src/errors/index.js';
import type { Btf } from '../../src/btf/btf.js';

const spec = new ObjectSpec(readFileSync(await compileBpf(fixture('codec.bpf.c'), 'codec')));
const btf = spec.btf as Btf;

function global(name: string): { type: number; initial: Uint8Array } {
  const g = spec.globals.find((x) => x.name === name);
  assert.ok(g, `global ${name}`);
  return g;
}

const decode = (name: string): Decoded => decoderFor(btf, global(name).type)(global(name).initial);
const encode = (name: string, v: Encodable): Uint8Array =>
  encodeValue(btf, global(name).type, v, `--${name}`);

test('globals decode to their C initializers, 64-bit values as bigint', () => {
  assert.equal(decode('pid'), 42);
  assert.equal(decode('small'), 7);
  assert.equal(decode('tiny'), -5);
  assert.equal(decode('big'), 18446744073709551615n);
  assert.equal(decode('neg'), -9007199254740993n);
  assert.equal(decode('on'), true);
  assert.equal(decode('col'), 'BLUE');
  assert.equal(decode('comm'), 'hello');
  assert.deepEqual(decode('nums'), [1, 2, 3, 4]);
  // Members of the anonymous union and struct appear under their own names.
  assert.deepEqual(decode('tag'), {
    kind: 3,
    u: 0xdeadbeef,
    i: 0xdeadbeef | 0,
    lo: 1,
    hi: 2,
    name: 'ab',
    pts: [
      { x: 1, y: 2 },
      { x: 3, y: 4 },
    ],
  });
  assert.equal(toJson(decode('big')), '18446744073709551615');
});

test('encoding the decoded value gives the initial bytes back', () => {
  for (const g of spec.globals) {
    if (!['.rodata'].includes(g.section) || g.name === 'tag') continue;
    const v = decoderFor(btf, g.type)(g.initial) as Encodable;
    assert.deepEqual(encodeValue(btf, g.type, v, g.name), new Uint8Array(g.initial), g.name);
  }
  // The struct with anonymous members round-trips through its flattened field names (u, not i).
  const tag = decode('tag') as { [k: string]: Encodable };
  delete tag.i;
  assert.deepEqual(encode('tag', tag), new Uint8Array(global('tag').initial));
});

test('command-line strings are parsed by type', () => {
  assert.deepEqual(encode('pid', '-1'), new Uint8Array([0xff, 0xff, 0xff, 0xff]));
  assert.deepEqual(encode('small', '0x10'), new Uint8Array([16, 0, 0, 0]));
  assert.deepEqual(encode('on', 'false'), new Uint8Array([0]));
  assert.deepEqual(encode('col', 'GREEN'), new Uint8Array([2, 0, 0, 0]));
  assert.deepEqual(encode('col', '1'), new Uint8Array([1, 0, 0, 0]));
  assert.deepEqual(encode('big', '18446744073709551615'), new Uint8Array(8).fill(0xff));
  assert.equal(Buffer.from(encode('comm', 'bash')).toString('latin1'), 'bash'.padEnd(16, '\0'));
  assert.deepEqual(encode('nums', '[5,6]'), new Uint8Array([5, 0, 0, 0, 6, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]));
  assert.deepEqual(
    (decoderFor(btf, global('tag').type)(encode('tag', '{"hi":9,"i":-1}')) as { [k: string]: Decoded }).u,
    0xffffffff,
  );
});

test('bad values are refused with the value named', () => {
  const bad: [string, Encodable, RegExp][] = [
    ['tiny', '128', /--tiny/],
    ['small', '-1', /--small/],
    ['small', 'abc', /--small/],
    ['on', 'maybe', /not a boolean/],
    ['col', 'PURPLE', /--col/],
    ['comm', 'x'.repeat(16), /--comm/],
    ['nums', '[1,2,3,4,5]', /5 values given/],
    ['tag', '{"nope":1}', /no field 'nope'/],
  ];
  for (const [name, v, re] of bad)
    assert.throws(
      () => encode(name, v),
      (e: unknown) => e instanceof BadValueError && re.test(e.message),
      `${name}=${String(v)}`,
    );
});
