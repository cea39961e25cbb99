/**
 * BtfTable: a compact, read-only view of raw BTF for the dumpers (format-c.ts, format-raw.ts). The
 * object model of btf.ts allocates ~500k objects for vmlinux, which costs more than the whole dump;
 * this keeps the type section as one Uint32Array plus the start word of each type and decodes names
 * only on request. Kernel-independent.
 */
import { readBtfHeader } from './header.js';
import type { Btf } from './btf.js';
import { FormatError } from '../errors/index.js';

/**
 * V8 flags for a process that runs one dump of a big BTF (vmlinux) cold, as `bpfkit btf dump` does
 * (set with v8.setFlagsFromString before the dump). The dump's optimizing compiles cost about as much
 * CPU as the dump itself, on other cores while they are free, else taken from it. Inlining only tiny
 * functions (V8 always inlines those) halves that with V8's defaults, gets optimized code running
 * sooner and is about as fast once warm. On V8 11 (Node 20, where it was measured: bench/btfdump.sh)
 * leaving out three optimizations of little use here (loop peeling, escape analysis, node splitting)
 * saves another ~10% of the process's CPU time; other versions are not given flags they may not know
 * (V8 prints an error for those).
 */
export const DUMP_V8_FLAGS =
  '--max-inlined-bytecode-size-cumulative=0' +
  (process.versions.v8.startsWith('11.')
    ? ' --no-turbo-loop-peeling --no-turbo-escape --no-turbo-splitting'
    : '');

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

/**
 * Per-kind shape tables, indexed by the 5-bit kind field, so that indexing runs the same few operations
 * for every kind (a switch per type made rare kinds, e.g. the one DATASEC at the end of vmlinux, run
 * code the optimizing compiler had no feedback for, and throw that code away).
 * FIXED: words of kind-specific data after the 3-word header (0xff: unknown kind); STRIDE: words per
 * vlen entry; REF2: 1 when the size-or-type word is a type id; M_NAME / M_TYPE: 1 when a vlen entry's
 * first / second word is a string offset / type id (DATASEC entries hold a type id in their first);
 * DECL: 1 for the kinds a C header declares.
 */
