/**
 * cpudist: on-CPU (or, with -O, off-CPU) time of tasks as log2 histograms, for everything or per
 * process or thread, with the options, banner and histograms of libbpf-tools' cpudist
 * (tools/cpudist/cpudist.bpf.c is the kernel side: sched_switch through tp_btf, or its raw
 * tracepoint where tp_btf is missing).
 */
import { OptionConflictError } from '../errors/index.js';
import { intervalCount } from './aggregate.js';
import { CGROUP, pidOption } from './common.js';
import { defineAggregator } from './define.js';
import { log2Block, slotsOf } from './hist.js';
import type { CommonOptions } from './session.js';
import type { JsonField } from './types.js';

interface Options extends CommonOptions {
  offcpu?: boolean;
  timestamp?: boolean;
  milliseconds?: boolean;
  pids?: boolean;
  tids?: boolean;
  pid?: number;
}

/** The cpudist tool. Runs as root (CAP_BPF + CAP_PERFMON) on a kernel with BTF. */
export default defineAggregator<Options>({
  kind: 'aggregate',
  name: 'cpudist',
  summary: 'Summarize on-CPU time per task as a histogram.',
  usage: `USAGE: cpudist [--help] [-O] [-T] [-m] [-P] [-L] [-p PID] [interval] [count]
[-c CG] [--json]

EXAMPLES:
    cpudist              # one histogram of on-CPU time, printed at Ctrl-C
    cpudist -O           # off-CPU time instead
    cpudist 1 10         # a histogram every second, 10 times
    cpudist -mT 1        # every second, in milliseconds, with the time
    cpudist -P           # a histogram per process
    cpudist -p 185       # process 185 only
    cpudist -c CG        # processes in cgroup (v2) directory CG`,
  options: [
    CGROUP,
    { flags: '-L, --tids', help: 'Print a histogram per thread ID' },
    { flags: '-m, --milliseconds', help: 'Millisecond histogram' },
    { flags: '-O, --offcpu', help: 'Measure off-CPU time' },
    pidOption('Trace this PID only'),
    { flags: '-P, --pids', help: 'Print a histogram per process ID' },
    { flags: '-T, --timestamp', help: 'Include timestamp on output' },
  ],
  maxOperands: 2,
  extraOperandMessage: 'unrecognized positional argument: %s',
  hooks: [{ what: 'context switches', use: [['tp_btf/sched_switch'], ['raw_tp/sched_switch']] }],
  notes: [
    'Uses sched_switch through tp_btf, or its raw tracepoint where tp_btf is missing (-v says which).',
    'As libbpf-tools, on-CPU time is counted when a task is switched out while still runnable (preempted), not when it blocks.',
    '-c filters on the task switched out, as libbpf-tools does.',
    'interval and count must be positive integers; -p a positive process id (libbpf-tools reads -p 0 as process 0).',
    '-P with -L is refused ("pids, tids cann\'t be used together."); libbpf-tools lets -P win.',
  ],
  jsonFields: [
    ['time', 'when the histogram was printed (ISO 8601, UTC)'],
    ['key', '{} for the one histogram; {"pid", "comm"} with -P, {"tid", "comm"} with -L'],
    ['unit', '"usecs", or "msecs" with -m'],
    [
      'buckets',
      'the printed buckets: [{"low", "high", "count"}], times low..high (inclusive) seen count times',
    ],
  ],
  configure(o, setup) {
    if (o.pids && o.tids)
      throw new OptionConflictError("pids, tids cann't be used together.", ['pids', 'tids']);
    if (o.pid) setup.setGlobal('targ_tgid', o.pid);
    if (o.pids) setup.setGlobal('targ_per_process', true);
    if (o.tids) setup.setGlobal('targ_per_thread', true);
    if (o.offcpu) setup.setGlobal('targ_offcpu', true);
    if (o.milliseconds) setup.setGlobal('targ_ms', true);
  },
  banner: (o) => `Tracing ${o.offcpu ? 'off' : 'on'}-CPU time... Hit Ctrl-C to end.`,
  schedule: (_o, operands) => intervalCount(operands),
  report(maps, o) {
    const kind = o.pids ? 'pid' : o.tids ? 'tid' : undefined;
    const unit = o.milliseconds ? 'msecs' : 'usecs';
    return maps.entries('hists', { clear: true }).map(([k, v]) => {
      const comm = (v as { comm: string }).comm;
      const key: Record<string, JsonField> = kind ? { [kind]: k as number, comm } : {};
      return log2Block(kind ? `\n${kind} = ${k as number} ${comm}\n` : '', key, unit, slotsOf(v));
    });
  },
});
