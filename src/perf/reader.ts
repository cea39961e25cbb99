/**
 * Reader of a BPF_MAP_TYPE_PERF_EVENT_ARRAY map: one PERF_COUNT_SW_BPF_OUTPUT perf event per online
 * CPU, each with its own mmap'd ring, stored into the map at key = cpu so bpf_perf_event_output()
 * (BPF_F_CURRENT_CPU) lands in the ring of the CPU the program runs on.
 *
 * Ring layout (struct perf_event_mmap_page): data_head u64 @1024 (written by the kernel), data_tail
 * u64 @1032 (ours), data_offset @1040 and data_size @1048; records {u32 type, u16 misc, u16 size}.
 * A PERF_RECORD_SAMPLE with PERF_SAMPLE_RAW carries {u32 size, raw bytes}; the kernel pads the raw
 * part so that size + 4 is a multiple of 8, so up to 7 trailing bytes beyond what the BPF program
 * wrote may follow. PERF_RECORD_LOST carries {u64 id, u64 lost}.
 *
 * Memory ordering: data_head is read with Atomics.load before the records it covers, and data_tail
 * is published with Atomics.store after they were consumed (the kernel pairs them with its barriers).
 */
import { BadValueError } from '../errors/index.js';
import { mapInfo } from '../sys/objinfo.js';
import { mapDeleteElem, mapUpdateElem } from '../sys/bpf.js';
import { onlineCpus } from '../sys/cpus.js';
import { EventReader, type ReaderPoller } from '../events/stream.js';
import { type Pointer, check, dupFd, libc, mmapShared, pageSize, viewOf } from '../sys/libc.js';

/** enum bpf_map_type: BPF_MAP_TYPE_PERF_EVENT_ARRAY. */
const BPF_MAP_TYPE_PERF_EVENT_ARRAY = 4;
/** How often, per ring's worth of records, a per-record consumer hands space back mid-drain. */
const COMMITS_PER_RING = 16;
import { PERF, type WakeupPolicy, openBpfOutputEvent } from './event-open.js';

/**
 * Options of PerfEventArrayReader.open. Without wakeupEvents or watermark, the kernel wakes the reader
 * at every record, or at half a ring when the poller drains on its timer (PollerOptions.drain 'timer').
 */
export interface PerfReaderOptions extends WakeupPolicy {
  /** Data pages per CPU ring, a power of two (default: 256 KiB worth of pages, as libbpf-tools use). */
  pagesPerCpu?: number;
  /** CPUs to open rings on (default: every online CPU below the map's max_entries). */
  cpus?: readonly number[];
  /**
   * Poller to wait with (default: the process-wide Poller.shared()), or false for none: the caller
   * then reads with poll() or drain() in a loop of its own (the way to read on a worker thread).
   */
  poller?: ReaderPoller;
}

const DEFAULT_RING_BYTES = 256 * 1024;
const HEAD_WORD = 1024 / 8;
const TAIL_WORD = 1032 / 8;
const DATA_OFFSET = 1040;
const DATA_SIZE = 1048;
/** Largest perf record (u16 size), the most a wrapped record can need in the scratch buffer. */
const MAX_RECORD = 0x10000;

interface Ring {
  cpu: number;
  fd: number;
  ptr: Pointer;
  length: number;
  meta: BigUint64Array;
  mem: Uint8Array;
  view: DataView;
  dataStart: number;
  dataSize: number;
  /** Our tail position (exact as a double up to 2^53). */
  tail: number;
}

/**
 * Consumes a perf event array. Every wake-up drains all CPU rings (checking a ring is one load,
 * cheaper than a wake-up). Records are zero-copy views into the ring, except one that wraps around
 * the end of a ring, which is copied into a scratch buffer first. Lost records are reported per CPU
 * through onLost and counted in stats.lost / lostByCpu.
 */
export class PerfEventArrayReader extends EventReader {
  /** CPUs that have a ring, in ring order. */
  readonly cpus: readonly number[];
  /** Records lost per CPU (index = cpu). */
  readonly lostByCpu: number[] = [];
  private readonly mapFd: number;
  private readonly rings: Ring[] = [];
  /** The kernel wakes us at a fill level (watermark), not at every record. */
  private byWatermark = false;
  private scratch: Uint8Array | null = null;
  private scratchView: DataView | null = null;