const FIXED = new Uint8Array(32).fill(0xff);
const STRIDE = new Uint8Array(32);
const REF2 = new Uint8Array(32);
const M_NAME = new Uint8Array(32);
const M_TYPE = new Uint8Array(32);
const M_TYPE_AT = new Uint8Array(32);
const DECL = new Uint8Array(32);
// kind, fixed words, words per entry, size-or-type is a type, entry name, entry type (word), decl
for (const [k, fixed, stride, ref2, mName, mType, mTypeAt, decl] of [
  [K.INT, 1, 0, 0, 0, 0, 0, 0],
  [K.PTR, 0, 0, 1, 0, 0, 0, 0],
  [K.ARRAY, 3, 0, 0, 0, 0, 0, 0],
  [K.STRUCT, 0, 3, 0, 1, 1, 1, 1],
  [K.UNION, 0, 3, 0, 1, 1, 1, 1],
  [K.ENUM, 0, 2, 0, 1, 0, 0, 1],
  [K.FWD, 0, 0, 0, 0, 0, 0, 1],
  [K.TYPEDEF, 0, 0, 1, 0, 0, 0, 1],
  [K.VOLATILE, 0, 0, 1, 0, 0, 0, 0],
  [K.CONST, 0, 0, 1, 0, 0, 0, 0],
  [K.RESTRICT, 0, 0, 1, 0, 0, 0, 0],
  [K.FUNC, 0, 0, 1, 0, 0, 0, 0],
  [K.FUNC_PROTO, 0, 2, 1, 1, 1, 1, 0],
  [K.VAR, 1, 0, 1, 0, 0, 0, 0],
  [K.DATASEC, 0, 3, 0, 0, 1, 0, 0],
  [K.FLOAT, 0, 0, 0, 0, 0, 0, 0],
  [K.DECL_TAG, 1, 0, 1, 0, 0, 0, 0],
  [K.TYPE_TAG, 0, 0, 1, 0, 0, 0, 0],
  [K.ENUM64, 0, 3, 0, 1, 0, 0, 1],
]) {
  FIXED[k] = fixed;
  STRIDE[k] = stride;
  REF2[k] = ref2;
  M_NAME[k] = mName;
  M_TYPE[k] = mType;
  M_TYPE_AT[k] = mTypeAt;
  DECL[k] = decl;
}

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
    const { typeStart, typeEnd, strStart, strEnd } = readBtfHeader(data);
    const typeLen = typeEnd - typeStart;
    if (typeLen % 4 !== 0) throw new FormatError('BTF type section length is not a multiple of 4');
    const baseWords = base ? base.u32.length : 0;
    const at = data.byteOffset + typeStart;
    let u32: Uint32Array;
    if (!base && at % 4 === 0) {
      // Aligned (the usual case for a file read whole): a view, no copy.
      u32 = new Uint32Array(data.buffer, at, typeLen / 4);
    } else {
      u32 = new Uint32Array(baseWords + typeLen / 4);
      if (base) u32.set(base.u32);
      // Copy through bytes: the section may not be 4-byte aligned in the file.
      new Uint8Array(u32.buffer, baseWords * 4, typeLen).set(data.subarray(typeStart, typeEnd));
    }
    let strBytes = data.subarray(strStart, strEnd);
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
    const { n, nDecls, maxRef, maxStr } = indexTypes(
      u32,
      baseWords,
      firstId,
      starts,
      kinds,
      decls,
      base ? base.decls.length : 0,
    );
    if (maxRef >= n) throw new FormatError(`BTF refers to type id ${maxRef} but has only ${n - 1} types`);
    if (maxStr >= strBytes.length && maxStr > 0) {
      throw new FormatError(`BTF refers to string offset ${maxStr} outside its string section`);
    }
    return new BtfTable(
      u32,
      starts.subarray(0, n),
      kinds.subarray(0, n),
      firstId,
      strBytes,
      decls.subarray(0, nDecls),
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

/**
 * Fills `starts`, `kinds` and `decls` for the types from word `w` on. Returns the id after the last,
 * the number of decls, and the largest type id and string offset referenced (maxRef, maxStr), so that
 * a single comparison afterwards validates every reference. Table-driven: the same operations for
 * every kind (see FIXED).
 */
function indexTypes(
  u32: Uint32Array,
  w: number,
  n: number,
  starts: Uint32Array,
  kinds: Uint8Array,
  decls: Int32Array,
  nDecls: number,
): { n: number; nDecls: number; maxRef: number; maxStr: number } {
  const end = u32.length;
  let maxRef = 0;
  let maxStr = 0;
  while (w < end) {
    if (w + 3 > end) throw new FormatError(`BTF type ${n} runs past the type section`);
    const info = u32[w + 1];
    const kind = (info >>> 24) & 0x1f;
    const fixed = FIXED[kind];
    if (fixed === 0xff) throw new FormatError(`BTF type ${n} has unknown kind ${kind}`);
    const stride = STRIDE[kind];
    const first = w + 3 + fixed;
    const next = first + stride * (info & 0xffff);
    if (next > end) throw new FormatError(`BTF type ${n} runs past the type section`);
    starts[n] = w;
    kinds[n] = kind;
    decls[nDecls] = n;
    nDecls += DECL[kind];
    // Conditional code here only moves values: an operation that runs only when a new maximum turns up
    // would have no type feedback when the loop gets optimized, and throw that code away when it runs.
    const name = u32[w];
    if (name > maxStr) maxStr = name;
    const ref = u32[w + 2] * REF2[kind];
    if (ref > maxRef) maxRef = ref;
    if (fixed === 3) {
      // ARRAY: element and index types.
      const elem = u32[w + 3];
      const index = u32[w + 4];
      if (elem > maxRef) maxRef = elem;
      if (index > maxRef) maxRef = index;
    } else if (first < next) {
      const mName = M_NAME[kind];
      const mType = M_TYPE[kind];
      const typeAt = M_TYPE_AT[kind];
      for (let o = first; o < next; o += stride) {
        const s = u32[o] * mName;
        if (s > maxStr) maxStr = s;
        const r = u32[o + typeAt] * mType;
        if (r > maxRef) maxRef = r;
      }
    }
    n++;
    w = next;
  }
  return { n, nDecls, maxRef, maxStr };
}
