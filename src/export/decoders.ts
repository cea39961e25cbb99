/**
 * Label decoders: turn a decoded field into a label value through a pipeline of steps (string,
 * errno, signal, syscall, uid, inet, ksym, hex, static_map, regex). Strings are used as they are,
 * never JSON-quoted; numbers in decimal; the result is always valid UTF-8 (lone surrogates become
 * U+FFFD). A step may drop the sample (a regex with `unmatched: drop`). Needs nothing from the kernel:
 * /etc/passwd and /proc/kallsyms text come from a DecoderEnv (read lazily, cached).
 */
import { readFileSync } from 'node:fs';
import type { Decoded } from '../btf/decode.js';
import { toJson } from '../btf/decode.js';
import type { DecoderConfig } from './config-types.js';
import type { FieldInfo } from './fields.js';
import { ERRNO_NAMES, SIGNAL_NAMES, SYSCALLS_ARM64, SYSCALLS_X86_64 } from './names-table.js';

/** Turns a field's value into a label value; undefined drops the sample. Throws DecodeFailure. */
export type LabelDecoder = (v: Decoded | undefined) => string | undefined;

/** A value a decoder could not handle at run time (counted, and the plain value used instead). */
export class DecodeFailure extends Error {}

/** Where decoders read host tables from (overridable in tests). */
export interface DecoderEnv {
  passwd(): string;
  kallsyms(): string;
  arch: string;
}

/**
 * The host's tables. In a container, $BPFKIT_HOST_ROOT names where the host's files are mounted
 * (the DaemonSet mounts the host's /etc/passwd at /host/etc/passwd); /proc/kallsyms is the same in
 * every mount namespace.
 */
export const hostEnv: DecoderEnv = {
  passwd: () => readText(`${process.env.BPFKIT_HOST_ROOT ?? ''}/etc/passwd`),
  kallsyms: () => readText('/proc/kallsyms'),
  arch: process.arch,
};

function readText(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return '';
  }
}

/** Decoders that need an integer as input. */
const NUMERIC = new Set(['errno', 'signal', 'syscall', 'uid', 'ksym']);

/**
 * Checks a pipeline against the field it reads; returns a reason when it cannot work (e.g. errno on
 * a char array), else undefined.
 */
export function checkPipeline(steps: DecoderConfig[], field: FieldInfo): string | undefined {
  const first = steps[0];
  if (!first) return undefined;
  if (NUMERIC.has(first.name) && !(field.kind === 'int' || field.kind === 'enum' || field.kind === 'ptr'))
    return `the ${first.name} decoder needs an integer field, not ${field.typeName}`;
  if (first.name === 'inet') {
    const size = field.size;
    if (size !== 4 && size !== 16)
      return `the inet decoder needs a 4- or 16-byte field, not ${field.typeName}`;
    if (first.family === 6 && size !== 16)
      return `an IPv6 address needs 16 bytes, ${field.typeName} has ${size}`;
  }
  for (const s of steps.slice(1))
    if (NUMERIC.has(s.name) || s.name === 'inet') return `the ${s.name} decoder must come first in the list`;
  return undefined;
}

/**
 * Builds the pipeline for a label reading `field`. Its values are valid UTF-8: strings decoded from
 * records are (UTF-8 decoding replaces bad bytes with U+FFFD), numbers and names are ASCII, config
 * strings are checked once here, and only a regex, which may cut a surrogate pair, is checked per value.
 */
export function labelDecoder(
  steps: DecoderConfig[],
  field: FieldInfo,
  env: DecoderEnv = hostEnv,
): LabelDecoder {
  const fns = steps.map((s) => step(s, field, env));
  if (fns.length === 0 || steps[0].name === 'static_map' || steps[0].name === 'regex') fns.unshift(plain);
  const pipeline: Step =
    fns.length === 1
      ? fns[0]
      : (v) => {
          let x: Decoded | string | undefined = v;
          for (const f of fns) {
            x = f(x);
            if (x === undefined) return undefined;
          }
          return x as string;
        };
  if (!steps.some((s) => s.name === 'regex')) return pipeline;
  return (v) => {
    const out = pipeline(v);
    return out === undefined ? undefined : wellFormed(out);
  };
}

