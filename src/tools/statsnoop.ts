/**
 * statsnoop: stat-family syscalls (statfs, stat, statx, fstat, fstatat, lstat) with the caller,
 * result and path, with the options, header and rows of libbpf-tools' statsnoop
 * (tools/statsnoop/statsnoop.bpf.c is the kernel side; syscall tracepoints only).
 */
import type { Decoded } from '../btf/decode.js';
import { pidOption } from './common.js';
import { defineTool } from './define.js';
import { errnoSymbol } from './decode/errno.js';
import { fdTarget, resolvedPath } from './decode/proc-path.js';
import type { CommonOptions } from './session.js';
import { cString } from './strings.js';

interface Options extends CommonOptions {
  pid?: number;
  timestamp?: boolean;
  failed?: boolean;
  sysname?: boolean;
}

interface StatEvent {
  ts: bigint;
  pid: number;
  tid: number;
  ret: number;
  /** The syscall: statfs, newstat, statx, newfstat, newfstatat or newlstat. */
  call: string;
  fd: number;
  dirfd: number;
  comm: string;
  /** The path as passed ('' for fstat). */
  path: string;
  /** The path made absolute from the process's cwd or fds ('' when they are gone). */
  full: string;
}

const ret = (e: StatEvent): number => (e.ret >= 0 ? e.ret : -1);
const err = (e: StatEvent): number => (e.ret >= 0 ? 0 : -e.ret);

/** The first event's time of each run (its options object), for -t. */
const firstTs = new WeakMap<Options, bigint>();

function seconds(e: StatEvent, o: Options): number {
  if (!firstTs.has(o)) firstTs.set(o, e.ts);
  return Number(e.ts - firstTs.get(o)!) / 1e9;
}

const tracepoints = (call: string): string[] => [
  `tracepoint/syscalls/sys_enter_${call}`,
  `tracepoint/syscalls/sys_exit_${call}`,
];

/** The statsnoop tool. Runs as root (CAP_BPF + CAP_PERFMON) on a kernel with BTF. */
export default defineTool<Options, StatEvent>({
  name: 'statsnoop',
  summary: 'Trace stat syscalls.',
  usage: `USAGE: statsnoop [-h] [-t] [-x] [-p PID] [-s] [--json]

EXAMPLES:
    statsnoop             # trace all stat syscalls
    statsnoop -t          # include timestamps
    statsnoop -x          # only show failed stats
    statsnoop -p 1216     # only trace PID 1216
    statsnoop -s          # with the syscall's name
    statsnoop --json      # one JSON object per call`,
  options: [
    pidOption(),
    { flags: '-t, --timestamp', help: 'Include timestamp on output' },
    { flags: '-x, --failed', help: 'Only show failed stats' },
    { flags: '-s, --sysname', help: 'Include syscall name on output', extra: true },
  ],
  hooks: [
    { what: 'statx(2)', use: [tracepoints('statx')] },
    { what: 'newfstatat(2)', use: [tracepoints('newfstatat')], optional: true },
    { what: 'newfstat(2)', use: [tracepoints('newfstat')], optional: true },
    { what: 'newstat(2)', use: [tracepoints('newstat')], optional: true },
    { what: 'newlstat(2)', use: [tracepoints('newlstat')], optional: true },
    { what: 'statfs(2)', use: [tracepoints('statfs')], optional: true },
  ],
  notes: [
    "-s (the SYSCALL column) is upstream libbpf-tools' option; Debian's 0.26 lacks it.",
    'Paths are shown in full, up to PATH_MAX (4096 bytes), not cut at 255.',
    'Relative paths of stat(2), lstat(2) and statfs(2) are shown under the caller\'s working directory, as those of fstatat(2) and statx(2) are; an empty path (AT_EMPTY_PATH) shows the fd\'s file, without a trailing "/".',
    'The working directory and fds are read from /proc when the row is printed; they are missing (the path stays relative) when the process is gone by then.',
  ],
  jsonFields: [
    ['time', 'when the event was printed (ISO 8601, UTC)'],
    ['pid, tid', 'process and thread id of the caller'],
    ['comm', 'command name of the caller'],
    ['syscall', 'statfs, newstat, statx, newfstat, newfstatat or newlstat'],
    ['ret', 'what the call returned: 0, or -errno'],
    ['errno', '0, or the error number on failure'],
    ['errno_name', 'the error by name (ENOENT), null on success'],
    ['fd', "the fd stat'ed (newfstat), else -1"],
    ['dirfd', 'the directory fd a relative path is resolved against (-100: AT_FDCWD), else -1'],
    ['path', 'the path as passed (empty for newfstat)'],
    ['full_path', 'the path made absolute from /proc (empty when unknown)'],
  ],
  configure(o, setup) {
    if (o.pid) setup.setGlobal('target_pid', o.pid);
    if (o.failed) setup.setGlobal('trace_failed_only', true);
  },
  event(f: { [field: string]: Decoded }, tail) {
    const e = {
      ts: f.ts_ns as bigint,
      pid: f.pid as number,
      tid: f.tid as number,
      ret: f.ret as number,
      call: String(f.call).toLowerCase(),
      fd: f.fd as number,
      dirfd: f.dirfd as number,
      comm: f.comm as string,
      path: cString(tail),
    };
    const full = e.call === 'newfstat' ? fdTarget(e.pid, e.fd) : resolvedPath(e.pid, e.dirfd, e.path);
    return { ...e, full };
  },
  columns: [
    { when: (o) => !!o.timestamp, header: ['%-14s ', 'TIME(s)'], cell: ['%-14.9f ', seconds] },
    { header: ['%-7s ', 'PID'], cell: ['%-7d ', (e) => e.pid] },
    { header: ['%-20s ', 'COMM'], cell: ['%-20s ', (e) => e.comm] },
    { header: ['%-4s ', 'RET'], cell: ['%-4d ', ret] },
    { header: ['%-4s', 'ERR'], cell: ['%-4d', err] },
    { when: (o) => !!o.sysname, header: [' %-10s', 'SYSCALL'], cell: [' %-10s', (e) => e.call] },
    { header: [' %-s', 'PATH'], cell: [' %s', (e) => e.full || e.path] },
  ],
  json: (e) => ({
    time: new Date().toISOString(),
    pid: e.pid,
    tid: e.tid,
    comm: e.comm,
    syscall: e.call,
    ret: e.ret,
    errno: err(e),
    errno_name: e.ret < 0 ? (errnoSymbol(e.ret) ?? null) : null,
    fd: e.fd,
    dirfd: e.dirfd,
    path: e.path,
    full_path: e.full,
  }),
});
