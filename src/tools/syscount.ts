/**
 * syscount: system calls counted by syscall (or by process), optionally with their total latency,
 * printed at intervals or when stopped, with the options, headers and rows of libbpf-tools'
 * syscount (tools/syscount/syscount.bpf.c is the kernel side: the raw_syscalls tracepoints). The
 * interval loop is the aggregators' (aggregate.ts).
 */
import { clock } from '../cli/output/table.js';
import type { Decoded } from '../btf/decode.js';
import { ToolUsageError } from '../errors/index.js';
import { positiveInt } from './common.js';
import { defineEntry } from './define.js';
import { errnoNumber } from './decode/errno.js';
import { syscallName, syscallTable, type SyscallTable } from './decode/syscalls.js';
import { sprintf } from './printf.js';
import { runAggregator } from './aggregate.js';
import type { CommonOptions, ToolIo } from './session.js';
import type {
  AggregateMaps,
  AggregatorTool,
  HookSpec,
  JsonField,
  ReportBlock,
  Schedule,
  ToolBase,
  ToolSetup,
} from './types.js';

interface Options extends CommonOptions {
  pid?: number;
  interval?: number;
  duration?: number;
  top?: number;
  failures?: boolean;
  latency?: boolean;
  milliseconds?: boolean;
  process?: boolean;
  errno?: number;
  list?: boolean;
}

/** One counted key, as read from the `data` map. */
interface Entry {
  key: number;
  count: bigint;
  totalNs: bigint;
  comm: string;
}

/** An integer in 0..INT_MAX (the interval, where 0 means "only at the end"). */
function nonNegativeInt(message: string): (text: string) => number {
  return (text) => (/^\s*\+?0+\s*$/.test(text) ? 0 : positiveInt(message)(text));
}

/** -e: a positive number, or an errno name. */
function parseErrno(text: string): number {
  if (/^\s*\d+\s*$/.test(text) && Number(text) > 0) return positiveInt('invalid errno: %s')(text);
  const n = errnoNumber(text.trim());
  if (n === undefined) throw new ToolUsageError(`invalid errno: ${text} (not a number nor an errno name)`);
  return n;
}

const hooks: HookSpec<Options>[] = [
  { what: 'syscall exits (counts)', use: [['tracepoint/raw_syscalls/sys_exit']] },
  {
    what: 'syscall entries (latency)',
    use: [['tracepoint/raw_syscalls/sys_enter']],
    when: (o) => !!o.latency,
    whenText: 'with -L',
  },
];

function configure(o: Options, setup: ToolSetup): void {
  if (o.pid) setup.setGlobal('filter_pid', o.pid);
  if (o.process) setup.setGlobal('count_by_process', true);
  if (o.latency) setup.setGlobal('measure_latency', true);
  if (o.failures) setup.setGlobal('filter_failed', true);
  if (o.errno) setup.setGlobal('filter_errno', o.errno);
}

/** Reads and empties the `data` map. */
function takeEntries(maps: AggregateMaps): Entry[] {
  return maps.entries('data', { clear: true }).map(([k, v]) => {
    const d = v as { [f: string]: Decoded };
    return {
      key: k as number,
      count: d.count as bigint,
      totalNs: d.total_ns as bigint,
      comm: d.comm as string,
    };
  });
}

/** The top entries: by count, or by total latency with -L. */
function topEntries(entries: Entry[], o: Options): Entry[] {
  const by = o.latency ? (e: Entry): bigint => e.totalNs : (e: Entry): bigint => e.count;
  return entries.sort((a, b) => (by(b) > by(a) ? 1 : by(b) < by(a) ? -1 : 0)).slice(0, o.top ?? 10);
}

/** The lines above one report's rows: `[HH:MM:SS]` and the column header. */
function reportHead(o: Options): string {
  const first = o.process ? 'PID    COMM' : 'SYSCALL';
  const unit = o.milliseconds ? 'ms' : 'us';
  return (
    `[${clock()}]\n` +
    (o.latency
      ? sprintf('%-22s %8s %16s\n', first, 'COUNT', `TIME (${unit})`)
      : sprintf('%-22s %8s\n', first, 'COUNT'))
  );
}

/** One row's line. */
function rowText(e: Entry, o: Options, names: SyscallTable): string {
  const key = o.process ? sprintf('%-6u %-15s', e.key, e.comm) : syscallName(names, e.key);
  return o.latency
    ? sprintf('%-22s %8u %16.3f\n', key, e.count, Number(e.totalNs) / (o.milliseconds ? 1e6 : 1e3))
    : sprintf('%-22s %8u\n', key, e.count);
}

/** The --json object of one row (the runner adds `time`). */
function rowJson(e: Entry, o: Options, names: SyscallTable): Record<string, JsonField> {
  const key: Record<string, JsonField> = o.process
    ? { pid: e.key, comm: e.comm }
    : { id: e.key, syscall: names.names.get(e.key) ?? null };
  return { ...key, count: e.count, ...(o.latency ? { total_ns: e.totalNs } : {}) };
}

