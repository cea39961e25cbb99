/**
 * Parses a raw BTF blob (the .BTF section of an object, or /sys/kernel/btf/vmlinux) into the type
 * model of btf/types.ts. Kernel-independent.
 */
import { readBtfHeader } from './header.js';
import { FormatError } from '../errors/index.js';
import type { BtfMember, BtfParam, BtfType, BtfVarSecinfo, BtfEnumValue } from './types.js';

/** BTF magic number. */
export { BTF_MAGIC } from './header.js';

const KIND_NAMES = [
  'unknown',
  'int',
  'ptr',
  'array',
  'struct',
  'union',
  'enum',
  'fwd',
  'typedef',
  'volatile',
  'const',
  'restrict',
  'func',
  'func_proto',
  'var',
  'datasec',
  'float',
  'decl_tag',
  'type_tag',
  'enum64',
] as const;

/** Result of parsing: the types (index = id) and the string section. */
export interface ParsedBtf {
  types: BtfType[];
  strings: Uint8Array;
}

/**
 * Parses `data`. `base` is the parsed base BTF for split BTF (kernel modules); its types come first and
 * ids continue after them.
 */
export function parseBtf(data: Uint8Array, base?: ParsedBtf): ParsedBtf {
  const h = readBtfHeader(data);
  const v = new DataView(data.buffer, data.byteOffset, data.byteLength);
  const strings = data.subarray(h.strStart, h.strEnd);
  const baseStrLen = base ? base.strings.length : 0;
  const nameCache = new Map<number, string>();
  const str = (off: number): string => {
    if (off === 0) return '';
    let s = nameCache.get(off);
    if (s !== undefined) return s;
    let bytes = strings;
    let o = off;
    if (base) {
      if (off < baseStrLen) {
        bytes = base.strings;
      } else o = off - baseStrLen;
    }
    if (o >= bytes.length) throw new FormatError(`BTF string offset ${off} out of range`);
    let end = o;
    while (end < bytes.length && bytes[end] !== 0) end++;
    s = Buffer.from(bytes.buffer, bytes.byteOffset + o, end - o).toString('latin1');
    nameCache.set(off, s);
    return s;
  };

  const types: BtfType[] = base ? base.types.slice() : [{ id: 0, kind: 'void', name: 'void' }];
  const cursor = { at: h.typeStart };
  while (cursor.at < h.typeEnd) types.push(decodeType(v, cursor, h.typeEnd, types.length, str));
  return { types, strings };
}

/** Reads a string of the string section by offset. */
export type StringAt = (off: number) => string;

/**
 * Decodes the type of id `id` whose header starts at byte `cursor.at` of `v` (its type section ends
 * at `end`), and moves the cursor to the next type. Throws FormatError when it runs past `end`.
 */
export function decodeType(
  v: DataView,
  cursor: { at: number },
  end: number,
  id: number,
  str: StringAt,
): BtfType {
  let o = cursor.at;
  need(o + 12, end, id);
  const name = str(v.getUint32(o, true));
  const info = v.getUint32(o + 4, true);
  const sizeOrType = v.getUint32(o + 8, true);
  const vlen = info & 0xffff;
  const kindNum = (info >>> 24) & 0x1f;
  const kflag = info >>> 31 === 1;
  o += 12;
  const kind = KIND_NAMES[kindNum];
  switch (kind) {
    case 'int': {
      need(o + 4, end, id);
      const enc = v.getUint32(o, true);
      o += 4;
      return advance(cursor, o, {
        id,
        kind,
        name,
        size: sizeOrType,
        signed: ((enc >>> 24) & 1) !== 0,
        char: ((enc >>> 24) & 2) !== 0,
        bool: ((enc >>> 24) & 4) !== 0,
        bitOffset: (enc >>> 16) & 0xff,
        bits: enc & 0xff,
      });
    }
    case 'ptr':
      return advance(cursor, o, { id, kind, name, type: sizeOrType });
    case 'array':
      need(o + 12, end, id);
      return advance(cursor, o + 12, {
        id,
        kind,
        name,
        type: v.getUint32(o, true),
        indexType: v.getUint32(o + 4, true),
        nelems: v.getUint32(o + 8, true),
      });
    case 'struct':
    case 'union': {
      need(o + 12 * vlen, end, id);
      const members: BtfMember[] = [];
      for (let i = 0; i < vlen; i++, o += 12) {
        const off = v.getUint32(o + 8, true);
        members.push({
          name: str(v.getUint32(o, true)),
          type: v.getUint32(o + 4, true),
          bitOffset: kflag ? off & 0xffffff : off,
          bitfieldSize: kflag ? off >>> 24 : 0,
        });
      }
      return advance(cursor, o, { id, kind, name, size: sizeOrType, members });
    }
    case 'enum':
    case 'enum64': {
      const rec = kind === 'enum' ? 8 : 12;
      need(o + rec * vlen, end, id);
      const values: BtfEnumValue[] = [];
      for (let i = 0; i < vlen; i++, o += rec) {
        let value: bigint;
        if (kind === 'enum') {
          value = kflag ? BigInt(v.getInt32(o + 4, true)) : BigInt(v.getUint32(o + 4, true));
        } else {
          const u = (BigInt(v.getUint32(o + 8, true)) << 32n) | BigInt(v.getUint32(o + 4, true));
          value = kflag ? BigInt.asIntN(64, u) : u;
        }
        values.push({ name: str(v.getUint32(o, true)), value });
      }
      return advance(cursor, o, { id, kind, name, size: sizeOrType, signed: kflag, values });
    }
    case 'fwd':
      return advance(cursor, o, { id, kind, name, union: kflag });
    case 'typedef':
    case 'volatile':
    case 'const':
    case 'restrict':
    case 'type_tag':
      return advance(cursor, o, { id, kind, name, type: sizeOrType });
    case 'func':
      return advance(cursor, o, { id, kind, name, type: sizeOrType, linkage: vlen });
    case 'func_proto': {
      need(o + 8 * vlen, end, id);
      const params: BtfParam[] = [];
      for (let i = 0; i < vlen; i++, o += 8) {
        params.push({ name: str(v.getUint32(o, true)), type: v.getUint32(o + 4, true) });
      }
      return advance(cursor, o, { id, kind, name, returnType: sizeOrType, params });
    }
    case 'var':
      need(o + 4, end, id);
      return advance(cursor, o + 4, { id, kind, name, type: sizeOrType, linkage: v.getUint32(o, true) });
    case 'datasec': {
      need(o + 12 * vlen, end, id);
      const vars: BtfVarSecinfo[] = [];
      for (let i = 0; i < vlen; i++, o += 12) {
        vars.push({
          type: v.getUint32(o, true),
          offset: v.getUint32(o + 4, true),
          size: v.getUint32(o + 8, true),
        });
      }
      return advance(cursor, o, { id, kind, name, size: sizeOrType, vars });
    }
    case 'float':
      return advance(cursor, o, { id, kind, name, size: sizeOrType });
    case 'decl_tag':
      need(o + 4, end, id);
      return advance(cursor, o + 4, { id, kind, name, type: sizeOrType, componentIdx: v.getInt32(o, true) });
    default:
      throw new FormatError(`BTF type ${id} has unknown kind ${kindNum}`);
  }
}

function need(upTo: number, end: number, id: number): void {
  if (upTo > end) throw new FormatError(`BTF type ${id} runs past the type section`);
}

/** Moves `cursor` to `next` and returns `type`. */
function advance(cursor: { at: number }, next: number, type: BtfType): BtfType {
  cursor.at = next;
  return type;
}
