/**
 * BpfMap on real kernel maps: update/lookup/delete/iterate/batch on hash, array and percpu_array
 * maps created without BTF (raw bytes and plain integers), and BTF-typed keys/values on a loaded
 * object's maps.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mapCreate } from '../../src/sys/bpf.js';
import { BpfMap, numPossibleCpus } from '../../src/maps/map.js';
import { possibleCpus } from '../../src/sys/cpus.js';
import { BadValueError, SyscallError } from '../../src/errors/index.js';
import { loadMapsFixture } from '../loaded/fixture.js';

const u32 = (n: number): Uint8Array => new Uint8Array(new Uint32Array([n]).buffer);
const u64 = (n: bigint): Uint8Array => new Uint8Array(new BigUint64Array([n]).buffer);
const create = (type: number, keySize: number, valueSize: number, maxEntries: number): BpfMap =>
  BpfMap.fromFd(mapCreate({ type, keySize, valueSize, maxEntries, name: 'bpfkit_t_map' }));

test('hash: update flags, lookup, delete, keys/entries, batch and batch-delete', () => {
  const m = create(1, 4, 8, 1000);
  try {
    assert.equal(m.typeName, 'hash');
    for (let i = 0; i < 600; i++) m.update(i, BigInt(i) * 3n);
    assert.deepEqual(m.lookup(7), u64(21n));
    assert.equal(m.lookup(5000), undefined);
    m.update(7, 1n, 'exist');
    assert.throws(
      () => m.update(7, 1n, 'noexist'),
      (e: SyscallError) => e.errno === 17,
    );
    assert.throws(
      () => m.update(9999, 1n, 'exist'),
      (e: SyscallError) => e.errno === 2,
    );
    assert.equal(m.delete(7), true);
    assert.equal(m.delete(7), false);
    const keys = [...m.keyBytes()].map((k) => Buffer.from(k).readUInt32LE(0));
    assert.equal(keys.length, 599);
    assert.equal(new Set(keys).size, 599);
    const iter = new Map(
      [...m.entryBytes()].map(([k, v]) => [
        Buffer.from(k).readUInt32LE(0),
        Buffer.from(v).readBigUInt64LE(0),
      ]),
    );
    // Small chunks force many batch calls (and ENOSPC retries when a bucket holds more than a chunk).
    const batch = m.lookupBatchBytes({ chunk: 7 });
    assert.equal(batch.length, 599);
    for (const [k, v] of batch)
      assert.equal(Buffer.from(v).readBigUInt64LE(0), iter.get(Buffer.from(k).readUInt32LE(0)));
    assert.equal(m.lookupAndDeleteBatch({ chunk: 64 }).length, 599);
    assert.equal([...m.keys()].length, 0);
    assert.deepEqual(m.lookupBatch(), []);
  } finally {
    m.close();
  }
});

test('array: every index exists, delete is refused, batch returns all slots', () => {
  const m = create(2, 4, 4, 5);
  try {
    m.update(3, 0xdeadbeef);
    m.update(u32(4), u32(9));
    assert.deepEqual(m.lookup(3), u32(0xdeadbeef));
    assert.deepEqual(m.lookup(0), u32(0));
    assert.equal(m.lookup(5), undefined);
    assert.throws(
      () => m.delete(1),
      (e: SyscallError) => e.errno === 22,
    );
    assert.deepEqual([...m.keys()], [0, 1, 2, 3, 4].map(u32));
    const batch = m.lookupBatch({ chunk: 2 });
    assert.deepEqual(
      batch.map(([k]) => k),
      [0, 1, 2, 3, 4].map(u32),
    );
    assert.deepEqual(batch[4][1], u32(9));
    assert.throws(() => m.update(1, new Uint8Array(3)), BadValueError);
  } finally {
    m.close();
  }
});

test('percpu_array: one value per possible CPU in 8-byte slots', () => {
  const m = create(6, 4, 4, 3);
  const n = numPossibleCpus();
  try {
    assert.equal(n, possibleCpus().length);
    assert.equal(m.perCpu, true);
    assert.equal(m.valueStride, 8);
    assert.equal(m.valueBufSize, 8 * n);
    const vals = Array.from({ length: n }, (_, i) => 10 + i);
    m.update(1, vals);
    assert.deepEqual(m.lookup(1), vals.map(u32));
    const raw = m.lookupBytes(u32(1))!;
    assert.equal(raw.length, 8 * n);
    assert.equal(Buffer.from(raw).readUInt32LE(8 * (n - 1)), 10 + n - 1);
    assert.throws(() => m.update(1, 5), BadValueError);
    const batch = m.lookupBatch();
    assert.equal(batch.length, 3);
    assert.deepEqual(batch[1][1], vals.map(u32));
    assert.deepEqual([...m.entries()][1], [u32(1), vals.map(u32)]);
  } finally {
    m.close();
  }
});

test('BTF-typed maps: structs, per-CPU values and global data decode through BTF', async () => {
  const f = await loadMapsFixture();
  const kv = BpfMap.fromId(f.mapIds.get('kv')!);
  const pcpu = BpfMap.fromId(f.mapIds.get('pcpu')!);
  const data = BpfMap.fromId(f.mapIds.get('.data')!);
  try {
    const v = kv.lookup({ pid: 42, comm: 'bash' }) as Record<string, unknown>;
    assert.equal(v.count, 18446744073709551615n);
    assert.equal(v.delta, -7);
    assert.equal(v.color, 'GREEN');
    assert.equal(v.flag, true);
    assert.equal(v.name, 'x"y');
    assert.deepEqual(v.arr, [1, 2, 3]);
    const keys = [...kv.keys()] as { pid: number; comm: string }[];
    assert.deepEqual(
      keys.map((k) => k.pid).sort((a, b) => a - b),
      [0, 7, 42],
    );
    assert.equal(kv.lookupBatch().length, 3);
    const nCpu = numPossibleCpus();
    const per = pcpu.lookup(3) as bigint[];
    assert.equal(per.length, nCpu);
    assert.equal(per[nCpu - 1], 18446744073709551615n);
    pcpu.update(
      2,
      Array.from({ length: nCpu }, () => 11n),
    );
    assert.deepEqual(
      pcpu.lookup(2),
      Array.from({ length: nCpu }, () => 11n),
    );
    assert.deepEqual(data.lookup(0), { greeting: "it's" });
    assert.equal(kv.delete({ pid: 0, comm: '' }), true);
  } finally {
    kv.close();
    pcpu.close();
    data.close();
    f.close();
  }
});
