/**
 * C names for the BTF-to-C dumper. BTF may hold several different types with one name (e.g. two
 * `struct foo` from different compilation units), which would not compile side by side, so the first
 * keeps its name and later ones get a `___N` suffix (N from 2), separately for the tag namespace
 * (struct, union, enum) and the ordinary namespace (typedefs, enumerators), as C scopes them.
 * Names stay in the BTF string section: a name is its string offset plus a suffix number, so no JS
 * string is made per name (vmlinux has ~40k of them). Kernel-independent.
 */
import { K, type BtfTable } from './format-c-table.js';
import type { ByteWriter } from './format-c-writer.js';

// Kind numbers as local constants: the naming pass runs once per process, mostly before it is
// optimized, and a property load per comparison costs more than the comparison there.
const STRUCT = K.STRUCT;
const UNION = K.UNION;
const ENUM = K.ENUM;
const ENUM64 = K.ENUM64;
const TYPEDEF = K.TYPEDEF;
const FWD = K.FWD;

/** Resolved C names of every type in a BtfTable, by type id. */
export class CNames {
  private readonly t: BtfTable;
  /** `___N` suffix of a struct/union/enum/fwd tag or typedef name, by type id (0 or 1 for none). */
  private readonly suffix: Uint32Array;
  /** For a fwd that names a struct/union also defined in the BTF: that type's id (else 0). */
  readonly fwdTarget: Int32Array;
  /** Index in enumSuffix of each enum's first enumerator, by type id. */
  private readonly enumFirst: Int32Array;
  /** Occurrence number of each enumerator's name (1 for the first), in declaration order. */
  private readonly enumSuffix: Uint32Array;

  constructor(t: BtfTable) {
    this.t = t;
    const n = t.count;
    const { decls } = t;
    this.suffix = new Uint32Array(n);
    this.fwdTarget = new Int32Array(n);
    this.enumFirst = new Int32Array(n);
    // Each loop is in a function of its own: a loop that gets optimized while it runs (vmlinux has
    // ~19k declarations) leaves the code after it without type feedback in the optimized version,
    // which running that code would throw away.
    const enumerators = countEnumerators(t);
    this.enumSuffix = new Uint32Array(enumerators);
    let size = 1024;
    while (size < decls.length + enumerators) size *= 2;
    const names = new NameSet(t.strBytes, size * 2);
    // Name counts per hash slot (one slot per distinct name), one array per C namespace.
    const tags = new Int32Array(size * 2);
    const idents = new Int32Array(size * 2);
    const firstComposite = new Int32Array(size * 2);
    countNames(t, names, this.suffix, this.enumFirst, this.enumSuffix, tags, idents, firstComposite);
    resolveFwds(t, names, this.suffix, this.fwdTarget, tags, firstComposite);
  }

  /** Writes the C name (tag or typedef name) of type `id`. */
  write(id: number, out: ByteWriter): void {
    const target = this.fwdTarget[id] || id;
    out.z(this.t.strBytes, this.t.u32[this.t.start[target]]);
    out.s(suffixText(this.suffix[target]));
  }

  /** The C name of type `id` as a string. */
  text(id: number): string {
    const c = this.suffix[id];
    return c > 1 ? `${this.t.name(id)}___${c}` : this.t.name(id);
  }

  /** Writes the name of enumerator `i` of enum `id` (its record at word `w`), suffixed if it repeats. */
  enumerator(id: number, i: number, w: number, out: ByteWriter): void {
    out.z(this.t.strBytes, this.t.u32[w]);
    out.s(suffixText(this.enumSuffix[this.enumFirst[id] + i]));
  }
}

/**
 * The `___N` suffix for occurrence `c` of a name ('' for the first). Written for every name, rather
 * than behind a rarely taken branch that the optimized writers would have no type feedback for.
 */
function suffixText(c: number): string {
  return SUFFIXES[c] ?? `___${c}`;
}

const SUFFIXES: string[] = Array.from({ length: 64 }, (_, c) => (c > 1 ? `___${c}` : ''));

/** The number of enumerators of all enums. */
function countEnumerators(t: BtfTable): number {
  const { kinds, u32, start, decls } = t;
  let enumerators = 0;
  for (let i = 0; i < decls.length; i++) {
    const k = kinds[decls[i]];
    if (k === ENUM || k === ENUM64) enumerators += u32[start[decls[i]] + 1] & 0xffff;
  }
  return enumerators;
}

