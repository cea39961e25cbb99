/**
 * execsnoop: execve(2) and execveat(2) calls with the caller, its parent, the result and the
 * arguments, with the options, header and rows of libbpf-tools' execsnoop
 * (tools/execsnoop/execsnoop.bpf.c is the kernel side; syscall tracepoints only).
 */
import { clock } from '../cli/output/table.js';
import type { Decoded } from '../btf/decode.js';
import { ToolUsageError } from '../errors/index.js';
import { CLOCK, clockNs } from '../sys/libc.js';
import { CGROUP, uid } from './common.js';
import { defineTool } from './define.js';
import { errnoSymbol } from './decode/errno.js';
import type { CommonOptions } from './session.js';
import { cStrings } from './strings.js';

interface Options extends CommonOptions {
  time?: boolean;
  timestamp?: boolean;
  fails?: boolean;
  uid?: number;
  quote?: boolean;
  name?: string;
  line?: string;
  printUid?: boolean;
  maxArgs?: number;
  decode?: boolean;
}

interface ExecEvent {
  pid: number;
  tid: number;
  ppid: number;
  uid: number;
  ret: number;
  call: string;
  /** Monotonic ns of the exec's return. */
  ts: bigint;
  comm: string;
  /** The file name, then argv[1..]. */
  args: string[];
  /** More arguments existed than were read. */
  truncated: boolean;
}

const MAX_ARGS = 60;
const DEFAULT_MAX_ARGS = 20;

/** Monotonic ns when tracing started, for -t. */
let started = 0n;

function maxArgs(text: string): number {
  const n = /^\s*\d+\s*$/.test(text) ? Number(text) : NaN;
  if (!(n >= 1 && n <= MAX_ARGS))
    throw new ToolUsageError(`Invalid MAX_ARGS ${text}, should be in [1, ${MAX_ARGS}] range`);
  return n;
}

/** An argument between double quotes, with `"`, tab and newline escaped as libbpf-tools' -q does. */
function quoted(arg: string): string {
  return `"${arg.replace(/["\t\n]/g, (c) => (c === '"' ? '\\"' : c === '\t' ? '\\t' : '\\n'))}"`;
}

function argsText(e: ExecEvent, o: Options): string {
  const words = o.quote ? e.args.map(quoted) : e.args;
  return words.map((w) => `${w} `).join('') + (e.truncated ? '...' : '');
}

function retText(e: ExecEvent, o: Options): string | number {
  if (!o.decode || e.ret >= 0) return e.ret;
  const name = errnoSymbol(e.ret);
  return name ? `-${name}` : e.ret;
}

