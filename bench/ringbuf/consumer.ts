/**
 * bpfkit side of the ring-buffer benchmark, one variant per process so CPU time is the consumer's
 * alone: loads bench.bpf.o pointed at a freshly spawned producer, consumes its events with a
 * RingBufReader and prints one JSON line of measurements (same fields as consumer.c).
 *
 * usage: consumer.ts VARIANT BPF_OBJECT PRODUCER N [WAKEUP_EVERY [POLICY [LOOP]]]
 *   POLICY timer (default): the poller's 1 ms drain timer under load; event: a drain per wake-up
 *   (Poller busyIntervalMs 0), like libbpf's ring_buffer__poll loop.
 *   LOOP uv (default): the reader runs on Node's event loop, as above. poll: the reader has no poller
 *   and this process runs consumer.c's own loop with reader.poll(100) / drain() / a 1 ms nanosleep,
 *   blocking the thread as the C consumer does (how a worker thread would consume).
 * Every 64th event's latency (now - its bpf_ktime_get_ns stamp, both CLOCK_MONOTONIC) is sampled.
 *   raw             onRawRecord, reads the sequence number (the C consumer's work)
 *   decoded         onRecord + a generated (bytes) => {ts, seq, pid, tid} decoder, u64 as number
 *   decoded-at      onRawRecord + the generated positional decoder (decodeAt(view, offset)), u64 as number
 *   decoded-bigint  the positional decoder with u64 fields as bigint
 *   iterator        for await over records(positional decoder), u64 as number
 *   btf             onRecord + bpfkit's own decoder generated from the object's BTF (decoderFor; u64
 *                   as bigint, as `bpfkit run` prints them)
 *   btf-at          onRawRecord + the same BTF decoder's positional form (decodeAt)
 *   batch           onBatch: one call per drained batch, reading each record's sequence number
 */
import { spawn } from 'node:child_process';
import koffi from 'koffi';
import { BpfMap } from '../../src/maps/map.js';
import { BpfObject } from '../../src/object/collection.js';
import { RingBufReader } from '../../src/ringbuf/reader.js';
import { Poller } from '../../src/events/poller.js';
import { dupFd } from '../../src/sys/libc.js';
import { decoderFor } from '../../src/btf/decode.js';

interface Event {
  ts: number | bigint;
  seq: number | bigint;
  pid: number;
  tid: number;
}

type Generated = { bytes: (b: Uint8Array) => Event; decodeAt: (v: DataView, o: number) => Event };

/**
 * Decoders the way a BTF-driven generator would emit them: straight-line DataView reads at fixed
 * offsets into one object literal. The bytes form caches its DataView per underlying buffer (the
 * ring mapping); the positional form reads the reader's DataView in place.
 */
function generateDecoders(u64: 'number' | 'bigint'): Generated {
  const read64 =
    u64 === 'bigint'
      ? (o: number) => `v.getBigUint64(o + ${o}, true)`
      : (o: number) => `v.getUint32(o + ${o}, true) + v.getUint32(o + ${o + 4}, true) * 4294967296`;
  const literal = `{ ts: ${read64(0)}, seq: ${read64(8)}, pid: v.getUint32(o + 16, true), tid: v.getUint32(o + 20, true) }`;
  const body = `
    const decodeAt = function decodeEventAt(v, o) { return ${literal}; };
    const bytes = function decodeEvent(b) {
      let v = cache.view;
      if (cache.buffer !== b.buffer) { cache.buffer = b.buffer; v = cache.view = new DataView(b.buffer); }
      const o = b.byteOffset;
      return ${literal};
    };
    return { bytes, decodeAt };`;
  return new Function('cache', body)({ buffer: null, view: null }) as Generated;
}

