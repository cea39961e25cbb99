/**
 * Struct and union layout planning for the BTF-to-C dumper: given the member offsets and the size BTF
 * records, decide what the emitted C must say so that clang lays the type out identically: whether the
 * type needs `__attribute__((packed))`, an explicit `aligned(N)` on a member or on the whole type, and
 * where unnamed bit-field padding goes. Kernel-independent; the rules are those of the generic (SysV-like)
 * record layout clang uses for the BPF target.
 */
import { K, type BtfTable } from './format-c-table.js';

/** Largest explicit alignment we are willing to infer (a page). */
const MAX_INFERRED_ALIGN = 4096;

const alignUp = (v: number, a: number): number => Math.ceil(v / a) * a;

/**
 * Unnamed bit-fields (without `;`) that advance the layout from bit `from` to bit `to` without
 * straddling a storage unit, so clang places each exactly there; unnamed bit-fields never raise the
 * record's alignment.
 */
export function padding(from: number, to: number): string[] {
  const out: string[] = [];
  let cur = from;
  while (cur < to) {
    const left = to - cur;
    let w: number;
    if (cur % 8 !== 0 || left < 8) {
      w = Math.min(8 - (cur % 8), left);
      out.push(`char: ${w}`);
    } else if (cur % 64 === 0 && left >= 64) {
      w = 64;
      out.push('long: 64');
    } else if (cur % 32 === 0 && left >= 32) {
      w = 32;
      out.push('int: 32');
    } else if (cur % 16 === 0 && left >= 16) {
      w = 16;
      out.push('short: 16');
    } else {
      w = 8;
      out.push('char: 8');
    }
    cur += w;
  }
  return out;
}

/**
 * By kind: the word of a type that strip() follows (2: the size-or-type word of typedefs, qualifiers
 * and type tags; 3: an array's element type), 0 where it stops. A table instead of a chain of
 * comparisons: these walks run for every member of every struct.
 */
const THROUGH = new Uint8Array(32);
const THROUGH_ARRAYS = new Uint8Array(32);
for (const k of [K.TYPEDEF, K.CONST, K.VOLATILE, K.RESTRICT, K.TYPE_TAG]) THROUGH[k] = THROUGH_ARRAYS[k] = 2;
THROUGH_ARRAYS[K.ARRAY] = 3;

/**
 * ORs into `embedOr`, per struct/union, every byte offset at which some struct or union member embeds
 * it by value (directly or as an array element).
 */
function embedOffsets(t: BtfTable, embedOr: Int32Array): void {
  const { kinds, u32, start, decls } = t;
  const STRUCT = K.STRUCT;
  const UNION = K.UNION;
  for (let i = 0; i < decls.length; i++) {
    const id = decls[i];
    const k = kinds[id];
    if (k !== STRUCT && k !== UNION) continue;
    const w = start[id];
    const kflag = u32[w + 1] >>> 31;
    const end = w + 3 + 3 * (u32[w + 1] & 0xffff);
    for (let o = w + 3; o < end; o += 3) {
      let c = u32[o + 1];
      for (let guard = 0; guard < 256; guard++) {
        const at = THROUGH_ARRAYS[kinds[c]];
        if (at === 0) break;
        c = u32[start[c] + at];
      }
      const ck = kinds[c];
      if (ck === STRUCT || ck === UNION) embedOr[c] |= (kflag ? u32[o + 2] & 0xffffff : u32[o + 2]) >>> 3;
    }
  }
}

/** Plan states, by type id. */
const UNPLANNED = 0;
const NATURAL = 1;
const PACKED = 2;
/** Packed, and even so not reproducible (corrupt offsets): members emitted as they are. */
const GIVEN_UP = 3;

/**
 * Computes and memoises sizes, alignments and layout plans. A plan is a few numbers per composite;
 * the per-member details (padding, member alignment) are recomputed by `record` when rendering, which
 * keeps planning allocation-free.
 */
export class LayoutPlanner {
  private readonly t: BtfTable;
  private readonly state: Uint8Array;
  private readonly align: Uint32Array;
  private readonly attr: Uint32Array;
  /** 1 when a composite needs padding or member alignment, so rendering must re-run its layout. */
  private readonly detail: Uint8Array;
  private readonly sizeMemo: Float64Array;
  private readonly alignMemo: Uint32Array;
  /** Per composite id: OR of every byte offset at which it is embedded by value (0 if never). */
  private readonly embedOr: Int32Array;
  /** Records of composites being rendered (a stack: inline anonymous members nest). */
  private rec = new Float64Array(4096);
  private sp = 0;
  private resAlign = 1;
  private resAttr = 0;
  private resDetail = false;

  constructor(t: BtfTable) {
    this.t = t;
    const n = t.count;
    this.state = new Uint8Array(n);
    this.align = new Uint32Array(n);
    this.attr = new Uint32Array(n);
    this.detail = new Uint8Array(n);
    this.sizeMemo = new Float64Array(n).fill(-1);
    this.alignMemo = new Uint32Array(n);
    this.embedOr = new Int32Array(n);
    embedOffsets(t, this.embedOr);
  }

