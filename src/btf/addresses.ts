/**
 * IP addresses in decoded values: struct members named like addresses (`saddr`, `daddr_v6`, `addr`,
 * `src_ip`, …) become IPv4/IPv6 text instead of integers or byte arrays. The rule:
 * - a 16-byte member (`__u8[16]`, `__u32[4]`, `unsigned __int128`, `struct in6_addr`) is IPv6 text, or
 *   IPv4 text of its first 4 bytes when an address-family member beside it says AF_INET;
 * - a 4-byte member (`__u32`, `__be32`, `__u8[4]`, `struct in_addr`) is IPv4 text only when an
 *   address-family member beside it (`af`, `family`, `sa_family`, `ver`, …) says AF_INET: without one
 *   a 32-bit number is as likely a count as an address, and under AF_INET6 it cannot hold one;
 * - a family of 2 (AF_INET) or 4 means IPv4, 10 (AF_INET6) or 6 means IPv6 (some tools store the IP
 *   version instead of the family).
 * Address bytes are in network order in memory, as the kernel keeps them. Pure: no kernel needed.
 */
import type { Btf } from './btf.js';
import { decoderFor, type Decoded, type Decoder } from './decode.js';

/** A member that holds an IP address, where it lies in the record, and the family member it follows. */
export interface AddressField {
  /** Property names from the decoded top-level object down to the member (anonymous members flattened). */
  path: string[];
  /** Byte offset in the record. */
  offset: number;
  size: 4 | 16;
  /** The address-family member beside it, when there is one. */
  family?: { offset: number; size: number };
}

const ADDRESS_NAME =
  /^(.*_)?(s|d|l|r|src|dst|local|remote|peer|client|server)?_?(ip|addr|ipaddr)(_?v?[46])?$/i;
const FAMILY_NAME = /^(.*_)?(af|family)$|^(ip_?)?ver(sion)?$/i;
const AF_INET = new Set([2, 4]);

/** Whether a member name reads as an IP address. */
export function isAddressName(name: string): boolean {
  return ADDRESS_NAME.test(name);
}

interface Flat {
  name: string;
  type: number;
  offset: number;
}

/** Named members with anonymous members' fields lifted up (as the decoder shows them); bitfields left out. */
function flatMembers(btf: Btf, typeId: number, base: number, depth: number): Flat[] {
  const t = btf.resolve(typeId);
  if ((t.kind !== 'struct' && t.kind !== 'union') || depth > 16) return [];
  return t.members.flatMap((m) => {
    if (m.bitfieldSize || m.bitOffset % 8) return [];
    const offset = base + m.bitOffset / 8;
    return m.name ? [{ name: m.name, type: m.type, offset }] : flatMembers(btf, m.type, offset, depth + 1);
  });
}

/** 4 or 16 when a type can hold an IPv4 or IPv6 address: an integer, an integer array or in(6)_addr. */
function addressSize(btf: Btf, typeId: number): 4 | 16 | undefined {
  const t = btf.resolve(typeId);
  const size = btf.sizeof(typeId);
  if (size !== 4 && size !== 16) return undefined;
  if (t.kind === 'int' && !t.bool) return size;
  if (t.kind === 'array') {
    const e = btf.resolve(t.type);
    // A plain `char` array is text, not bytes.
    return e.kind === 'int' && !e.bool && !(e.size === 1 && /^(signed )?char$/.test(e.name))
      ? size
      : undefined;
  }
  if ((t.kind === 'struct' || t.kind === 'union') && /^in6?_addr$/.test(t.name)) return size;
  return undefined;
}

function isFamily(btf: Btf, m: Flat): boolean {
  if (!FAMILY_NAME.test(m.name)) return false;
  const t = btf.resolve(m.type);
  return (t.kind === 'int' || t.kind === 'enum' || t.kind === 'enum64') && [1, 2, 4].includes(t.size);
}

