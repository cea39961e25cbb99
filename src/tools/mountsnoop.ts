/**
 * mountsnoop: mount(2), umount2(2), fsopen(2), fsconfig(2), fsmount(2) and move_mount(2) calls
 * with the caller, its mount namespace, the arguments and the result, with the options, header
 * and rows (or, with -d, the blocks) of libbpf-tools' mountsnoop
 * (tools/mountsnoop/mountsnoop.bpf.c is the kernel side; syscall tracepoints only).
 */
import { clock } from '../cli/output/table.js';
import type { Decoded } from '../btf/decode.js';
import { pidOption } from './common.js';
import { defineTool } from './define.js';
import { errnoSymbol } from './decode/errno.js';
import {
  fsconfigCmdName,
  fsmountFlagNames,
  fsopenFlagNames,
  mountAttrNames,
  mountFlagNames,
  moveMountFlagNames,
  umountFlagNames,
} from './decode/mount-flags.js';
import { AT_FDCWD } from './decode/proc-path.js';
import type { CommonOptions } from './session.js';
import { cStrings } from './strings.js';

interface Options extends CommonOptions {
  pid?: number;
  timestamp?: boolean;
  detailed?: boolean;
}

interface MountEvent {
  /** MOUNT, UMOUNT, FSOPEN, FSCONFIG, FSMOUNT or MOVE_MOUNT. */
  op: string;
  pid: number;
  tid: number;
  comm: string;
  mntNs: number;
  ret: number;
  latencyNs: bigint;
  flags: number;
  fd: number;
  fd2: number;
  arg: number;
  /** The call's strings, in the order of mountsnoop.bpf.c's `strings`. */
  s: string[];
}

/** A result as mountsnoop prints it: `0`, `-ENOENT`, or the number (an fd). */
function retText(ret: number): string {
  if (ret === 0) return '0';
  return (ret < 0 ? errnoSymbol(ret) && `-${errnoSymbol(ret)}` : undefined) || String(ret);
}

const dfd = (fd: number): string => (fd === AT_FDCWD ? 'AT_FDCWD' : String(fd));

/** The call as written in C, `mount("src", "/dst", "tmpfs", MS_NOSUID, "size=1m") = 0`. */
function callText(e: MountEvent): string {
  const [a = '', b = '', c = '', d = ''] = e.s;
  const r = retText(e.ret);
  switch (e.op) {
    case 'MOUNT':
      return `mount("${a}", "${b}", "${c}", ${mountFlagNames(e.flags)}, "${d}") = ${r}`;
    case 'UMOUNT':
      return `umount("${a}", ${umountFlagNames(e.flags)}) = ${r}`;
    case 'FSOPEN':
      return `fsopen("${a}", ${fsopenFlagNames(e.flags)}) = ${r}`;
    case 'FSCONFIG':
      return `fsconfig(${e.fd}, "${fsconfigCmdName(e.arg)}", "${a}", "${b}", ${e.fd2}) = ${r}`;
    case 'FSMOUNT':
      return `fsmount(${e.fd}, "${fsmountFlagNames(e.flags)}", "${mountAttrNames(e.arg)}") = ${r}`;
    default:
      return `move_mount(${e.fd}, "${a}", ${dfd(e.fd2)}, "${b}", "${moveMountFlagNames(e.flags)}") = ${r}`;
  }
}

/** The call's own fields, for -d and --json: [label, value]. */
function details(e: MountEvent): [string, string | number][] {
  const [a = '', b = '', c = '', d = ''] = e.s;
  switch (e.op) {
    case 'MOUNT':
      return [
        ['FS', c],
        ['SOURCE', a],
        ['TARGET', b],
        ['DATA', d],
        ['FLAGS', mountFlagNames(e.flags)],
      ];
    case 'UMOUNT':
      return [
        ['FS', ''],
        ['SOURCE', ''],
        ['TARGET', a],
        ['DATA', ''],
        ['FLAGS', umountFlagNames(e.flags)],
      ];
    case 'FSOPEN':
      return [
        ['FS', a],
        ['FLAGS', fsopenFlagNames(e.flags)],
      ];
    case 'FSCONFIG':
      return [
        ['FD', e.fd],
        ['CMD', fsconfigCmdName(e.arg)],
        ['KEY', a],
        ['VALUE', b],
        ['AUX', e.fd2],
      ];
    case 'FSMOUNT':
      return [
        ['FS_FD', e.fd],
        ['FLAGS', fsmountFlagNames(e.flags)],
        ['ATTR_FLAGS', mountAttrNames(e.arg)],
      ];
    default:
      return [
        ['FROM_DFD', dfd(e.fd)],
        ['FROM_PATH', a],
        ['TO_DFD', dfd(e.fd2)],
        ['TO_PATH', b],
        ['FLAGS', moveMountFlagNames(e.flags)],
      ];
  }
}

/** The -d block: one `LABEL:  value` line per field, then a blank line. */
function detailedText(e: MountEvent, o: Options): string {
  const rows: [string, string | number][] = [
    ['PID', e.pid],
    ['TID', e.tid],
    ['COMM', e.comm],
    ['OP', e.op],
    ['RET', retText(e.ret)],
    ['LAT', `${e.latencyNs / 1000n}us`],
    ['MNT_NS', e.mntNs],
    ...details(e),
  ];
  // With -t the peer puts the time on a line of its own and indents the block under it.
  const [time, indent] = o.timestamp ? [`${clock()} \n`, '    '] : ['', ''];
  return time + rows.map(([k, v]) => `${indent}${`${k}:`.padEnd(7)} ${v}`).join('\n') + '\n';
}

