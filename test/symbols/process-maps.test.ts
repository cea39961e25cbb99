/**
 * User addresses of a live process to names: /proc/<pid>/maps parsing (sample text) and the
 * address a running test program prints of its own function, resolved through its maps and ELF
 * symbols, also after the binary is deleted (read through map_files; root). Needs cc.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, rmSync } from 'node:fs';
import { parseMaps, UserSymbolizer } from '../../src/symbols/process-maps.js';
import { compileSpin, startSpin } from './helpers.js';

test('parseMaps: ranges, offsets, inodes and names', () => {
  const maps = parseMaps(
    '55d0c0a00000-55d0c0a01000 r--p 00000000 fe:01 1234   /usr/bin/x\n' +
      '55d0c0a01000-55d0c0a02000 r-xp 00001000 fe:01 1234   /usr/bin/x (deleted)\n' +
      '7ffd1c1f0000-7ffd1c1f2000 r-xp 00000000 00:00 0      [vdso]\n' +
      '7f0000000000-7f0000001000 rw-p 00000000 00:00 0 \n',
  );
  assert.equal(maps.length, 4);
  assert.deepEqual(maps[1], {
    start: 0x55d0c0a01000n,
    end: 0x55d0c0a02000n,
    perms: 'r-xp',
    offset: 0x1000n,
    dev: 'fe:01',
    inode: 1234,
    path: '/usr/bin/x (deleted)',
  });
  assert.equal(maps[2].path, '[vdso]');
  assert.equal(maps[3].path, '');
});

test('a live process: its function by address, with the file and offset; a deleted binary too', async () => {
  const built = compileSpin('spin-maps');
  const bin = `${built}-copy`;
  copyFileSync(built, bin);
  const p = await startSpin(bin, true);
  try {
    rmSync(bin);
    const s = new UserSymbolizer();
    const hit = s.lookup(p.child.pid!, p.address + 3n);
    assert.equal(hit.name, 'spin_here_forever');
    assert.equal(hit.offset, 3n);
    assert.equal(hit.dso, `${bin} (deleted)`);
    assert.equal(s.lookup(p.child.pid!, 8n).name, undefined);
  } finally {
    p.child.kill('SIGKILL');
    await p.done;
  }
});