type Step = (v: Decoded | undefined) => string | undefined;

function step(s: DecoderConfig, field: FieldInfo, env: DecoderEnv): Step {
  switch (s.name) {
    case 'string':
      return plain;
    case 'errno':
      // A signed field is a return value: -ENOENT is named, success (>= 0: an fd, a count) is 0.
      // An unsigned field holds a positive errno.
      return (v) => {
        const n = int(v);
        const e = field.signed ? -n : n;
        return e <= 0 ? '0' : ERRNO_NAMES[e] || String(e);
      };
    case 'signal':
      return (v) => signalName(int(v));
    case 'syscall': {
      const table = env.arch === 'arm64' ? SYSCALLS_ARM64 : env.arch === 'x64' ? SYSCALLS_X86_64 : [];
      return (v) => {
        const n = int(v);
        return table[n] || String(n);
      };
    }
    case 'uid':
      return uidDecoder(env);
    case 'ksym':
      return ksymDecoder(env);
    case 'hex':
      return (v) => hex(v, field);
    case 'inet':
      return (v) => inet(bytesOf(v, field), s.family);
    case 'static_map': {
      const map = new Map(Object.entries(s.map).map(([k, x]) => [k, wellFormed(x)]));
      const dflt = s.default === undefined ? undefined : wellFormed(s.default);
      return (v) => {
        const k = String(v);
        return map.get(k) ?? dflt ?? k;
      };
    }
    case 'regex':
      return regexStep(s);
  }
}

/** A value as a plain label string: strings as they are (never JSON-quoted), numbers in decimal. */
export function plain(v: Decoded | undefined): string {
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'bigint' || typeof v === 'boolean') return String(v);
  if (v === undefined) return '';
  return toJson(v);
}

function int(v: Decoded | undefined): number {
  if (typeof v === 'number' && Number.isInteger(v)) return v;
  if (typeof v === 'bigint') return Number(BigInt.asIntN(64, v));
  if (typeof v === 'string' && /^-?\d+$/.test(v)) return Number(v);
  throw new DecodeFailure(`not an integer: ${plain(v)}`);
}

function signalName(n: number): string {
  if (n > 0 && n < SIGNAL_NAMES.length && SIGNAL_NAMES[n]) return SIGNAL_NAMES[n];
  if (n === 64) return 'SIGRTMAX';
  if (n >= 32 && n < 64) return n === 32 ? 'SIGRTMIN' : `SIGRTMIN+${n - 32}`;
  return String(n);
}

function regexStep(s: Extract<DecoderConfig, { name: 'regex' }>): Step {
  const re = new RegExp(s.match);
  return (v) => {
    const str = typeof v === 'string' ? v : plain(v);
    const m = re.exec(str);
    if (!m) return s.unmatched === 'drop' ? undefined : str;
    if (s.replace !== undefined) return str.replace(re, s.replace);
    return m[1] ?? m[0];
  };
}

/** Maps uids to user names from /etc/passwd (read once; unknown uids stay numbers). */
function uidDecoder(env: DecoderEnv): Step {
  let users: Map<number, string> | undefined;
  return (v) => {
    const uid = int(v) >>> 0;
    users ??= new Map(
      env
        .passwd()
        .split('\n')
        .map((l) => l.split(':'))
        .filter((f) => f.length >= 3 && /^\d+$/.test(f[2]))
        .map((f) => [Number(f[2]), f[0]] as [number, string]),
    );
    return users.get(uid) ?? String(uid);
  };
}

/** Names kernel addresses by the symbol at or below them (/proc/kallsyms, read once). */
function ksymDecoder(env: DecoderEnv): Step {
  let table: { addrs: BigUint64Array; names: string[] } | undefined;
  const cache = new Map<bigint, string>();
  return (v) => {
    const addr = BigInt.asUintN(64, typeof v === 'bigint' ? v : BigInt(int(v)));
    const hit = cache.get(addr);
    if (hit !== undefined) return hit;
    table ??= parseSymbols(env.kallsyms());
    const name = lookupSymbol(table, addr) ?? `0x${addr.toString(16)}`;
    if (cache.size >= 65536) cache.clear();
    cache.set(addr, name);
    return name;
  };
}

