/**
 * IP address members decoded as text (src/btf/addresses.ts), on the globals of an object we compile:
 * which members count as addresses, what the family member beside them changes, and RFC 5952 text.
 * No kernel needed.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { compileBpf, fixture } from '../helpers/bpf.js';
import { ObjectSpec } from '../../src/spec/object.js';
import { addressDecoder, addressFields, ipv6Text, isAddressName } from '../../src/btf/addresses.js';
import { decoderFor } from '../../src/btf/decode.js';
import { columnsFor } from '../../src/cli/output/table.js';
import type { Btf } from '../../src/btf/btf.js';

const spec = new ObjectSpec(readFileSync(await compileBpf(fixture('btf/addresses.bpf.c'), 'addresses')));
const btf = spec.btf as Btf;

function decode(name: string): unknown {
  const g = spec.globals.find((x) => x.name === name);
  assert.ok(g, name);
  return addressDecoder(btf, g.type)(g.initial);
}

test('without a family member only 16-byte members are addresses (IPv6); text and wide integers stay', () => {
  assert.deepEqual(decode('no_family'), {
    saddr: 0x0100007f,
    daddr: '::1',
    addr6: '2001:db8::1',
    text_addr: 'hello',
    addr: 42n,
  });
});

test('AF_INET (or IP version 4) makes every address member IPv4 text of its first 4 bytes', () => {
  assert.deepEqual(decode('v4_in_16'), { saddr: '127.0.0.1', daddr: '10.0.0.2', family: 2 });
  assert.deepEqual(decode('by_version'), { addr: '127.0.0.1', ver: 4 });
});

test('under AF_INET6 a 4-byte member cannot hold the address and stays a number', () => {
  assert.deepEqual(decode('v6_union'), { af: 10, saddr_v4: 0x80fe, saddr_v6: 'fe80::1' });
});

test('nested structs follow their own family member, else their parent’s', () => {
  const v = decode('nested') as { family: number; key: unknown; sin: { sin_addr: unknown } };
  assert.deepEqual(v.key, { saddr: '127.0.0.1', daddr: '1.2.3.4' });
  assert.equal(v.sin.sin_addr, '8.8.8.8');
  const g = spec.globals.find((x) => x.name === 'nested')!;
  assert.deepEqual(
    addressFields(btf, g.type).map((f) => f.path.join('.')),
    ['key.saddr', 'key.daddr', 'sin.sin_addr'],
  );
});

test('a type without address members gets the plain decoder', () => {
  const plain = spec.globals.find((x) => x.name === 'v4_in_16')!;
  assert.notEqual(addressDecoder(btf, plain.type), decoderFor(btf, plain.type));
  const u32 = btf.types.find((x) => x.kind === 'int' && x.name === 'unsigned int')!;
  assert.equal(addressDecoder(btf, u32.id), decoderFor(btf, u32.id));
});

test('address names', () => {
  for (const n of ['saddr', 'daddr', 'addr', 'saddr_v4', 'daddr_v6', 'addr6', 'src_ip', 'dip', 'skc_daddr'])
    assert.ok(isAddressName(n), n);
  for (const n of ['skaddr', 'address_count', 'ipc', 'zip', 'family']) assert.ok(!isAddressName(n), n);
});

test('IPv6 text follows RFC 5952', () => {
  const bytes = (groups: number[]): Uint8Array => new Uint8Array(groups.flatMap((g) => [g >> 8, g & 0xff]));
  const cases: [number[], string][] = [
    [[0, 0, 0, 0, 0, 0, 0, 0], '::'],
    [[0, 0, 0, 0, 0, 0, 0, 1], '::1'],
    [[1, 0, 0, 0, 0, 0, 0, 0], '1::'],
    [[0x2001, 0xdb8, 0, 0, 0, 0, 0, 1], '2001:db8::1'],
    // A single zero group is not shortened; of two runs the longer, then the first, becomes '::'.
    [[0x2001, 0xdb8, 0, 1, 1, 1, 1, 1], '2001:db8:0:1:1:1:1:1'],
    [[0x2001, 0, 0, 1, 0, 0, 0, 1], '2001:0:0:1::1'],
    [[0x2001, 0xdb8, 0, 0, 1, 0, 0, 1], '2001:db8::1:0:0:1'],
    [[0, 0, 0, 0, 0, 0xffff, 0x102, 0x304], '::ffff:1.2.3.4'],
    [[0xfe80, 0, 0, 0, 0xabcd, 0xef, 0x1234, 0x5678], 'fe80::abcd:ef:1234:5678'],
  ];
  for (const [groups, text] of cases) assert.equal(ipv6Text(bytes(groups)), text);
});

test('event tables give address columns the width of their text', () => {
  const t = btf.byName('v6_union').find((x) => x.kind === 'struct')!;
  assert.deepEqual(
    columnsFor(btf, t.id).map((c) => [c.name, c.width, c.right]),
    [
      ['AF', 5, true],
      ['SADDR_V4', 15, false],
      ['SADDR_V6', 39, false],
    ],
  );
});
