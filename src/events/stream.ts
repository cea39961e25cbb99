/**
 * The consumer-facing API shared by the ring-buffer and perf-buffer readers: callbacks (zero-copy
 * views or zero-allocation positional access), an async iterator over decoded values with
 * backpressure, lost-record notification, statistics and an idempotent close().
 *
 * Readers hand out raw bytes. Interpreting them (endianness, 64-bit fields as bigint or number,
 * strings, padding) is the decoder's business, e.g. one generated from BTF by src/btf/decode.ts.
 */
import { BadValueError, ClosedError, StateError } from '../errors/index.js';
import { Poller } from './poller.js';
import { BatchCollector, type BatchHandler } from './batch.js';
import { BlockingWait } from './wait.js';

/**
 * Receives one record as a view into the ring (no copy). The bytes are only valid during the call:
 * the slot is handed back to the kernel once the batch is done, so copy (`bytes.slice()`) or decode
 * what you keep. `cpu` is the CPU whose perf ring held the record, or -1 for a BPF ring buffer.
 */
export type RecordHandler = (bytes: Uint8Array, cpu: number) => void;

/**
 * Allocation-free variant of RecordHandler: the record is bytes [offset, offset + length) of `mem`,
 * also readable through `view` (both alias the ring mapping or a scratch buffer and are reused for
 * every record). Same validity rule: only during the call.
 */
export type RawRecordHandler = (
  mem: Uint8Array,
  view: DataView,
  offset: number,
  length: number,
  cpu: number,
) => void;

/** Told how many records the kernel dropped on a CPU's perf ring because it was full. */
export type LostHandler = (cpu: number, count: number) => void;

/** Turns the bytes of one record into a value (the bytes are only valid during the call). */
export type Decoder<T> = (bytes: Uint8Array) => T;

/**
 * A decoder that reads the record in place: bytes [offset, offset + length) of `view`. It spares the
 * per-record Uint8Array a Decoder needs (about 100 ns a record in V8), so generated decoders should
 * offer this form. Same validity rule: only during the call.
 */
export interface PositionalDecoder<T> {
  decodeAt(view: DataView, offset: number, length: number): T;
}

/** Counters a reader keeps; the object is live (read it whenever). */
export interface ReaderStats {
  /** Records delivered to the consumer. */
  records: number;
  /** Records the kernel reported lost (perf arrays; a ring buffer reports drops to the BPF program). */
  lost: number;
  /** Drain passes that consumed something; each commits the consumer position once per ring. */
  batches: number;
  /** Times the poller ran this reader: wake-ups, plus busy-mode timer drains under load. */
  wakeups: number;
  /** Ring-buffer records discarded by the BPF program (bpf_ringbuf_discard), skipped by the reader. */
  discarded: number;
}

/** Options of records() / the async iterator. */
export interface IteratorOptions {
  /**
   * Decoded values buffered before the reader stops draining the ring (default 8192). While stopped,
   * records wait in the kernel ring, which may then drop new ones (counted as lost / failed reserve).
   */
  highWaterMark?: number;
}

/**
 * Which loop runs a reader: a Poller on Node's event loop (the default: Poller.shared()), or `false`
 * for none, when the caller runs its own loop with EventReader.poll() or drain() (on a worker thread,
 * say, where the event-loop poller is not available).
 */
export type ReaderPoller = Poller | false;

/**
 * Base of RingBufReader and PerfEventArrayReader. Subclasses map the rings and implement drainRings();
 * this class owns consumer registration, poller registration, pausing and closing. Nothing is read
 * until a consumer is attached (onRecord, onRawRecord, records() or for-await); until then records
 * stay in the kernel ring.
 */
export abstract class EventReader implements AsyncIterable<Uint8Array>, AsyncDisposable {
  /** Live counters. */
  readonly stats: ReaderStats = { records: 0, lost: 0, batches: 0, wakeups: 0, discarded: 0 };
  /** The current record consumer, called by drainRings() for every record. */
  protected sink: RawRecordHandler | null = null;
  /** Set with a batch consumer: drainRings() calls it before giving a pass's slots back. */
  protected flush: (() => void) | null = null;
  /** Called for PERF_RECORD_LOST. */
  protected lostHandler: LostHandler | null = null;
  /** Set when draining must stop after the current record (close, backpressure); checked per record. */
  protected halt = false;
  private readonly explicitPoller: ReaderPoller | undefined;
  private registeredWith: Poller | null = null;
  /** The reader's own epoll set for poll(), made on its first call. */
  private blocking: BlockingWait | undefined;
  private draining = false;
  private userPaused = false;
  private pressurePaused = false;
  private released = false;
  private closing: Promise<void> | undefined;
  private resolveClosing: (() => void) | undefined;
  private endIterator: (() => void) | null = null;

  protected constructor(poller: ReaderPoller | undefined) {
    this.explicitPoller = poller;
  }

