/**
 * runqslower: tasks that waited on a run queue longer than min_us before running, with the
 * options, banner, header and rows of libbpf-tools' runqslower (tools/runqslower/runqslower.bpf.c
 * is the kernel side: sched_wakeup, sched_wakeup_new and sched_switch through tp_btf, or their raw
 * tracepoints where tp_btf is missing).
 */
import { clock } from '../cli/output/table.js';
import type { Decoded } from '../btf/decode.js';
import { pidOption, positiveInt } from './common.js';
import { defineTool } from './define.js';
import type { CommonOptions } from './session.js';

interface Options extends CommonOptions {
  pid?: number;
  tid?: number;
  previous?: boolean;
  /** The positional min_us. */
  minUs?: number;
}

interface SlowEvent {
  comm: string;
  tid: number;
  pid: number;
  latency: bigint;
  prevComm: string;
  prevTid: number;
}

const DEFAULT_MIN_US = 10000;
const minUs = (o: Options): number => o.minUs ?? DEFAULT_MIN_US;
const parseDelay = positiveInt('Invalid delay (in us): %s');

/** The runqslower tool. Runs as root (CAP_BPF + CAP_PERFMON) on a kernel with BTF. */
export default defineTool<Options, SlowEvent>({
  name: 'runqslower',
  summary: 'Trace high run queue latency.',
  usage: `USAGE: runqslower [--help] [-p PID] [-t TID] [-P] [min_us] [--json]

EXAMPLES:
    runqslower         # trace latency higher than 10000 us (default)
    runqslower 1000    # trace latency higher than 1000 us
    runqslower -p 123  # trace pid 123
    runqslower -t 123  # trace tid 123 (use for threads only)
    runqslower -P      # also show previous task name and TID
    runqslower --json  # one JSON object per slow wait`,
  options: [
    pidOption('Process PID to trace'),
    { flags: '-P, --previous', help: 'also show previous task name and TID' },
    { flags: '-t, --tid <TID>', help: 'Thread TID to trace', parse: positiveInt('Invalid TID: %s') },
  ],
  maxOperands: 1,
  extraOperandMessage: 'Unrecognized positional argument: %s',
  operands: (values) => (values.length ? { minUs: parseDelay(values[0]) } : {}),
  hooks: [
    {
      what: 'run queue waits',
      use: [
        ['tp_btf/sched_wakeup', 'tp_btf/sched_wakeup_new', 'tp_btf/sched_switch'],
        ['raw_tp/sched_wakeup', 'raw_tp/sched_wakeup_new', 'raw_tp/sched_switch'],
      ],
    },
  ],
  notes: [
    'Uses sched_wakeup, sched_wakeup_new and sched_switch through tp_btf, or their raw tracepoints where tp_btf is missing (-v says which), as the peer does.',
    "A wait is reported when it is longer than min_us (strictly), as the peer's.",
  ],
  jsonFields: [
    ['time', 'when the event was printed (ISO 8601, UTC)'],
    ['comm, tid, pid', 'the task that waited: command name, thread and process id'],
    ['latency_us', 'µs between joining the run queue and running'],
    ['prev_comm, prev_tid', 'the task it replaced on the CPU'],
  ],
  banner: (o) => `Tracing run queue latency higher than ${minUs(o)} us`,
  configure(o, setup) {
    setup.setGlobal('min_us', minUs(o));
    if (o.pid) setup.setGlobal('target_pid', o.pid);
    if (o.tid) setup.setGlobal('target_tid', o.tid);
  },
  event(f: { [field: string]: Decoded }) {
    return {
      comm: f.comm as string,
      tid: f.tid as number,
      pid: f.pid as number,
      latency: f.delta_us as bigint,
      prevComm: f.prev_comm as string,
      prevTid: f.prev_tid as number,
    };
  },
  columns: [
    { header: ['%-8s ', 'TIME'], cell: ['%-8s ', () => clock()] },
    { header: ['%-16s ', 'COMM'], cell: ['%-16s ', (e) => e.comm] },
    { header: ['%-6s ', 'TID'], cell: ['%-6d ', (e) => e.tid] },
    { header: ['%14s', 'LAT(us)'], cell: ['%14d', (e) => e.latency] },
    { when: (o) => !!o.previous, header: [' %-16s', 'PREV COMM'], cell: [' %-16s', (e) => e.prevComm] },
    { when: (o) => !!o.previous, header: [' %-6s', 'PREV TID'], cell: [' %-6d', (e) => e.prevTid] },
  ],
  json: (e) => ({
    time: new Date().toISOString(),
    comm: e.comm,
    tid: e.tid,
    pid: e.pid,
    latency_us: e.latency,
    prev_comm: e.prevComm,
    prev_tid: e.prevTid,
  }),
});
