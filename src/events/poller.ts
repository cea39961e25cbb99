/**
 * One epoll set waited on from a libuv worker thread, so that many event sources (every per-CPU perf
 * ring and every ring buffer of an object) share a single blocked thread and Node's event loop never
 * blocks or spins. An eventfd in the set lets close() interrupt the wait at once. Under sustained load
 * it switches to draining on a short timer (busyIntervalMs) and returns to waiting as soon as a tick
 * finds nothing, so wake-up costs are amortised over many records and an idle poller costs nothing.
 *
 * Kernel side: epoll(7) and eventfd(2). BPF ring-buffer map fds and perf event fds report EPOLLIN
 * when records are available (ring buffer) or after a wakeup (perf: per wakeup_events/watermark).
 *
 * Filling up while on the timer: fds registered with a `pressing` check are also in a second epoll
 * set, edge-triggered, which the worker waits on while the poller drains on its timer. The kernel
 * wakes it when the ring asks for it (a perf ring at its watermark; a ring buffer on a submit with
 * BPF_RB_FORCE_WAKEUP, which bpfkit.h's helpers pass once the ring is past half full, or on the
 * first record after a drain); the handler runs at once if its check says so, instead of waiting
 * out the timer. Edge-triggered, because a ring buffer's fd stays readable while it holds anything.
 *
 * Exiting: Node joins its threadpool threads when the process exits (process.exit(), an uncaught
 * error, a signal handler that exits), so a thread blocked in epoll_wait(-1) would hold the exit
 * forever. A process 'exit' listener, first in line, therefore kicks every wait in flight; the
 * eventfd stays readable afterwards, so a wait started later returns at once too.
 */
import { BadValueError, BpfkitError, ClosedError, ReadError, errnoName } from '../errors/index.js';
import { EFD, EPOLL, check, errno, libc } from '../sys/libc.js';

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
   * 0 = always wait). A wake-up through the worker thread costs ~25 µs of CPU, so while records keep
   * coming the poller stays on the timer, like NAPI does for network interrupts; the first tick that
   * finds nothing goes back to epoll_wait, so an idle poller costs nothing. Records then wait at most
   * this long, and the ring must hold this long of traffic (from 5 ms on, a ring filling up wakes the
   * poller sooner: see PollerEntryOptions.pressing).
   */
  busyIntervalMs?: number;
  /**
   * 'adaptive' (default): wait for wake-ups while idle, drain on the busyIntervalMs timer under load.
   * 'timer': always drain on the timer (busyIntervalMs, at least 1 ms), whether or not records come,
   * and wait only for the wake-ups of a ring filling up (PollerEntryOptions.pressing). Perf readers on
   * such a poller ask the kernel to wake them at half a ring instead of at every record.
   */
  drain?: 'adaptive' | 'timer';
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
  /** Wait generation in which the handler last ran; dedupes handlers owning several ready fds. */
  seen: number;
  /** How many registered fds share this handler. */
  fds: number;
  pressing?: () => boolean;
}

/** Which epoll set a wait is on: every fd, or only those with a pressing check (on the timer). */
type WaitSet = 'all' | 'pressing';

let sharedPoller: Poller | undefined;
/** Pollers whose worker thread is in epoll_wait now. */
const waits = new Set<Poller>();
let exitHook = false;
let exiting = false;

/**
 * An epoll set serviced by one libuv threadpool thread (koffi `.async`). While it has fds it keeps one
 * threadpool thread blocked in epoll_wait (UV_THREADPOOL_SIZE defaults to 4, so share one poller: see
 * Poller.shared) and keeps the Node process alive, like an open socket does, but it never holds up
 * process.exit(). Handlers run on the main thread, each at most once per wake-up however many of its
 * fds are ready.
 */