/**
 * A fwd of a type that is also fully defined is the same C type: it reuses that type's name (and
 * `fwdTarget` says so, so that nothing is declared for it); other fwds count as tags of their own.
 */
function resolveFwds(
  t: BtfTable,
  names: NameSet,
  suffix: Uint32Array,
  fwdTarget: Int32Array,
  tags: Int32Array,
  firstComposite: Int32Array,
): void {
  const { kinds, u32, start, decls } = t;
  for (let i = 0; i < decls.length; i++) {
    const id = decls[i];
    if (kinds[id] !== FWD) continue;
    const slot = names.slot(u32[start[id]]);
    const def = firstComposite[slot];
    if (def && (kinds[def] === UNION) === t.kflag(id)) {
      fwdTarget[id] = def;
      suffix[id] = suffix[def];
    } else suffix[id] = ++tags[slot];
  }
}

/**
 * Counts the names of structs, unions, enums, enumerators and typedefs per namespace and records each
 * one's occurrence number (its suffix). One tight loop over locals, with the same operations for every
 * enumerator (no rarely taken branch that the optimized code would not have seen).
 */
function countNames(
  t: BtfTable,
  names: NameSet,
  suffix: Uint32Array,
  enumFirst: Int32Array,
  enumSuffix: Uint32Array,
  tags: Int32Array,
  idents: Int32Array,
  firstComposite: Int32Array,
): void {
  const { kinds, u32, start, decls } = t;
  let e = 0;
  for (let i = 0; i < decls.length; i++) {
    const id = decls[i];
    const k = kinds[id];
    const w = start[id];
    if (k === STRUCT || k === UNION) {
      if (u32[w] === 0) continue;
      const slot = names.slot(u32[w]);
      if (firstComposite[slot] === 0) firstComposite[slot] = id;
      suffix[id] = ++tags[slot];
    } else if (k === ENUM || k === ENUM64) {
      if (u32[w] !== 0) suffix[id] = ++tags[names.slot(u32[w])];
      const step = k === ENUM ? 2 : 3;
      const end = w + 3 + step * (u32[w + 1] & 0xffff);
      enumFirst[id] = e;
      for (let o = w + 3; o < end; o += step) enumSuffix[e++] = ++idents[names.slot(u32[o])];
    } else if (k === TYPEDEF) {
      suffix[id] = ++idents[names.slot(u32[w])];
    }
  }
}

/**
 * Open-addressing hash set of NUL-terminated strings in a string section, by content: equal strings
 * (at any offset) share one slot.
 */
class NameSet {
  private readonly b: Uint8Array;
  /** String offset + 1 of the first string seen in each slot (0: free). */
  private readonly slots: Int32Array;
  /** Hash of each slot's string: bytes are compared only when hashes are equal. */
  private readonly hashes: Int32Array;
  private readonly mask: number;

  /** `size` (a power of two) must exceed the number of distinct strings looked up. */
  constructor(strBytes: Uint8Array, size: number) {
    this.b = strBytes;
    this.slots = new Int32Array(size);
    this.hashes = new Int32Array(size);
    this.mask = size - 1;
  }

  /** The slot of the string at `off`. */
  slot(off: number): number {
    const b = this.b;
    // A cheap per-byte step (this loop runs for ~600k bytes of vmlinux names, much of it before it is
    // optimized), then one mixing step for the bits the table index uses.
    let h = 0;
    let end = off;
    let c = b[end];
    while (c > 0) {
      // undefined (past the end of the section) stops the loop too
      h = (h * 31 + c) | 0;
      c = b[++end];
    }
    h = Math.imul(h ^ (h >>> 15), 0x2c1b3c6d);
    h ^= h >>> 12;
    const len = end - off;
    const { slots, hashes, mask } = this;
    for (let i = h & mask; ; i = (i + 1) & mask) {
      const s = slots[i] - 1;
      if (s < 0) {
        slots[i] = off + 1;
        hashes[i] = h;
        return i;
      }
      if (hashes[i] === h) {
        let j = 0;
        while (j < len && b[s + j] === b[off + j]) j++;
        if (j === len && b[s + len] === 0) return i;
      }
    }
  }
}
