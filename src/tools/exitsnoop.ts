/**
 * exitsnoop: processes (or threads, with -T) as they exit, with parent, age and exit status, with
 * the options, header and rows of libbpf-tools' exitsnoop (tools/exitsnoop/exitsnoop.bpf.c is the
 * kernel side: sched_process_exit through tp_btf, or the raw tracepoint where tp_btf is missing).
 */
import { clock } from '../cli/output/table.js';
import type { Decoded } from '../btf/decode.js';
import { CGROUP, pidOption } from './common.js';
import { defineTool } from './define.js';
import { signalDescription, signalName } from './decode/signals.js';
import type { CommonOptions } from './session.js';

interface Options extends CommonOptions {
  pid?: number;
  timestamp?: boolean;
  threaded?: boolean;
  failed?: boolean;
}

interface ExitEvent {
  pid: number;
  tid: number;
  ppid: number;
  comm: string;
  /** Seconds the task lived. */
  age: number;
  /** exit(2)'s code (0 when a signal ended the task). */
  code: number;
  /** The signal that ended it, 0 for none. */
  signal: number;
  core: boolean;
}

/** EXIT_CODE as libbpf-tools prints it: `0`, `code 3`, `signal 9 (Killed)`, `…, core dumped`. */
function exitText(e: ExitEvent): string {
  if (e.signal === 0) return e.code === 0 ? '0' : `code ${e.code}`;
  return `signal ${e.signal} (${signalDescription(e.signal)})${e.core ? ', core dumped' : ''}`;
}

/** The exitsnoop tool. Runs as root (CAP_BPF + CAP_PERFMON) on a kernel with BTF. */
export default defineTool<Options, ExitEvent>({
  name: 'exitsnoop',
  summary: 'Trace process termination.',
  usage: `USAGE: exitsnoop [-h] [-t] [-x] [-p PID] [-T] [-c CG] [--json]

EXAMPLES:
    exitsnoop             # every process exit, system-wide
    exitsnoop -t          # with the time
    exitsnoop -x          # non-zero exit statuses only
    exitsnoop -p 1216     # the exit of process 1216
    exitsnoop -T          # every thread, not only main threads
    exitsnoop -c CG       # processes in cgroup (v2) directory CG
    exitsnoop --json      # one JSON object per exit`,
  options: [
    CGROUP,
    pidOption(),
    { flags: '-t, --timestamp', help: 'Include timestamp on output' },
    { flags: '-T, --threaded', help: 'Trace by thread.' },
    { flags: '-x, --failed', help: 'Trace error exits only.' },
  ],
  hooks: [
    {
      what: 'process exits',
      use: [['tp_btf/sched_process_exit'], ['raw_tp/sched_process_exit']],
    },
  ],
  notes: [
    'Uses sched_process_exit through tp_btf, or its raw tracepoint where tp_btf is missing (-v says which).',
    'The TIME(s) column shows the wall-clock time, as libbpf-tools does despite its title.',
  ],
  jsonFields: [
    ['time', 'when the event was printed (ISO 8601, UTC)'],
    ['pid, tid, ppid', 'process, thread and parent process id'],
    ['comm', 'command name'],
    ['age', 'seconds from the start of the task to its exit'],
    ['exit_code', "exit(2)'s code, 0 when a signal ended the task"],
    ['signal', 'the signal that ended the task, 0 for none'],
    ['signal_name', 'that signal by name (SIGKILL), null for none'],
    ['core_dumped', 'whether the signal dumped core'],
  ],
  configure(o, setup) {
    if (o.pid) setup.setGlobal('target_pid', o.pid);
    if (o.failed) setup.setGlobal('trace_failed_only', true);
    if (o.threaded) setup.setGlobal('trace_by_process', false);
  },
  event(f: { [field: string]: Decoded }) {
    const sig = f.sig as number;
    return {
      pid: f.pid as number,
      tid: f.tid as number,
      ppid: f.ppid as number,
      comm: f.comm as string,
      age: Number((f.exit_time as bigint) - (f.start_time as bigint)) / 1e9,
      code: f.exit_code as number,
      signal: sig & 0x7f,
      core: (sig & 0x80) !== 0,
    };
  },
  columns: [
    { when: (o) => !!o.timestamp, header: ['%-8s ', 'TIME(s)'], cell: ['%8s ', () => clock()] },
    { header: ['%-16s ', 'PCOMM'], cell: ['%-16s ', (e) => e.comm] },
    { header: ['%-7s ', 'PID'], cell: ['%-7d ', (e) => e.pid] },
    { header: ['%-7s ', 'PPID'], cell: ['%-7d ', (e) => e.ppid] },
    { header: ['%-7s ', 'TID'], cell: ['%-7d ', (e) => e.tid] },
    { header: ['%-7s ', 'AGE(s)'], cell: ['%-7.2f ', (e) => e.age] },
    { header: ['%-s', 'EXIT_CODE'], cell: ['%s', exitText] },
  ],
  json: (e) => ({
    time: new Date().toISOString(),
    pid: e.pid,
    tid: e.tid,
    ppid: e.ppid,
    comm: e.comm,
    age: e.age,
    exit_code: e.code,
    signal: e.signal,
    signal_name: e.signal ? (signalName(e.signal) ?? null) : null,
    core_dumped: e.core,
  }),
});