  private constructor(mapFd: number, options: PerfReaderOptions) {
    super(options.poller);
    this.mapFd = mapFd;
    this.cpus = [];
  }

  /**
   * Opens one BPF-output perf event and ring per CPU, stores their fds into `map` (`obj.map(name)` or
   * the fd of a BPF_MAP_TYPE_PERF_EVENT_ARRAY; it stays the caller's) and returns the reader; reading starts
   * once a consumer is attached. Needs CAP_PERFMON + CAP_BPF (or root).
   */
  static open(map: number | { readonly fd: number }, options: PerfReaderOptions = {}): PerfEventArrayReader {
    const mapFd = typeof map === 'number' ? map : map.fd;
    const info = mapInfo(mapFd);
    if (info.type !== BPF_MAP_TYPE_PERF_EVENT_ARRAY) {
      throw new BadValueError(
        `map '${info.name}' (fd ${mapFd}) is not a perf event array (type ${info.type})`,
        {
          target: 'map fd',
          value: mapFd,
          type: 'perf_event_array',
        },
      );
    }
    const page = pageSize();
    const pages = options.pagesPerCpu ?? Math.max(1, DEFAULT_RING_BYTES / page);
    if (!Number.isInteger(pages) || pages < 1 || (pages & (pages - 1)) !== 0) {
      throw new BadValueError(`pagesPerCpu must be a power of two, got ${pages}`, {
        target: 'pagesPerCpu',
        value: pages,
      });
    }
    const cpus = (options.cpus ?? onlineCpus()).filter((c) => c < info.maxEntries);
    const policy: WakeupPolicy = { wakeupEvents: options.wakeupEvents, watermark: options.watermark };
    if (
      policy.watermark === undefined &&
      policy.wakeupEvents === undefined &&
      options.poller &&
      options.poller.drainsOnTimer
    )
      policy.watermark = (pages * page) / 2;
    // Our own reference to the map: the loader may close its fd before we delete our entries.
    const reader = new PerfEventArrayReader(dupFd(mapFd, 'perf event array map fd'), options);
    reader.byWatermark = policy.watermark !== undefined;
    try {
      for (const cpu of cpus) reader.addRing(cpu, pages, page, policy);
    } catch (e) {
      reader.releaseResources();
      throw e;
    }
    (reader as { cpus: readonly number[] }).cpus = reader.rings.map((r) => r.cpu);
    reader.ready();
    return reader;
  }

  private addRing(cpu: number, pages: number, page: number, policy: WakeupPolicy): void {
    const fd = openBpfOutputEvent(cpu, policy);
    const length = (1 + pages) * page;
    let ptr: Pointer;
    try {
      ptr = mmapShared(fd, length, 0, true, `perf ring of cpu ${cpu}`);
    } catch (e) {
      libc().close(fd);
      throw e;
    }
    const buf = viewOf(ptr, length);
    const meta = new BigUint64Array(buf, 0, page / 8);
    const view = new DataView(buf);
    // data_offset/data_size exist since Linux 4.1; older kernels leave them 0: data follows page 0.
    const dataStart = Number(view.getBigUint64(DATA_OFFSET, true)) || page;
    const dataSize = Number(view.getBigUint64(DATA_SIZE, true)) || pages * page;
    const ring: Ring = {
      cpu,
      fd,
      ptr,
      length,
      meta,
      mem: new Uint8Array(buf),
      view,
      dataStart,
      dataSize,
      tail: Number(Atomics.load(meta, TAIL_WORD)),
    };
    this.rings.push(ring);
    this.lostByCpu[cpu] = 0;
    check(libc().ioctl(fd, PERF.IOC_ENABLE, 0), `PERF_EVENT_IOC_ENABLE on cpu ${cpu}`);
    mapUpdateElem(this.mapFd, u32(cpu), u32(fd));
  }

  protected pollFds(): readonly number[] {
    return this.rings.map((r) => r.fd);
  }

