/**
 * Reading names and one named enum straight from raw BTF bytes, without building the type model: the
 * disassembler needs only `enum bpf_func_id` of the kernel, listing raw tracepoints only the names
 * of `btf_trace_*` typedefs, and a full parse of vmlinux BTF costs most of a second. Pure: works on
 * bytes.
 */
import { btfTrailingBytes, readBtfHeader } from './header.js';

const KIND_ENUM = 6;
const KIND_ENUM64 = 19;

/** The enumerators of the first enum called `name` in a raw (non-split) BTF blob, or undefined. */
export function scanEnum(raw: Uint8Array, name: string): { name: string; value: bigint }[] | undefined {
  const { typeStart, typeEnd, strStart, strEnd } = readBtfHeader(raw);
  const v = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
  const buf = Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength);
  const str = (off: number): string => {
    const s = strStart + off;
    if (s >= strEnd) return '';
    const e = buf.indexOf(0, s);
    return buf.toString('latin1', s, e < 0 || e > strEnd ? strEnd : e);
  };
  for (let o = typeStart; o + 12 <= typeEnd;) {
    const info = v.getUint32(o + 4, true);
    const kind = (info >>> 24) & 0x1f;
    const vlen = info & 0xffff;
    const next = o + 12 + btfTrailingBytes(kind, vlen);
    if (
      (kind === KIND_ENUM || kind === KIND_ENUM64) &&
      next <= typeEnd &&
      str(v.getUint32(o, true)) === name
    ) {
      const signed = (info & 0x80000000) !== 0;
      const out: { name: string; value: bigint }[] = [];
      for (let i = 0; i < vlen; i++) {
        const at = o + 12 + i * (kind === KIND_ENUM ? 8 : 12);
        let value: bigint;
        if (kind === KIND_ENUM) value = BigInt(signed ? v.getInt32(at + 4, true) : v.getUint32(at + 4, true));
        else {
          const u = (BigInt(v.getUint32(at + 8, true)) << 32n) | BigInt(v.getUint32(at + 4, true));
          value = signed ? BigInt.asIntN(64, u) : u;
        }
        out.push({ name: str(v.getUint32(at, true)), value });
      }
      return out;
    }
    o = next;
  }
  return undefined;
}

/** BTF kind numbers this scan filters on. */
export const BTF_KIND = { TYPEDEF: 8, FUNC: 12 } as const;

/**
 * Names of the types of `kind` whose name starts with `prefix`, in type-id order, from a raw
 * (non-split) BTF blob. Throws FormatError on a malformed header or type section.
 */
export function scanBtfNames(raw: Uint8Array, kind: number, prefix = ''): string[] {
  const v = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
  const { typeStart, typeEnd, strStart, strEnd } = readBtfHeader(raw);
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
    o += 12 + btfTrailingBytes(k, info & 0xffff);
  }
  return out;
}

/**
 * The type id of the first type of `kind` named exactly `name` in a raw (non-split) BTF blob, or
 * undefined; e.g. the `btf_trace_<tracepoint>` typedef a tp_btf program attaches through.
 */
export function findBtfTypeId(raw: Uint8Array, kind: number, name: string): number | undefined {
  const v = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
  const { typeStart, typeEnd, strStart, strEnd } = readBtfHeader(raw);
  const want = Buffer.from(`${name}\0`, 'latin1');
  const buf = Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength);
  let id = 1;
  for (let o = typeStart; o + 12 <= typeEnd; id++) {
    const nameOff = v.getUint32(o, true);
    const info = v.getUint32(o + 4, true);
    const k = (info >>> 24) & 0x1f;
    if (k === kind && nameOff !== 0) {
      const s = strStart + nameOff;
      if (s + want.length <= strEnd && buf.compare(want, 0, want.length, s, s + want.length) === 0) return id;
    }
    o += 12 + btfTrailingBytes(k, info & 0xffff);
  }
  return undefined;
}
