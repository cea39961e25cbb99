/**
 * A quick pass over raw BTF that only collects the names of types of one kind, without building the
 * type model: listing 1,600 raw tracepoints or 56,000 functions should not cost a full parse of
 * vmlinux BTF. Kernel-independent (works on bytes); the full model stays in src/btf.
 */
import { FormatError } from '../errors/index.js';

/** BTF kind numbers this scan filters on. */
export const BTF_KIND = { TYPEDEF: 8, FUNC: 12 } as const;

/** Bytes that follow the 12-byte header of a type of `kind` with `vlen` members. */
function trailing(kind: number, vlen: number): number {
  switch (kind) {
    case 1: // int
    case 14: // var
    case 17: // decl_tag
      return 4;
    case 3: // array
      return 12;
    case 4: // struct
    case 5: // union
    case 15: // datasec
    case 19: // enum64
      return vlen * 12;
    case 6: // enum
    case 13: // func_proto
      return vlen * 8;
    default:
      return 0;
  }
}

/**
 * Names of the types of `kind` whose name starts with `prefix`, in type-id order, from a raw
 * (non-split) BTF blob. Throws FormatError on a malformed header or type section.
 */
export function scanBtfNames(raw: Uint8Array, kind: number, prefix = ''): string[] {
  const v = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
  if (raw.length < 24 || v.getUint16(0, true) !== 0xeb9f) throw new FormatError('not a BTF blob (bad magic)');
  const hdrLen = v.getUint32(4, true);
  const typeStart = hdrLen + v.getUint32(8, true);
  const typeEnd = typeStart + v.getUint32(12, true);
  const strStart = hdrLen + v.getUint32(16, true);
  const strEnd = strStart + v.getUint32(20, true);
  if (typeEnd > raw.length || strEnd > raw.length) throw new FormatError('BTF sections lie outside the blob');
  const pre = Buffer.from(prefix, 'latin1');
  const buf = Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength);
  const out: string[] = [];
  for (let o = typeStart; o + 12 <= typeEnd;) {
    const nameOff = v.getUint32(o, true);
    const info = v.getUint32(o + 4, true);
    const k = (info >>> 24) & 0x1f;
    if (k === kind && nameOff !== 0) {
      const s = strStart + nameOff;
      if (s < strEnd && buf.compare(pre, 0, pre.length, s, Math.min(s + pre.length, strEnd)) === 0) {
        const e = buf.indexOf(0, s);
        out.push(buf.toString('latin1', s, e < 0 || e > strEnd ? strEnd : e));
      }
    }
    o += 12 + trailing(k, info & 0xffff);
  }
  return out;
}
