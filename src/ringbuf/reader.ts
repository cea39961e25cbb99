/**
 * Reader of a BPF_MAP_TYPE_RINGBUF map (Linux >= 5.8), in TypeScript over the map's mmap'd pages.
 *
 * Layout (kernel/bpf/ringbuf.c): page 0 holds consumer_pos (u64, mapped read-write); page 1 holds
 * producer_pos (u64, read-only); the data pages follow and are mapped twice back to back, so a record
 * that wraps past the end is still contiguous in our mapping. Each record is an 8-byte header
 * {u32 len (bit 31 BUSY, bit 30 DISCARD), u32 pg_off} followed by len bytes, padded to 8.
 *
 * Memory ordering: the kernel publishes a record by clearing BUSY with a release store and reads
 * consumer_pos with an acquire load. We read producer_pos with Atomics.load once per pass and publish
 * consumer_pos with Atomics.store (sequentially consistent, so on x86 a locked store that also orders
 * it before the next producer_pos read, which closes the lost-wakeup window). Record headers are read
 * with plain loads: V8 does not inline Atomics.load on a non-shared buffer (a builtin call per record
 * was a tenth of the consumer's CPU), and a plain load is an acquire load on x86-64 (TSO; bpfkit's
 * system calls are x86-64's anyway). V8 keeps typed-array loads in program order and reuses a loaded
 * value only within one call, and each header is read once per call, so nothing goes stale.
 */
import { BadValueError, NotSupportedError } from '../errors/index.js';
import { mapInfo } from '../sys/objinfo.js';
import { EventReader, type ReaderPoller } from '../events/stream.js';

/** enum bpf_map_type: BPF_MAP_TYPE_RINGBUF. */
const BPF_MAP_TYPE_RINGBUF = 27;
import { type Pointer, dupFd, libc, mmapShared, pageSize, viewOf } from '../sys/libc.js';

const BUSY = 0x80000000 | 0;
const DISCARD = 0x40000000;
const LEN_MASK = 0x3fffffff;
const HEADER = 8;
/** Drain passes per wake-up: re-reading producer_pos catches records added while we were busy. */
const MAX_PASSES = 8;
/** How often, per ring's worth of records, a per-record consumer hands space back mid-pass. */
const COMMITS_PER_RING = 16;

/** Options of RingBufReader.open. */
export interface RingBufOptions {
  /** Data size of the ring (the map's max_entries); read from the map when omitted. */
  size?: number;
  /**
   * Poller to wait with (default: the process-wide Poller.shared()), or false for none: the caller
   * then reads with poll() or drain() in a loop of its own (the way to read on a worker thread).
   */
  poller?: ReaderPoller;
}

/**
 * Consumes a BPF ring buffer. Records are delivered in order, zero-copy, committed back to the kernel
 * once per drain pass (and every 1/16 of the ring within a pass, for per-record consumers). Records the BPF program discarded are skipped (stats.discarded). A ring buffer
 * has no lost-record channel: when it is full, bpf_ringbuf_reserve/output fail in the BPF program
 * (bpfkit.h's bpfkit_ringbuf_reserve/output count those failures; see RingBufLossCounter).
 * The reader works on a duplicate of the map fd: the caller's fd stays the caller's to close, in
 * any order with the reader's close().
 */
export class RingBufReader extends EventReader {
  /** Data area size in bytes (power of two, multiple of the page size). */
  readonly size: number;
  private readonly mapFd: number;
  private readonly page: number;
  private consumerPtr: Pointer;
  private producerPtr: Pointer;
  private readonly consumerPos: BigUint64Array;
  private readonly producerPos: BigUint64Array;
  private readonly mem: Uint8Array;
  private readonly view: DataView;
  private readonly words: Int32Array;
  private readonly mask: number;
  /** Our consumer position (exact as a double up to 2^53 bytes, i.e. centuries of traffic). */
  private cons: number;

  private constructor(mapFd: number, size: number, options: RingBufOptions) {
    super(options.poller);
    this.mapFd = mapFd;
    this.size = size;
    this.mask = size - 1;
    this.page = pageSize();
    this.consumerPtr = mmapShared(mapFd, this.page, 0, true, 'ring buffer consumer page');
    try {
      this.producerPtr = mmapShared(mapFd, this.page + 2 * size, this.page, false, 'ring buffer data');
    } catch (e) {
      libc().munmap(this.consumerPtr, this.page);
      throw e;
    }
    this.consumerPos = new BigUint64Array(viewOf(this.consumerPtr, this.page), 0, 1);
    const data = viewOf(this.producerPtr, this.page + 2 * size);
    this.producerPos = new BigUint64Array(data, 0, 1);
    this.mem = new Uint8Array(data);
    this.view = new DataView(data);
    this.words = new Int32Array(data);
    this.cons = Number(Atomics.load(this.consumerPos, 0));
  }

