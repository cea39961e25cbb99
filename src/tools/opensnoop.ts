/**
 * opensnoop: open(2), openat(2) and openat2(2) calls with the caller, result and path, with the
 * options, header and rows of libbpf-tools' opensnoop (tools/opensnoop/opensnoop.bpf.c is the
 * kernel side; syscall tracepoints only).
 */
import { clock } from '../cli/output/table.js';
import type { Decoded } from '../btf/decode.js';
import { positiveInt, pidOption, uid } from './common.js';
import { defineTool } from './define.js';
import { errnoSymbol } from './decode/errno.js';
import { openFlagNames } from './decode/open-flags.js';
import type { CommonOptions } from './session.js';
import { cString } from './strings.js';

interface Options extends CommonOptions {
  duration?: number;
  extendedFields?: boolean;
  name?: string;
  pid?: number;
  tid?: number;
  timestamp?: boolean;
  uid?: number;
  printUid?: boolean;
  failed?: boolean;
  decode?: boolean;
}

interface OpenEvent {
  pid: number;
  tid: number;
  uid: number;
  ret: number;
  flags: number;
  mode: number;
  call: string;
  comm: string;
  path: string;
}

const fd = (e: OpenEvent): number => (e.ret >= 0 ? e.ret : -1);
const err = (e: OpenEvent): number => (e.ret >= 0 ? 0 : -e.ret);
const errName = (e: OpenEvent): string => (e.ret >= 0 ? '0' : (errnoSymbol(e.ret) ?? String(-e.ret)));

const tracepoints = (call: string): string[] => [
  `tracepoint/syscalls/sys_enter_${call}`,
  `tracepoint/syscalls/sys_exit_${call}`,
];

/** The opensnoop tool. Runs as root (CAP_BPF + CAP_PERFMON) on a kernel with BTF. */
export default defineTool<Options, OpenEvent>({
  name: 'opensnoop',
  summary: 'Trace open family syscalls',
  usage: `USAGE: opensnoop [-h] [-T] [-U] [-x] [-p PID] [-t TID] [-u UID] [-d DURATION]
                 [-n NAME] [-e] [--json] [--decode]

EXAMPLES:
    opensnoop              # every open, system-wide
    opensnoop -T -U        # with the time and the caller's uid
    opensnoop -x --decode  # failed opens only, errors by name
    opensnoop -p 181       # the opens of process 181
    opensnoop -t 123       # the opens of thread 123
    opensnoop -u 1000      # the opens of user 1000
    opensnoop -n main      # commands whose name contains "main"
    opensnoop -e           # with the open flags
    opensnoop -d 10        # stop after 10 seconds
    opensnoop --json       # one JSON object per open`,
  options: [
    {
      flags: '-d, --duration <DURATION>',
      help: 'Duration to trace',
      parse: positiveInt('Invalid duration: %s'),
    },
    { flags: '-e, --extended-fields', help: 'Print extended fields' },
    { flags: '-n, --name <NAME>', help: 'Trace process names containing this' },
    pidOption(),
    { flags: '-t, --tid <TID>', help: 'Thread ID to trace', parse: positiveInt('Invalid TID: %s') },
    { flags: '-T, --timestamp', help: 'Print timestamp' },
    { flags: '-u, --uid <UID>', help: 'User ID to trace', parse: uid() },
    { flags: '-U, --print-uid', help: 'Print UID' },
    { flags: '-x, --failed', help: 'Failed opens only' },
    { flags: '--decode', help: 'Show ERR as an errno name and, with -e, FLAGS as O_* names', extra: true },
  ],
  maxOperands: 1,
  extraOperandMessage: 'Unrecognized positional argument: %s',
  hooks: [
    { what: 'openat(2)', use: [tracepoints('openat')] },
    { what: 'open(2)', use: [tracepoints('open')], optional: true },
    { what: 'openat2(2)', use: [tracepoints('openat2')], optional: true },
  ],
  notes: [
    'Also traces openat2(2), which libbpf-tools 0.26 does not.',
    'Paths are shown in full, up to PATH_MAX (4096 bytes).',
    '-h prints this help; libbpf-tools prints the short usage and exits 64.',
    'PID is the process (thread group) id; -t filters on the thread id.',
  ],
  jsonFields: [
    ['time', 'when the event was printed (ISO 8601, UTC)'],
    ['pid, tid, uid', 'process, thread and user id of the caller'],
    ['comm', 'command name of the caller'],
    ['syscall', 'open, openat or openat2'],
    ['ret', 'what the call returned: the fd, or -errno'],
    ['fd', 'the fd, -1 on failure'],
    ['errno', '0, or the error number on failure'],
    ['errno_name', 'the error by name (ENOENT), null on success'],
    ['flags', 'the open flags, as a number'],
    ['flags_names', 'the open flags by name (O_RDONLY|O_CLOEXEC)'],
    ['mode', 'the creation mode (0 unless O_CREAT or O_TMPFILE)'],
    ['path', 'the path as passed'],
  ],
  configure(o, setup) {
    if (o.pid) setup.setGlobal('targ_pid', o.pid);
    if (o.tid) setup.setGlobal('targ_tid', o.tid);
    if (o.uid !== undefined) setup.setGlobal('targ_uid', o.uid);
    if (o.failed) setup.setGlobal('targ_failed', true);
  },
  duration: (o) => o.duration,
  event(f: { [field: string]: Decoded }, tail) {
    return {
      pid: f.pid as number,
      tid: f.tid as number,
      uid: f.uid as number,
      ret: f.ret as number,
      flags: f.flags as number,
      mode: f.mode as number,
      call: String(f.call).toLowerCase(),
      comm: f.comm as string,
      path: cString(tail),
    };
  },
  accept: (e, o) => !o.name || e.comm.includes(o.name),
  columns: [
    { when: (o) => !!o.timestamp, header: ['%-8s ', 'TIME'], cell: ['%-8s ', () => clock()] },
    { when: (o) => !!o.printUid, header: ['%-7s ', 'UID'], cell: ['%-7d ', (e) => e.uid] },
    { header: ['%-6s ', 'PID'], cell: ['%-6d ', (e) => e.pid] },
    { header: ['%-16s ', 'COMM'], cell: ['%-16s ', (e) => e.comm] },
    { header: ['%3s ', 'FD'], cell: ['%3d ', fd] },
    { when: (o) => !o.decode, header: ['%3s ', 'ERR'], cell: ['%3d ', err] },
    { when: (o) => !!o.decode, header: ['%-7s ', 'ERR'], cell: ['%-7s ', errName] },
    {
      when: (o) => !!o.extendedFields && !o.decode,
      header: ['%-8s ', 'FLAGS'],
      cell: ['%08o ', (e) => e.flags],
    },
    {
      when: (o) => !!o.extendedFields && !!o.decode,
      header: ['%-24s ', 'FLAGS'],
      cell: ['%-24s ', (e) => openFlagNames(e.flags)],
    },
    { header: ['%s', 'PATH'], cell: ['%s', (e) => e.path] },
  ],
  json: (e) => ({
    time: new Date().toISOString(),
    pid: e.pid,
    tid: e.tid,
    uid: e.uid,
    comm: e.comm,
    syscall: e.call,
    ret: e.ret,
    fd: fd(e),
    errno: err(e),
    errno_name: e.ret < 0 ? (errnoSymbol(e.ret) ?? null) : null,
    flags: e.flags,
    flags_names: openFlagNames(e.flags),
    mode: e.mode,
    path: e.path,
  }),
});
