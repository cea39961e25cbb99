/**
 * The fixed parts of the BTF wire format that every reader needs: the header (where the type and
 * string sections lie) and how many bytes follow each type's 12-byte record (include/uapi/linux/btf.h).
 * Pure: no kernel.
 */
import { FormatError } from '../errors/index.js';

/** 0xeB9F in the blob's byte order; only little-endian blobs are read. */
export const BTF_MAGIC = 0xeb9f;

/** Where the sections of a BTF blob lie, as absolute byte offsets into the blob. */
export interface BtfHeader {
  hdrLen: number;
  typeStart: number;
  typeEnd: number;
  strStart: number;
  strEnd: number;
}

/** Reads and checks a BTF header; throws FormatError when the blob cannot hold what it says. */
export function readBtfHeader(data: Uint8Array): BtfHeader {
  if (data.length < 24) throw new FormatError('BTF data too short for its header');
  const v = new DataView(data.buffer, data.byteOffset, data.byteLength);
  if (v.getUint16(0, true) !== BTF_MAGIC) throw new FormatError('bad BTF magic (big-endian or not BTF)');
  const hdrLen = v.getUint32(4, true);
  const typeStart = hdrLen + v.getUint32(8, true);
  const typeEnd = typeStart + v.getUint32(12, true);
  const strStart = hdrLen + v.getUint32(16, true);
  const strEnd = strStart + v.getUint32(20, true);
  if (hdrLen < 24 || typeEnd > data.length || strEnd > data.length)
    throw new FormatError('BTF header points outside the data');
  return { hdrLen, typeStart, typeEnd, strStart, strEnd };
}

/** Bytes that follow the 12-byte record of a type of kind number `kind` with `vlen` members. */
export function btfTrailingBytes(kind: number, vlen: number): number {
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
      return 12 * vlen;
    case 6: // enum
    case 13: // func_proto
      return 8 * vlen;
    default:
      return 0;
  }
}