  /** Follows typedefs, qualifiers, type tags and (when `arrays`) array element types; returns an id. */
  strip(id: number, arrays = false): number {
    const { kinds, u32, start } = this.t;
    const next = arrays ? THROUGH_ARRAYS : THROUGH;
    for (let guard = 0; guard < 256; guard++) {
      const at = next[kinds[id]];
      if (at === 0) return id;
      id = u32[start[id] + at];
    }
    return id;
  }

  /** Size in bytes of type `id` as BTF records it. */
  sizeOf(id: number): number {
    let s = this.sizeMemo[id];
    if (s < 0) {
      const t = this.t;
      const r = this.strip(id);
      switch (t.kinds[r]) {
        case K.INT:
        case K.FLOAT:
        case K.STRUCT:
        case K.UNION:
        case K.ENUM:
        case K.ENUM64:
          s = t.u32[t.start[r] + 2];
          break;
        case K.PTR:
          s = 8;
          break;
        case K.ARRAY:
          this.sizeMemo[id] = 0; // guards against a (corrupt) cycle
          s = t.u32[t.start[r] + 5] * this.sizeOf(t.u32[t.start[r] + 3]);
          break;
        default:
          s = 0;
      }
      this.sizeMemo[id] = s;
    }
    return s;
  }

  /** Alignment in bytes clang gives type `id` as we emit it. */
  alignOf(id: number): number {
    let a = this.alignMemo[id];
    if (a === 0) {
      const r = this.strip(id, true);
      switch (this.t.kinds[r]) {
        case K.INT:
        case K.FLOAT:
        case K.ENUM:
        case K.ENUM64:
          a = this.t.u32[this.t.start[r] + 2] || 1;
          break;
        case K.PTR:
          a = 8;
          break;
        case K.STRUCT:
        case K.UNION:
          this.plan(r);
          a = this.align[r];
          break;
        default:
          a = 1;
      }
      this.alignMemo[id] = a;
    }
    return a;
  }

  /** Whether composite `id` is emitted `__attribute__((packed))`. */
  packed(id: number): boolean {
    this.plan(id);
    return this.state[id] !== NATURAL;
  }

  /** Explicit `aligned(N)` of composite `id` (0 for none). */
  attrAlign(id: number): number {
    this.plan(id);
    return this.attr[id];
  }

  private plan(id: number): void {
    if (this.state[id] !== UNPLANNED) return;
    let s: number = NATURAL;
    if (!this.simulate(id, false, -1)) {
      s = PACKED;
      if (!this.simulate(id, true, -1)) {
        s = GIVEN_UP;
        this.resAlign = 1;
        this.resAttr = 0;
      }
    }
    this.state[id] = s;
    this.detail[id] = s !== GIVEN_UP && this.resDetail ? 1 : 0;
    this.align[id] = this.resAlign;
    this.attr[id] = this.resAttr;
  }

  /**
   * Pushes the member details of composite `id` and returns where they start in `records`: per member
   * 4 numbers [padding from bit, padding to bit, aligned(N) or 0, bit-field width or 0], then
   * [tail padding from, to, 1 if the tail is a union's single `long: N`]. Pair with `release`.
   * Returns -1 (and pushes nothing) when the composite has no padding or member alignment at all.
   */
  record(id: number): number {
    this.plan(id);
    if (!this.detail[id]) return -1;
    const base = this.sp;
    const need = base + 4 * this.t.vlen(id) + 3;
    if (need > this.rec.length) {
      const grown = new Float64Array(Math.max(need, this.rec.length * 2));
      grown.set(this.rec);
      this.rec = grown;
    }
    this.rec.fill(0, base, need);
    this.simulate(id, this.state[id] === PACKED, base);
    this.sp = need;
    return base;
  }

  /** The record buffer `record` writes into (re-read after each `record`: it may grow). */
  get records(): Float64Array {
    return this.rec;
  }

  /** Pops the record pushed at `base`. */
  release(base: number): void {
    this.sp = base;
  }

  /** Bit-field width of the member at word `o` of a composite with kind flag `kflag`; 0 for none. */
  width(kflag: number, o: number): number {
    const t = this.t;
    if (kflag) return t.u32[o + 2] >>> 24;
    const r = this.strip(t.u32[o + 1]);
    if (t.kinds[r] !== K.INT) return 0;
    const enc = t.u32[t.start[r] + 3];
    return (enc & 0xff) !== t.u32[t.start[r] + 2] * 8 ? enc & 0xff : 0;
  }

  /** Bit offset of the member at word `o`, including an old-style INT bit offset. */
  private offset(kflag: number, o: number): number {
    const t = this.t;
    if (kflag) return t.u32[o + 2] & 0xffffff;
    const r = this.strip(t.u32[o + 1]);
    if (t.kinds[r] !== K.INT) return t.u32[o + 2];
    const enc = t.u32[t.start[r] + 3];
    return (enc & 0xff) !== t.u32[t.start[r] + 2] * 8 ? t.u32[o + 2] + ((enc >>> 16) & 0xff) : t.u32[o + 2];
  }