  /** With a watermark, every wake-up means a ring reached it: drain at once, even on the timer. */
  protected override pressingCheck(): (() => boolean) | undefined {
    return this.byWatermark ? () => true : undefined;
  }

  protected drainRings(): number {
    let delivered = 0;
    for (const ring of this.rings) {
      delivered += this.drainRing(ring);
      if (this.halt) break;
    }
    return delivered;
  }

  private drainRing(ring: Ring): number {
    const head = Number(Atomics.load(ring.meta, HEAD_WORD));
    let tail = ring.tail;
    if (tail >= head) return 0;
    const sink = this.sink;
    if (!sink) return 0;
    const { mem, view, dataStart, dataSize, cpu } = ring;
    const mask = dataSize - 1;
    let delivered = 0;
    // As in the ring-buffer reader: a per-record sink is done with each record when it returns, so
    // space goes back to the kernel during a long drain; a batch sink holds views until its flush.
    const step = this.flush ? Infinity : dataSize / COMMITS_PER_RING;
    let commitAt = tail + step;
    try {
      while (tail < head) {
        const off = tail & mask; // ToInt32 is modular: exact below 2^53
        const at = dataStart + off;
        // Records are 8-byte aligned and the ring is a power of two >= a page: a header never wraps.
        const type = view.getUint32(at, true);
        const size = view.getUint16(at + 6, true);
        if (size < 8) {
          // A corrupt ring would make us spin forever; skip to head and drop what is there.
          tail = head;
          break;
        }
        let recMem = mem;
        let recView = view;
        let rec = at;
        if (off + size > dataSize) {
          // The record wraps around the end of the data area: reassemble it in the scratch buffer.
          const scratch = this.scratchBuffer();
          const first = dataSize - off;
          scratch.set(mem.subarray(at, at + first), 0);
          scratch.set(mem.subarray(dataStart, dataStart + size - first), first);
          recMem = scratch;
          recView = this.scratchView as DataView;
          rec = 0;
        }
        tail += size;
        if (type === PERF.RECORD_SAMPLE) {
          const rawSize = recView.getUint32(rec + 8, true);
          delivered++;
          sink(recMem, recView, rec + 12, Math.min(rawSize, size - 12), cpu);
          if (tail >= commitAt) {
            Atomics.store(ring.meta, TAIL_WORD, BigInt(tail));
            commitAt = tail + step;
          }
          if (this.halt) break;
        } else if (type === PERF.RECORD_LOST) {
          const lost = recView.getUint32(rec + 16, true) + recView.getUint32(rec + 20, true) * 2 ** 32;
          this.lostByCpu[cpu] += lost;
          this.reportLost(cpu, lost);
        }
      }
      this.flush?.();
    } finally {
      if (tail !== ring.tail) {
        ring.tail = tail;
        // Publishing data_tail once per drain hands the whole batch back to the kernel.
        Atomics.store(ring.meta, TAIL_WORD, BigInt(tail));
        this.stats.records += delivered;
        this.stats.batches++;
      }
    }
    return delivered;
  }

  private scratchBuffer(): Uint8Array {
    if (!this.scratch) {
      this.scratch = new Uint8Array(MAX_RECORD);
      this.scratchView = new DataView(this.scratch.buffer);
    }
    return this.scratch;
  }

  protected releaseResources(): void {
    const c = libc();
    for (const ring of this.rings) {
      // The map holds a reference to each perf event: remove it, or the event outlives our fd.
      try {
        mapDeleteElem(this.mapFd, u32(ring.cpu));
      } catch {
        // Already gone with the map: nothing to remove.
      }
      c.ioctl(ring.fd, PERF.IOC_DISABLE, 0);
      c.munmap(ring.ptr, ring.length);
      c.close(ring.fd);
    }
    this.rings.length = 0;
    c.close(this.mapFd);
  }
}

/** A u32 in host (little-endian) order, as perf event array keys and values are. */
function u32(n: number): Uint8Array {
  const b = new Uint8Array(4);
  new DataView(b.buffer).setUint32(0, n, true);
  return b;
}
