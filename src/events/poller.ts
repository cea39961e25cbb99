/**
 * One epoll set watched from Node's own event loop (a libuv poll handle on the epoll fd, see
 * sys/uv.ts), so that many event sources (every per-CPU perf ring and every ring buffer of an object)
 * share a single watch, their handlers run on the main thread, and the loop never blocks or spins.
 * Under sustained load it switches to draining on a short timer (busyIntervalMs) and returns to
 * waiting as soon as a tick finds nothing, so wake-up costs are amortised over many records and an
 * idle poller costs nothing.
 *
 * Kernel side: epoll(7). BPF ring-buffer map fds and perf event fds report EPOLLIN when records are
 * available (ring buffer) or after a wakeup (perf: per wakeup_events/watermark). An epoll fd is itself
 * readable while any fd in its set is ready, which is what the loop's watch waits for; epoll_wait
 * with a zero timeout then empties the set's ready list.
 *
 * Filling up while on the timer: fds registered with a `pressing` check are also in a second epoll
 * set, edge-triggered, which is watched while the poller drains on its timer. The kernel wakes it
 * when the ring asks for it (a perf ring at its watermark; a ring buffer on a submit with
 * BPF_RB_FORCE_WAKEUP, which bpfkit.h's helpers pass once the ring is past half full, or on the
 * first record after a drain); the handler runs at once if its check says so, instead of waiting
 * out the timer. Edge-triggered, because a ring buffer's fd stays readable while it holds anything.
 */
import { BadValueError, BpfkitError, ClosedError, ReadError, errnoName } from '../errors/index.js';
import { EPOLL, check, errno, libc } from '../sys/libc.js';
import { FdWatch } from '../sys/uv.js';

/**
 * Called on the main thread when one of the fds it was registered for is readable (and on busy
 * ticks, see PollerOptions.busyIntervalMs); returns how many records it consumed.
 */
export type ReadyHandler = () => number;

/** Options of a Poller. */
export interface PollerOptions {
  /** Where wait failures go (default: a process warning). The poller keeps no fd it cannot wait on. */
  onError?: (err: BpfkitError) => void;
  /**
   * Under load, drain on a timer of this period instead of waiting for each wake-up (default 1 ms;
   * 0 = always wait). While records keep coming the poller stays on the timer, like NAPI does for
   * network interrupts; the first tick that finds nothing goes back to waiting, so an idle poller
   * costs nothing. Records then wait at most this long, and the ring must hold this long of traffic
   * (from 5 ms on, a ring filling up wakes the poller sooner: see PollerEntryOptions.pressing).
   */
  busyIntervalMs?: number;
  /**
   * 'adaptive' (default): wait for wake-ups while idle, drain on the busyIntervalMs timer under load.
   * 'timer': always drain on the timer (busyIntervalMs, at least 1 ms), whether or not records come,
   * and wait only for the wake-ups of a ring filling up (PollerEntryOptions.pressing). Perf readers on
   * such a poller ask the kernel to wake them at half a ring instead of at every record.
   */
  drain?: 'adaptive' | 'timer';
  /**
   * Called with true when the poller starts draining on its timer and with false when it goes back
   * to waiting for wake-ups, so that producers can skip the wake-ups the timer makes needless (a BPF
   * program submitting with BPF_RB_NO_WAKEUP meanwhile, say). Going back to waiting needs no wake-up
   * from them: the wait sees records already in a ring at once.
   */
  onDrainMode?: (onTimer: boolean) => void;
}

/** How Poller.add watches an fd. */
export interface PollerEntryOptions {
  /**
   * Also wait on the fd while draining on the timer; a wake-up then runs the handler at once when
   * this returns true (e.g. the ring is past half full), else it waits for the timer as before.
   */
  pressing?: () => boolean;
}

/** struct epoll_event is packed on x86-64: u32 events, u64 data (we keep the fd in data). */
const EVENT_SIZE = 12;
const MAX_EVENTS = 64;
/** Consecutive failed waits before the poller gives up instead of retrying. */
const MAX_FAILURES = 8;
/**
 * Shortest timer period with which the pressing fds are watched on the timer. A ring buffer wakes on
 * the first record after each drain, so watching costs a wake-up per tick: at a shorter period that
 * costs more than it saves, and the ring is drained often enough anyway.
 */
const PRESSING_MIN_INTERVAL_MS = 5;

interface Entry {
  handler: ReadyHandler;
  /** How many registered fds share this handler. */
  fds: number;
  pressing?: () => boolean;
}

/** Which epoll set a wait is on: every fd, or only those with a pressing check (on the timer). */
type WaitSet = 'all' | 'pressing';

let sharedPoller: Poller | undefined;

/**
 * An epoll set watched on the main thread's event loop. While it has fds to wait on it keeps the Node
 * process alive, like an open socket does, but it never holds up process.exit() or a signal's default
 * action. Handlers run on the main thread, each at most once per wake-up however many of its fds are
 * ready. Needs the main thread (see sys/uv.ts).
 */
