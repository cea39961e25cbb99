/**
 * A quick pass over raw BTF that only collects the names of types of one kind, without building the
 * type model: listing 1,600 raw tracepoints or 56,000 functions should not cost a full parse of
 * vmlinux BTF. Kernel-independent (works on bytes); the full model stays in src/btf.
 */
import { btfTrailingBytes, readBtfHeader } from '../btf/header.js';

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
