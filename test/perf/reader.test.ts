import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { BadValueError } from '../../src/errors/index.js';
import { onlineCpus, parseCpuList } from '../../src/sys/cpus.js';
import { PerfEventArrayReader } from '../../src/perf/reader.js';
import {
  FIXTURES,
  LoadedObject,
  compileBpf,
  compileC,
  delayedTrigger,
  openFdCount,
  ringMappings,
  runTrigger,
  sleep,
  tempDir,
  until,
} from '../fixtures/readers/harness.js';

let tmp: ReturnType<typeof tempDir>;
let obj: LoadedObject;
let trigger: string;

before(() => {
  tmp = tempDir('bpfkit-perf-test-');
  obj = LoadedObject.open(compileBpf(join(FIXTURES, 'perf.bpf.c'), tmp.dir));
  trigger = compileC(join(FIXTURES, 'trigger.c'), tmp.dir);
});

after(() => {
  obj?.close();
  tmp?.cleanup();
});

function arm(pid: number, resetCounters = true): void {
  const cfg = Buffer.alloc(8);
  cfg.writeUInt32LE(pid, 0);
  if (resetCounters) obj.writeGlobal('.bss', Buffer.alloc(16));
  obj.writeGlobal('.data', cfg);
}

function counters(): { produced: number; dropped: number } {
  const b = obj.readGlobal('.bss', 16);
  return { produced: Number(b.readBigUInt64LE(0)), dropped: Number(b.readBigUInt64LE(8)) };
}

/** Checks one fixture sample; returns its sequence number or an error message. */
/** `pids`: every trigger this test started; a nudge's sample may be read after the next nudge began. */
function checkSample(bytes: Uint8Array, pids: Set<number>, cpu: number): number | string {
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const seq = Number(dv.getBigUint64(0, true));
  const tgid = dv.getUint32(8, true);
  if (!pids.has(tgid)) return `seq ${seq}: tgid ${tgid} is none of ${[...pids].join(', ')}`;
  const len = dv.getUint16(12, true);
  if (dv.getUint16(14, true) !== cpu)
    return `seq ${seq}: written on cpu ${dv.getUint16(14, true)}, read as ${cpu}`;
  if (len !== 16 + ((seq * 7) % 97)) return `seq ${seq}: unexpected length ${len}`;
  // The kernel pads raw data so that 4 + size is a multiple of 8.
  if (bytes.length !== ((len + 4 + 7) & ~7) - 4) return `seq ${seq}: ${bytes.length} bytes for ${len}`;
  for (let i = 16; i < len; i++) {
    if (bytes[i] !== ((seq + i) & 0xff)) return `seq ${seq}: payload byte ${i} is ${bytes[i]}`;
  }
  return seq;
}

/** Resolves once `value()` stopped changing for 50 ms. */
async function settle(value: () => number): Promise<void> {
  let last = -1;
  while (value() !== last) {
    last = value();
    await sleep(50);
  }
}

test('parses kernel CPU lists', () => {
  assert.deepEqual(parseCpuList('0-3,5,7-8\n'), [0, 1, 2, 3, 5, 7, 8]);
  assert.deepEqual(parseCpuList('0'), [0]);
  assert.ok(onlineCpus().length >= 1);
});

test('delivers every sample from every CPU intact, including ones that wrap the ring', async (t) => {
  const reader = PerfEventArrayReader.open(obj.mapFd('events'), { pagesPerCpu: 4 });
  t.after(() => reader.close());
  assert.deepEqual(reader.cpus, onlineCpus());
  const seqs = new Set<number>();
  const perCpu = new Map<number, number[]>();
  const errors: string[] = [];
  const pids = new Set<number>();
  let lost = 0;
  reader.onLost((_cpu, n) => (lost += n));
  let wrapped = 0;
  reader.onRawRecord((mem, _view, offset, length, cpu) => {
    if (offset === 12) wrapped++; // reassembled at the start of the scratch buffer
    const r = checkSample(mem.subarray(offset, offset + length), pids, cpu);
    if (typeof r === 'string') return errors.push(r);
    seqs.add(r);
    const list = perCpu.get(cpu) ?? [];
    list.push(r);
    perCpu.set(cpu, list);
  });
  await runTrigger(trigger, (p) => arm((pids.add(p), p)), { count: 3000, burst: 10, sleepUs: 300 });
  assert.equal(counters().produced, 3000);
  await settle(() => seqs.size + errors.length + lost);
  if (seqs.size + errors.length + lost < 3000) {
    // The kernel reports a loss with the next sample that fits on that CPU: give every CPU one.
    for (const cpu of reader.cpus)
      await runTrigger(trigger, (p) => arm((pids.add(p), p), false), { count: 1, cpu });
  }
  const { produced } = counters();
  await until(() => seqs.size + errors.length + lost >= produced, 5000, 'all samples');
  await reader.close();
  assert.deepEqual(errors, []);
  assert.equal(seqs.size + lost, produced);
  assert.equal(reader.stats.lost, lost);
  assert.ok(seqs.size > 2000, `only ${seqs.size} samples (lost ${lost})`);
  for (const list of perCpu.values()) {
    for (let i = 1; i < list.length; i++) assert.ok(list[i] > list[i - 1], 'per-CPU order');
  }
  assert.ok(wrapped > 0, 'some samples wrapped around the end of a ring');
  t.diagnostic(
    `samples ${seqs.size} wrapped ${wrapped} lost ${lost} batches ${reader.stats.batches} cpus ${[...perCpu.keys()]}`,
  );
});

