/**
 * A blocking wait on a reader's fds, for consumers that run their own loop (EventReader.poll) instead
 * of Node's event loop: an epoll set of the reader's own, waited on with epoll_wait(2) in the calling
 * thread, the way libbpf's ring_buffer__poll and perf_buffer__poll wait. Nothing of libuv is
 * involved, so it works on any thread, a worker's included, and a wake-up costs one system call.
 *
 * Kernel side: epoll(7), level-triggered; a ring-buffer map fd is readable while it holds records, a
 * perf event fd after a wake-up (per wakeup_events/watermark).
 */
import { SyscallError } from '../errors/index.js';
import { EPOLL, check, errno, libc } from '../sys/libc.js';

/** struct epoll_event is packed on x86-64: u32 events, u64 data. */
const EVENT_SIZE = 12;
const MAX_EVENTS = 16;
const EINTR = 4;

/** An epoll set over fixed fds, waited on synchronously. */
export class BlockingWait {
  private readonly epfd: number;
  private readonly events = Buffer.alloc(EVENT_SIZE * MAX_EVENTS);

  /** Creates the set and adds each fd for EPOLLIN; throws SyscallError if the kernel refuses one. */
  constructor(fds: readonly number[]) {
    const c = libc();
    this.epfd = check(c.epollCreate1(EPOLL.CLOEXEC), 'epoll_create1');
    const event = Buffer.alloc(EVENT_SIZE);
    try {
      for (const fd of fds) {
        event.writeUInt32LE(EPOLL.IN, 0);
        event.writeBigUInt64LE(BigInt(fd), 4);
        check(c.epollCtl(this.epfd, EPOLL.CTL_ADD, fd, event), `epoll_ctl add fd ${fd}`);
      }
    } catch (e) {
      c.close(this.epfd);
      throw e;
    }
  }

  /**
   * Blocks until one of the fds is readable or `timeoutMs` passes (-1: no limit; 0: just look).
   * Returns true if one is readable; false on timeout or when a signal interrupted the wait.
   */
  wait(timeoutMs: number): boolean {
    const n = libc().epollWait(this.epfd, this.events, MAX_EVENTS, timeoutMs);
    if (n >= 0) return n > 0;
    const err = errno();
    if (err === EINTR) return false;
    throw new SyscallError('epoll_wait', err);
  }

  /** Closes the epoll set (not the fds in it). */
  close(): void {
    libc().close(this.epfd);
  }
}
