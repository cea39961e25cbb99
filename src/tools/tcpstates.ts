/**
 * tcpstates: TCP socket state changes with the time spent in the state left, with the options,
 * header and rows of libbpf-tools' tcpstates (tools/tcpstates/tcpstates.bpf.c is the kernel side:
 * the sock:inet_sock_set_state tracepoint, the peer's hook too).
 */
import { clock } from '../cli/output/table.js';
import type { Decoded } from '../btf/decode.js';
import { defineTool } from './define.js';
import { addressOf, AF_INET, AF_INET6, ipVersion, tcpStateName } from './decode/tcp.js';
import { portList } from './ports.js';
import type { CommonOptions } from './session.js';
import { ADDRESS, byWidth } from './net-columns.js';

interface Options extends CommonOptions {
  ipv4?: boolean;
  ipv6?: boolean;
  localport?: number[];
  remoteport?: number[];
  timestamp?: boolean;
  wide?: boolean;
}

interface StateEvent {
  skaddr: bigint;
  pid: number;
  comm: string;
  family: number;
  saddr: string;
  sport: number;
  daddr: string;
  dport: number;
  oldstate: number;
  newstate: number;
  /** Milliseconds in the state left (0 the first time the socket is seen). */
  ms: number;
}

/** The tcpstates tool. Runs as root (CAP_BPF + CAP_PERFMON) on a kernel with BTF. */
export default defineTool<Options, StateEvent>({
  name: 'tcpstates',
  summary: 'Trace TCP session state changes and durations.',
  usage: `USAGE: tcpstates [-4] [-6] [-T] [-L lport] [-D dport] [--json]

EXAMPLES:
    tcpstates                  # trace all TCP state changes
    tcpstates -T               # include timestamps
    tcpstates -L 80            # only trace local port 80
    tcpstates -D 80            # only trace remote port 80
    tcpstates --json           # one JSON object per state change`,
  options: [
    { flags: '-4, --ipv4', help: 'Trace IPv4 family only' },
    { flags: '-6, --ipv6', help: 'Trace IPv6 family only' },
    {
      flags: '-D, --remoteport <DPORT>',
      help: 'Comma-separated list of remote ports to trace.',
      parse: portList('Invalid ports: %s'),
    },
    {
      flags: '-L, --localport <LPORT>',
      help: 'Comma-separated list of local ports to trace.',
      parse: portList('Invalid ports: %s'),
    },
    { flags: '-T, --timestamp', help: 'Include timestamp on output' },
    { flags: '-w, --wide', help: 'Wide column output (fits IPv6 addresses)' },
  ],
  hooks: [{ what: 'TCP state changes', use: [['tracepoint/sock/inet_sock_set_state']] }],
  notes: [
    'Addresses come from the tracepoint itself rather than from the socket; they are the same.',
    'A bad port list is named whole in the error (the peer names only its first item); at most 64 ports per list.',
    '-4 with -6 traces both families (the peer keeps the last one given).',
    'The TIME(s) column shows the wall-clock time, as libbpf-tools does despite its title.',
  ],
  jsonFields: [
    ['time', 'when the event was printed (ISO 8601, UTC)'],
    ['skaddr', "the kernel's struct sock address (hex): one socket's changes share it"],
    ['pid, comm', 'process id and command name of the task current at the change'],
    ['ip', '4 or 6'],
    ['saddr, sport, daddr, dport', 'local and remote address and port'],
    ['oldstate, newstate', 'TCP states left and entered (ESTABLISHED, SYN_SENT, …)'],
    ['ms', 'milliseconds spent in oldstate, 0 the first time the socket is seen'],
  ],
  configure(o, setup) {
    if (o.ipv4 !== o.ipv6) setup.setGlobal('target_family', o.ipv4 ? AF_INET : AF_INET6);
    if (o.localport) setup.setGlobal('target_sports', o.localport);
    if (o.remoteport) setup.setGlobal('target_dports', o.remoteport);
  },
  event(f: { [field: string]: Decoded }) {
    const family = f.family as number;
    return {
      skaddr: f.skaddr as bigint,
      pid: f.pid as number,
      comm: f.comm as string,
      family,
      saddr: addressOf(f.saddr, family),
      sport: f.sport as number,
      daddr: addressOf(f.daddr, family),
      dport: f.dport as number,
      oldstate: f.oldstate as number,
      newstate: f.newstate as number,
      ms: Number(f.delta_us as bigint) / 1000,
    };
  },
  columns: [
    { when: (o) => !!o.timestamp, header: ['%-8s ', 'TIME(s)'], cell: ['%8s ', () => clock()] },
    { header: ['%-16s ', 'SKADDR'], cell: ['%-16x ', (e) => e.skaddr] },
    { header: ['%-7s ', 'PID'], cell: ['%-7d ', (e) => e.pid] },
    ...byWidth<StateEvent, Options>('COMM', ['%-10s ', '%-16s '], (e) => e.comm, ['%-10.10s ', '%-16s ']),
    { when: (o) => !!o.wide, header: ['%-2s ', 'IP'], cell: ['%-2d ', (e) => ipVersion(e.family)] },
    ...byWidth<StateEvent, Options>('LADDR', ADDRESS, (e) => e.saddr),
    { header: ['%-5s ', 'LPORT'], cell: ['%-5d ', (e) => e.sport] },
    ...byWidth<StateEvent, Options>('RADDR', ADDRESS, (e) => e.daddr),
    { header: ['%-5s ', 'RPORT'], cell: ['%-5d ', (e) => e.dport] },
    { header: ['%-11s -> ', 'OLDSTATE'], cell: ['%-11s -> ', (e) => tcpStateName(e.oldstate)] },
    { header: ['%-11s ', 'NEWSTATE'], cell: ['%-11s ', (e) => tcpStateName(e.newstate)] },
    { header: ['%s', 'MS'], cell: ['%.3f', (e) => e.ms] },
  ],
  json: (e) => ({
    time: new Date().toISOString(),
    skaddr: e.skaddr.toString(16),
    pid: e.pid,
    comm: e.comm,
    ip: ipVersion(e.family),
    saddr: e.saddr,
    sport: e.sport,
    daddr: e.daddr,
    dport: e.dport,
    oldstate: tcpStateName(e.oldstate),
    newstate: tcpStateName(e.newstate),
    ms: e.ms,
  }),
});
