/**
 * runqlat: run queue (scheduler) latency as log2 histograms, for everything or per process,
 * thread or PID namespace, with the options, banner and histograms of libbpf-tools' runqlat
 * (tools/runqlat/runqlat.bpf.c is the kernel side: sched_wakeup, sched_wakeup_new and
 * sched_switch through tp_btf, or their raw tracepoints where tp_btf is missing).
 */
import { OptionConflictError } from '../errors/index.js';
import { intervalCount } from './aggregate.js';
import { CGROUP, pidOption } from './common.js';
import { defineAggregator } from './define.js';
import { log2Block, slotsOf } from './hist.js';
import type { CommonOptions } from './session.js';
import type { JsonField } from './types.js';

interface Options extends CommonOptions {
  timestamp?: boolean;
  milliseconds?: boolean;
  pidnss?: boolean;
  pids?: boolean;
  tids?: boolean;
  pid?: number;
}

/** What a histogram's key is, per option: its label word and its --json key field. */
function keyKind(o: Options): 'pid' | 'tid' | 'pidns' | undefined {
  if (o.pids) return 'pid';
  if (o.tids) return 'tid';
  if (o.pidnss) return 'pidns';
  return undefined;
}

/** The runqlat tool. Runs as root (CAP_BPF + CAP_PERFMON) on a kernel with BTF. */
export default defineAggregator<Options>({
  kind: 'aggregate',
  name: 'runqlat',
  summary: 'Summarize run queue (scheduler) latency as a histogram.',
  usage: `USAGE: runqlat [--help] [-T] [-m] [--pidnss] [-L] [-P] [-p PID] [interval]
[count] [-c CG] [--json]

EXAMPLES:
    runqlat         # one histogram of run queue latency, printed at Ctrl-C
    runqlat 1 10    # a histogram every second, 10 times
    runqlat -mT 1   # every second, in milliseconds, with the time
    runqlat -P      # a histogram per process
    runqlat -p 185  # process 185 only
    runqlat -c CG   # processes in cgroup (v2) directory CG`,
  options: [
    CGROUP,
    { flags: '-L, --tids', help: 'Print a histogram per thread ID' },
    { flags: '-m, --milliseconds', help: 'Millisecond histogram' },
    { flags: '--pidnss', help: 'Print a histogram per PID namespace' },
    pidOption('Trace this PID only'),
    { flags: '-P, --pids', help: 'Print a histogram per process ID' },
    { flags: '-T, --timestamp', help: 'Include timestamp on output' },
  ],
  maxOperands: 2,
  extraOperandMessage: 'unrecognized positional argument: %s',
  hooks: [
    {
      what: 'scheduler wakeups and switches',
      use: [
        ['tp_btf/sched_wakeup', 'tp_btf/sched_wakeup_new', 'tp_btf/sched_switch'],
        ['raw_tp/sched_wakeup', 'raw_tp/sched_wakeup_new', 'raw_tp/sched_switch'],
      ],
    },
  ],
  notes: [
    'Uses the sched_wakeup, sched_wakeup_new and sched_switch tracepoints through tp_btf, or their raw tracepoints where tp_btf is missing (-v says which).',
    'interval and count must be positive integers ("invalid interval: x"); libbpf-tools takes anything strtol reads, "x" as an interval of 0.',
    '-c filters on the task running when a scheduler event fires (the waker, the task switched out), as libbpf-tools does.',
    '-p takes a positive process id ("Invalid PID: x"), where libbpf-tools reads "x" as no filter.',
  ],
  jsonFields: [
    ['time', 'when the histogram was printed (ISO 8601, UTC)'],
    [
      'key',
      '{} for the one histogram; {"pid", "comm"} with -P, {"tid", "comm"} with -L, {"pidns", "comm"} with --pidnss',
    ],
    ['unit', '"usecs", or "msecs" with -m'],
    [
      'buckets',
      'the printed buckets: [{"low", "high", "count"}], latencies low..high (inclusive) seen count times',
    ],
  ],
  configure(o, setup) {
    if ([o.pids, o.tids, o.pidnss].filter(Boolean).length > 1)
      throw new OptionConflictError("pidnss, pids, tids cann't be used together.", [
        'pidnss',
        'pids',
        'tids',
      ]);
    if (o.pid) setup.setGlobal('targ_tgid', o.pid);
    if (o.pids) setup.setGlobal('targ_per_process', true);
    if (o.tids) setup.setGlobal('targ_per_thread', true);
    if (o.pidnss) setup.setGlobal('targ_per_pidns', true);
    if (o.milliseconds) setup.setGlobal('targ_ms', true);
  },
  banner: () => 'Tracing run queue latency... Hit Ctrl-C to end.',
  schedule: (_o, operands) => intervalCount(operands),
  report(maps, o) {
    const kind = keyKind(o);
    const unit = o.milliseconds ? 'msecs' : 'usecs';
    return maps.entries('hists', { clear: true }).map(([k, v]) => {
      const comm = (v as { comm: string }).comm;
      const key: Record<string, JsonField> = kind ? { [kind]: k as number, comm } : {};
      const label = kind ? `\n${kind} = ${k as number} ${comm}\n` : '';
      return log2Block(label, key, unit, slotsOf(v));
    });
  },
});
