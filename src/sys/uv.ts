/**
 * Readiness watches on Node's own event loop: a libuv `uv_poll_t` per fd, driven through koffi.
 *
 * Why not koffi's `.async` epoll_wait on a threadpool thread: each wake-up then costs a futex
 * hand-off to the worker, a return through uv_async and a re-arm on the worker, i.e. two thread hops
 * and several context switches per wake-up, which on a paravirtualised VM is most of the tracer's CPU
 * at a few thousand wake-ups per second. It also parks a threadpool thread per waiting epoll set, and
 * Node joins those threads at exit, so a blocked wait had to be kicked for process.exit() to return.
 * A uv_poll handle sits in the loop's own epoll set: the callback runs on the main thread in the poll
 * phase, like a socket's, and there is nothing to join.
 *
 * koffi calls back outside Node's callback scope, so neither process.nextTick callbacks nor promise
 * reactions queued there would run until some later Node callback (after 'beforeExit', if none comes).
 * The callbacks therefore only queue the real work with setImmediate, which runs it in the check
 * phase of the same loop iteration, inside a proper scope, and surfaces its errors as Node's own.
 *
 * Needs: the libuv symbols the node binary exports for addons (uv_default_loop, uv_poll_*, uv_close),
 * and the main thread (uv_default_loop is the main thread's loop, never a worker's). Level-triggered,
 * like libuv's own watches: the callback runs on every loop iteration while the fd stays readable.
 */
import { isMainThread } from 'node:worker_threads';
import koffi from 'koffi';
import { NotSupportedError } from '../errors/index.js';
import type { Pointer } from './libc.js';

/** libuv's UV_POLL handle type and UV_READABLE event bit. */
const UV_POLL = 8;
const UV_READABLE = 1;

interface UvBindings {
  loop: Pointer;
  handleSize: number;
  pollInit(loop: Pointer, handle: Buffer, fd: number): number;
  pollStart(handle: Buffer, events: number, cb: Pointer): number;
  pollStop(handle: Buffer): number;
  close(handle: Buffer, cb: Pointer): void;
  strerror(status: number): string;
  onPoll: Pointer;
  onClose: Pointer;
}

let bound: UvBindings | undefined;
/** Live watches by the id kept in their handle's `data` field, which libuv leaves to its user. */
const watches = new Map<number, FdWatch>();
let nextId = 1;

function uv(): UvBindings {
  if (bound) return bound;
  if (!isMainThread) {
    throw new NotSupportedError(
      'event readers run on the main thread only',
      'libuv default loop in a worker',
    );
  }
  const self = koffi.load(null);
  const pollCb = koffi.proto('void bpfkit_uv_poll_cb(void *handle, int status, int events)');
  const closeCb = koffi.proto('void bpfkit_uv_close_cb(void *handle)');
  const idOf = (handle: Pointer): number => koffi.decode(handle, 'uint32_t') as number;
  bound = {
    loop: self.func('void *uv_default_loop(void)')(),
    handleSize: Number(self.func('size_t uv_handle_size(int type)')(UV_POLL)),
    pollInit: self.func('int uv_poll_init(void *loop, void *handle, int fd)'),
    pollStart: self.func('int uv_poll_start(void *handle, int events, bpfkit_uv_poll_cb *cb)'),
    pollStop: self.func('int uv_poll_stop(void *handle)'),
    close: self.func('void uv_close(void *handle, bpfkit_uv_close_cb *cb)'),
    strerror: self.func('const char *uv_strerror(int err)'),
    onPoll: koffi.register(
      (handle: Pointer, status: number) => watches.get(idOf(handle))?.fire(status),
      koffi.pointer(pollCb),
    ),
    onClose: koffi.register((handle: Pointer) => watches.get(idOf(handle))?.closed(), koffi.pointer(closeCb)),
  };
  return bound;
}

/**
 * Calls `onReadable` on the main thread whenever `fd` is readable while the watch is started; a
 * negative libuv status (e.g. the fd went bad) is passed instead, with its message. A started watch
 * keeps the process alive, like an open socket; a stopped one does not.
 */
export class FdWatch {
  readonly fd: number;
  private readonly id = nextId++;
  /** The uv_poll_t; libuv holds its address until the close callback, so it must stay referenced. */
  private readonly handle: Buffer;
  private readonly onReadable: (status: number, message?: string) => void;
  private started = false;
  /** A run is queued for the check phase (see the module comment). */
  private scheduled = false;
  private closing?: Promise<void>;
  private resolveClosed?: () => void;

  constructor(fd: number, onReadable: (status: number, message?: string) => void) {
    const b = uv();
    this.fd = fd;
    this.onReadable = onReadable;
    this.handle = Buffer.alloc(b.handleSize);
    const rc = b.pollInit(b.loop, this.handle, fd);
    if (rc < 0)
      throw new NotSupportedError(`uv_poll_init(fd ${fd}): ${b.strerror(rc)}`, 'libuv poll on this fd');
    // uv_poll_init leaves `data` alone; the shared callbacks find the watch through it.
    this.handle.writeUInt32LE(this.id, 0);
    watches.set(this.id, this);
  }

  /** Starts watching (idempotent). */
  start(): void {
    if (this.started || this.closing) return;
    const b = uv();
    const rc = b.pollStart(this.handle, UV_READABLE, b.onPoll);
    if (rc < 0)
      throw new NotSupportedError(`uv_poll_start(fd ${this.fd}): ${b.strerror(rc)}`, 'libuv poll on this fd');
    this.started = true;
  }

  /** Stops watching (idempotent); the fd may be started again. */
  stop(): void {
    if (!this.started) return;
    uv().pollStop(this.handle);
    this.started = false;
  }

  /** Stops for good; resolves once libuv has let go of the handle. The fd is not closed. */
  close(): Promise<void> {
    if (this.closing) return this.closing;
    this.started = false;
    this.closing = new Promise<void>((resolve) => (this.resolveClosed = resolve));
    uv().close(this.handle, bound!.onClose);
    return this.closing;
  }

  /** @internal From the shared poll callback. */
  fire(status: number): void {
    if (this.scheduled) return;
    this.scheduled = true;
    setImmediate(this.run, status);
  }

  private readonly run = (status: number): void => {
    this.scheduled = false;
    if (!this.started) return;
    if (status < 0) this.onReadable(status, bound!.strerror(status));
    else this.onReadable(status);
  };

  /** @internal From the shared close callback. */
  closed(): void {
    watches.delete(this.id);
    if (this.resolveClosed) setImmediate(this.resolveClosed);
  }
}
