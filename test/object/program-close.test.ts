/**
 * Program.close() on the real kernel: one program of a loaded, attached object is detached and
 * unloaded while the other stays loaded and attached; closing the object afterwards is safe.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { BpfObject } from '../../src/object/collection.js';
import { ROOT, compileBpf, stillExisting } from '../helpers/bpf.js';

const SRC = join(ROOT, 'examples/opensnoop/opensnoop.bpf.c');

test('closing one program unloads it and its links; the other program and the object live on', async () => {
  const obj = BpfObject.open(await compileBpf(SRC, 'opensnoop-perf'));
  try {
    obj.attachAll();
    const [enter, exit] = [
      'tracepoint__syscalls__sys_enter_openat',
      'tracepoint__syscalls__sys_exit_openat',
    ].map((n) => obj.program(n));
    const enterId = enter.id;
    const exitId = exit.id;
    {
      using closing = enter;
      assert.equal(closing.name, 'tracepoint__syscalls__sys_enter_openat');
    }
    assert.deepEqual(await stillExisting('prog', [enterId]), [], 'the closed program is unloaded');
    assert.ok(enter.fd < 0, 'the closed program has no fd');
    assert.deepEqual(await stillExisting('prog', [exitId], 0), [exitId], 'the other program stays');
    enter.close(); // idempotent
  } finally {
    obj.close();
  }
});
