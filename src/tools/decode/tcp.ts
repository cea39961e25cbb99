/**
 * What the TCP tools decode from sock:inet_sock_set_state events: state names as libbpf-tools
 * prints them, and addresses held in 16-byte fields (IPv4 in the first 4 bytes) as text, through
 * btf/addresses.ts. No kernel needed.
 */
import { ipv4Text, ipv6Text } from '../../btf/addresses.js';
import type { Decoded } from '../../btf/decode.js';

/** The kernel's TCP states by number (include/net/tcp_states.h), without the TCP_ prefix. */
const STATES = [
  'ESTABLISHED',
  'SYN_SENT',
  'SYN_RECV',
  'FIN_WAIT1',
  'FIN_WAIT2',
  'TIME_WAIT',
  'CLOSE',
  'CLOSE_WAIT',
  'LAST_ACK',
  'LISTEN',
  'CLOSING',
  'NEW_SYN_RECV',
];

/** `ESTABLISHED` for 1 and so on; `UNKNOWN` for a number the kernel does not define. */
export function tcpStateName(state: number): string {
  return STATES[state - 1] ?? 'UNKNOWN';
}

/** AF_INET and AF_INET6 as the kernel numbers them. */
export const AF_INET = 2;
export const AF_INET6 = 10;

/** The IP version (4 or 6) of an address family. */
export function ipVersion(family: number): 4 | 6 {
  return family === AF_INET ? 4 : 6;
}

/**
 * The text of a decoded `__u32[4]` address field (the bytes in network order, read as
 * little-endian words by the decoder): IPv4 from its first 4 bytes under AF_INET.
 */
export function addressOf(field: Decoded, family: number): string {
  const bytes = new Uint8Array(16);
  const dv = new DataView(bytes.buffer);
  (field as number[]).forEach((w, i) => dv.setUint32(4 * i, w, true));
  return family === AF_INET ? ipv4Text(bytes) : ipv6Text(bytes);
}