function percentile(xs: Float64Array, p: number): number {
  if (xs.length === 0) return 0;
  const sorted = xs.slice().sort();
  return sorted[Math.floor(p * (sorted.length - 1))];
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** libc's nanosleep, the call consumer.c sleeps with (Atomics.wait costs about a third more per trip). */
const nanosleep = koffi.load('libc.so.6').func('int nanosleep(void *req, void *rem)') as (
  req: Buffer,
  rem: null,
) => number;
const ONE_MS = Buffer.alloc(16);
ONE_MS.writeBigInt64LE(1_000_000n, 8);

/**
 * consumer.c's loop, blocking this thread: wait up to 100 ms for a wake-up, and under the timer
 * policy, while a drain finds records, sleep 1 ms and drain again. Ends once every event the producer
 * made is counted or dropped (one map lookup per step, as consumer.c does one waitpid per step).
 */
function pollLoop(
  reader: RingBufReader,
  timer: boolean,
  n: number,
  count: () => number,
  counters: () => { produced: number; dropped: number },
): void {
  for (;;) {
    const got = reader.poll(100);
    if (got > 0 && timer) {
      do nanosleep(ONE_MS, null);
      while (reader.drain() > 0);
    }
    if (count() >= n) return;
    const c = counters();
    if (c.produced >= n && count() + c.dropped >= c.produced) return;
    // Events submitted without a wake-up (sampled mode) are collected here.
    if (got === 0) reader.drain();
  }
}

async function main(): Promise<void> {
  const [variant, objPath, producer, n, wakeupEvery = '0', policy = 'timer', loop = 'uv'] =
    process.argv.slice(2);
  const variants = ['raw', 'decoded', 'decoded-at', 'decoded-bigint', 'iterator', 'btf', 'btf-at', 'batch'];
  if (!variants.includes(variant) || !n) {
    throw new Error(
      'usage: consumer.ts raw|decoded|decoded-at|decoded-bigint|iterator BPF_OBJECT PRODUCER N [K]',
    );
  }
  const child = spawn(producer, [n], { stdio: ['pipe', 'ignore', 'inherit'] });
  const exited = new Promise<void>((resolve, reject) => {
    child.on('error', reject);
    child.on('exit', () => resolve());
  });
  const obj = BpfObject.open(objPath);
  obj.setGlobal('cfg', { target_tgid: child.pid ?? 0, wakeup_every: Number(wakeupEvery) });
  obj.attachAll();
  const bss = BpfMap.fromFd(dupFd(obj.map('.bss').fd, '.bss'), { btf: false });
  const counters = (): { produced: number; dropped: number } => {
    const b = bss.lookupBytes(new Uint8Array(4)) ?? new Uint8Array(16);
    const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
    return { produced: Number(dv.getBigUint64(0, true)), dropped: Number(dv.getBigUint64(8, true)) };
  };
  const poller = loop === 'poll' ? false : policy === 'event' ? new Poller({ busyIntervalMs: 0 }) : undefined;
  const reader = RingBufReader.open(obj.map('events').fd, { poller });
  // Preallocated, like consumer.c's static array: a growing JS array would copy itself into old space.
  const lat = new Float64Array(65536);
  let nlat = 0;
  // Every 64th event: how long it waited between bpf_ktime_get_ns() in the kernel and its callback.
  const sampleTs = (ts: number): void => {
    if ((count & 63) === 0 && nlat < lat.length) lat[nlat++] = Number(process.hrtime.bigint()) - ts;
  };
  const sample = (view: DataView, off: number): void => {
    if ((count & 63) === 0) sampleTs(view.getUint32(off, true) + view.getUint32(off + 4, true) * 4294967296);
  };

  let count = 0;
  let lastSeq = -1;
  let orderErrors = 0;
  let pidSum = 0;
  if (variant === 'raw') {
    reader.onRawRecord((_mem, view, off) => {
      sample(view, off);
      const seq = view.getUint32(off + 8, true) + view.getUint32(off + 12, true) * 4294967296;
      if (seq <= lastSeq) orderErrors++;
      lastSeq = seq;
      count++;
    });
  } else if (variant === 'iterator') {
    const { decodeAt } = generateDecoders('number');
    void (async () => {
      for await (const e of reader.records({ decodeAt })) {
        sampleTs(e.ts as number);
        if ((e.seq as number) <= lastSeq) orderErrors++;
        lastSeq = e.seq as number;
        pidSum += e.pid;
        count++;
      }
    })();
  } else if (variant === 'btf' || variant === 'btf-at') {
    const btf = obj.spec.btf;
    const type = btf?.byName('event', 'struct')[0];
    if (!btf || !type) throw new Error('bench.bpf.o has no struct event in its BTF');
    const decode = decoderFor<{ ts: bigint; seq: bigint; pid: number }>(btf, type.id);
    const onEvent = (e: { ts: bigint; seq: bigint; pid: number }): void => {
      if ((count & 63) === 0) sampleTs(Number(e.ts));
      const seq = Number(e.seq);
      if (seq <= lastSeq) orderErrors++;
      lastSeq = seq;
      pidSum += e.pid;
      count++;
    };
    if (variant === 'btf-at')
      reader.onRawRecord((_m, view, off, len) => onEvent(decode.decodeAt(view, off, len)));
    else reader.onRecord((bytes) => onEvent(decode(bytes)));
  } else if (variant === 'batch') {
    reader.onBatch((b) => {
      const { view, offsets } = b;
      for (let i = 0; i < b.count; i++) {
        const off = offsets[i];
        sample(view, off);
        const seq = view.getUint32(off + 8, true) + view.getUint32(off + 12, true) * 4294967296;
        if (seq <= lastSeq) orderErrors++;
        lastSeq = seq;
        count++;
      }
    });
  } else if (variant === 'decoded') {
    const decode = generateDecoders('number').bytes;
    reader.onRecord((bytes) => {
      const e = decode(bytes);
      sampleTs(e.ts as number);
      if ((e.seq as number) <= lastSeq) orderErrors++;
      lastSeq = e.seq as number;
      pidSum += e.pid;
      count++;
    });
  } else {
    const { decodeAt } = generateDecoders(variant === 'decoded-at' ? 'number' : 'bigint');
    reader.onRawRecord((_mem, view, offset) => {
      sample(view, offset);
      const e = decodeAt(view, offset);
      const seq = Number(e.seq);
      if (seq <= lastSeq) orderErrors++;
      lastSeq = seq;
      pidSum += e.pid;
      count++;
    });
  }

  await sleep(50); // the reader's first look at the ring and the poller's first wait
  const t0 = process.hrtime.bigint();
  const c0 = process.cpuUsage();
  child.stdin.end('g');
  if (loop === 'poll') pollLoop(reader, policy === 'timer', Number(n), () => count, counters);
  await exited;
  let c = counters();
  const deadline = Date.now() + 30_000;
  while (count + c.dropped < c.produced && Date.now() < deadline) {
    // Events submitted without a wake-up (sampled mode) are collected here.
    reader.drain();
    await sleep(1);
    c = counters();
  }
  const wallNs = Number(process.hrtime.bigint() - t0);
  const cpu = process.cpuUsage(c0);
  const result = {
    events: count,
    produced: c.produced,
    dropped: c.dropped,
    wallNs,
    cpuNs: (cpu.user + cpu.system) * 1000,
    orderErrors,
    batches: reader.stats.batches,
    wakeups: reader.stats.wakeups,
    pidSum: pidSum > 0 ? 1 : 0,
    latP50Ns: percentile(lat.subarray(0, nlat), 0.5),
    latP99Ns: percentile(lat.subarray(0, nlat), 0.99),
  };
  await reader.close();
  if (poller) await poller.close();
  bss.close();
  obj.close();
  process.stdout.write(JSON.stringify(result) + '\n');
}

main().catch((e: unknown) => {
  process.stderr.write(`consumer: ${e instanceof Error ? e.message : String(e)}\n`);
  process.exit(1);
});
