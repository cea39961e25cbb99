/**
 * biolatency: block device I/O latency as log2 histograms, for everything or per disk and per set
 * of request flags, with the options, banner and histograms of libbpf-tools' biolatency
 * (tools/biolatency/biolatency.bpf.c is the kernel side: block_rq_issue and block_rq_complete, and
 * block_rq_insert with -Q, through tp_btf or their raw tracepoints where tp_btf is missing).
 */
import { NotFoundError, ToolUsageError } from '../errors/index.js';
import { intervalCount } from './aggregate.js';
import { CGROUP } from './common.js';
import { defineAggregator } from './define.js';
import { log2Block, slotsOf } from './hist.js';
import { blockFlagsText } from './decode/block-flags.js';
import { partitions } from './decode/partitions.js';
import type { CommonOptions } from './session.js';
import type { JsonField } from './types.js';

interface Options extends CommonOptions {
  timestamp?: boolean;
  milliseconds?: boolean;
  queued?: boolean;
  disk?: boolean;
  flag?: boolean;
  /** -d DISK. */
  d?: string;
}

/** Disk names by device number, read once per run. */
let names: Map<number, string> | undefined;
const diskName = (dev: number): string =>
  (names ??= new Map(partitions().map((p) => [p.dev, p.name]))).get(dev) ?? 'Unknown';

/** The biolatency tool. Runs as root (CAP_BPF + CAP_PERFMON) on a kernel with BTF. */
export default defineAggregator<Options>({
  kind: 'aggregate',
  name: 'biolatency',
  summary: 'Summarize block device I/O latency as a histogram.',
  usage: `USAGE: biolatency [--help] [-T] [-m] [-Q] [-D] [-F] [-d DISK] [-c CG]
[interval] [count] [--json]

EXAMPLES:
    biolatency              # one histogram of block I/O latency, printed at Ctrl-C
    biolatency 1 10         # a histogram every second, 10 times
    biolatency -mT 1        # every second, in milliseconds, with the time
    biolatency -Q           # from queueing in the kernel, not from issue
    biolatency -D           # a histogram per disk
    biolatency -F           # a histogram per set of request flags
    biolatency -d sdc       # disk sdc only
    biolatency -c CG        # I/O issued by processes in cgroup (v2) directory CG`,
  options: [
    CGROUP,
    { flags: '-d <DISK>', help: 'Trace this disk only' },
    { flags: '-D, --disk', help: 'Print a histogram per disk device' },
    { flags: '-F, --flag', help: 'Print a histogram per set of I/O flags' },
    { flags: '-m, --milliseconds', help: 'Millisecond histogram' },
    { flags: '-Q, --queued', help: 'Include OS queued time in I/O time' },
    { flags: '-T, --timestamp', help: 'Include timestamp on output' },
  ],
  maxOperands: 2,
  extraOperandMessage: 'unrecognized positional argument: %s',
  hooks: [
    {
      what: 'block I/O issue and completion',
      use: [
        ['tp_btf/block_rq_issue', 'tp_btf/block_rq_complete'],
        ['raw_tp/block_rq_issue', 'raw_tp/block_rq_complete'],
      ],
    },
    {
      what: 'block I/O queueing',
      use: [['tp_btf/block_rq_insert'], ['raw_tp/block_rq_insert']],
      when: (o) => !!o.queued,
      whenText: 'with -Q',
    },
  ],
  notes: [
    'Uses the block_rq_issue, block_rq_complete (and with -Q block_rq_insert) tracepoints through tp_btf, or their raw tracepoints where tp_btf is missing (-v says which); kernels before 5.11, whose tracepoints pass the queue first, are not supported.',
    '-d has no long name: libbpf-tools gives -d and -D the same one, --disk, which means -D.',
    'An unknown -d disk is an error (exit 1, "invalid partition name: not exist"); libbpf-tools prints its message and exits 0.',
    "-F names flags and operations by libbpf-tools' frozen Linux 5.x numbering (right for Read, Write, Flush, Discard and the flags listed; newer zone operations may be named wrongly, as there).",
    'interval and count must be positive integers.',
  ],
  jsonFields: [
    ['time', 'when the histogram was printed (ISO 8601, UTC)'],
    [
      'key',
      '{} for the one histogram; with -D "disk" (name, "Unknown" when not in /proc/partitions) and "dev" (major << 20 | minor); with -F "flags" (as printed) and "cmd_flags" (the number)',
    ],
    ['unit', '"usecs", or "msecs" with -m'],
    [
      'buckets',
      'the printed buckets: [{"low", "high", "count"}], latencies low..high (inclusive) seen count times',
    ],
  ],
  configure(o, setup) {
    if (o.d !== undefined) {
      if (o.d.length > 31) throw new ToolUsageError('invalid disk name: too long');
      const p = partitions().find((x) => x.name === o.d);
      if (!p) throw new NotFoundError('invalid partition name: not exist', { what: 'disk', key: o.d });
      setup.setGlobal('filter_dev', true);
      setup.setGlobal('targ_dev', p.dev);
    }
    if (o.queued) setup.setGlobal('targ_queued', true);
    if (o.disk) setup.setGlobal('targ_per_disk', true);
    if (o.flag) setup.setGlobal('targ_per_flag', true);
    if (o.milliseconds) setup.setGlobal('targ_ms', true);
  },
  banner: () => 'Tracing block device I/O... Hit Ctrl-C to end.',
  schedule: (_o, operands) => intervalCount(operands),
  report(maps, o) {
    const unit = o.milliseconds ? 'msecs' : 'usecs';
    return maps.entries('hists', { clear: true }).map(([k, v]) => {
      const { dev, cmd_flags: flags } = k as { dev: number; cmd_flags: number };
      const key: Record<string, JsonField> = {};
      let label = '';
      if (o.disk) {
        label += `\ndisk = ${diskName(dev)}\t`;
        Object.assign(key, { disk: diskName(dev), dev });
      }
      if (o.flag) {
        label += `flags = ${blockFlagsText(flags)}`;
        Object.assign(key, { flags: blockFlagsText(flags), cmd_flags: flags });
      }
      return log2Block(`${label}\n`, key, unit, slotsOf(v));
    });
  },
});
