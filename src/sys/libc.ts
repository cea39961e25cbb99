/**
 * koffi bindings to the few libc entry points bpfkit calls directly: the bpf and perf_event_open
 * system calls, mmap, epoll, ioctl, read, write and close, and interface name lookups.
 * Loaded lazily so that spec-layer users never touch libc through FFI.
 */
import koffi from 'koffi';
import { SyscallError } from '../errors/index.js';

/** x86-64 system call numbers. */
export const SYS = { bpf: 321, perf_event_open: 298 } as const;
/** mmap protection bits. */
export const PROT = { READ: 1, WRITE: 2 } as const;
/** mmap flag bits. */
export const MAP = { SHARED: 1 } as const;
/** epoll constants. */
export const EPOLL = { IN: 1, ET: 1 << 31, CTL_ADD: 1, CTL_DEL: 2, CLOEXEC: 0o2000000 } as const;

/** An opaque native pointer as koffi returns it. */
export type Pointer = unknown;

/** The bound libc functions. */
export interface Libc {
  /** syscall(nr, a, b, c) with a pointer as second argument (bpf(2): cmd, attr, size). */
  bpf(cmd: number, attr: Buffer, size: number): number;
  /** perf_event_open(attr, pid, cpu, group_fd, flags). */
  perfEventOpen(attr: Buffer, pid: number, cpu: number, groupFd: number, flags: number): number;
  mmap(addr: null, length: number, prot: number, flags: number, fd: number, offset: number): Pointer;
  munmap(addr: Pointer, length: number): number;
  epollCreate1(flags: number): number;
  epollCtl(epfd: number, op: number, fd: number, event: Buffer | null): number;
  epollWait(epfd: number, events: Buffer, maxevents: number, timeout: number): number;
  ioctl(fd: number, request: number, arg: number): number;
  read(fd: number, buf: Buffer, count: number): number;
  write(fd: number, buf: Buffer, count: number): number;
  close(fd: number): number;
}

let bound: Libc | undefined;

/** The libc bindings (loads libc.so.6 on first use). */
export function libc(): Libc {
  if (bound) return bound;
  const lib = koffi.load('libc.so.6');
  const syscallPtr = lib.func('long syscall(long nr, long a, void *b, long c)');
  const syscall5 = lib.func('long syscall(long nr, void *a, long b, long c, long d, long e)');
  bound = {
    bpf: (cmd, attr, size) => Number(syscallPtr(SYS.bpf, cmd, attr, size)),
    perfEventOpen: (attr, pid, cpu, groupFd, flags) =>
      Number(syscall5(SYS.perf_event_open, attr, pid, cpu, groupFd, flags)),
    mmap: lib.func('void *mmap(void *addr, size_t length, int prot, int flags, int fd, long offset)'),
    munmap: lib.func('int munmap(void *addr, size_t length)'),
    epollCreate1: lib.func('int epoll_create1(int flags)'),
    epollCtl: lib.func('int epoll_ctl(int epfd, int op, int fd, void *event)'),
    epollWait: lib.func('int epoll_wait(int epfd, void *events, int maxevents, int timeout)'),
    ioctl: lib.func('int ioctl(int fd, unsigned long request, unsigned long arg)'),
    read: lib.func('long read(int fd, void *buf, size_t count)'),
    write: lib.func('long write(int fd, void *buf, size_t count)'),
    close: lib.func('int close(int fd)'),
  } as Libc;
  return bound;
}

/** errno of the last failed libc call on this thread. */
export function errno(): number {
  return koffi.errno();
}

/** Throws SyscallError(what, errno) when `ret` is negative; returns `ret` otherwise. */
export function check(ret: number, what: string): number {
  if (ret < 0) throw new SyscallError(what, errno());
  return ret;
}

/** Native address of a pointer, or 0n for null. */
export function addressOf(p: Pointer): bigint {
  return p === null ? 0n : BigInt(koffi.address(p));
}

