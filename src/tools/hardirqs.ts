/**
 * hardirqs: time spent in hard interrupt handlers (or, with -C, how often they ran) per handler
 * name, as totals or (-d) histograms, with the options, banner and table of Debian's libbpf-tools
 * 0.26 hardirqs (tools/hardirqs/hardirqs.bpf.c is the kernel side: irq_handler_entry/exit through
 * tp_btf, or their raw tracepoints where tp_btf is missing).
 */
import { OptionConflictError } from '../errors/index.js';
import { intervalCount } from './aggregate.js';
import { CGROUP } from './common.js';
import { defineAggregator } from './define.js';
import { log2Block, slotsOf } from './hist.js';
import { sprintf } from './printf.js';
import type { CommonOptions } from './session.js';
import type { ReportBlock } from './types.js';

interface Options extends CommonOptions {
  count?: boolean;
  distributed?: boolean;
  nanoseconds?: boolean;
  timestamp?: boolean;
}

/** The hardirqs tool. Runs as root (CAP_BPF + CAP_PERFMON) on a kernel with BTF. */
export default defineAggregator<Options>({
  kind: 'aggregate',
  name: 'hardirqs',
  summary: 'Summarize hard irq event time as histograms.',
  usage: `USAGE: hardirqs [--help] [-T] [-N] [-d] [interval] [count] [-c CG] [--json]

EXAMPLES:
    hardirqs            # total time in each interrupt handler, printed at Ctrl-C
    hardirqs -d         # histograms of handler run times
    hardirqs -C 1       # how often each handler ran, every second
    hardirqs 1 10       # every second, 10 times
    hardirqs -c CG      # interrupts taken while a process of cgroup (v2) CG ran
    hardirqs -NT 1      # every second, in nanoseconds, with the time`,
  options: [
    CGROUP,
    { flags: '-C, --count', help: 'Show event counts instead of timing' },
    { flags: '-d, --distributed', help: 'Show distributions as histograms' },
    { flags: '-N, --nanoseconds', help: 'Output in nanoseconds' },
    { flags: '-T, --timestamp', help: 'Include timestamp on output' },
  ],
  maxOperands: 2,
  extraOperandMessage: 'unrecognized positional argument: %s',
  hooks: [
    {
      what: 'hard interrupt handlers',
      use: [
        ['tp_btf/irq_handler_entry', 'tp_btf/irq_handler_exit'],
        ['raw_tp/irq_handler_entry', 'raw_tp/irq_handler_exit'],
      ],
    },
  ],
  notes: [
    'Uses irq_handler_entry/exit through tp_btf, or their raw tracepoints where tp_btf is missing (-v says which); one pair is loaded, so each interrupt counts once.',
    "Options and table are those of Debian's libbpf-tools 0.26 (-C counts calls), not of later bcc (-C per CPU, -s CPU).",
    'Interrupts handled outside irq_handler_entry/exit (the local timer, IPIs) are not seen, as with libbpf-tools.',
    'interval and count must be positive integers.',
  ],
  jsonFields: [
    ['time', 'when the report was printed (ISO 8601, UTC)'],
    ['irq', 'the handler name (/proc/interrupts)'],
    ['count', 'with -C: how often the handler ran in the interval'],
    ['unit, total', 'without -C or -d: "usecs" or "nsecs" (-N), and the time spent in the handler'],
    ['key, unit, buckets', 'with -d: {"irq"}, "usecs" or "nsecs", and [{"low", "high", "count"}] run times'],
  ],
  configure(o, setup) {
    if (o.count && o.distributed)
      throw new OptionConflictError("count, distributed cann't be used together.", ['count', 'distributed']);
    if (o.count) setup.setGlobal('targ_count', true);
    if (o.distributed) setup.setGlobal('targ_dist', true);
    if (o.nanoseconds) setup.setGlobal('targ_ns', true);
  },
  banner: (o) => `Tracing hard irq event${o.count ? 's' : ' time'}... Hit Ctrl-C to end.`,
  schedule: (_o, operands) => intervalCount(operands),
  report(maps, o) {
    const unit = o.nanoseconds ? 'nsecs' : 'usecs';
    const entries = maps.entries('infos', { clear: true });
    if (o.distributed)
      return entries.map(([k, v]) => {
        const irq = (k as { name: string }).name;
        return log2Block(`hardirq = ${irq}\n`, { irq }, unit, slotsOf(v));
      });
    const head = o.count
      ? sprintf('%-26s %11s\n', 'HARDIRQ', 'TOTAL_count')
      : sprintf('%-26s %6s%5s\n', 'HARDIRQ', 'TOTAL_', unit);
    const rows = entries.map(([k, v]): ReportBlock => {
      const irq = (k as { name: string }).name;
      const n = (v as { count: bigint }).count;
      return {
        text: sprintf('%-26s %11d\n', irq, n),
        json: o.count ? { irq, count: n } : { irq, unit, total: n },
      };
    });
    return [{ text: head }, ...rows];
  },
});
