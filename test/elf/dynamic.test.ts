/**
 * The dynamic section reader and uprobe resolution through a binary's libraries, on the system's
 * own /bin/bash (which defines readline and takes tgetent from libtinfo). No root needed.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { dynamicInfo } from '../../src/elf/dynamic.js';
import { ElfFile } from '../../src/elf/reader.js';
import { NotFoundError } from '../../src/errors/index.js';
import { resolveUprobe, resolveUprobeInDeps } from '../../src/links/uprobe-target.js';

test('dynamicInfo: the DT_NEEDED sonames of /bin/bash', () => {
  const info = dynamicInfo(new ElfFile(readFileSync('/bin/bash')));
  assert.ok(info.needed.includes('libc.so.6'), info.needed.join(' '));
  assert.ok(
    info.needed.some((n) => n.startsWith('libtinfo.so')),
    info.needed.join(' '),
  );
});

test('resolveUprobeInDeps: defined in the binary, else in the library that defines it', () => {
  const own = resolveUprobeInDeps('/bin/bash', 'readline');
  assert.deepEqual(own, resolveUprobe('/bin/bash', 'readline'));
  const lib = resolveUprobeInDeps('/bin/bash', 'tgetent');
  assert.match(lib.binary, /\/libtinfo\.so\.\d+$/);
  assert.equal(lib.offset, resolveUprobe(lib.binary, 'tgetent').offset);
  assert.throws(() => resolveUprobeInDeps('/bin/bash', 'no_such_function_here'), NotFoundError);
});
