/** bpf(2) wrappers against the real kernel: map elements, id walking, info structs, pinning, freeze. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import {
  UPDATE,
  allIds,
  closeFd,
  fdById,
  getNextId,
  mapCreate,
  mapDeleteElem,
  mapFreeze,
  mapGetNextKey,
  mapLookupElem,
  mapUpdateElem,
  objGet,
  objPin,
} from '../../src/sys/bpf.js';
import { btfInfo, mapInfo } from '../../src/sys/objinfo.js';
import { SyscallError } from '../../src/errors/index.js';
import { bpffsTempDir } from '../helpers/bpffs.js';

const u32 = (n: number): Uint8Array => new Uint8Array(new Uint32Array([n]).buffer);
const HASH = 1;
const ARRAY = 2;

test('map elements: update flags, lookup, next key, delete', () => {
  const fd = mapCreate({ type: HASH, keySize: 4, valueSize: 4, maxEntries: 8, name: 'bpfkit_t_sys' });
  try {
    mapUpdateElem(fd, u32(1), u32(100), UPDATE.NOEXIST);
    assert.throws(
      () => mapUpdateElem(fd, u32(1), u32(5), UPDATE.NOEXIST),
      (e: SyscallError) => e.errno === 17,
    );
    assert.throws(
      () => mapUpdateElem(fd, u32(2), u32(5), UPDATE.EXIST),
      (e: SyscallError) => e.errno === 2,
    );
    mapUpdateElem(fd, u32(1), u32(101), UPDATE.EXIST);
    const v = new Uint8Array(4);
    assert.equal(mapLookupElem(fd, u32(1), v), 0);
    assert.deepEqual(v, u32(101));
    assert.equal(mapLookupElem(fd, u32(9), v), -2);
    const next = new Uint8Array(4);
    assert.equal(mapGetNextKey(fd, null, next), true);
    assert.deepEqual(next, u32(1));
    assert.equal(mapGetNextKey(fd, next, new Uint8Array(4)), false);
    assert.equal(mapDeleteElem(fd, u32(1)), true);
    assert.equal(mapDeleteElem(fd, u32(1)), false);
  } finally {
    closeFd(fd);
  }
});

test('id spaces: a new map is listed and opened by id; its info matches what was created', () => {
  const fd = mapCreate({
    type: ARRAY,
    keySize: 4,
    valueSize: 12,
    maxEntries: 3,
    flags: 0,
    name: 'bpfkit_t_ids',
  });
  try {
    const info = mapInfo(fd);
    assert.equal(info.name, 'bpfkit_t_ids');
    assert.deepEqual([info.type, info.keySize, info.valueSize, info.maxEntries], [ARRAY, 4, 12, 3]);
    assert.ok(allIds('map').includes(info.id));
    assert.equal(getNextId('map', info.id - 1), info.id);
    const fd2 = fdById('map', info.id);
    assert.ok(fd2 !== undefined);
    assert.equal(mapInfo(fd2).id, info.id);
    closeFd(fd2);
    assert.equal(fdById('map', 0x7ffffff0), undefined);
  } finally {
    closeFd(fd);
  }
});

test('BTF info: vmlinux is a kernel BTF object with its raw blob', () => {
  const found = allIds('btf')
    .map((id) => {
      const fd = fdById('btf', id);
      if (fd === undefined) return undefined;
      try {
        return btfInfo(fd);
      } finally {
        closeFd(fd);
      }
    })
    .find((b) => b?.name === 'vmlinux');
  assert.ok(found, 'vmlinux BTF object');
  assert.equal(found.kernel, true);
  const fd = fdById('btf', found.id)!;
  try {
    const withData = btfInfo(fd, true);
    assert.equal(withData.data?.length, found.size);
    assert.equal(new DataView(withData.data!.buffer, withData.data!.byteOffset).getUint16(0, true), 0xeb9f);
  } finally {
    closeFd(fd);
  }
});

test('pin and reopen, then freeze makes the map read-only', () => {
  const dir = bpffsTempDir('bpfkit-test-');
  const fd = mapCreate({ type: ARRAY, keySize: 4, valueSize: 4, maxEntries: 1, name: 'bpfkit_t_pin' });
  try {
    objPin(fd, join(dir, 'm'));
    const fd2 = objGet(join(dir, 'm'));
    assert.equal(mapInfo(fd2).id, mapInfo(fd).id);
    closeFd(fd2);
    mapUpdateElem(fd, u32(0), u32(7));
    mapFreeze(fd);
    assert.throws(
      () => mapUpdateElem(fd, u32(0), u32(8)),
      (e: SyscallError) => e.errno === 1,
    );
  } finally {
    closeFd(fd);
    rmSync(dir, { recursive: true, force: true });
  }
});