export class Poller implements AsyncDisposable {
  /** True when the poller always drains on its timer (PollerOptions.drain 'timer'). */
  readonly drainsOnTimer: boolean;
  private readonly epfd: number;
  /** The second set: fds with a pressing check (edge-triggered) and the eventfd. */
  private readonly pressingEpfd: number;
  private readonly efd: number;
  private readonly fds = new Map<number, Entry>();
  private readonly handlers = new Map<ReadyHandler, Entry>();
  private pressingFds = 0;
  private readonly events = Buffer.alloc(EVENT_SIZE * MAX_EVENTS);
  private readonly onError: (err: BpfkitError) => void;
  private readonly busyInterval: number;
  private ticker: NodeJS.Timeout | undefined;
  private waiting: WaitSet | null = null;
  private closing = false;
  private generation = 0;
  private failures = 0;
  private autoClose = false;
  private closed?: Promise<void>;
  private resolveClosed?: () => void;
  /** Number of completed epoll_wait calls (wake-ups), for statistics and tests. */
  wakeups = 0;
  /** Number of busy-mode timer drains. */
  ticks = 0;
  /** Handlers run early, while on the timer, because their ring was filling up. */
  pressingDrains = 0;

  constructor(options: PollerOptions = {}) {
    this.onError = options.onError ?? ((e) => process.emitWarning(e.message, 'BpfkitWarning'));
    this.drainsOnTimer = options.drain === 'timer';
    this.busyInterval = Math.max(this.drainsOnTimer ? 1 : 0, options.busyIntervalMs ?? 1);
    const c = libc();
    const fds: number[] = [];
    try {
      fds.push(check(c.epollCreate1(EPOLL.CLOEXEC), 'epoll_create1'));
      fds.push(check(c.epollCreate1(EPOLL.CLOEXEC), 'epoll_create1'));
      const efd = c.eventfd(0, EFD.CLOEXEC | EFD.NONBLOCK);
      check(efd < 0 ? -errno() : efd, 'eventfd');
      fds.push(efd);
    } catch (e) {
      for (const fd of fds) c.close(fd);
      throw e;
    }
    [this.epfd, this.pressingEpfd, this.efd] = fds;
    this.ctl(this.epfd, EPOLL.CTL_ADD, this.efd, EPOLL.IN, 'epoll_ctl add eventfd');
    this.ctl(this.pressingEpfd, EPOLL.CTL_ADD, this.efd, EPOLL.IN, 'epoll_ctl add eventfd');
  }

  /**
   * The process-wide default poller, created on first use. It closes itself (releasing its epoll fd
   * and eventfd and letting the process exit) when its last fd is removed; the next call makes a new one.
   */
  static shared(): Poller {
    if (!sharedPoller || sharedPoller.closing) {
      sharedPoller = new Poller();
      sharedPoller.autoClose = true;
    }
    return sharedPoller;
  }

