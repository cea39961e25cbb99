/**
 * Parses .BTF.ext: per-section function info, line info and CO-RE relocation records, which tie
 * instructions back to functions, source lines and the kernel types they access. Kernel-independent.
 */
import { FormatError } from '../errors/index.js';

/** One func_info record: the function (BTF func id) starting at instruction `insnOff` (in instructions). */
export interface FuncInfo {
  insnOff: number;
  typeId: number;
}
/** One line_info record: source file, line and column of instruction `insnOff` (in instructions). */
export interface LineInfo {
  insnOff: number;
  fileNameOff: number;
  lineOff: number;
  line: number;
  column: number;
}
/** CO-RE relocation kinds, as in libbpf's enum bpf_core_relo_kind. */
export const CORE_RELO_KIND = [
  'field_byte_offset',
  'field_byte_size',
  'field_exists',
  'field_signed',
  'field_lshift_u64',
  'field_rshift_u64',
  'type_id_local',
  'type_id_target',
  'type_exists',
  'type_size',
  'enumval_exists',
  'enumval_value',
  'type_matches',
] as const;
/** One CO-RE relocation record. `accessStr` is like "0:1:2". */
export interface CoreRelo {
  insnOff: number;
  typeId: number;
  accessStrOff: number;
  kind: number;
}
/** The records of one ELF section (program section name as written in BTF strings). */
export interface BtfExtSection<T> {
  sectionNameOff: number;
  records: T[];
}
/** Parsed .BTF.ext. String offsets point into the .BTF string table. */
export interface BtfExt {
  funcInfo: BtfExtSection<FuncInfo>[];
  lineInfo: BtfExtSection<LineInfo>[];
  coreRelo: BtfExtSection<CoreRelo>[];
}

/** Parses a .BTF.ext section. Instruction offsets are converted from bytes to instruction indexes. */
export function parseBtfExt(data: Uint8Array): BtfExt {
  try {
    return parse(data);
  } catch (e) {
    if (e instanceof RangeError) throw new FormatError(`malformed .BTF.ext: ${e.message}`, { cause: e });
    throw e;
  }
}

function parse(data: Uint8Array): BtfExt {
  const v = new DataView(data.buffer, data.byteOffset, data.byteLength);
  if (data.length < 24 || v.getUint16(0, true) !== 0xeb9f) throw new FormatError('bad .BTF.ext magic');
  const hdrLen = v.getUint32(4, true);
  const sub = (offField: number): [number, number] | undefined => {
    if (offField + 8 > hdrLen) return undefined;
    const off = v.getUint32(offField, true);
    const len = v.getUint32(offField + 4, true);
    if (len === 0) return undefined;
    if (hdrLen + off + len > data.length) throw new FormatError('.BTF.ext subsection outside the data');
    return [hdrLen + off, len];
  };
  const walk = <T>(
    range: [number, number] | undefined,
    minRec: number,
    rec: (o: number) => T,
  ): BtfExtSection<T>[] => {
    if (!range) return [];
    const [start, len] = range;
    const recSize = v.getUint32(start, true);
    if (recSize < minRec) throw new FormatError(`.BTF.ext record size ${recSize} too small`);
    const out: BtfExtSection<T>[] = [];
    let o = start + 4;
    while (o < start + len) {
      const sectionNameOff = v.getUint32(o, true);
      const n = v.getUint32(o + 4, true);
      o += 8;
      if (o + n * recSize > start + len) throw new FormatError('.BTF.ext section runs past its subsection');
      const records: T[] = [];
      for (let i = 0; i < n; i++, o += recSize) records.push(rec(o));
      out.push({ sectionNameOff, records });
    }
    return out;
  };
  return {
    funcInfo: walk(sub(8), 8, (o) => ({
      insnOff: v.getUint32(o, true) / 8,
      typeId: v.getUint32(o + 4, true),
    })),
    lineInfo: walk(sub(16), 16, (o) => {
      const lc = v.getUint32(o + 12, true);
      return {
        insnOff: v.getUint32(o, true) / 8,
        fileNameOff: v.getUint32(o + 4, true),
        lineOff: v.getUint32(o + 8, true),
        line: lc >>> 10,
        column: lc & 0x3ff,
      };
    }),
    coreRelo: walk(sub(24), 16, (o) => ({
      insnOff: v.getUint32(o, true) / 8,
      typeId: v.getUint32(o + 4, true),
      accessStrOff: v.getUint32(o + 8, true),
      kind: v.getUint32(o + 12, true),
    })),
  };
}
