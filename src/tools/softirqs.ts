/**
 * softirqs: time spent in soft interrupts per vector (timer, net_rx, …), as totals or (-d)
 * histograms, with the options, banner and table of Debian's libbpf-tools 0.26 softirqs
 * (tools/softirqs/softirqs.bpf.c is the kernel side: softirq_entry/exit through tp_btf, or their
 * raw tracepoints where tp_btf is missing).
 */
import { intervalCount } from './aggregate.js';
import { defineAggregator } from './define.js';
import { log2Block, slotTotal, slotsOf } from './hist.js';
import { sprintf } from './printf.js';
import type { CommonOptions } from './session.js';
import type { ReportBlock } from './types.js';

interface Options extends CommonOptions {
  distributed?: boolean;
  nanoseconds?: boolean;
  timestamp?: boolean;
}

/** Softirq vector names by number (the kernel's softirq_to_name). */
const VECTORS = [
  'hi',
  'timer',
  'net_tx',
  'net_rx',
  'block',
  'irq_poll',
  'tasklet',
  'sched',
  'hrtimer',
  'rcu',
];

interface Stat {
  count: bigint;
  time: bigint;
  slots: number[];
}

/** The softirqs tool. Runs as root (CAP_BPF + CAP_PERFMON) on a kernel with BTF. */
export default defineAggregator<Options>({
  kind: 'aggregate',
  name: 'softirqs',
  summary: 'Summarize soft irq event time as histograms.',
  usage: `USAGE: softirqs [--help] [-T] [-N] [-d] [interval] [count] [--json]

EXAMPLES:
    softirqs            # total time in each soft interrupt, printed at Ctrl-C
    softirqs -d         # histograms of soft interrupt run times
    softirqs 1 10       # every second, 10 times
    softirqs -NT 1      # every second, in nanoseconds, with the time`,
  options: [
    { flags: '-d, --distributed', help: 'Show distributions as histograms' },
    { flags: '-N, --nanoseconds', help: 'Output in nanoseconds' },
    { flags: '-T, --timestamp', help: 'Include timestamp on output' },
  ],
  maxOperands: 2,
  extraOperandMessage: 'unrecognized positional argument: %s',
  hooks: [
    {
      what: 'soft interrupts',
      use: [
        ['tp_btf/softirq_entry', 'tp_btf/softirq_exit'],
        ['raw_tp/softirq_entry', 'raw_tp/softirq_exit'],
      ],
    },
  ],
  notes: [
    'Uses softirq_entry/exit through tp_btf, or their raw tracepoints where tp_btf is missing (-v says which); one pair is loaded, so each softirq counts once.',
    "Options and table are those of Debian's libbpf-tools 0.26 (no -C, no -c).",
    'The counters live in an array map read and zeroed each interval, not in mmapped .bss.',
    'interval and count must be positive integers.',
  ],
  jsonFields: [
    ['time', 'when the report was printed (ISO 8601, UTC)'],
    ['softirq', 'the vector name (hi, timer, net_tx, net_rx, block, irq_poll, tasklet, sched, hrtimer, rcu)'],
    ['count', 'how often it ran in the interval'],
    ['unit, total', 'without -d: "usecs" or "nsecs" (-N), and the time spent in it'],
    [
      'key, unit, buckets',
      'with -d: {"softirq"}, "usecs" or "nsecs", and [{"low", "high", "count"}] run times',
    ],
  ],
  configure(o, setup) {
    if (o.distributed) setup.setGlobal('targ_dist', true);
    if (o.nanoseconds) setup.setGlobal('targ_ns', true);
  },
  banner: () => 'Tracing soft irq event time... Hit Ctrl-C to end.',
  schedule: (_o, operands) => intervalCount(operands),
  report(maps, o) {
    const unit = o.nanoseconds ? 'nsecs' : 'usecs';
    const stats = maps
      .entries('stats', { clear: true })
      .map(([k, v]) => [k as number, v as unknown as Stat] as const);
    if (o.distributed)
      return stats
        .filter(([, s]) => slotTotal(slotsOf(s as never)) > 0n)
        .map(([vec, s]) => {
          const softirq = VECTORS[vec] ?? String(vec);
          const b = log2Block(`softirq = ${softirq}\n`, { softirq }, unit, s.slots, { count: s.count });
          return { ...b, text: `${b.text}\n` };
        });
    const rows = stats
      .filter(([, s]) => s.count > 0n)
      .map(([vec, s]): ReportBlock => {
        const softirq = VECTORS[vec] ?? String(vec);
        return {
          text: sprintf('%-16s %11d\n', softirq, s.time),
          json: { softirq, count: s.count, unit, total: s.time },
        };
      });
    return [{ text: sprintf('%-16s %6s%5s\n', 'SOFTIRQ', 'TOTAL_', unit) }, ...rows];
  },
});