const tracepoints = (call: string): string[] => [
  `tracepoint/syscalls/sys_enter_${call}`,
  `tracepoint/syscalls/sys_exit_${call}`,
];
const newApi = (call: string): { what: string; use: string[][]; optional: true } => ({
  what: `${call}(2)`,
  use: [tracepoints(call)],
  optional: true,
});

/** The mountsnoop tool. Runs as root (CAP_BPF + CAP_PERFMON) on a kernel with BTF. */
export default defineTool<Options, MountEvent>({
  name: 'mountsnoop',
  summary: 'Trace mount and umount syscalls.',
  usage: `USAGE: mountsnoop [-h] [-t] [-p PID] [-v] [-d] [--json]

EXAMPLES:
    mountsnoop         # trace mount and umount syscalls
    mountsnoop -d      # detailed output (one line per column value)
    mountsnoop -p 1216 # only trace PID 1216
    mountsnoop --json  # one JSON object per call`,
  options: [
    { flags: '-d, --detailed', help: 'Output result in detail mode' },
    pidOption(),
    { flags: '-t, --timestamp', help: 'Include timestamp on output' },
  ],
  hooks: [
    { what: 'mount(2)', use: [tracepoints('mount')] },
    { what: 'umount2(2)', use: [tracepoints('umount')] },
    newApi('fsopen'),
    newApi('fsconfig'),
    newApi('fsmount'),
    newApi('move_mount'),
  ],
  notes: [
    'MS_* flags are named by their values in <linux/mount.h>; libbpf-tools 0.26 names bits 9 and up one place off (MS_MOVE for MS_BIND).',
    'umount2(2) flags are shown as MNT_FORCE, MNT_DETACH, MNT_EXPIRE, UMOUNT_NOFOLLOW, and fsopen(2) flags as FSOPEN_CLOEXEC, not as MS_* names.',
    'Strings (paths, fs type, data, fsconfig key and value) are shown up to 4096 bytes each; the fs type is not cut at 7 characters.',
    "fsconfig(2)'s value is read as a string only for FSCONFIG_SET_STRING, _SET_PATH and _SET_PATH_EMPTY (empty otherwise).",
  ],
  jsonFields: [
    ['time', 'when the event was printed (ISO 8601, UTC)'],
    ['pid, tid', 'process and thread id of the caller'],
    ['comm', 'command name of the caller'],
    ['mnt_ns', "the caller's mount namespace (inode number)"],
    ['op', 'mount, umount, fsopen, fsconfig, fsmount or move_mount'],
    ['ret', 'what the call returned (0, an fd, or -errno)'],
    ['ret_name', 'a failure by name (ENOENT), null otherwise'],
    ['latency_us', 'microseconds from entry to exit'],
    ['call', 'the call as the table shows it'],
    [
      'args',
      "the call's arguments by name (source, target, fs, data, flags... as -d lists them, lower case)",
    ],
  ],
  configure(o, setup) {
    if (o.pid) setup.setGlobal('target_pid', o.pid);
  },
  event(f: { [field: string]: Decoded }, tail) {
    return {
      op: String(f.op),
      pid: f.pid as number,
      tid: f.tid as number,
      comm: f.comm as string,
      mntNs: f.mnt_ns as number,
      ret: f.ret as number,
      latencyNs: f.delta_ns as bigint,
      flags: Number(f.flags as bigint),
      fd: f.fd as number,
      fd2: f.fd2 as number,
      arg: f.arg as number,
      s: cStrings(tail),
    };
  },
  header: (o) => !o.detailed,
  columns: [
    { when: (o) => !!o.timestamp && !o.detailed, header: ['%-8s ', 'TIME'], cell: ['%-8s ', () => clock()] },
    { when: (o) => !o.detailed, header: ['%-16s ', 'COMM'], cell: ['%-16s ', (e) => e.comm] },
    { when: (o) => !o.detailed, header: ['%-7s ', 'PID'], cell: ['%-7d ', (e) => e.pid] },
    { when: (o) => !o.detailed, header: ['%-7s ', 'TID'], cell: ['%-7d ', (e) => e.tid] },
    { when: (o) => !o.detailed, header: ['%-11s ', 'MNT_NS'], cell: ['%-11u ', (e) => e.mntNs] },
    { when: (o) => !o.detailed, header: ['%s', 'CALL'], cell: ['%s', callText] },
    { when: (o) => !!o.detailed, header: ['', ''], cell: ['%s', detailedText] },
  ],
  json: (e) => ({
    time: new Date().toISOString(),
    pid: e.pid,
    tid: e.tid,
    comm: e.comm,
    mnt_ns: e.mntNs,
    op: e.op.toLowerCase(),
    ret: e.ret,
    ret_name: e.ret < 0 ? (errnoSymbol(e.ret) ?? null) : null,
    latency_us: Number(e.latencyNs / 1000n),
    call: callText(e),
    args: Object.fromEntries(
      details(e)
        .filter(([, v]) => v !== '' || e.op !== 'UMOUNT')
        .map(([k, v]) => [k.toLowerCase(), v]),
    ),
  }),
});