/** The execsnoop tool. Runs as root (CAP_BPF + CAP_PERFMON) on a kernel with BTF. */
export default defineTool<Options, ExecEvent>({
  name: 'execsnoop',
  summary: 'Trace exec syscalls',
  usage: `USAGE: execsnoop [-h] [-T] [-t] [-x] [-u UID] [-q] [-n NAME] [-l LINE] [-U] [-c CG]
                 [--max-args MAX_ARGS] [--json] [--decode]

EXAMPLES:
   execsnoop             # every successful exec, system-wide
   execsnoop -x          # failed execs too
   execsnoop -T -U       # with the time and the uid
   execsnoop -t          # with seconds since tracing started
   execsnoop -u 1000     # the execs of user 1000
   execsnoop -q          # each argument between double quotes
   execsnoop -n make     # commands whose name contains "make"
   execsnoop -l --debug  # command lines containing "--debug"
   execsnoop -c CG       # processes in cgroup (v2) directory CG
   execsnoop --json      # one JSON object per exec`,
  options: [
    CGROUP,
    { flags: '-l, --line <LINE>', help: 'only print commands where arg contains this line' },
    {
      flags: '--max-args <MAX_ARGS>',
      help: `maximum number of arguments parsed and displayed, defaults to ${DEFAULT_MAX_ARGS}`,
      parse: maxArgs,
    },
    { flags: '-n, --name <NAME>', help: 'only print commands matching this name, any arg' },
    { flags: '-q, --quote', help: 'Add quotemarks (") around arguments' },
    { flags: '-t, --timestamp', help: 'include timestamp on output' },
    { flags: '-T, --time', help: 'include time column on output (HH:MM:SS)' },
    { flags: '-u, --uid <UID>', help: 'trace this UID only', parse: uid() },
    { flags: '-U, --print-uid', help: 'print UID column' },
    { flags: '-x, --fails', help: 'include failed exec()s' },
    { flags: '--decode', help: 'Show a failed RET as an errno name (-ENOENT)', extra: true },
  ],
  hooks: [
    {
      what: 'execve(2)',
      use: [['tracepoint/syscalls/sys_enter_execve', 'tracepoint/syscalls/sys_exit_execve']],
    },
    {
      what: 'execveat(2)',
      use: [['tracepoint/syscalls/sys_enter_execveat', 'tracepoint/syscalls/sys_exit_execveat']],
      optional: true,
    },
  ],
  notes: [
    'Also traces execveat(2), which libbpf-tools does not.',
    '-l matches the arguments; libbpf-tools matches the command name.',
    '-t is the time of the exec, not of printing; the TIME(s) and UID cells end with a space as their headers do (libbpf-tools runs them into the next column).',
    'With -q, an argument list that was cut ends in ` ...`, without the stray quote libbpf-tools adds.',
  ],
  jsonFields: [
    ['time', 'when the event was printed (ISO 8601, UTC)'],
    ['pid, tid, ppid, uid', 'process, thread, parent process and user id'],
    ['comm', "command name after the exec (the caller's when it failed)"],
    ['syscall', 'execve or execveat'],
    ['ret', '0, or -errno'],
    ['errno_name', 'the error by name (ENOENT), null on success'],
    ['filename', 'the file name passed to the call'],
    ['args', 'argv[1] onwards, as read (see --max-args)'],
    ['args_truncated', 'true when there were more arguments than --max-args'],
    ['timestamp', 'seconds since tracing started (what -t prints)'],
  ],
  configure(o, setup) {
    started = clockNs(CLOCK.MONOTONIC);
    if (o.fails) setup.setGlobal('ignore_failed', false);
    if (o.uid !== undefined) setup.setGlobal('targ_uid', o.uid);
    setup.setGlobal('max_args', o.maxArgs ?? DEFAULT_MAX_ARGS);
  },
  event(f: { [field: string]: Decoded }, tail) {
    const all = cStrings(tail.subarray(0, f.args_size as number));
    const count = f.args_count as number;
    return {
      pid: f.pid as number,
      tid: f.tid as number,
      ppid: f.ppid as number,
      uid: f.uid as number,
      ret: f.retval as number,
      call: String(f.call).toLowerCase(),
      ts: f.ts as bigint,
      comm: f.comm as string,
      args: all,
      truncated: count > all.length,
    };
  },
  accept: (e, o) => (!o.name || e.comm.includes(o.name)) && (!o.line || e.args.join(' ').includes(o.line)),
  columns: [
    { when: (o) => !!o.time, header: ['%-9s', 'TIME'], cell: ['%-8s ', () => clock()] },
    { when: (o) => !!o.timestamp, header: ['%-8s ', 'TIME(s)'], cell: ['%-8.3f ', (e) => seconds(e)] },
    { when: (o) => !!o.printUid, header: ['%-6s ', 'UID'], cell: ['%-6d ', (e) => e.uid] },
    { header: ['%-16s ', 'PCOMM'], cell: ['%-16s ', (e) => e.comm] },
    { header: ['%-6s ', 'PID'], cell: ['%-6d ', (e) => e.pid] },
    { header: ['%-6s ', 'PPID'], cell: ['%-6d ', (e) => e.ppid] },
    { header: ['%3s ', 'RET'], cell: ['%3s ', retText] },
    { header: ['%s', 'ARGS'], cell: ['%s', argsText] },
  ],
  json: (e) => ({
    time: new Date().toISOString(),
    pid: e.pid,
    tid: e.tid,
    ppid: e.ppid,
    uid: e.uid,
    comm: e.comm,
    syscall: e.call,
    ret: e.ret,
    errno_name: e.ret < 0 ? (errnoSymbol(e.ret) ?? null) : null,
    filename: e.args[0] ?? '',
    args: e.args.slice(1),
    args_truncated: e.truncated,
    timestamp: seconds(e),
  }),
});

function seconds(e: ExecEvent): number {
  return Number(e.ts - started) / 1e9;
}
