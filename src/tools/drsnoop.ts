/**
 * drsnoop: direct reclaim with the task, its latency and the pages reclaimed, with the options,
 * banner, header and rows of libbpf-tools' drsnoop (tools/drsnoop/drsnoop.bpf.c is the kernel
 * side: vmscan's direct reclaim tracepoints through tp_btf or their raw tracepoints, and with
 * --memcg the memory cgroup reclaim ones). -e reads /proc/vmstat.
 */
import { readFileSync } from 'node:fs';
import { clock } from '../cli/output/table.js';
import type { Decoded } from '../btf/decode.js';
import { positiveInt } from './common.js';
import { defineTool } from './define.js';
import type { CommonOptions } from './session.js';

interface Options extends CommonOptions {
  duration?: number;
  extended?: boolean;
  pid?: number;
  tid?: number;
  memcg?: boolean;
}

interface ReclaimEvent {
  pid: number;
  tid: number;
  comm: string;
  latencyNs: bigint;
  pages: bigint;
  /** direct or memcg. */
  kind: string;
}

/** Free memory in KiB (/proc/vmstat nr_free_pages), 0 when unreadable. */
function freeKb(): number {
  try {
    const m = /^nr_free_pages (\d+)$/m.exec(readFileSync('/proc/vmstat', 'utf8'));
    return m ? (Number(m[1]) * 4096) / 1024 : 0;
  } catch {
    return 0;
  }
}

const pair = (begin: string, end: string, via: string): string[] => [`${via}/${begin}`, `${via}/${end}`];
const reclaim = (prefix: string): string[][] => [
  pair(`${prefix}_begin`, `${prefix}_end`, 'tp_btf'),
  pair(`${prefix}_begin`, `${prefix}_end`, 'raw_tp'),
];

/** The drsnoop tool. Runs as root (CAP_BPF + CAP_PERFMON) on a kernel with BTF. */
export default defineTool<Options, ReclaimEvent>({
  name: 'drsnoop',
  summary: 'Trace direct reclaim latency.',
  usage: `USAGE: drsnoop [--help] [-p PID] [-t TID] [-d DURATION] [-e] [--memcg] [--json]

EXAMPLES:
    drsnoop         # trace all direct reclaim events
    drsnoop -p 123  # trace pid 123
    drsnoop -t 123  # trace tid 123 (use for threads only)
    drsnoop -d 10   # trace for 10 seconds only
    drsnoop -e      # trace all direct reclaim events with extended faileds
    drsnoop --memcg # also reclaim at a memory cgroup's limit`,
  options: [
    {
      flags: '-d, --duration <DURATION>',
      help: 'Total duration of trace in seconds',
      parse: positiveInt('Invalid duration: %s'),
    },
    { flags: '-e, --extended', help: 'Extended fields output' },
    { flags: '-p, --pid <PID>', help: 'Process PID to trace', parse: positiveInt('Invalid PID: %s') },
    { flags: '-t, --tid <TID>', help: 'Thread TID to trace', parse: positiveInt('Invalid TID: %s') },
    { flags: '--memcg', help: "Also trace reclaim at a memory cgroup's limit", extra: true },
  ],
  hooks: [
    { what: 'direct reclaim', use: reclaim('mm_vmscan_direct_reclaim') },
    {
      what: 'memory cgroup reclaim',
      use: reclaim('mm_vmscan_memcg_reclaim'),
      when: (o) => !!o.memcg,
      whenText: 'with --memcg',
    },
  ],
  notes: [
    'Uses the vmscan direct reclaim tracepoints through tp_btf, or their raw tracepoints, as libbpf-tools does.',
    "FREE(KB) (-e) is the system's free memory (/proc/vmstat nr_free_pages) when the row is printed, not when reclaim began: the kernel's vm_zone_stat is not reachable here.",
    "--memcg also shows the reclaim a task does when its memory cgroup is at its limit (vmscan's memcg_reclaim tracepoints): a cgroup's limit never triggers direct reclaim.",
  ],
  jsonFields: [
    ['time', 'when the event was printed (ISO 8601, UTC)'],
    ['pid, tid', 'process and thread id of the reclaiming task'],
    ['comm', 'its command name'],
    ['kind', 'direct, or memcg (--memcg)'],
    ['latency_ms', 'milliseconds spent reclaiming'],
    ['pages', 'pages reclaimed'],
    ['free_kb', 'free memory in KiB (with -e), else null'],
  ],
  configure(o, setup) {
    if (o.pid) setup.setGlobal('targ_pid', o.pid);
    if (o.tid) setup.setGlobal('targ_tid', o.tid);
  },
  duration: (o) => o.duration,
  event: (f: { [field: string]: Decoded }) => ({
    pid: f.pid as number,
    tid: f.tid as number,
    comm: f.comm as string,
    latencyNs: f.delta_ns as bigint,
    pages: f.nr_reclaimed as bigint,
    kind: String(f.kind).toLowerCase(),
  }),
  banner: (o) =>
    `Tracing direct reclaim events${o.duration ? ` for ${o.duration} secs.` : '... Hit Ctrl-C to end.'}`,
  columns: [
    { header: ['%-8s ', 'TIME'], cell: ['%-8s ', () => clock()] },
    { header: ['%-16s ', 'COMM'], cell: ['%-16s ', (e) => e.comm] },
    { header: ['%-6s ', 'TID'], cell: ['%-6d ', (e) => e.tid] },
    { header: ['%8s ', 'LAT(ms)'], cell: ['%8.3f ', (e) => Number(e.latencyNs) / 1e6] },
    { header: ['%5s', 'PAGES'], cell: ['%5d', (e) => e.pages] },
    { when: (o) => !!o.extended, header: [' %8s', 'FREE(KB)'], cell: [' %8d', () => freeKb()] },
  ],
  json: (e, o) => ({
    time: new Date().toISOString(),
    pid: e.pid,
    tid: e.tid,
    comm: e.comm,
    kind: e.kind,
    latency_ms: Number(e.latencyNs) / 1e6,
    pages: e.pages,
    free_kb: o.extended ? freeKb() : null,
  }),
});
