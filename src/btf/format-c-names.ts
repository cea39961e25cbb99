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

/** Resolved C names of every type in a BtfTable, by type id. */
export class CNames {
  private readonly t: BtfTable;
  /** `___N` suffix of a struct/union/enum/fwd tag or typedef name, by type id (0 or 1 for none). */
  private readonly suffix: Uint32Array;
  /** For a fwd that names a struct/union also defined in the BTF: that type's id (else 0). */
  readonly fwdTarget: Int32Array;
  /** `___N` suffixes of enumerators whose names repeat, by the word index of the enumerator. */
  private readonly enumSuffix = new Map<number, number>();
  /** Open-addressing hash set of string offsets (+1): one slot per distinct name. */
  private readonly slots: Int32Array;
  private readonly mask: number;

  constructor(t: BtfTable) {
    this.t = t;
    const n = t.count;
    const { kinds, u32, start } = t;
    this.suffix = new Uint32Array(n);
    this.fwdTarget = new Int32Array(n);
    let names = t.decls.length;
    for (let i = 0; i < t.decls.length; i++) {
      const k = kinds[t.decls[i]];
      if (k === K.ENUM || k === K.ENUM64) names += t.vlen(t.decls[i]);
    }
    let size = 1024;
    while (size < names) size *= 2;
    this.slots = new Int32Array(size * 2);
    this.mask = size * 2 - 1;
    // Name counts per hash slot (one slot per distinct name), one array per C namespace.
    const tags = new Int32Array(this.slots.length);
    const idents = new Int32Array(this.slots.length);
    const firstComposite = new Int32Array(this.slots.length);
    for (let i = 0, decls = t.decls; i < decls.length; i++) {
      const id = decls[i];
      const k = kinds[id];
      const w = start[id];
      if (k === K.STRUCT || k === K.UNION) {
        if (u32[w] === 0) continue;
        const slot = this.slot(u32[w]);
        if (!firstComposite[slot]) firstComposite[slot] = id;
        this.suffix[id] = ++tags[slot];
      } else if (k === K.ENUM || k === K.ENUM64) {
        if (u32[w] !== 0) this.suffix[id] = ++tags[this.slot(u32[w])];
        const step = k === K.ENUM ? 2 : 3;
        const end = w + 3 + step * (u32[w + 1] & 0xffff);
        for (let o = w + 3; o < end; o += step) {
          const c = ++idents[this.slot(u32[o])];
          if (c > 1) this.enumSuffix.set(o, c);
        }
      } else if (k === K.TYPEDEF) {
        this.suffix[id] = ++idents[this.slot(u32[w])];
      }
    }
    // A fwd of a type that is also fully defined is the same C type: reuse its name, declare nothing.
    for (let i = 0, decls = t.decls; i < decls.length; i++) {
      const id = decls[i];
      if (kinds[id] !== K.FWD) continue;
      const slot = this.slot(u32[start[id]]);
      const def = firstComposite[slot];
      if (def && (kinds[def] === K.UNION) === t.kflag(id)) {
        this.fwdTarget[id] = def;
        this.suffix[id] = this.suffix[def];
      } else this.suffix[id] = ++tags[slot];
    }
  }

  /** The hash slot of the string at `off`: equal strings (at any offset) share one slot. */
  private slot(off: number): number {
    const b = this.t.strBytes;
    let h = 0x811c9dc5;
    let end = off;
    for (; b[end] !== 0 && end < b.length; end++) h = Math.imul(h ^ b[end], 0x01000193);
    const len = end - off;
    const slots = this.slots;
    for (let i = h & this.mask; ; i = (i + 1) & this.mask) {
      const s = slots[i] - 1;
      if (s < 0) {
        slots[i] = off + 1;
        return i;
      }
      let j = 0;
      while (j < len && b[s + j] === b[off + j]) j++;
      if (j === len && b[s + len] === 0) return i;
    }
  }

  /** Writes the C name (tag or typedef name) of type `id`. */
  write(id: number, out: ByteWriter): void {
    const target = this.fwdTarget[id] || id;
    out.z(this.t.strBytes, this.t.u32[this.t.start[target]]);
    const c = this.suffix[target];
    if (c > 1) out.s(`___${c}`);
  }

  /** The C name of type `id` as a string. */
  text(id: number): string {
    const c = this.suffix[id];
    return c > 1 ? `${this.t.name(id)}___${c}` : this.t.name(id);
  }

  /** Writes the name of the enumerator whose record starts at word `w`, suffixed if it repeats. */
  enumerator(w: number, out: ByteWriter): void {
    out.z(this.t.strBytes, this.t.u32[w]);
    const c = this.enumSuffix.get(w);
    if (c !== undefined) out.s(`___${c}`);
  }
}
