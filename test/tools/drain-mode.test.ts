/**
 * The tools' BPF side honours the runner's drain_on_timer flag (tools.bpf.h): while it is set, an
 * exec's record reaches the `events` ring without waking a waiter (an edge-triggered epoll hears
 * nothing, though the ring holds the record); once cleared, the first record after a drain wakes it.
 * execsnoop's package, loaded as it ships, on the real kernel; needs root.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { test } from 'node:test';
import { BpfObject } from '../../src/object/collection.js';
import { RingBufReader } from '../../src/ringbuf/reader.js';
import { mapUpdateElem } from '../../src/sys/bpf.js';
import { EPOLL, check, libc } from '../../src/sys/libc.js';
import { loadToolPackage } from '../../src/tools/package.js';
import { sleep, until } from '../fixtures/readers/harness.js';

/** Edge-triggered epoll on `fd`: reports wake-ups of the ring, not whether it holds records. */
function edgeWatch(fd: number): { wait(ms: number): number; close(): void } {
  const c = libc();
  const epfd = check(c.epollCreate1(EPOLL.CLOEXEC), 'epoll_create1');
  const ev = Buffer.alloc(12);
  ev.writeUInt32LE((EPOLL.IN | EPOLL.ET) >>> 0, 0);
  check(c.epollCtl(epfd, EPOLL.CTL_ADD, fd, ev), 'epoll_ctl');
  const out = Buffer.alloc(12 * 4);
  return { wait: (ms) => c.epollWait(epfd, out, 4, ms), close: () => void c.close(epfd) };
}

test('drain_on_timer set: execs wake nobody; cleared: the next exec wakes the reader', async (t) => {
  const obj = BpfObject.open(loadToolPackage('execsnoop').object, { name: 'execsnoop' });
  t.after(() => obj.close());
  obj.setGlobal('max_args', 20);
  obj.load();
  obj.attachAll();
  const flag = obj.map('drain_on_timer').fd;
  const ring = obj.map('events').fd;
  const setFlag = (on: boolean): void =>
    mapUpdateElem(flag, new Uint8Array(4), new Uint8Array([on ? 1 : 0, 0, 0, 0]));
  const watch = edgeWatch(ring);
  t.after(() => watch.close());

  setFlag(true);
  execFileSync('/bin/true');
  assert.equal(watch.wait(300), 0, 'no wake-up below half a ring while the runner is on its timer');

  // Drain what is there, so that the kernel's own policy has a caught-up consumer to wake.
  const reader = RingBufReader.open(ring);
  let n = 0;
  reader.onRecord(() => n++);
  await until(() => n >= 1, 2000, 'the exec record');
  await sleep(20);
  await reader.close();

  setFlag(false);
  watch.wait(0); // forget the edges the drain's own wake-ups left
  execFileSync('/bin/true');
  assert.equal(watch.wait(1000), 1, 'waiting for wake-ups again: the first record wakes the reader');
});
