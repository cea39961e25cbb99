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
  let o = h.typeStart;
  const end = h.typeEnd;
  const need = (n: number): void => {
    if (o + n > end) throw new FormatError(`BTF type ${types.length} runs past the type section`);
  };
  while (o < end) {
    need(12);
    const id = types.length;
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
        need(4);
        const enc = v.getUint32(o, true);
        o += 4;
        types.push({
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
        break;
      }
      case 'ptr':
        types.push({ id, kind, name, type: sizeOrType });
        break;
      case 'array':
        need(12);
        types.push({
          id,
          kind,
          name,
          type: v.getUint32(o, true),
          indexType: v.getUint32(o + 4, true),
          nelems: v.getUint32(o + 8, true),
        });
        o += 12;
        break;
      case 'struct':
      case 'union': {
        need(12 * vlen);
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
        types.push({ id, kind, name, size: sizeOrType, members });
        break;
      }
      case 'enum':
      case 'enum64': {
        const rec = kind === 'enum' ? 8 : 12;
        need(rec * vlen);
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
        types.push({ id, kind, name, size: sizeOrType, signed: kflag, values });
        break;
      }
      case 'fwd':
        types.push({ id, kind, name, union: kflag });
        break;
      case 'typedef':
      case 'volatile':
      case 'const':
      case 'restrict':
      case 'type_tag':
        types.push({ id, kind, name, type: sizeOrType });
        break;
      case 'func':
        types.push({ id, kind, name, type: sizeOrType, linkage: vlen });
        break;
      case 'func_proto': {
        need(8 * vlen);
        const params: BtfParam[] = [];
        for (let i = 0; i < vlen; i++, o += 8) {
          params.push({ name: str(v.getUint32(o, true)), type: v.getUint32(o + 4, true) });
        }
        types.push({ id, kind, name, returnType: sizeOrType, params });
        break;
      }
      case 'var':
        need(4);
        types.push({ id, kind, name, type: sizeOrType, linkage: v.getUint32(o, true) });
        o += 4;
        break;
      case 'datasec': {
        need(12 * vlen);
        const vars: BtfVarSecinfo[] = [];
        for (let i = 0; i < vlen; i++, o += 12) {
          vars.push({
            type: v.getUint32(o, true),
            offset: v.getUint32(o + 4, true),
            size: v.getUint32(o + 8, true),
          });
        }
        types.push({ id, kind, name, size: sizeOrType, vars });
        break;
      }
      case 'float':
        types.push({ id, kind, name, size: sizeOrType });
        break;
      case 'decl_tag':
        need(4);
        types.push({ id, kind, name, type: sizeOrType, componentIdx: v.getInt32(o, true) });
        o += 4;
        break;
      default:
        throw new FormatError(`BTF type ${id} has unknown kind ${kindNum}`);
    }
  }
  return { types, strings };
}
