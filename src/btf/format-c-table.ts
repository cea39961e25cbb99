/**
 * BtfTable: a compact, read-only view of raw BTF for the dumpers (format-c.ts, format-raw.ts). The
 * object model of btf.ts allocates ~500k objects for vmlinux, which costs more than the whole dump;
 * this keeps the type section as one Uint32Array plus the start word of each type and decodes names
 * only on request. Kernel-independent.
 */
import type { Btf } from './btf.js';
import { FormatError } from '../errors/index.js';
import { BTF_MAGIC } from './parse.js';

/** BTF kind numbers (uapi). */
export const K = {
  VOID: 0,
  INT: 1,
  PTR: 2,
  ARRAY: 3,
  STRUCT: 4,
  UNION: 5,
  ENUM: 6,
  FWD: 7,
  TYPEDEF: 8,
  VOLATILE: 9,
  CONST: 10,
  RESTRICT: 11,
  FUNC: 12,
  FUNC_PROTO: 13,
  VAR: 14,
  DATASEC: 15,
  FLOAT: 16,
  DECL_TAG: 17,
  TYPE_TAG: 18,
  ENUM64: 19,
} as const;

/** Words of kind-specific data after the 3-word header: [fixed, per vlen entry]. */
const EXTRA: ReadonlyArray<readonly [number, number] | undefined> = [
  undefined,
  [1, 0], // int: encoding
  [0, 0], // ptr
  [3, 0], // array
  [0, 3], // struct
  [0, 3], // union
  [0, 2], // enum
  [0, 0], // fwd
  [0, 0], // typedef
  [0, 0], // volatile
  [0, 0], // const
  [0, 0], // restrict
  [0, 0], // func
  [0, 2], // func_proto
  [1, 0], // var
  [0, 3], // datasec
  [0, 0], // float
  [1, 0], // decl_tag
  [0, 0], // type_tag
  [0, 3], // enum64
];

/** A raw BTF blob (plus its base, for split BTF) indexed by type id. */
export class BtfTable {
  /** Type sections of the base chain and this blob, concatenated. */
  readonly u32: Uint32Array;
  /** Word index in `u32` of each type's header, by id (0 for void). */
  readonly start: Uint32Array;
  /** Kind of each type, by id (0 for void). */
  readonly kinds: Uint8Array;
  /** Number of ids, void included. */
  readonly count: number;
  /** First id defined by this blob itself (1 unless it is split BTF). */
  readonly firstId: number;
  /** String sections as bytes (base chain first), indexed by BTF string offset. */
  readonly strBytes: Uint8Array;
  /** Ids of the structs, unions, enums, typedefs and fwds: the types a C header declares. */
  readonly decls: Int32Array;
  private textCache?: string;

  private constructor(
    u32: Uint32Array,
    start: Uint32Array,
    kinds: Uint8Array,
    firstId: number,
    strBytes: Uint8Array,
    decls: Int32Array,
  ) {
    this.u32 = u32;
    this.strBytes = strBytes;
    this.decls = decls;
    this.start = start;
    this.kinds = kinds;
    this.count = start.length;
    this.firstId = firstId;
  }

  /** String sections decoded as latin1 (byte-exact), indexed by BTF string offset. */
  get text(): string {
    const b = this.strBytes;
    return (this.textCache ??= Buffer.from(b.buffer, b.byteOffset, b.length).toString('latin1'));
  }