  /**
   * Maps the ring buffer `map` (a BPF_MAP_TYPE_RINGBUF map: `obj.map(name)` or its fd)
   * and returns a reader; it starts reading once a consumer is attached (onRecord/onRawRecord/
   * records()). Needs a kernel >= 5.8 and the rights to mmap the map (CAP_BPF or root).
   */
  static open(map: number | { readonly fd: number }, options: RingBufOptions = {}): RingBufReader {
    const mapFd = typeof map === 'number' ? map : map.fd;
    const info = mapInfo(mapFd);
    if (info.type !== BPF_MAP_TYPE_RINGBUF) {
      throw new BadValueError(
        `map '${info.name}' (fd ${mapFd}) is not a ring buffer (map type ${info.type})`,
        {
          target: 'map fd',
          value: mapFd,
          type: 'ringbuf',
        },
      );
    }
    const size = options.size ?? info.maxEntries;
    if (size !== info.maxEntries) {
      throw new BadValueError(`ring buffer '${info.name}' has ${info.maxEntries} bytes, not ${size}`, {
        target: 'size',
        value: size,
      });
    }
    if (size <= 0 || (size & (size - 1)) !== 0 || size % pageSize() !== 0) {
      throw new NotSupportedError(
        `ring buffer size ${size} is not a power-of-two multiple of the page size`,
        'BPF_MAP_TYPE_RINGBUF',
      );
    }
    // Our own reference to the map, so closing the loader's fd cannot pull the ring from under us.
    const own = dupFd(mapFd, 'ring buffer map fd');
    let reader: RingBufReader;
    try {
      reader = new RingBufReader(own, size, options);
    } catch (e) {
      libc().close(own);
      throw e;
    }
    reader.ready();
    return reader;
  }

  /** Bytes produced but not yet consumed (records, headers and padding). */
  availableBytes(): number {
    if (this.closed) return 0;
    return Number(Atomics.load(this.producerPos, 0)) - this.cons;
  }

  protected pollFds(): readonly number[] {
    return [this.mapFd];
  }

  /** Past half full: the kernel wakes a timer-drained poller then if the BPF side asks (bpfkit.h). */
  protected override pressingCheck(): () => boolean {
    return () => this.availableBytes() * 2 >= this.size;
  }

  protected drainRings(): number {
    let delivered = 0;
    for (let pass = 0; pass < MAX_PASSES; pass++) {
      const n = this.drainPass();
      if (n < 0) break;
      delivered += n;
      if (this.halt) break;
    }
    return delivered;
  }

  /** One pass up to the producer position read at its start; -1 when nothing was consumed. */
  private drainPass(): number {
    // producer_pos is read once per pass: records past it may still be in flight.
    const prod = Number(Atomics.load(this.producerPos, 0));
    let cons = this.cons;
    if (cons >= prod) return -1;
    const sink = this.sink;
    if (!sink) return -1;
    const { words, mem, view, mask, page } = this;
    let off = cons & mask; // ToInt32 is modular, so this is exact for any position below 2^53
    let delivered = 0;
    let discarded = 0;
    // A per-record sink is done with a record when it returns, so space can go back to the kernel
    // during a long pass (a producer storm otherwise fills the ring while we work through it); a
    // batch sink still holds views into the ring until its flush, so it commits at the end only.
    const step = this.flush ? Infinity : this.size / COMMITS_PER_RING;
    let commitAt = cons + step;
    try {
      while (cons < prod) {
        const at = page + off;
        const hdr = words[at >> 2];
        if ((hdr & BUSY) !== 0) break; // reserved, not committed yet: it is next in order, stop here
        const len = hdr & LEN_MASK;
        const bytes = (len + HEADER + 7) & ~7;
        cons += bytes;
        off = (off + bytes) & mask;
        if ((hdr & DISCARD) !== 0) {
          discarded++;
          continue;
        }
        delivered++;
        sink(mem, view, at + HEADER, len, -1);
        if (cons >= commitAt) {
          Atomics.store(this.consumerPos, 0, BigInt(cons));
          commitAt = cons + step;
        }
        if (this.halt) break;
      }
      this.flush?.();
    } finally {
      // Runs even if the consumer threw: what was handed out counts as consumed.
      if (cons !== this.cons) {
        this.cons = cons;
        // One commit per pass (not per record): the kernel only needs it to reclaim space.
        Atomics.store(this.consumerPos, 0, BigInt(cons));
        this.stats.records += delivered;
        this.stats.discarded += discarded;
        this.stats.batches++;
      }
    }
    return delivered > 0 || discarded > 0 ? delivered : -1;
  }

  protected releaseResources(): void {
    const c = libc();
    if (this.producerPtr !== null) c.munmap(this.producerPtr, this.page + 2 * this.size);
    if (this.consumerPtr !== null) c.munmap(this.consumerPtr, this.page);
    this.producerPtr = null;
    this.consumerPtr = null;
    c.close(this.mapFd);
  }
}
