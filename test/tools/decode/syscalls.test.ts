/**
 * Syscall names by number (src/tools/decode/syscalls.ts) and errno names to numbers: the unistd
 * header parser, the built-in x86_64 table (numbers checked on Linux 6.18 through the syscall
 * tracepoints' __syscall_nr), the `[unknown: N]` fallback. No kernel needed.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseUnistd, syscallName, syscallTable } from '../../../src/tools/decode/syscalls.js';
import { x86_64Syscalls } from '../../../src/tools/decode/syscalls-x86_64.js';
import { errnoNumber } from '../../../src/tools/decode/errno.js';

test('parseUnistd: numeric defines only', () => {
  const text = '#define __NR_read 0\n#define __NR_fcntl __NR3264_fcntl\n#define __NR_getppid 110\n';
  assert.deepEqual(
    [...parseUnistd(text)],
    [
      [0, 'read'],
      [110, 'getppid'],
    ],
  );
});

test('the built-in x86_64 table: uapi names, numbers up to Linux 6.18', () => {
  const t = x86_64Syscalls();
  const spot: [number, string][] = [
    [0, 'read'],
    [5, 'fstat'],
    [110, 'getppid'],
    [257, 'openat'],
    [262, 'newfstatat'],
    [334, 'rseq'],
    [335, 'uretprobe'],
    [336, 'uprobe'],
    [424, 'pidfd_send_signal'],
    [435, 'clone3'],
    [436, 'close_range'],
    [437, 'openat2'],
    [462, 'mseal'],
    [469, 'file_setattr'],
  ];
  for (const [nr, name] of spot) assert.equal(t.get(nr), name, String(nr));
  assert.equal(t.has(337), false);
  assert.equal(t.size, 337 + 46);
});

test('syscallName: the table, else libbpf-tools’ [unknown: N]', () => {
  const table = syscallTable('x64');
  assert.equal(syscallName(table, 110), 'getppid');
  assert.equal(syscallName(table, 9999), '[unknown: 9999]');
  assert.ok(table.sources.length >= 1);
  assert.equal(syscallTable('mips').names.get(110), undefined);
});

test('errnoNumber: names and their aliases', () => {
  assert.equal(errnoNumber('ENOENT'), 2);
  assert.equal(errnoNumber('EWOULDBLOCK'), 11);
  assert.equal(errnoNumber('enoent'), undefined);
  assert.equal(errnoNumber('ERESTARTSYS'), undefined);
});
