/**
 * Blocking waits (src/events/wait.ts) and what they are for: a reader with no poller, read with
 * poll() on a worker thread, where the event-loop poller is not available. Real epoll, eventfd and
 * ring buffer.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, test } from 'node:test';
import koffi from 'koffi';
import { BlockingWait } from '../../src/events/wait.js';
import { libc } from '../../src/sys/libc.js';
import { ROOT } from '../helpers/bpf.js';
import { tsWorker } from '../helpers/worker.js';
import {
  FIXTURES,
  LoadedObject,
  compileBpf,
  compileC,
  runTrigger,
  tempDir,
} from '../fixtures/readers/harness.js';

const tmp = tempDir('bpfkit-wait-test-');
after(() => tmp.cleanup());

test('BlockingWait: a timeout, a zero-timeout look and a wake-up by a readable fd', () => {
  const eventfd = koffi.load('libc.so.6').func('int eventfd(unsigned int initval, int flags)');
  const efd = eventfd(0, 0) as number;
  const wait = new BlockingWait([efd]);
  try {
    assert.equal(wait.wait(0), false);
    const t0 = performance.now();
    assert.equal(wait.wait(40), false);
    assert.ok(performance.now() - t0 >= 35, 'the timeout is waited out');
    const one = Buffer.alloc(8);
    one.writeBigUInt64LE(1n);
    libc().write(efd, one, 8);
    assert.equal(wait.wait(-1), true);
  } finally {
    wait.close();
    libc().close(efd);
  }
});

test('a worker thread reads a ring buffer with poll() while the main thread stays free', async () => {
  const obj = LoadedObject.open(compileBpf(join(FIXTURES, 'ringbuf.bpf.c'), tmp.dir));
  const trigger = compileC(join(FIXTURES, 'trigger.c'), tmp.dir);
  const worker = tsWorker(join(ROOT, 'test/fixtures/events/poll-worker.ts'), {
    fd: obj.mapFd('events'),
    count: 40,
  });
  try {
    const done = new Promise<unknown>((resolve, reject) => {
      worker.on('message', (m) => m !== 'ready' && resolve(m));
      worker.on('error', reject);
    });
    const ready = new Promise<void>((resolve, reject) => {
      worker.once('message', () => resolve());
      worker.once('error', reject);
    });
    await ready;
    const arm = (pid: number): void => {
      const cfg = Buffer.alloc(8);
      cfg.writeUInt32LE(pid, 0);
      obj.writeGlobal('.bss', Buffer.alloc(16));
      obj.writeGlobal('.data', cfg);
    };
    await runTrigger(trigger, arm, { count: 40 });
    assert.deepEqual(await done, { records: 40 });
  } finally {
    await worker.terminate();
    obj.close();
  }
});