  /** The fds to wait on (map fd for a ring buffer, one perf event fd per CPU). */
  protected abstract pollFds(): readonly number[];
  /** Consumes what is available in every ring now; returns the number of records delivered. */
  protected abstract drainRings(): number;
  /** Unmaps rings and closes fds the reader opened (never the caller's map fd). */
  protected abstract releaseResources(): void;

  /**
   * When the kernel's wake-ups can say "the ring is filling up" (see PollerEntryOptions.pressing):
   * the check to run on such a wake-up while the poller drains on its timer; undefined if they cannot.
   */
  protected pressingCheck(): (() => boolean) | undefined {
    return undefined;
  }

  /** Delivers every record to `handler` as a zero-copy view (replaces any previous consumer). */
  onRecord(handler: RecordHandler): this {
    return this.setSink((mem, _view, offset, length, cpu) =>
      handler(mem.subarray(offset, offset + length), cpu),
    );
  }

  /** Delivers every record positionally with no per-record allocation (replaces any previous consumer). */
  onRawRecord(handler: RawRecordHandler): this {
    return this.setSink(handler);
  }

  /**
   * Delivers the records of each drain pass in one call, read in place (see RecordBatch): the
   * cheapest way to consume, with no call or allocation per record (replaces any previous consumer).
   */
  onBatch(handler: BatchHandler): this {
    const batch = new BatchCollector(handler);
    return this.setSink(batch.add, batch.flush);
  }

  /** Registers the lost-records callback (perf event arrays; never called for ring buffers). */
  onLost(handler: LostHandler): this {
    this.lostHandler = handler;
    return this;
  }

  /**
   * Async iterator over decoded records (replaces any previous consumer). Decoding happens while the
   * bytes are valid; values are queued up to highWaterMark. Leaving a for-await loop early closes the
   * reader, like a Node stream. A decoder exception rejects the pending next() and closes the reader.
   * `decode` is a function of the record's bytes or a PositionalDecoder (faster: no view per record).
   */
  records<T>(
    decode: Decoder<T> | PositionalDecoder<T>,
    options: IteratorOptions = {},
  ): AsyncIterableIterator<T> {
    const hwm = Math.max(1, options.highWaterMark ?? 8192);
    let queue: T[] = [];
    let head = 0;
    let waiter: { resolve: (r: IteratorResult<T>) => void; reject: (e: unknown) => void } | null = null;
    let failure: { error: unknown } | null = null;
    let ended = false;
    const end = (): void => {
      ended = true;
      if (waiter) {
        const w = waiter;
        waiter = null;
        if (failure) w.reject(failure.error);
        else w.resolve({ value: undefined, done: true });
      }
    };
    const deliver = (value: T): void => {
      if (waiter) {
        const w = waiter;
        waiter = null;
        w.resolve({ value, done: false });
        return;
      }
      queue.push(value);
      if (queue.length - head >= hwm) this.setPressure(true);
    };
    const fail = (error: unknown): void => {
      failure = { error };
      void this.close();
    };
    if (typeof decode === 'function') {
      this.setSink((mem, _view, offset, length) => {
        let value: T;
        try {
          value = decode(mem.subarray(offset, offset + length));
        } catch (error) {
          return fail(error);
        }
        deliver(value);
      });
    } else {
      this.setSink((_mem, view, offset, length) => {
        let value: T;
        try {
          value = decode.decodeAt(view, offset, length);
        } catch (error) {
          return fail(error);
        }
        deliver(value);
      });
    }
    this.endIterator = end;
    const iterator: AsyncIterableIterator<T> = {
      next: (): Promise<IteratorResult<T>> => {
        if (head < queue.length) {
          const value = queue[head++];
          if (head === queue.length) {
            queue = [];
            head = 0;
          }
          if (this.pressurePaused && queue.length - head <= hwm >> 1) this.setPressure(false);
          return Promise.resolve({ value, done: false });
        }
        if (failure) {
          const e = failure.error;
          failure = null;
          return Promise.reject(e);
        }
        if (ended) return Promise.resolve({ value: undefined, done: true });
        return new Promise((resolve, reject) => (waiter = { resolve, reject }));
      },
      return: async (): Promise<IteratorResult<T>> => {
        await this.close();
        return { value: undefined, done: true };
      },
      [Symbol.asyncIterator]: () => iterator,
    };
    return iterator;
  }

  /** Iterates over copies of the raw records (`for await (const bytes of reader)`). */
  [Symbol.asyncIterator](): AsyncIterableIterator<Uint8Array> {
    return this.records((bytes) => bytes.slice());
  }

  /**
   * Consumes what is in the rings now, synchronously, without waiting for a wake-up (useful after the
   * producer stopped, or with a perf watermark that was not reached). Returns the records delivered;
   * 0 when no consumer is attached or the reader is paused or closed.
   */
  drain(): number {
    if (this.draining || this.closing || !this.sink || this.userPaused || this.pressurePaused) return 0;
    this.draining = true;
    try {
      return this.drainRings();
    } finally {
      this.draining = false;
      if (this.closing) this.release();
    }
  }

