/**
 * tcplife: TCP sessions as they close, with lifespan and bytes each way, with the options, header
 * and rows of libbpf-tools' tcplife (tools/tcplife/tcplife.bpf.c is the kernel side: the
 * sock:inet_sock_set_state tracepoint, the peer's hook too, and struct tcp_sock's byte counters).
 */
import { clock } from '../cli/output/table.js';
import type { Decoded } from '../btf/decode.js';
import { pidOption } from './common.js';
import { defineTool } from './define.js';
import { addressOf, AF_INET, AF_INET6, ipVersion } from './decode/tcp.js';
import { ADDRESS, byWidth } from './net-columns.js';
import { portList } from './ports.js';
import type { CommonOptions } from './session.js';

interface Options extends CommonOptions {
  pid?: number;
  ipv4?: boolean;
  ipv6?: boolean;
  localport?: number[];
  remoteport?: number[];
  time?: boolean;
  wide?: boolean;
}

interface LifeEvent {
  pid: number;
  comm: string;
  family: number;
  saddr: string;
  sport: number;
  daddr: string;
  dport: number;
  tx: bigint;
  rx: bigint;
  /** Milliseconds from the socket's first state change to its close. */
  ms: number;
}

/** The tcplife tool. Runs as root (CAP_BPF + CAP_PERFMON) on a kernel with BTF. */
export default defineTool<Options, LifeEvent>({
  name: 'tcplife',
  summary: 'Trace the lifespan of TCP sessions and summarize.',
  usage: `USAGE: tcplife [-h] [-p PID] [-4] [-6] [-L] [-D] [-T] [-w] [--json]

EXAMPLES:
    tcplife -p 1215             # only trace PID 1215
    tcplife -p 1215 -4          # trace IPv4 only
    tcplife --json              # one JSON object per session`,
  options: [
    { flags: '-4, --ipv4', help: 'Trace IPv4 only' },
    { flags: '-6, --ipv6', help: 'Trace IPv6 only' },
    {
      flags: '-D, --remoteport <REMOTEPORT>',
      help: 'Comma-separated list of remote ports to trace.',
      parse: portList('Invalid ports: %s'),
    },
    {
      flags: '-L, --localport <LOCALPORT>',
      help: 'Comma-separated list of local ports to trace.',
      parse: portList('Invalid ports: %s'),
    },
    pidOption(),
    { flags: '-T, --time', help: 'Include timestamp on output' },
    { flags: '-w, --wide', help: 'Wide column output (fits IPv6 addresses)' },
  ],
  hooks: [{ what: 'TCP state changes', use: [['tracepoint/sock/inet_sock_set_state']] }],
  notes: [
    "A session's life starts at its socket's first change into SYN_SENT, SYN_RECV or ESTABLISHED (the peer restarts it at each of them, so it starts at ESTABLISHED).",
    'Port lists are checked (1..65535, at most 64; "Invalid ports: …" and exit 64), where the peer reads a bad item as the end of the list.',
    '-4 with -6 traces both families (the peer keeps the last one given).',
    'The TIME(s) column shows the wall-clock time, as libbpf-tools does despite its title.',
  ],
  jsonFields: [
    ['time', 'when the event was printed (ISO 8601, UTC)'],
    [
      'pid, comm',
      'the task that connected (SYN_SENT) or closed passively (LAST_ACK), else the one current at the close',
    ],
    ['ip', '4 or 6'],
    ['saddr, sport, daddr, dport', 'local and remote address and port'],
    ['tx_bytes', 'bytes sent and acknowledged (tcp_sock.bytes_acked; SYN and FIN count one each)'],
    ['rx_bytes', 'bytes received (tcp_sock.bytes_received; a FIN counts one)'],
    ['ms', "milliseconds from the socket's first state change to its close"],
  ],
  configure(o, setup) {
    if (o.pid) setup.setGlobal('target_pid', o.pid);
    if (o.ipv4 !== o.ipv6) setup.setGlobal('target_family', o.ipv4 ? AF_INET : AF_INET6);
    if (o.localport) setup.setGlobal('target_sports', o.localport);
    if (o.remoteport) setup.setGlobal('target_dports', o.remoteport);
  },
  event(f: { [field: string]: Decoded }) {
    const family = f.family as number;
    return {
      pid: f.pid as number,
      comm: f.comm as string,
      family,
      saddr: addressOf(f.saddr, family),
      sport: f.sport as number,
      daddr: addressOf(f.daddr, family),
      dport: f.dport as number,
      tx: f.tx_b as bigint,
      rx: f.rx_b as bigint,
      ms: Number(f.span_us as bigint) / 1000,
    };
  },
  columns: [
    { when: (o) => !!o.time, header: ['%-8s ', 'TIME(s)'], cell: ['%8s ', () => clock()] },
    { header: ['%-7s ', 'PID'], cell: ['%-7d ', (e) => e.pid] },
    { header: ['%-16s ', 'COMM'], cell: ['%-16s ', (e) => e.comm] },
    ...byWidth<LifeEvent, Options>('LADDR', ADDRESS, (e) => e.saddr),
    { header: ['%-5s ', 'LPORT'], cell: ['%-5d ', (e) => e.sport] },
    ...byWidth<LifeEvent, Options>('RADDR', ADDRESS, (e) => e.daddr),
    { header: ['%-5s ', 'RPORT'], cell: ['%-5d ', (e) => e.dport] },
    { header: ['%-6s ', 'TX_KB'], cell: ['%-6.2f ', (e) => Number(e.tx) / 1024] },
    { header: ['%-6s ', 'RX_KB'], cell: ['%-6.2f ', (e) => Number(e.rx) / 1024] },
    { header: ['%-s', 'MS'], cell: ['%-.2f', (e) => e.ms] },
  ],
  json: (e) => ({
    time: new Date().toISOString(),
    pid: e.pid,
    comm: e.comm,
    ip: ipVersion(e.family),
    saddr: e.saddr,
    sport: e.sport,
    daddr: e.daddr,
    dport: e.dport,
    tx_bytes: e.tx,
    rx_bytes: e.rx,
    ms: e.ms,
  }),
});