  /** Indexes a raw BTF blob; `base` for split BTF (kernel module BTF on top of vmlinux). */
  static fromBytes(data: Uint8Array, base?: BtfTable): BtfTable {
    if (data.length < 24) throw new FormatError('BTF data too short for its header');
    const v = new DataView(data.buffer, data.byteOffset, data.byteLength);
    if (v.getUint16(0, true) !== BTF_MAGIC) throw new FormatError('bad BTF magic (big-endian or not BTF)');
    const hdrLen = v.getUint32(4, true);
    const typeOff = v.getUint32(8, true);
    const typeLen = v.getUint32(12, true);
    const strOff = v.getUint32(16, true);
    const strLen = v.getUint32(20, true);
    if (hdrLen < 24 || hdrLen + typeOff + typeLen > data.length || hdrLen + strOff + strLen > data.length) {
      throw new FormatError('BTF header points outside the data');
    }
    if (typeLen % 4 !== 0) throw new FormatError('BTF type section length is not a multiple of 4');
    const baseWords = base ? base.u32.length : 0;
    const u32 = new Uint32Array(baseWords + typeLen / 4);
    if (base) u32.set(base.u32);
    // Copy through bytes: the section may not be 4-byte aligned in the file.
    new Uint8Array(u32.buffer, baseWords * 4, typeLen).set(
      data.subarray(hdrLen + typeOff, hdrLen + typeOff + typeLen),
    );
    let strBytes = data.subarray(hdrLen + strOff, hdrLen + strOff + strLen);
    if (base) {
      const all = new Uint8Array(base.strBytes.length + strBytes.length);
      all.set(base.strBytes);
      all.set(strBytes, base.strBytes.length);
      strBytes = all;
    }

    const firstId = base ? base.count : 1;
    // Every type takes at least 3 words: this bound means the arrays never grow (a regrowth in the
    // middle of the loop would also throw away its optimized code).
    const most = firstId + Math.ceil(typeLen / 12) + 1;
    const starts = new Uint32Array(most);
    const kinds = new Uint8Array(most);
    if (base) {
      starts.set(base.start);
      kinds.set(base.kinds);
    }
    const decls = new Int32Array(most);
    if (base) decls.set(base.decls);
    let nDecls = base ? base.decls.length : 0;
    let n = firstId;
    const end = u32.length;
    // One pass: index the types and note the largest type id and string offset referenced, so that a
    // single comparison afterwards validates every reference.
    let maxRef = 0;
    let maxStr = 0;
    for (let w = baseWords; w < end;) {
      if (w + 3 > end) throw new FormatError(`BTF type ${n} runs past the type section`);
      const info = u32[w + 1];
      const kind = (info >>> 24) & 0x1f;
      const vlen = info & 0xffff;
      const extra = EXTRA[kind];
      if (!extra) throw new FormatError(`BTF type ${n} has unknown kind ${kind}`);
      starts[n] = w;
      kinds[n] = kind;
      const next = w + 3 + extra[0] + extra[1] * vlen;
      if (next > end) throw new FormatError(`BTF type ${n} runs past the type section`);
      if (u32[w] > maxStr) maxStr = u32[w];
      switch (kind) {
        case K.STRUCT:
        case K.UNION:
          for (let o = w + 3; o < next; o += 3) {
            if (u32[o] > maxStr) maxStr = u32[o];
            if (u32[o + 1] > maxRef) maxRef = u32[o + 1];
          }
          break;
        case K.FUNC_PROTO:
          if (u32[w + 2] > maxRef) maxRef = u32[w + 2];
          for (let o = w + 3; o < next; o += 2) {
            if (u32[o] > maxStr) maxStr = u32[o];
            if (u32[o + 1] > maxRef) maxRef = u32[o + 1];
          }
          break;
        case K.ENUM:
        case K.ENUM64:
          for (let o = w + 3; o < next; o += kind === K.ENUM ? 2 : 3) if (u32[o] > maxStr) maxStr = u32[o];
          break;
        case K.ARRAY:
          if (u32[w + 3] > maxRef) maxRef = u32[w + 3];
          if (u32[w + 4] > maxRef) maxRef = u32[w + 4];
          break;
        case K.DATASEC:
          for (let o = w + 3; o < next; o += 3) if (u32[o] > maxRef) maxRef = u32[o];
          break;
        case K.INT:
        case K.FWD:
        case K.FLOAT:
          break;
        default: // the kinds whose size-or-type word is a type id
          if (u32[w + 2] > maxRef) maxRef = u32[w + 2];
      }
      if (
        kind === K.STRUCT ||
        kind === K.UNION ||
        kind === K.ENUM ||
        kind === K.ENUM64 ||
        kind === K.TYPEDEF ||
        kind === K.FWD
      ) {
        decls[nDecls++] = n;
      }
      n++;
      w = next;
    }
    if (maxRef >= n) throw new FormatError(`BTF refers to type id ${maxRef} but has only ${n - 1} types`);
    if (maxStr >= strBytes.length && maxStr > 0) {
      throw new FormatError(`BTF refers to string offset ${maxStr} outside its string section`);
    }
    return new BtfTable(
      u32,
      starts.slice(0, n),
      kinds.slice(0, n),
      firstId,
      strBytes,
      decls.slice(0, nDecls),
    );
  }

  /** The table of a parsed Btf (reusing its raw bytes; the base chain for split BTF). */
  static fromBtf(btf: Btf): BtfTable {
    let t = tableCache.get(btf);
    if (!t) {
      t = BtfTable.fromBytes(btf.raw, btf.base ? BtfTable.fromBtf(btf.base) : undefined);
      tableCache.set(btf, t);
    }
    return t;
  }

  /** The string at BTF string offset `off`. */
  str(off: number): string {
    if (off === 0) return '';
    const text = this.text;
    const end = text.indexOf('\0', off);
    return text.slice(off, end < 0 ? text.length : end);
  }

  /** Name of type `id` ('' when anonymous). */
  name(id: number): string {
    return id === 0 ? '' : this.str(this.u32[this.start[id]]);
  }

  /** The info word's vlen (member/value/parameter count). */
  vlen(id: number): number {
    return this.u32[this.start[id] + 1] & 0xffff;
  }

  /** The info word's kind flag. */
  kflag(id: number): boolean {
    return this.u32[this.start[id] + 1] >>> 31 === 1;
  }

  /** The size-or-type word. */
  sizeOrType(id: number): number {
    return this.u32[this.start[id] + 2];
  }

  /** Word index of the kind-specific data. */
  data(id: number): number {
    return this.start[id] + 3;
  }
}

const tableCache = new WeakMap<Btf, BtfTable>();