  /**
   * The smallest power of two above `natural` that moves bit position `cur` exactly to `target`, if the
   * composite `id` can take that alignment without breaking its own size or the offsets at which other
   * types embed it; 0 otherwise.
   */
  private inferAlign(id: number, size: number, natural: number, cur: number, target: number): number {
    for (let a = natural * 2; a <= MAX_INFERRED_ALIGN; a *= 2) {
      const p = alignUp(cur, a * 8);
      if (p === target) return size % a === 0 && (this.embedOr[id] & (a - 1)) === 0 ? a : 0;
      if (p > target) return 0;
    }
    return 0;
  }

  /**
   * Lays composite `id` out as clang would (packed or not), inserting padding or member alignment
   * where BTF offsets are further on; false when the layout cannot match. Sets resAlign/resAttr;
   * writes member details at `rec` when it is >= 0.
   */
  private simulate(id: number, packed: boolean, rec: number): boolean {
    const t = this.t;
    const w = t.start[id];
    const isUnion = t.kinds[id] === K.UNION;
    const kflag = t.u32[w + 1] >>> 31;
    const n = t.u32[w + 1] & 0xffff;
    const sizeBytes = t.u32[w + 2];
    const r = this.rec;
    let cur = 0;
    let align = 1;
    let detail = false;
    for (let i = 0, o = w + 3; i < n; i++, o += 3) {
      const type = t.u32[o + 1];
      const off = this.offset(kflag, o);
      const bits = this.width(kflag, o);
      const size = this.sizeOf(type) * 8;
      const natural = this.alignOf(type);
      let pad = -1;
      let attr = 0;
      if (isUnion) {
        if (off !== 0) return false;
        if (!packed) align = Math.max(align, natural);
        cur = Math.max(cur, bits || size);
      } else if (bits) {
        const unit = natural * 8;
        // A bit-field that would straddle a storage unit of its type starts at the next unit.
        const next = alignUp(cur, unit);
        const p = !packed && (cur % unit) + bits > size ? next : cur;
        if (p > off || (!packed && (off % unit) + bits > size)) return false;
        if (p < off) pad = cur;
        cur = off + bits;
        if (!packed) align = Math.max(align, natural);
      } else {
        if (off % 8 !== 0) return false;
        const a = packed ? 1 : natural;
        const p = alignUp(cur, a * 8);
        if (p > off) return false;
        // A gap clang would not leave: an aligned(N) on the member, else padding before it.
        attr = this.gapAlign(id, sizeBytes, packed, a, cur, p, off);
        if (p < off && !attr) pad = cur;
        cur = off + size;
        align = Math.max(align, a, attr);
      }
      if (pad >= 0 || attr) detail = true;
      if (rec >= 0) {
        const b = rec + 4 * i;
        const padded = pad >= 0;
        r[b] = padded ? pad : 0;
        r[b + 1] = padded ? off : 0;
        r[b + 2] = attr;
        r[b + 3] = bits;
      }
    }
    return this.finish(id, isUnion, sizeBytes, align, cur, detail, rec, n);
  }

  /*
   * The layout's rare cases (gaps, tail padding) are in gapAlign and finish, which simulate calls
   * every time: code that runs only in a rare case has no type feedback when simulate gets optimized,
   * and running it then throws simulate's optimized code away (several times over for vmlinux).
   * Kept out of line (they are too big to inline) such a case costs only these small functions.
   */

  /**
   * For a member at byte-aligned bit `target` that the layout (at bit `cur`, next aligned position `p`)
   * would place earlier: the aligned(N) attribute that moves it there, or 0 (also when there is no gap
   * or the composite is packed).
   */
  private gapAlign(
    id: number,
    sizeBytes: number,
    packed: boolean,
    natural: number,
    cur: number,
    p: number,
    target: number,
  ): number {
    if (packed || p === target) return 0;
    return this.inferAlign(id, sizeBytes, natural, cur, target);
  }

  /**
   * Reconciles the simulated end (bit `cur`, alignment `align`) of composite `id` with its BTF size:
   * an aligned(N) on the type or tail padding (written to the record at `rec` after `n` members).
   * Sets resAlign/resAttr/resDetail; false when the layout cannot match.
   */
  private finish(
    id: number,
    isUnion: boolean,
    sizeBytes: number,
    align: number,
    cur: number,
    detail: boolean,
    rec: number,
    n: number,
  ): boolean {
    const size = sizeBytes * 8;
    const end = alignUp(cur, align * 8);
    if (end > size || sizeBytes % align !== 0) return false;
    let attrAlign = 0;
    if (end < size) {
      attrAlign = this.inferAlign(id, sizeBytes, align, cur, size);
      if (attrAlign) align = attrAlign;
      else if (isUnion && size > 64) return false;
      else detail = true;
      if (!attrAlign && rec >= 0) {
        const r = this.rec;
        const b = rec + 4 * n;
        r[b] = isUnion ? 0 : cur;
        r[b + 1] = size;
        r[b + 2] = isUnion ? 1 : 0;
      }
    }
    this.resAlign = align;
    this.resAttr = attrAlign;
    this.resDetail = detail;
    return true;
  }
}
