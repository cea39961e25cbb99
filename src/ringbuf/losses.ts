/**
 * Ring-buffer drops as bpfkit.h counts them. A full ring buffer makes bpf_ringbuf_reserve/output fail
 * inside the BPF program and the kernel tells user space nothing; bpfkit.h's bpfkit_ringbuf_reserve
 * and bpfkit_ringbuf_output add each failure to a u64 global in .bss. This reads it.
 *
 * Kernel side: BPF_MAP_LOOKUP_ELEM on the object's .bss array map (key 0: the whole section).
 */
import { mapLookupElem } from '../sys/bpf.js';
import { SyscallError } from '../errors/index.js';

/** Name of bpfkit.h's drop counter: a static u64 in .bss (failed reserves and outputs). */
export const RINGBUF_LOST_VAR = 'bpfkit_rb_lost';

/** Reads bpfkit.h's drop counter and tells what is new on each poll. */
export class RingBufLossCounter {
  private readonly fd: number;
  private readonly offset: number;
  private readonly key = new Uint8Array(4);
  private readonly value: Uint8Array;
  private readonly view: DataView;
  private seen = 0n;

  /**
   * `fd`: the loaded data-section map holding the counter (it stays the caller's to close), whose
   * value has `sectionSize` bytes; `offset`: the counter's place in it.
   */
  constructor(fd: number, offset: number, sectionSize: number) {
    this.fd = fd;
    this.offset = offset;
    this.value = new Uint8Array(sectionSize);
    this.view = new DataView(this.value.buffer);
  }

  /** Drops counted since the last call (the first call counts from load). */
  poll(): number {
    const r = mapLookupElem(this.fd, this.key, this.value);
    if (r < 0) throw new SyscallError(`reading the ring-buffer drop counter (${RINGBUF_LOST_VAR})`, -r);
    const total = this.view.getBigUint64(this.offset, true);
    const fresh = total - this.seen;
    this.seen = total;
    return Number(fresh);
  }
}
