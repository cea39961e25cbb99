/**
 * tcpconnect: active TCP connections, one row each or (-c) counted per address pair and port, with
 * the options, header and rows of libbpf-tools' tcpconnect. tools/tcpconnect/tcpconnect.bpf.c is
 * the kernel side: the change of a socket into SYN_SENT on sock:inet_sock_set_state, where the
 * peer uses kprobes on tcp_v4_connect/tcp_v6_connect.
 */
import type { Decoded } from '../btf/decode.js';
import { positiveInt, uid } from './common.js';
import { defineTool } from './define.js';
import { addressOf, AF_INET, ipVersion } from './decode/tcp.js';
import { portList } from './ports.js';
import { sprintf } from './printf.js';
import type { CommonOptions } from './session.js';
import type { JsonField, Totals } from './types.js';

interface Options extends CommonOptions {
  count?: boolean;
  cgroupmap?: string;
  mntnsmap?: string;
  pid?: number;
  port?: number[];
  sourcePort?: boolean;
  timestamp?: boolean;
  uid?: number;
  printUid?: boolean;
}

interface ConnectEvent {
  /** Monotonic µs. */
  ts: bigint;
  pid: number;
  uid: number;
  comm: string;
  family: number;
  saddr: string;
  daddr: string;
  sport: number;
  dport: number;
}

/** The first event's time of each run, for -t (seconds since the first event). */
const firstTs = new WeakMap<Options, bigint>();

function sinceFirst(e: ConnectEvent, o: Options): number {
  let t0 = firstTs.get(o);
  if (t0 === undefined) firstTs.set(o, (t0 = e.ts));
  return Number(e.ts - t0) / 1e6;
}

/** -c: connections counted per source and destination address (and source port with -s) and port. */
function counter(o: Options): Totals<ConnectEvent> {
  const counts = new Map<string, { e: ConnectEvent; n: number }>();
  const ordered = (): { e: ConnectEvent; n: number }[] =>
    [...counts.values()].sort((a, b) => Number(b.e.family === AF_INET) - Number(a.e.family === AF_INET));
  return {
    add(e) {
      const key = [e.family, e.saddr, e.daddr, o.sourcePort ? e.sport : 0, e.dport].join(' ');
      const c = counts.get(key);
      if (c) c.n++;
      else counts.set(key, { e, n: 1 });
    },
    text() {
      let out = '\n' + sprintf('%-25s %-25s', 'LADDR', 'RADDR');
      if (o.sourcePort) out += sprintf(' %-20s', 'LPORT');
      out += sprintf(' %-20s', 'RPORT') + sprintf(' %-10s', 'CONNECTS') + '\n';
      for (const { e, n } of ordered()) {
        out += sprintf('%-25s %-25s', e.saddr, e.daddr);
        if (o.sourcePort) out += sprintf(' %-20d', e.sport);
        out += sprintf(' %-20d', e.dport) + sprintf(' %-10d', n) + '\n';
      }
      return out;
    },
    json: () =>
      ordered().map(({ e, n }) => {
        const j: Record<string, JsonField> = { ip: ipVersion(e.family), saddr: e.saddr, daddr: e.daddr };
        if (o.sourcePort) j.sport = e.sport;
        return { ...j, dport: e.dport, connects: n };
      }),
  };
}

