/**
 * A ring filling up wakes a consumer that drains on a long timer (10 s) before the timer: a ring
 * buffer past half full (bpfkit.h's helper asks for the wake-up), with the adaptive poller on its
 * busy timer and with a poller always on the timer, and a perf buffer at its watermark (half a ring)
 * with a poller always on the timer. Each burst is one program run (one getppid() sends N records).
 * A lone record on a timer-only poller waits for the timer: the early wake-up is the fill level's.
 * An adaptive poller tells its owner (onDrainMode) when it goes on its timer and back to waiting.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, test, type TestContext } from 'node:test';
import { Poller } from '../../src/events/poller.js';
import type { EventReader } from '../../src/events/stream.js';
import { PerfEventArrayReader } from '../../src/perf/reader.js';
import { RingBufReader } from '../../src/ringbuf/reader.js';
import { ROOT } from '../helpers/bpf.js';
import {
  FIXTURES,
  LoadedObject,
  compileBpf,
  compileC,
  runTrigger,
  sleep,
  tempDir,
} from '../fixtures/readers/harness.js';

const TIMER_MS = 10_000;
let tmp: ReturnType<typeof tempDir>;
let obj: LoadedObject;
let trigger: string;

before(() => {
  tmp = tempDir('bpfkit-pressing-test-');
  const o = compileBpf(join(FIXTURES, 'burst.bpf.c'), tmp.dir, [`-I${join(ROOT, 'bpf/include')}`]);
  obj = LoadedObject.open(o);
  trigger = compileC(join(FIXTURES, 'trigger.c'), tmp.dir);
});

after(() => {
  obj?.close();
  tmp?.cleanup();
});

/** One program run sending `count` records (to the perf array if `toPerf`), from CPU 0. */
async function burst(count: number, toPerf: boolean): Promise<void> {
  await runTrigger(
    trigger,
    (pid) => {
      const cfg = Buffer.alloc(12);
      cfg.writeUInt32LE(pid, 0);
      cfg.writeUInt32LE(count, 4);
      cfg.writeUInt32LE(toPerf ? 1 : 0, 8);
      obj.writeGlobal('.data', cfg);
    },
    { count: 1, cpu: 0 },
  );
}

/** Resolves with the ms it took until `reader` delivered `n` records in all, or rejects after 1 s. */
async function arrival(count: () => number, n: number): Promise<number> {
  const t0 = performance.now();
  while (count() < n) {
    if (performance.now() - t0 > 1000) throw new Error(`${count()} of ${n} records after 1 s`);
    await sleep(5);
  }
  return performance.now() - t0;
}

function counted(reader: EventReader): () => number {
  let n = 0;
  reader.onRecord(() => n++);
  return () => n;
}

/** A ring-buffer reader on `poller` counting what it gets; both are closed after the test. */
function countedRing(poller: Poller, t: TestContext): () => number {
  const reader = RingBufReader.open(obj.mapFd('ring'), { poller });
  t.after(async () => {
    await reader.close();
    await poller.close();
  });
  return counted(reader);
}

// 72 bytes a record in the ring buffer (8-byte header): 600 records are 43200 of 65536 bytes.
const PAST_HALF = 600;

test('ring buffer, adaptive poller on its busy timer: past half full drains at once', async (t) => {
  const poller = new Poller({ busyIntervalMs: TIMER_MS });
  const got = countedRing(poller, t);
  await sleep(50);
  await burst(1, false);
  await arrival(got, 1); // the idle wait hears it; the poller is now on its 10 s timer
  await burst(10, false);
  await sleep(300);
  assert.equal(got(), 1, 'a few records wait for the timer');
  await burst(PAST_HALF, false);
  const ms = await arrival(got, 1 + 10 + PAST_HALF);
  assert.ok(poller.pressingDrains >= 1);
  t.diagnostic(`${PAST_HALF} records in one run arrived after ${ms.toFixed(0)} ms`);
});

test('ring buffer, poller always on the timer: a lone record waits, past half does not', async (t) => {
  const poller = new Poller({ drain: 'timer', busyIntervalMs: TIMER_MS });
  const got = countedRing(poller, t);
  await sleep(50);
  await burst(1, false);
  await sleep(300);
  assert.equal(got(), 0, 'a lone record waits for the timer');
  await burst(PAST_HALF, false);
  await arrival(got, 1 + PAST_HALF);
});

test('perf buffer, poller always on the timer: the half-ring watermark drains at once', async (t) => {
  const poller = new Poller({ drain: 'timer', busyIntervalMs: TIMER_MS });
  // 16 KiB per CPU; a 64-byte sample takes 80 bytes (header, size, raw data padded to 8).
  const reader = PerfEventArrayReader.open(obj.mapFd('perf'), { poller, pagesPerCpu: 4 });
  t.after(async () => {
    await reader.close();
    await poller.close();
  });
  const got = counted(reader);
  await sleep(50);
  await burst(1, true);
  await sleep(300);
  assert.equal(got(), 0, 'a lone record waits for the timer');
  await burst(120, true);
  const ms = await arrival(got, 1 + 120);
  assert.equal(reader.stats.lost, 0);
  t.diagnostic(`121 samples arrived after ${ms.toFixed(0)} ms`);
});

test('adaptive poller: onDrainMode says when it goes on its timer and back to waiting', async (t) => {
  const modes: boolean[] = [];
  const poller = new Poller({ busyIntervalMs: 50, onDrainMode: (onTimer) => modes.push(onTimer) });
  const got = countedRing(poller, t);
  await sleep(50);
  assert.deepEqual(modes, [], 'waiting from the start: nothing to tell');
  await burst(3, false);
  await arrival(got, 3);
  assert.deepEqual(modes, [true], 'the wake-up put it on its timer');
  await sleep(200);
  assert.deepEqual(modes, [true, false], 'a tick that found nothing sent it back to waiting');
  await burst(1, false);
  await arrival(got, 4); // back to waiting, a lone record still wakes it
});