function scan(
  btf: Btf,
  typeId: number,
  base: number,
  path: string[],
  inherited: AddressField['family'],
  out: AddressField[],
): void {
  const members = flatMembers(btf, typeId, base, 0);
  const fam = members.find((m) => isFamily(btf, m));
  const family = fam ? { offset: fam.offset, size: btf.sizeof(fam.type) } : inherited;
  for (const m of members) {
    const size = isAddressName(m.name) ? addressSize(btf, m.type) : undefined;
    if (size) {
      out.push({ path: [...path, m.name], offset: m.offset, size, ...(family ? { family } : {}) });
      continue;
    }
    const t = btf.resolve(m.type);
    if ((t.kind === 'struct' || t.kind === 'union') && path.length < 8)
      scan(btf, m.type, m.offset, [...path, m.name], family, out);
  }
}

/** The address members of struct or union `typeId` (none for other types). */
export function addressFields(btf: Btf, typeId: number): AddressField[] {
  const out: AddressField[] = [];
  scan(btf, typeId, 0, [], undefined, out);
  return out;
}

/** Dotted-quad text of 4 bytes in network order. */
export function ipv4Text(b: Uint8Array): string {
  return `${b[0]}.${b[1]}.${b[2]}.${b[3]}`;
}

/**
 * RFC 5952 text of 16 bytes in network order: lower-case hex groups without leading zeros, the
 * longest run of two or more zero groups (the first of equal runs) as `::`, and IPv4-mapped
 * addresses as `::ffff:a.b.c.d`.
 */
export function ipv6Text(b: Uint8Array): string {
  const groups = Array.from({ length: 8 }, (_, i) => (b[2 * i] << 8) | b[2 * i + 1]);
  if (groups.slice(0, 5).every((g) => g === 0) && groups[5] === 0xffff)
    return `::ffff:${ipv4Text(b.subarray(12, 16))}`;
  let best = -1;
  let bestLen = 1;
  for (let i = 0; i < 8;) {
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLen) [best, bestLen] = [i, j - i];
    i = j > i ? j : i + 1;
  }
  const hex = (gs: number[]): string => gs.map((g) => g.toString(16)).join(':');
  if (best < 0) return hex(groups);
  return `${hex(groups.slice(0, best))}::${hex(groups.slice(best + bestLen))}`;
}

/** The text of one address field of `record`, or undefined when it stays as decoded. */
export function addressText(record: Uint8Array, f: AddressField): string | undefined {
  const bytes = record.subarray(f.offset, f.offset + f.size);
  let family: number | undefined;
  if (f.family) {
    family = 0;
    for (let i = f.family.size - 1; i >= 0; i--) family = family * 256 + record[f.family.offset + i];
  }
  if (family !== undefined && AF_INET.has(family)) return ipv4Text(bytes);
  return f.size === 16 ? ipv6Text(bytes) : undefined;
}

const cache = new WeakMap<Btf, Map<number, Decoder>>();

/**
 * The decoder of `typeId` (see decoderFor) with its address members replaced by their text; the plain
 * decoder itself when the type has none.
 */
export function addressDecoder(btf: Btf, typeId: number): Decoder {
  let m = cache.get(btf);
  if (!m) cache.set(btf, (m = new Map()));
  let d = m.get(typeId);
  if (!d) {
    d = build(btf, typeId);
    m.set(typeId, d);
  }
  return d;
}

function build(btf: Btf, typeId: number): Decoder {
  const plain = decoderFor(btf, typeId);
  const fields = addressFields(btf, typeId);
  if (fields.length === 0) return plain;
  const decode = ((bytes: Uint8Array): Decoded => {
    const v = plain(bytes);
    for (const f of fields) {
      const text = addressText(bytes, f);
      if (text !== undefined) setPath(v, f.path, text);
    }
    return v;
  }) as Decoder & { size: number };
  Object.defineProperty(decode, 'size', { value: plain.size });
  return decode;
}

function setPath(v: Decoded, path: string[], text: string): void {
  let o = v as { [k: string]: Decoded };
  for (const k of path.slice(0, -1)) {
    const next = o[k];
    if (typeof next !== 'object' || next === null || Array.isArray(next)) return;
    o = next as { [k: string]: Decoded };
  }
  o[path[path.length - 1]] = text;
}