function parseSymbols(text: string): { addrs: BigUint64Array; names: string[] } {
  const rows: [bigint, string][] = [];
  for (const line of text.split('\n')) {
    const m = /^([0-9a-fA-F]+)\s+[tTwW]\s+(\S+)/.exec(line);
    if (!m) continue;
    const a = BigInt(`0x${m[1]}`);
    if (a !== 0n) rows.push([a, m[2]]);
  }
  rows.sort((x, y) => (x[0] < y[0] ? -1 : x[0] > y[0] ? 1 : 0));
  return { addrs: BigUint64Array.from(rows.map((r) => r[0])), names: rows.map((r) => r[1]) };
}

function lookupSymbol(t: { addrs: BigUint64Array; names: string[] }, addr: bigint): string | undefined {
  let lo = 0;
  let hi = t.addrs.length - 1;
  let found = -1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if (t.addrs[mid] <= addr) {
      found = mid;
      lo = mid + 1;
    } else hi = mid - 1;
  }
  return found < 0 ? undefined : t.names[found];
}

/** The field's bytes, as the kernel laid them out (little-endian integers, arrays element by element). */
function bytesOf(v: Decoded | undefined, field: FieldInfo): Uint8Array {
  const out = new Uint8Array(field.size);
  const put = (x: Decoded, at: number, size: number): void => {
    let n = BigInt.asUintN(size * 8, typeof x === 'bigint' ? x : BigInt(int(x)));
    for (let i = 0; i < size; i++, n >>= 8n) out[at + i] = Number(n & 0xffn);
  };
  if (Array.isArray(v) && field.elemSize) v.forEach((x, i) => put(x, i * field.elemSize!, field.elemSize!));
  else if (v !== undefined && !Array.isArray(v) && typeof v !== 'object') put(v, 0, field.size);
  else throw new DecodeFailure(`not an address: ${plain(v)}`);
  return out;
}

function inet(b: Uint8Array, family?: 4 | 6): string {
  if (b.length === 4 || family === 4) return `${b[0]}.${b[1]}.${b[2]}.${b[3]}`;
  const groups: number[] = [];
  for (let i = 0; i < 16; i += 2) groups.push((b[i] << 8) | b[i + 1]);
  return ipv6Text(groups);
}

/** RFC 5952 text: lowercase, leading zeros dropped, the longest run (>= 2) of zero groups as `::`. */
function ipv6Text(g: number[]): string {
  if (g.slice(0, 5).every((x) => x === 0) && g[5] === 0xffff)
    return `::ffff:${g[6] >> 8}.${g[6] & 255}.${g[7] >> 8}.${g[7] & 255}`;
  let best = -1;
  let bestLen = 1;
  for (let i = 0; i < 8;) {
    if (g[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && g[j] === 0) j++;
    if (j - i > bestLen) [best, bestLen] = [i, j - i];
    i = j;
  }
  const hexs = g.map((x) => x.toString(16));
  if (best < 0) return hexs.join(':');
  return `${hexs.slice(0, best).join(':')}::${hexs.slice(best + bestLen).join(':')}`;
}

function hex(v: Decoded | undefined, field: FieldInfo): string {
  if (typeof v === 'string') return Buffer.from(v, 'utf8').toString('hex');
  if (typeof v === 'number' || typeof v === 'bigint')
    return `0x${BigInt.asUintN(64, BigInt(v)).toString(16)}`;
  return Buffer.from(bytesOf(v, field)).toString('hex');
}

const SURROGATE = /[\uD800-\uDFFF]/;
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

/** `s` with lone UTF-16 surrogates (which have no UTF-8 form) replaced by U+FFFD. */
export function wellFormed(s: string): string {
  return SURROGATE.test(s) ? s.replace(LONE_SURROGATE, '\uFFFD') : s;
}
