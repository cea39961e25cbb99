/**
 * Test set-up shared by the introspection tests: loads test/fixtures/introspect/maps.bpf.o through
 * the project's loader (not attached) and fills its maps with values that exercise every printing
 * rule. Always close() the result.
 */
import { compileBpf, fixture } from '../helpers/bpf.js';
import { BpfObject } from '../../src/object/collection.js';
import { mapInfo, progInfo } from '../../src/sys/objinfo.js';
import { BpfMap } from '../../src/maps/map.js';

/** A loaded fixture: kernel ids of its programs and maps by name. */
export interface LoadedFixture {
  progIds: Map<string, number>;
  mapIds: Map<string, number>;
  close(): void;
}

/** Compiles and loads the fixture object; fills kv/pcpu/arr. */
export async function loadMapsFixture(): Promise<LoadedFixture> {
  const path = await compileBpf(fixture('introspect/maps.bpf.c'), 'introspect-maps');
  const obj = BpfObject.open(path, { name: 'introspect' });
  try {
    obj.load();
    const progIds = new Map(obj.programs.map((p) => [p.spec.name, progInfo(p.fd).id]));
    const mapIds = new Map(obj.maps.map((m) => [m.spec.name, mapInfo(m.fd).id]));
    fill(mapIds);
    return { progIds, mapIds, close: () => obj.close() };
  } catch (e) {
    obj.close();
    throw e;
  }
}

function fill(ids: Map<string, number>): void {
  const kv = BpfMap.fromId(ids.get('kv')!);
  const pcpu = BpfMap.fromId(ids.get('pcpu')!);
  const arr = BpfMap.fromId(ids.get('arr')!);
  try {
    kv.update(
      { pid: 42, comm: 'bash' },
      {
        count: 18446744073709551615n,
        delta: -7,
        color: 'GREEN',
        flag: true,
        c: 65,
        s16: -300,
        ptr: 0xffff888012345678n,
        arr: [1, 2, 3],
        name: 'x"y',
      },
    );
    // Raw bytes for what the encoder does not set: bitfields, a 128-bit value, a non-string char array.
    const raw = kv.lookupBytes(kv.encodeKey({ pid: 42, comm: 'bash' }))!;
    kv.update({ pid: 7, comm: 'a\tb' }, patched(kv, raw));
    kv.update({ pid: 0, comm: '' }, new Uint8Array(kv.valueSize));
    const n = pcpu.nValues;
    pcpu.update(
      1,
      Array.from({ length: n }, (_, i) => 5n + BigInt(i)),
    );
    pcpu.update(
      3,
      Array.from({ length: n }, (_, i) => (i === n - 1 ? 18446744073709551615n : 0n)),
    );
    arr.update(2, 0xdeadbeef);
  } finally {
    kv.close();
    pcpu.close();
    arr.close();
  }
}

/** A copy of a kv value with bitfields, a 128-bit integer, an unprintable char and odd bytes set. */
function patched(kv: BpfMap, raw: Uint8Array): Uint8Array {
  const v = raw.slice(0, kv.valueSize);
  const btf = kv.btf!;
  const t = btf.resolve(kv.valueType);
  if (t.kind !== 'struct') throw new Error('kv value is not a struct');
  const off = (name: string): number => t.members.find((m) => m.name === name)!.bitOffset / 8;
  const bitsAt = t.members.find((m) => m.name === 'small')!.bitOffset;
  v[bitsAt >> 3] = 0b10111_101; // small = 5, big = 23
  v[off('c')] = 0x07; // not printable
  v.set([0xef, 0xcd, 0xab, 0x89, 0x67, 0x45, 0x23, 0x01, 0x10, 0, 0, 0, 0, 0, 0, 0], off('wide'));
  v.set([0x41, 0x01, 0x42, 0, 0, 0, 0, 0], off('name')); // control char: printed as an array
  v[off('color')] = 0x09; // no enumerator: printed as a number
  const anon = t.members.find((m) => m.name === '')!.bitOffset / 8;
  v.set([4, 3, 2, 1], anon); // the anonymous union (encode.ts cannot name its members)
  return v;
}