/** One report: the head, a block per row, a blank line; nothing at all when no syscall was counted. */
function report(maps: AggregateMaps, o: Options, names: SyscallTable): ReportBlock[] {
  const rows = topEntries(takeEntries(maps), o);
  if (!rows.length) return [];
  const blocks = rows.map((e) => ({ text: rowText(e, o, names), json: rowJson(e, o, names) }));
  return [{ text: reportHead(o) }, ...blocks, { text: '\n' }];
}

/**
 * libbpf-tools' timing: -i 0 (the default) reports only when stopped; a duration with an interval
 * is counted in whole intervals (`-i 2 -d 5` reports at 2, 4 and 6 s).
 */
function schedule(o: Options): Schedule {
  const interval = o.interval || undefined;
  if (interval === undefined) return { duration: o.duration };
  return { interval, count: o.duration !== undefined ? Math.ceil(o.duration / interval) : undefined };
}

function aggregator(names: SyscallTable): AggregatorTool<Options> {
  return {
    ...meta,
    kind: 'aggregate',
    banner: (o) => `Tracing syscalls, printing top ${o.top ?? 10}... Ctrl+C to quit.`,
    schedule,
    reportHeader: () => '',
    quietWhenEmpty: true,
    report: (maps, o) => report(maps, o, names),
  };
}

async function run(o: Options, io: ToolIo): Promise<void> {
  const names = syscallTable();
  if (o.verbose) io.err(`syscount: syscall names from ${names.sources.join(', then ') || 'nowhere'}\n`);
  if (o.list) {
    for (const [nr, name] of [...names.names].sort((a, b) => a[0] - b[0]))
      io.out(sprintf('%3d: %s\n', nr, name));
    return;
  }
  await runAggregator(aggregator(names), o, [], io);
}

/** What syscount declares besides its reports. */
const meta = {
  name: 'syscount',
  summary: 'Summarize syscall counts and latencies.',
  usage: `EXAMPLES:
    syscount                 # print top 10 syscalls by count every second
    syscount -p $(pidof dd)  # look only at a particular process
    syscount -L              # measure and sort output by latency
    syscount -P              # group statistics by pid, not by syscall
    syscount -x -i 5         # count only failed syscalls
    syscount -e ENOENT -i 5  # count only syscalls failed with a given errno
    syscount -c CG           # Trace process under cgroupsPath CG
    syscount --json -i 1     # one JSON object per row, every second`,
  options: [
    { flags: '-c, --cgroup </sys/fs/cgroup/unified/<CG>>', help: 'Trace process in cgroup path' },
    {
      flags: '-d, --duration <DURATION>',
      help: 'Total tracing duration (seconds)',
      parse: positiveInt('invalid DURATION: %s'),
    },
    {
      flags: '-e, --errno <ERRNO>',
      help: 'Trace only syscalls that return this error(numeric or EPERM, etc.)',
      parse: parseErrno,
    },
    {
      flags: '-i, --interval <INTERVAL>',
      help: 'Print summary at this interval (seconds), 0 for infinite wait (default)',
      parse: nonNegativeInt('invalid INTERVAL: %s'),
    },
    { flags: '-l, --list', help: 'Print list of recognized syscalls and exit' },
    { flags: '-L, --latency', help: 'Collect syscall latency' },
    { flags: '-m, --milliseconds', help: 'Display latency in milliseconds (default: microseconds)' },
    { flags: '-p, --pid <PID>', help: 'Process PID to trace', parse: positiveInt('invalid PID: %s') },
    { flags: '-P, --process', help: 'Count by process and not by syscall' },
    {
      flags: '-T, --top <TOP>',
      help: 'Print only the top syscalls (default 10)',
      parse: positiveInt('invalid TOP: %s'),
    },
    { flags: '-x, --failures', help: 'Trace only failed syscalls' },
  ],
  hooks,
  notes: [
    "Syscall names come from the running kernel's generated uapi header when its headers are installed, else from a built-in x86_64 table (Linux 6.18), then from /usr/include/<triplet>/asm/unistd_64.h (-v says which); libbpf-tools uses `ausyscall --dump` or its own older table, so it prints `[unknown: N]` for syscalls newer than that.",
    '-e takes every errno name bpfkit knows (EWOULDBLOCK and friends included) without the moreutils `errno` program.',
    "With -L, a thread's entry time is removed once its syscall returns, so threads that exited do not fill the map.",
    '--json prints no "Tracing syscalls" line and nothing for an empty interval.',
  ],
  jsonFields: [
    ['time', 'when the report was printed (ISO 8601, UTC); the same for every row of one report'],
    ['id, syscall', 'the syscall number and its name (null when unknown); without -P'],
    ['pid, comm', "the process id and its main thread's command name; with -P"],
    ['count', 'calls counted since the previous report'],
    ['total_ns', 'their summed latency in nanoseconds; with -L'],
  ],
  configure,
} satisfies ToolBase<Options>;

/** The syscount tool. Runs as root (CAP_BPF + CAP_PERFMON) on a kernel with BTF. */
export default defineEntry<Options>(meta, 'aggregate', (o, _operands, io) => run(o, io));