export class Poller implements AsyncDisposable {
  /** True when the poller always drains on its timer (PollerOptions.drain 'timer'). */
  readonly drainsOnTimer: boolean;
  private readonly epfd: number;
  /** The second set: fds with a pressing check (edge-triggered). */
  private readonly pressingEpfd: number;
  private readonly watches: Record<WaitSet, FdWatch>;
  private readonly fds = new Map<number, Entry>();
  private readonly handlers = new Map<ReadyHandler, Entry>();
  private pressingFds = 0;
  private readonly events = Buffer.alloc(EVENT_SIZE * MAX_EVENTS);
  private readonly onError: (err: BpfkitError) => void;
  private readonly busyInterval: number;
  private readonly onDrainMode?: (onTimer: boolean) => void;
  /** What onDrainMode was last told. */
  private toldOnTimer = false;
  private ticker: NodeJS.Timeout | undefined;
  private waiting: WaitSet | null = null;
  private closing = false;
  private failures = 0;
  private autoClose = false;
  private closed?: Promise<void>;
  /** Number of wake-ups (readiness reports from the event loop), for statistics and tests. */
  wakeups = 0;
  /** Number of busy-mode timer drains. */
  ticks = 0;
  /** Handlers run early, while on the timer, because their ring was filling up. */
  pressingDrains = 0;

  constructor(options: PollerOptions = {}) {
    this.onError = options.onError ?? ((e) => process.emitWarning(e.message, 'BpfkitWarning'));
    this.drainsOnTimer = options.drain === 'timer';
    this.busyInterval = Math.max(this.drainsOnTimer ? 1 : 0, options.busyIntervalMs ?? 1);
    this.onDrainMode = options.onDrainMode;
    const c = libc();
    const fds: number[] = [];
    try {
      fds.push(check(c.epollCreate1(EPOLL.CLOEXEC), 'epoll_create1'));
      fds.push(check(c.epollCreate1(EPOLL.CLOEXEC), 'epoll_create1'));
      const all = new FdWatch(fds[0], (status, msg) => this.woke('all', status, msg));
      try {
        this.watches = {
          all,
          pressing: new FdWatch(fds[1], (status, msg) => this.woke('pressing', status, msg)),
        };
      } catch (e) {
        void all.close();
        throw e;
      }
    } catch (e) {
      for (const fd of fds) c.close(fd);
      throw e;
    }
    [this.epfd, this.pressingEpfd] = fds;
  }

  /**
   * The process-wide default poller, created on first use. It closes itself (releasing its epoll fds
   * and letting the process exit) when its last fd is removed; the next call makes a new one.
   */
  static shared(): Poller {
    if (!sharedPoller || sharedPoller.closing) {
      sharedPoller = new Poller();
      sharedPoller.autoClose = true;
    }
    return sharedPoller;
  }

  /** Number of fds registered. */
  get size(): number {
    return this.fds.size;
  }

  /**
   * Watches `fd` for EPOLLIN; `handler` runs on the main thread after a wake-up that reports it (and,
   * with `options.pressing`, after one while on the timer when the check says so).
   */
  add(fd: number, handler: ReadyHandler, options: PollerEntryOptions = {}): void {
    if (this.closing) throw new ClosedError('poller', `watching fd ${fd}`);
    if (this.fds.has(fd))
      throw new BadValueError(`fd ${fd} is already registered with this poller`, {
        target: 'poller fd',
        value: fd,
      });
    this.ctl(this.epfd, EPOLL.CTL_ADD, fd, EPOLL.IN, `epoll_ctl add fd ${fd}`);
    if (options.pressing) {
      try {
        this.ctl(this.pressingEpfd, EPOLL.CTL_ADD, fd, EPOLL.IN | EPOLL.ET, `epoll_ctl add fd ${fd}`);
      } catch (e) {
        libc().epollCtl(this.epfd, EPOLL.CTL_DEL, fd, Buffer.alloc(EVENT_SIZE));
        throw e;
      }
      this.pressingFds++;
    }
    let entry = this.handlers.get(handler);
    if (!entry) this.handlers.set(handler, (entry = { handler, fds: 0 }));
    entry.fds++;
    if (options.pressing) entry.pressing = options.pressing;
    this.fds.set(fd, entry);
    this.arm();
  }

  /** Stops watching `fd` (call it before closing the fd). Unknown fds are ignored. */
  remove(fd: number): void {
    const entry = this.fds.get(fd);
    if (!entry) return;
    this.fds.delete(fd);
    if (--entry.fds === 0) this.handlers.delete(entry.handler);
    // The fd may already be closed by the caller's error path; failing to delete it is harmless then.
    const c = libc();
    c.epollCtl(this.epfd, EPOLL.CTL_DEL, fd, Buffer.alloc(EVENT_SIZE));
    if (c.epollCtl(this.pressingEpfd, EPOLL.CTL_DEL, fd, Buffer.alloc(EVENT_SIZE)) === 0) this.pressingFds--;
    if (this.fds.size === 0) {
      this.arm();
      // A reader pausing for backpressure leaves and comes back soon: only close if still unused.
      if (this.autoClose) {
        setImmediate(() => {
          if (this.fds.size === 0) void this.close();
        });
      }
    }
  }