test('reports lost samples of a tiny ring that overflowed', async (t) => {
  const cpu = onlineCpus()[0];
  const reader = PerfEventArrayReader.open(obj.mapFd('events'), { pagesPerCpu: 1 });
  t.after(() => reader.close());
  // No consumer yet: the burst fills the 4 KiB ring and the kernel counts what does not fit.
  await runTrigger(trigger, (p) => arm(p), { count: 2000, cpu });
  const lostEvents: [number, number][] = [];
  let samples = 0;
  reader.onLost((c, n) => lostEvents.push([c, n]));
  reader.onRecord(() => samples++);
  await until(() => samples > 0, 2000, 'first samples');
  // The kernel emits PERF_RECORD_LOST before the next sample that fits: produce one more.
  const c1 = counters().produced;
  await runTrigger(trigger, (p) => arm(p, false), { count: 1, cpu });
  await until(() => samples + reader.stats.lost >= c1 + 1, 2000, 'lost record');
  await reader.close();
  assert.ok(reader.stats.lost > 0);
  assert.ok(lostEvents.every(([c]) => c === cpu));
  assert.equal(
    lostEvents.reduce((s, [, n]) => s + n, 0),
    reader.stats.lost,
  );
  assert.equal(reader.lostByCpu[cpu], reader.stats.lost);
  assert.equal(samples + reader.stats.lost, 2001);
});

test('watermark wake-ups and drain() on demand', async (t) => {
  const reader = PerfEventArrayReader.open(obj.mapFd('events'), { watermark: 32 * 1024 });
  t.after(() => reader.close());
  let n = 0;
  reader.onRecord(() => n++);
  await sleep(20); // let the initial look at the rings (on attaching a consumer) pass
  await runTrigger(trigger, (p) => arm(p), { count: 10 });
  await sleep(50);
  assert.equal(n, 0, 'below the watermark nobody is woken');
  assert.equal(reader.drain(), 10);
  await reader.close();
});

test('close() releases fds, mappings and the map entries', async () => {
  const fds = openFdCount();
  const maps = ringMappings().length;
  const reader = PerfEventArrayReader.open(obj.mapFd('events'));
  reader.onRecord(() => {});
  await sleep(20);
  assert.equal(openFdCount(), fds + reader.cpus.length + 1 /* map dup */ + 2 /* two epoll sets */);
  assert.equal(ringMappings().length, maps + reader.cpus.length);
  await reader.close();
  await reader.close();
  assert.equal(openFdCount(), fds);
  assert.equal(ringMappings().length, maps);
  // With the entries gone, output fails in BPF (counted as dropped) instead of reaching a stale ring.
  await runTrigger(trigger, (p) => arm(p), { count: 5 });
  assert.equal(counters().dropped, 5);
});

test('rejects a map that is not a perf event array and bad ring sizes', () => {
  assert.throws(() => PerfEventArrayReader.open(obj.mapFd('scratch')), BadValueError);
  assert.throws(() => PerfEventArrayReader.open(obj.mapFd('events'), { pagesPerCpu: 3 }), BadValueError);
});

test('onBatch: every sample once, per CPU in order, wrapped ones included', async (t) => {
  const reader = PerfEventArrayReader.open(obj.mapFd('events'), { pagesPerCpu: 4 });
  t.after(() => reader.close());
  const seqs = new Set<number>();
  const last = new Map<number, number>();
  const errors: string[] = [];
  const pids = new Set<number>();
  let lost = 0;
  reader.onLost((_cpu, n) => (lost += n));
  reader.onBatch((b) => {
    for (let i = 0; i < b.count; i++) {
      const r = checkSample(b.mem.subarray(b.offsets[i], b.offsets[i] + b.lengths[i]), pids, b.cpu);
      if (typeof r === 'string') return errors.push(r);
      if (r <= (last.get(b.cpu) ?? -1)) errors.push(`cpu ${b.cpu}: ${r} after ${last.get(b.cpu)}`);
      last.set(b.cpu, r);
      seqs.add(r);
    }
  });
  await runTrigger(trigger, (p) => arm((pids.add(p), p)), { count: 1500, burst: 10, sleepUs: 300 });
  await settle(() => seqs.size + errors.length + lost);
  for (const cpu of reader.cpus)
    await runTrigger(trigger, (p) => arm((pids.add(p), p), false), { count: 1, cpu });
  const { produced } = counters();
  await until(() => seqs.size + errors.length + lost >= produced, 5000, 'all samples');
  assert.deepEqual(errors, []);
  assert.equal(seqs.size + lost, produced);
  assert.ok(reader.stats.batches < seqs.size);
});

test('poll() with no poller blocks this thread until a ring wakes it', async (t) => {
  const reader = PerfEventArrayReader.open(obj.mapFd('events'), { poller: false });
  t.after(() => reader.close());
  const pids = new Set<number>();
  const errors: string[] = [];
  let n = 0;
  reader.onRecord((bytes, cpu) => {
    const r = checkSample(bytes, pids, cpu);
    if (typeof r === 'string') errors.push(r);
    n++;
  });
  assert.equal(reader.poll(30), 0);
  const run = delayedTrigger(trigger, tmp.dir, (p) => (pids.add(p), arm(p)), { count: 20, delayMs: 150 });
  const t0 = performance.now();
  assert.ok(reader.poll(5000) >= 1, 'woken by the first sample');
  const waited = performance.now() - t0;
  const end = Date.now() + 5000;
  while (n < 20 && Date.now() < end) reader.poll(100);
  await run.exited;
  assert.ok(waited > 75, `woke after ${waited.toFixed(0)} ms, before the trigger ran`);
  assert.deepEqual(errors, []);
  assert.equal(n, 20);
  assert.equal(counters().produced, 20);
});