/** The tcpconnect tool. Runs as root (CAP_BPF + CAP_PERFMON) on a kernel with BTF. */
export default defineTool<Options, ConnectEvent>({
  name: 'tcpconnect',
  summary: 'Count/Trace active tcp connections',
  usage: `EXAMPLES:
    tcpconnect             # trace all TCP connect()s
    tcpconnect -t          # include timestamps
    tcpconnect -p 181      # only trace PID 181
    tcpconnect -P 80       # only trace port 80
    tcpconnect -P 80,81    # only trace port 80 and 81
    tcpconnect -U          # include UID
    tcpconnect -u 1000     # only trace UID 1000
    tcpconnect -c          # count connects per src, dest, port
    tcpconnect --json      # one JSON object per connect`,
  options: [
    { flags: '-c, --count', help: 'Count connects per src ip and dst ip/port' },
    { flags: '-C, --cgroupmap <PATH>', help: 'trace cgroups in this map' },
    { flags: '-M, --mntnsmap <PATH>', help: 'trace mount namespaces in this map' },
    { flags: '-p, --pid <PID>', help: 'Process PID to trace', parse: positiveInt('invalid PID: %s') },
    {
      flags: '-P, --port <PORTS>',
      help: 'Comma-separated list of destination ports to trace',
      parse: portList('invalid PORT_LIST: %s'),
    },
    { flags: '-s, --source-port', help: 'Consider source port when counting' },
    { flags: '-t, --timestamp', help: 'Include timestamp on output' },
    { flags: '-u, --uid <UID>', help: 'Process UID to trace', parse: uid('invalid UID: %s') },
    { flags: '-U, --print-uid', help: 'Include UID on output' },
  ],
  hooks: [{ what: 'TCP connects (CLOSE -> SYN_SENT)', use: [['tracepoint/sock/inet_sock_set_state']] }],
  notes: [
    'Hooks the socket change into SYN_SENT on sock:inet_sock_set_state instead of kprobes on tcp_v4_connect/tcp_v6_connect (this tool runs without kprobes). It fires in the connecting task when the SYN is about to be sent, which is when the peer reports a successful tcp_v*_connect().',
    'With -s the source port is known only after the SYN_SENT change, so rows wait for the next change of the socket (established, refused or timed out) and a connect that failed before taking a port is not shown.',
    '-C and -M are accepted and ignored, as the peer does (it prints "not implemented").',
    'Counts (-c) are made in user space from the events; events lost to a full ring buffer are reported and not counted.',
  ],
  jsonFields: [
    ['time', 'when the event was printed (ISO 8601, UTC)'],
    ['pid, uid, comm', 'the connecting process, its user and command name'],
    ['ip', '4 or 6'],
    ['saddr, daddr', 'source and destination address'],
    ['sport', 'source port (with -s only)'],
    ['dport', 'destination port'],
    ['-c', 'one object per address pair and port at the end: ip, saddr, daddr, [sport], dport, connects'],
  ],
  configure(o, setup) {
    if (o.pid) setup.setGlobal('target_pid', o.pid);
    if (o.uid !== undefined) setup.setGlobal('target_uid', o.uid);
    if (o.port) setup.setGlobal('target_dports', o.port);
    if (o.sourcePort) setup.setGlobal('source_port', true);
  },
  event(f: { [field: string]: Decoded }) {
    const family = f.family as number;
    return {
      ts: f.ts_us as bigint,
      pid: f.pid as number,
      uid: f.uid as number,
      comm: f.comm as string,
      family,
      saddr: addressOf(f.saddr, family),
      daddr: addressOf(f.daddr, family),
      sport: f.sport as number,
      dport: f.dport as number,
    };
  },
  totals: (o) => (o.count ? counter(o) : undefined),
  columns: [
    { when: (o) => !!o.timestamp, header: ['%-9s', 'TIME(s)'], cell: ['%-9.3f', sinceFirst] },
    { when: (o) => !!o.printUid, header: ['%-6s', 'UID'], cell: ['%-6d', (e) => e.uid] },
    { header: ['%-6s ', 'PID'], cell: ['%-6d ', (e) => e.pid] },
    { header: ['%-12s ', 'COMM'], cell: ['%-12.12s ', (e) => e.comm] },
    { header: ['%-2s ', 'IP'], cell: ['%-2d ', (e) => ipVersion(e.family)] },
    { header: ['%-16s ', 'SADDR'], cell: ['%-16s ', (e) => e.saddr] },
    { header: ['%-16s', 'DADDR'], cell: ['%-16s', (e) => e.daddr] },
    { when: (o) => !!o.sourcePort, header: [' %-5s', 'SPORT'], cell: [' %-5d', (e) => e.sport] },
    { header: [' %-5s', 'DPORT'], cell: [' %-5d', (e) => e.dport] },
  ],
  json: (e, o) => ({
    time: new Date().toISOString(),
    pid: e.pid,
    uid: e.uid,
    comm: e.comm,
    ip: ipVersion(e.family),
    saddr: e.saddr,
    daddr: e.daddr,
    ...(o.sourcePort ? { sport: e.sport } : {}),
    dport: e.dport,
  }),
});
