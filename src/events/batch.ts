/**
 * Batches for EventReader.onBatch: the records of one drain pass of one ring, handed over in one call
 * as offsets into the ring mapping, so a consumer loops over them with no call and no allocation per
 * record. No kernel needed of its own (the readers fill it).
 */
import type { RawRecordHandler } from './stream.js';

/**
 * Records read in place: record i is bytes [offsets[i], offsets[i] + lengths[i]) of `mem` (also
 * readable through `view`), i < count. Like every view a reader hands out it is valid only during the
 * call: the slots go back to the kernel when the pass ends. `cpu` is the perf ring's CPU, or -1.
 */
export interface RecordBatch {
  /** The memory holding this batch's records (usually the ring's own mapping). */
  readonly mem: Uint8Array;
  /** A DataView over `mem`, for fixed-offset reads (Decoder.decodeAt). */
  readonly view: DataView;
  /** Where each record starts in `mem`; only the first `count` entries are meaningful. */
  readonly offsets: Uint32Array;
  /** Each record's length in bytes; only the first `count` entries are meaningful. */
  readonly lengths: Uint32Array;
  /** How many records this batch holds. */
  readonly count: number;
  /** The perf ring's CPU, or -1 for a ring buffer. */
  readonly cpu: number;
  /** One Uint8Array view per record (no copy; allocates the views). */
  views(): Uint8Array[];
}

/** Receives a batch of records (see RecordBatch). */
export type BatchHandler = (batch: RecordBatch) => void;

/** Most records per batch: a longer pass is handed over in several batches. */
const CAPACITY = 4096;
const EMPTY = new Uint8Array(0);

/** Collects what a reader's drain hands its sink and calls the handler once per batch. */
export class BatchCollector implements RecordBatch {
  mem: Uint8Array = EMPTY;
  view: DataView = new DataView(EMPTY.buffer);
  readonly offsets = new Uint32Array(CAPACITY);
  readonly lengths = new Uint32Array(CAPACITY);
  count = 0;
  cpu = -1;

  constructor(private readonly handler: BatchHandler) {}

  /** The sink to give the reader. */
  readonly add: RawRecordHandler = (mem, view, offset, length, cpu) => {
    // A record reassembled in a perf reader's scratch buffer lives in other memory: its own batch.
    if (this.count > 0 && (mem !== this.mem || cpu !== this.cpu || this.count === CAPACITY)) this.flush();
    this.mem = mem;
    this.view = view;
    this.cpu = cpu;
    this.offsets[this.count] = offset;
    this.lengths[this.count++] = length;
  };

  /** Hands over what was collected; the reader calls it before giving the slots back. */
  readonly flush = (): void => {
    if (this.count === 0) return;
    try {
      this.handler(this);
    } finally {
      this.count = 0;
    }
  };

  views(): Uint8Array[] {
    const out: Uint8Array[] = new Array<Uint8Array>(this.count);
    for (let i = 0; i < this.count; i++)
      out[i] = this.mem.subarray(this.offsets[i], this.offsets[i] + this.lengths[i]);
    return out;
  }
}