  /**
   * Stops watching and releases the epoll fds; resolves once the event loop has let go of its
   * watches. Idempotent; registered fds are not closed (they belong to the readers).
   */
  close(): Promise<void> {
    if (this.closed) return this.closed;
    this.closing = true;
    if (sharedPoller === this) sharedPoller = undefined;
    this.fds.clear();
    this.handlers.clear();
    if (this.ticker) clearTimeout(this.ticker);
    this.ticker = undefined;
    this.waiting = null;
    this.closed = Promise.all([this.watches.all.close(), this.watches.pressing.close()]).then(() => {
      const c = libc();
      c.close(this.pressingEpfd);
      c.close(this.epfd);
    });
    return this.closed;
  }

  /** close(), for `await using poller = …`. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }

  private ctl(epfd: number, op: number, fd: number, events: number, what: string): void {
    const ev = Buffer.alloc(EVENT_SIZE);
    ev.writeUInt32LE(events >>> 0, 0);
    ev.writeUInt32LE(fd, 4);
    check(libc().epollCtl(epfd, op, fd, ev), what);
  }

  /**
   * Watches the set the current mode needs: every fd while idle, the pressing fds while on the timer
   * (none if there are none, or the timer is short enough), nothing once no fd is left.
   */
  private arm(): void {
    if (this.closing) return;
    if (this.fds.size === 0 && this.ticker) {
      clearTimeout(this.ticker);
      this.ticker = undefined;
    }
    if (this.fds.size > 0 && this.drainsOnTimer && !this.ticker) {
      this.ticker = setTimeout(this.tick, this.busyInterval);
    }
    const watch = this.pressingFds > 0 && this.busyInterval >= PRESSING_MIN_INTERVAL_MS;
    const want: WaitSet | null =
      this.fds.size === 0 ? null : !this.ticker ? 'all' : watch ? 'pressing' : null;
    const onTimer = this.ticker !== undefined;
    if (this.onDrainMode && onTimer !== this.toldOnTimer) {
      this.toldOnTimer = onTimer;
      this.onDrainMode(onTimer);
    }
    if (this.waiting === want) return;
    if (this.waiting) this.watches[this.waiting].stop();
    this.waiting = want;
    if (want) this.watches[want].start();
  }

  private woke(set: WaitSet, status: number, message?: string): void {
    if (this.closing || this.waiting !== set) return;
    const epfd = set === 'all' ? this.epfd : this.pressingEpfd;
    // Only empties the set's ready list: which fds it names cannot be trusted (see runHandlers).
    const n = status < 0 ? -1 : libc().epollWait(epfd, this.events, MAX_EVENTS, 0);
    if (n < 0) {
      const why = message ?? errnoName(errno());
      // EINTR is the only expected failure; give up loudly on anything persistent (e.g. EBADF).
      if (++this.failures >= MAX_FAILURES) {
        this.onError(
          new ReadError(`epoll_wait keeps failing (${why}); event readers stopped`, { path: 'epoll' }),
        );
        void this.close();
      }
      return;
    }
    this.failures = 0;
    this.wakeups++;
    let consumed = 0;
    try {
      consumed = this.runHandlers(set === 'pressing');
    } finally {
      // Re-arm even if a handler threw, so one faulty callback does not silence every reader.
      if (set === 'pressing') this.arm();
      else this.next(consumed);
    }
  }

  /**
   * Runs every handler once (only those whose ring is pressing, while on the timer), rather than those
   * of the fds epoll_wait names: a perf fd's poll clears its wake-up as it reports it, and the event
   * loop's own poll of the epoll fd has already done that for the first ready fd, so epoll_wait would
   * leave that ring out. Handlers are few (one per reader) and an empty ring costs two loads.
   */
  private runHandlers(onTimer: boolean): number {
    let consumed = 0;
    for (const entry of [...this.handlers.values()]) {
      if (onTimer && !entry.pressing?.()) continue;
      if (onTimer) this.pressingDrains++;
      consumed += entry.handler();
      if (this.closing) break;
    }
    return consumed;
  }

  /** After a drain: stay on the timer while records keep coming, else wait for a wake-up. */
  private next(consumed: number): void {
    if (this.closing) return;
    if (
      !this.ticker &&
      this.fds.size > 0 &&
      (this.drainsOnTimer || (consumed > 0 && this.busyInterval > 0))
    ) {
      this.ticker = setTimeout(this.tick, this.busyInterval);
    }
    this.arm();
  }

  private readonly tick = (): void => {
    this.ticker = undefined;
    this.ticks++;
    let consumed = 0;
    try {
      consumed = this.runHandlers(false);
    } finally {
      this.next(consumed);
    }
  };
}