/** An ArrayBuffer aliasing `length` bytes of native memory at `p` (no copy). */
export function viewOf(p: Pointer, length: number): ArrayBuffer {
  return koffi.view(p, length);
}

/** Maps `length` bytes of `fd` at `offset` shared; throws SyscallError on failure. */
export function mmapShared(
  fd: number,
  length: number,
  offset: number,
  writable: boolean,
  what: string,
): Pointer {
  const p = libc().mmap(null, length, PROT.READ | (writable ? PROT.WRITE : 0), MAP.SHARED, fd, offset);
  if (p === null || addressOf(p) === 0xffffffffffffffffn) throw new SyscallError(`mmap ${what}`, errno());
  return p;
}

/**
 * Native address of the first byte of a Buffer or typed array (its byteOffset included), for pointer
 * fields inside bpf(2) attr structs. The memory stays put only while `buf` is referenced: keep it
 * alive until the system call returns.
 */
export function addressOfBuffer(buf: ArrayBufferView): bigint {
  return BigInt(koffi.address(buf));
}

let pageSizeCached: number | undefined;

/** The system page size (sysconf(_SC_PAGESIZE)); ring mappings are sized in pages. */
export function pageSize(): number {
  if (pageSizeCached === undefined) {
    const sysconf = koffi.load('libc.so.6').func('long sysconf(int name)');
    pageSizeCached = Number(sysconf(30 /* _SC_PAGESIZE */));
  }
  return pageSizeCached;
}

/** clock_gettime clock ids. */
export const CLOCK = { REALTIME: 0, MONOTONIC: 1, BOOTTIME: 7 } as const;

let clockGettime: ((clk: number, ts: Buffer) => number) | undefined;

/**
 * clock_gettime(clock) in nanoseconds. BOOTTIME is the clock the kernel stamps BPF objects with
 * (prog load_time), which Node cannot read on its own.
 */
export function clockNs(clock: number): bigint {
  clockGettime ??= koffi.load('libc.so.6').func('int clock_gettime(int clk, void *ts)') as (
    clk: number,
    ts: Buffer,
  ) => number;
  const ts = Buffer.alloc(16);
  check(clockGettime(clock, ts), 'clock_gettime');
  return ts.readBigInt64LE(0) * 1_000_000_000n + ts.readBigInt64LE(8);
}

let fcntlFn: ((fd: number, cmd: number, ...args: unknown[]) => number) | undefined;

/** dup(2) with O_CLOEXEC (fcntl F_DUPFD_CLOEXEC): a second fd to the same open file. */
export function dupFd(fd: number, what: string): number {
  fcntlFn ??= koffi.load('libc.so.6').func('int fcntl(int fd, int cmd, ...)');
  return check(fcntlFn(fd, 1030 /* F_DUPFD_CLOEXEC */, 'int', 0), `dup ${what}`);
}

let ifNameToIndexFn: ((name: string) => number) | undefined;

/**
 * if_nametoindex(3): the index of network interface `name` in this process's network namespace, or
 * 0 when there is none.
 */
export function ifNameToIndex(name: string): number {
  ifNameToIndexFn ??= koffi.load('libc.so.6').func('unsigned int if_nametoindex(const char *name)') as (
    name: string,
  ) => number;
  return ifNameToIndexFn(name);
}

let ifIndexToNameFn: ((index: number, buf: Buffer) => unknown) | undefined;

/** if_indextoname(3): the name of interface `index` in this network namespace, or undefined. */
export function ifIndexToName(index: number): string | undefined {
  ifIndexToNameFn ??= koffi
    .load('libc.so.6')
    .func('char *if_indextoname(unsigned int index, _Out_ uint8_t *buf)') as (
    index: number,
    buf: Buffer,
  ) => unknown;
  const buf = Buffer.alloc(16); // IF_NAMESIZE
  if (ifIndexToNameFn(index, buf) === null) return undefined;
  const end = buf.indexOf(0);
  return buf.toString('utf8', 0, end < 0 ? buf.length : end);
}