  /**
   * Waits up to `timeoutMs` for records (-1: until some come; 0: just look), blocking the calling
   * thread the way libbpf's ring_buffer__poll does, then drains; returns the records delivered (0 on
   * timeout or when a signal cut the wait short). For a consumer that runs its own loop, such as a
   * worker thread (open the reader with `poller: false` there). Nothing else runs on the thread while
   * it waits, and Node joins worker threads at exit, so keep the timeout short (100 ms, say) where a
   * prompt exit matters. Returns 0 at once when paused or closed; throws StateError without a
   * consumer (it would wait for records nobody takes). Needs only epoll(7).
   */
  poll(timeoutMs: number): number {
    if (!Number.isInteger(timeoutMs) || timeoutMs < -1) {
      throw new BadValueError(`poll timeout must be an integer number of ms >= -1, not ${timeoutMs}`, {
        target: 'timeoutMs',
        value: timeoutMs,
      });
    }
    if (this.closing || this.userPaused || this.pressurePaused) return 0;
    if (!this.sink) {
      throw new StateError(
        'poll(): the reader has no record consumer (onRecord, onRawRecord, onBatch)',
        'no consumer',
      );
    }
    this.blocking ??= new BlockingWait(this.pollFds());
    if (!this.blocking.wait(timeoutMs)) return 0;
    this.stats.wakeups++;
    return this.drain();
  }

  /** Stops reading (records accumulate in the kernel ring) until resume(). */
  pause(): void {
    this.userPaused = true;
    this.halt = true;
    this.updateRegistration();
  }

  /** Resumes reading after pause(). */
  resume(): void {
    this.userPaused = false;
    this.refreshHalt();
    this.updateRegistration();
  }

  /** True once close() was called. */
  get closed(): boolean {
    return this.closing !== undefined;
  }

  /**
   * Stops reading, unmaps the rings, closes the fds the reader opened, ends iterators and unregisters
   * from the poller (the shared poller shuts down when its last reader leaves). Safe to call from
   * inside a callback and more than once; resolves when everything, the poller thread included, is
   * released.
   */
  close(): Promise<void> {
    if (this.closing) return this.closing;
    this.closing = new Promise<void>((resolve) => (this.resolveClosing = resolve));
    this.halt = true;
    this.endIterator?.();
    this.endIterator = null;
    if (!this.draining) this.release();
    return this.closing;
  }

  /** close(), for `await using reader = …`. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }

  /** Subclasses call this at the end of their open() once the rings exist. */
  protected ready(): void {
    this.updateRegistration();
  }

  /** Adds to stats.lost and tells the lost handler. */
  protected reportLost(cpu: number, count: number): void {
    this.stats.lost += count;
    this.lostHandler?.(cpu, count);
  }

  private setSink(sink: RawRecordHandler, flush: (() => void) | null = null): this {
    if (this.closing) throw new ClosedError('event reader', 'setting a record consumer');
    if (this.endIterator) {
      // A new consumer replaces an iterator: end that iteration cleanly.
      const end = this.endIterator;
      this.endIterator = null;
      end();
    }
    this.sink = sink;
    this.flush = flush;
    this.pressurePaused = false;
    this.refreshHalt();
    this.updateRegistration();
    return this;
  }

  private setPressure(on: boolean): void {
    this.pressurePaused = on;
    this.refreshHalt();
    this.updateRegistration();
  }

  private refreshHalt(): void {
    this.halt = this.userPaused || this.pressurePaused || this.closing !== undefined;
  }

  private readonly onReady = (): number => {
    this.stats.wakeups++;
    return this.drain();
  };

  /** Waits on the rings' fds exactly while there is a consumer and the reader is not paused/closed. */
  private updateRegistration(): void {
    if (this.explicitPoller === false) return;
    const listen = this.sink !== null && !this.userPaused && !this.pressurePaused && !this.closing;
    if (listen && !this.registeredWith) {
      const poller = this.explicitPoller ?? Poller.shared();
      const added: number[] = [];
      const pressing = this.pressingCheck();
      try {
        for (const fd of this.pollFds()) {
          poller.add(fd, this.onReady, { pressing });
          added.push(fd);
        }
      } catch (e) {
        for (const fd of added) poller.remove(fd);
        throw e;
      }
      this.registeredWith = poller;
      // Records that arrived before we listened may not raise a new wake-up (perf); look once.
      setImmediate(() => this.drain());
    } else if (!listen && this.registeredWith) {
      for (const fd of this.pollFds()) this.registeredWith.remove(fd);
      this.registeredWith = null;
    }
  }

  private release(): void {
    if (this.released) return;
    this.released = true;
    const poller = this.registeredWith;
    this.updateRegistration();
    this.blocking?.close();
    this.releaseResources();
    const resolve = this.resolveClosing;
    // The shared poller closes itself once empty; wait for it to let go of its watches too.
    if (poller && !this.explicitPoller && poller.size === 0) void poller.close().then(resolve);
    else resolve?.();
  }
}