  /** Number of fds registered (the internal eventfd excluded). */
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
    if (!entry) this.handlers.set(handler, (entry = { handler, seen: -1, fds: 0 }));
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
    if (this.fds.size === 0 && this.autoClose) {
      // A reader pausing for backpressure leaves and comes back soon: only close if still unused.
      setImmediate(() => {
        if (this.fds.size === 0) void this.close();
      });
    }
  }

  /**
   * Releases the epoll fds and the eventfd. If a wait is in flight, wakes it through the eventfd and
   * resolves once the worker thread has returned (closing an fd under a blocked epoll_wait is unsafe).
   * Idempotent; registered fds are not closed (they belong to the readers).
   */
  close(): Promise<void> {
    if (this.closed) return this.closed;
    this.closing = true;
    if (sharedPoller === this) sharedPoller = undefined;
    this.fds.clear();
    this.handlers.clear();
    this.closed = new Promise<void>((resolve) => (this.resolveClosed = resolve));
    if (this.ticker) clearTimeout(this.ticker);
    this.ticker = undefined;
    if (this.waiting) this.kick();
    else this.release();
    return this.closed;
  }

  /** close(), for `await using poller = …`. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }

  /** Wakes every wait in flight and starts no more (see the module comment). */
  private static releaseWaitsAtExit(this: void): void {
    exiting = true;
    for (const p of waits) p.kick();
  }

  private ctl(epfd: number, op: number, fd: number, events: number, what: string): void {
    const ev = Buffer.alloc(EVENT_SIZE);
    ev.writeUInt32LE(events >>> 0, 0);
    ev.writeUInt32LE(fd, 4);
    check(libc().epollCtl(epfd, op, fd, ev), what);
  }

  private kick(): void {
    const one = Buffer.alloc(8);
    one.writeBigUInt64LE(1n);
    libc().write(this.efd, one, 8);
  }

  private release(): void {
    const c = libc();
    c.close(this.efd);
    c.close(this.pressingEpfd);
    c.close(this.epfd);
    this.resolveClosed?.();
  }

  /**
   * Puts the worker in the wait the current mode needs: on every fd while idle, on the pressing fds
   * while on the timer (none if there are none). A wait on the other set is kicked; woke() re-arms.
   */
  private arm(): void {
    if (this.closing || this.fds.size === 0 || exiting) return;
    if (this.drainsOnTimer && !this.ticker) this.ticker = setTimeout(this.tick, this.busyInterval);
    const watch = this.pressingFds > 0 && this.busyInterval >= PRESSING_MIN_INTERVAL_MS;
    const want: WaitSet | null = !this.ticker ? 'all' : watch ? 'pressing' : null;
    if (this.waiting === want) return;
    if (this.waiting) {
      this.kick();
      return;
    }
    if (!want) return;
    if (!exitHook) {
      exitHook = true;
      // Before other 'exit' listeners: one of them calling process.exit() again skips the rest.
      process.prependListener('exit', Poller.releaseWaitsAtExit);
    }
    this.waiting = want;
    waits.add(this);
    const epfd = want === 'all' ? this.epfd : this.pressingEpfd;
    libc().epollWait.async(epfd, this.events, MAX_EVENTS, -1, (err, n) => this.woke(err, n));
  }

  private woke(err: unknown, n: number): void {
    const set = this.waiting;
    this.waiting = null;
    waits.delete(this);
    if (this.closing) {
      this.release();
      return;
    }
    this.wakeups++;
    if (err || n < 0) {
      // errno of the worker thread is not visible here; EINTR is the only expected failure, so retry
      // a few times and give up loudly on anything persistent (e.g. EBADF after a caller bug).
      if (++this.failures >= MAX_FAILURES) {
        const msg = err instanceof Error ? err.message : errnoName(errno());
        this.onError(
          new ReadError(`epoll_wait keeps failing (${msg}); event readers stopped`, { path: 'epoll' }),
        );
        void this.close();
        return;
      }
      setImmediate(() => this.arm());
      return;
    }
    this.failures = 0;
    let consumed = 0;
    try {
      consumed = this.runReady(n, set === 'pressing');
    } finally {
      // Re-arm even if a handler threw, so one faulty callback does not silence every reader.
      if (set === 'pressing') this.arm();
      else this.next(consumed);
    }
  }

  /** Runs the handlers of the `n` ready fds (only pressing ones, while on the timer). */
  private runReady(n: number, onTimer: boolean): number {
    const gen = ++this.generation;
    let consumed = 0;
    for (let i = 0; i < n; i++) {
      const fd = this.events.readUInt32LE(i * EVENT_SIZE + 4);
      if (fd === this.efd) {
        libc().read(this.efd, Buffer.alloc(8), 8);
        continue;
      }
      const entry = this.fds.get(fd);
      if (!entry || entry.seen === gen) continue;
      if (onTimer && !entry.pressing?.()) continue;
      entry.seen = gen;
      if (onTimer) this.pressingDrains++;
      consumed += entry.handler();
      if (this.closing) break;
    }
    return consumed;
  }

  /** After a drain: stay on the timer while records keep coming, else wait for a wake-up. */
  private next(consumed: number): void {
    if (this.closing) return;
    if (!this.ticker && (this.drainsOnTimer || (consumed > 0 && this.busyInterval > 0))) {
      this.ticker = setTimeout(this.tick, this.busyInterval);
    }
    this.arm();
  }

  private readonly tick = (): void => {
    this.ticker = undefined;
    this.ticks++;
    let consumed = 0;
    try {
      for (const entry of [...this.handlers.values()]) {
        consumed += entry.handler();
        if (this.closing) return;
      }
    } finally {
      this.next(consumed);
    }
  };
}
