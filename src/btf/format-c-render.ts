/**
 * Rendering half of the BTF-to-C dumper: struct/union/enum bodies and C declarators, written as bytes
 * into a ByteWriter. What to render when (the ordering) is format-c.ts's job. Kernel-independent.
 */
import { CNames } from './format-c-names.js';
import { LayoutPlanner, padding } from './format-c-layout.js';
import { K, type BtfTable } from './format-c-table.js';
import type { ByteWriter } from './format-c-writer.js';
import {
  tabs,
  QUALS,
  QUAL_BIT,
  aligned,
  ALIGNED,
  NO_PADDING,
  C_INT_NAME,
  C_FLOAT_NAME,
  INT_BASE,
  ENUM_BASE,
  VA_LIST,
  nameIs,
  latin1,
  enumSizeAttr,
} from './format-c-tokens.js';

/** Emission state of a type id: nothing written yet. */
export const NONE = 0;
/** Emission state: the definition is being written (its members' dependencies are under way). */
export const BUSY = 1;
/** Emission state: written (for an anonymous enum: its enumerators are out). */
export const DONE = 2;

/** Renders types of one BtfTable into one ByteWriter. */
export class CRenderer {
  protected readonly t: BtfTable;
  protected readonly w: ByteWriter;
  protected readonly names: CNames;
  protected readonly layout: LayoutPlanner;
  /** NONE/BUSY/DONE per type id; an anonymous enum is DONE once its enumerators are out. */
  protected readonly state: Uint8Array;
  /** Declarator levels being rendered (a stack: parameter lists nest): type ids and qualifiers. */
  private levels = new Int32Array(64);
  private levelQuals = new Uint8Array(64);
  private sp = 0;
  /**
   * Where a named declaration of each type was first written, as 4 buffer offsets per type id: the
   * text before the name, and after it. Later declarations of the same type copy those bytes.
   */
  private readonly declCache: Uint32Array;
  /** Like declCache for declarations without a name: where the first was written [from, to). */
  private readonly abstractCache: Uint32Array;
  /** Typedefs rendered as their target type, by id. */
  protected readonly transparent: Uint8Array;
  /** Counts inline bodies written, to leave declarations that spell one out (indent-dependent) uncached. */
  private inlined = 0;
  /** C spellings of INT and FLOAT types, by id. */
  private readonly scalars: string[] = [];

  constructor(t: BtfTable, w: ByteWriter) {
    this.t = t;
    this.w = w;
    this.names = new CNames(t);
    this.layout = new LayoutPlanner(t);
    this.state = new Uint8Array(t.count);
    this.declCache = new Uint32Array(4 * t.count);
    this.abstractCache = new Uint32Array(2 * t.count);
    this.transparent = new Uint8Array(t.count);
    // The compiler's own __builtin_va_list cannot be redefined, and on the BPF target it is not the
    // kernel's (x86's is struct __va_list_tag[1]): spell out the BTF type wherever it is used.
    const { kinds, u32, start, decls, strBytes } = t;
    for (let i = 0; i < decls.length; i++) {
      const id = decls[i];
      if (kinds[id] === K.TYPEDEF && nameIs(strBytes, u32[start[id]], VA_LIST)) this.transparent[id] = 1;
    }
  }

  /** Writes a struct/union body at `indent`; `anon` leaves out the tag (a named type inlined). */
  protected composite(id: number, indent: number, anon: boolean): void {
    const { w, t, layout } = this;
    this.inlined++;
    const u32 = t.u32;
    w.s(t.kinds[id] === K.UNION ? 'union ' : 'struct ');
    if (!anon && u32[t.start[id]] !== 0) {
      this.names.write(id, w);
      w.c(32);
    }
    w.c(123); // {
    const base = layout.record(id);
    const kflag = u32[t.start[id] + 1] >>> 31;
    const n = t.vlen(id);
    const ind = tabs(indent + 1);
    let rec = layout.records;
    for (let i = 0, o = t.start[id] + 3; i < n; i++, o += 3) {
      let attr = 0;
      let bits: number;
      if (base >= 0) {
        const b = base + 4 * i;
        this.padLines(ind, rec[b], rec[b + 1]);
        attr = rec[b + 2];
        bits = rec[b + 3];
      } else bits = layout.width(kflag, o);
      w.c(10);
      w.s(ind);
      const nameOff = u32[o];
      const type = u32[o + 1];
      const r = nameOff ? 0 : layout.strip(type);
      if (r && u32[t.start[r]] !== 0 && (t.kinds[r] === K.STRUCT || t.kinds[r] === K.UNION)) {
        // A named type embedded without a member name (-fms-extensions): inline its body instead.
        this.composite(r, indent + 1, true);
      } else this.decl(type, nameOff, 0, indent + 1, true);
      if (bits) {
        w.s(': ');
        w.n(bits);
      }
      // Written unconditionally ('' for none): see ALIGNED.
      w.s(ALIGNED[attr] ?? aligned(attr));
      w.c(59); // ;
      rec = layout.records;
    }
    const tailTo = base >= 0 ? this.tail(ind, base + 4 * n) : 0;
    if (base >= 0) layout.release(base);
    if (n || tailTo) {
      w.c(10);
      w.s(tabs(indent));
    }
    w.c(125); // }
    w.s(layout.packed(id) ? ' __attribute__((packed))' : '');
    const a = layout.attrAlign(id);
    w.s(ALIGNED[a] ?? aligned(a));
  }

  /*
   * Rare cases of a body (padding, tail padding, 64-bit enumerators, varargs) are written by separate
   * functions that the hot code calls every time, or through tables: code that runs only in a rare
   * case has no type feedback when the caller gets optimized, and running it then throws the caller's
   * optimized code away (and the big callers here take long to compile again).
   */

  /** Writes unnamed bit-fields that pad from bit `from` to bit `to` (nothing when `to` is 0), a line each. */
  private padLines(ind: string, from: number, to: number): void {
    for (const p of to ? padding(from, to) : NO_PADDING) this.line(ind, p);
  }

  /** Writes the tail padding recorded at `at` (see LayoutPlanner.record); returns where it ends (0: none). */
  private tail(ind: string, at: number): number {
    const rec = this.layout.records;
    const tailTo = rec[at + 1];
    if (tailTo) {
      if (rec[at + 2]) this.line(ind, `long: ${tailTo}`);
      else this.padLines(ind, rec[at], tailTo);
    }
    return tailTo;
  }

  private line(ind: string, text: string): void {
    this.w.c(10);
    this.w.s(ind);
    this.w.s(text);
    this.w.c(59);
  }

  /** Writes an enum body at `indent`. */
  protected enumDef(id: number, indent: number): void {
    const { w, t } = this;
    this.inlined++;
    const u32 = t.u32;
    const at = t.start[id];
    const is64 = t.kinds[id] === K.ENUM64;
    const signed = t.kflag(id);
    const n = u32[at + 1] & 0xffff;
    w.s('enum ');
    if (u32[at] !== 0) {
      this.names.write(id, w);
      w.c(32);
    }
    w.c(123);
    const ind = tabs(indent + 1);
    for (let i = 0, o = at + 3; i < n; i++, o += is64 ? 3 : 2) {
      w.c(10);
      w.s(ind);
      this.names.enumerator(id, i, o, w);
      w.s(' = ');
      this.enumValue(o, is64, signed);
      w.c(44); // ,
    }
    if (n) {
      w.c(10);
      w.s(tabs(indent));
    }
    w.c(125);
    w.s(enumSizeAttr(u32, at, is64, signed));
  }

  /** Writes the value of the enumerator at word `o`. */
  private enumValue(o: number, is64: boolean, signed: boolean): void {
    const u32 = this.t.u32;
    if (!is64) {
      this.w.n(signed ? u32[o + 1] | 0 : u32[o + 1]);
      return;
    }
    const u = (BigInt(u32[o + 2]) << 32n) | BigInt(u32[o + 1]);
    const s = BigInt.asIntN(64, u);
    // -2^63 has no literal of its own: its magnitude overflows long long.
    this.w.s(!signed ? `${u}ULL` : s === -(2n ** 63n) ? '(-9223372036854775807LL - 1)' : `${s}LL`);
  }

  /**
   * Writes the C declaration of a name (the BTF string at `nameOff`, or the C name of type `nameId`;
   * abstract when both are 0) with type `id`. The derived levels (pointer, array, function) are collected first, then
   * written as: base type, pointer prefixes innermost first, the name, then suffixes outermost first; a
   * pointer to an array or function gets parentheses. `inline` allows spelling out an anonymous enum
   * here (once).
   */
  protected decl(id: number, nameOff: number, nameId: number, indent: number, inline: boolean): void {
    const w = this.w;
    if (!nameOff && !nameId) {
      this.abstractDecl(id, indent, inline);
      return;
    }
    const c = this.declCache;
    const at = 4 * id;
    if (c[at + 1]) {
      w.copy(c[at], c[at + 1]);
      this.writeName(nameOff, nameId);
      w.copy(c[at + 2], c[at + 3]);
      return;
    }
    const inlined = this.inlined;
    const head = w.pos;
    const tail = this.declarator(id, nameOff, nameId, indent, inline);
    if (this.inlined === inlined) {
      c[at] = head;
      c[at + 1] = this.nameAt;
      c[at + 2] = tail;
      c[at + 3] = w.pos;
    }
  }

  /**
   * decl without a name (parameters of function types, mostly): like named declarations, repeats copy
   * the bytes written the first time. Only when `inline` is false, for which the text never depends on
   * what was written before (an anonymous enum is then always spelled as its integer type).
   */
  private abstractDecl(id: number, indent: number, inline: boolean): void {
    const w = this.w;
    const c = this.abstractCache;
    const at = 2 * id;
    if (!inline && c[at + 1]) {
      w.copy(c[at], c[at + 1]);
      return;
    }
    const inlined = this.inlined;
    const head = w.pos;
    this.declarator(id, 0, 0, indent, inline);
    if (!inline && this.inlined === inlined) {
      c[at] = head;
      c[at + 1] = w.pos;
    }
  }

  private nameAt = 0;

  private writeName(nameOff: number, nameId: number): void {
    if (nameOff) this.w.z(this.t.strBytes, nameOff);
    else this.names.write(nameId, this.w);
  }

  /** decl's work; records where the name starts (nameAt) and returns where the text after it starts. */
  private declarator(id: number, nameOff: number, nameId: number, indent: number, inline: boolean): number {
    const { kinds, u32, start } = this.t;
    const w = this.w;
    const bottom = this.sp;
    let quals = 0;
    for (;;) {
      const k = kinds[id];
      const at = start[id];
      if (k === K.PTR) {
        this.push(id, quals);
        quals = 0;
      } else if (k === K.CONST || k === K.VOLATILE || k === K.RESTRICT) {
        quals |= QUAL_BIT[k];
      } else if (k === K.ARRAY) {
        this.push(id, 0); // qualifiers of an array are its elements'
        id = u32[at + 3];
        continue;
      } else if (k === K.FUNC_PROTO) {
        this.push(id, 0);
        quals = 0; // a qualified function type is meaningless in C
      } else if (k !== K.TYPE_TAG && !(k === K.TYPEDEF && this.transparent[id])) break;
      id = u32[at + 2];
    }
    const top = this.sp;
    if (quals) {
      w.s(QUALS[quals]);
      w.c(32);
    }
    this.base(id, indent, inline);
    if (top === bottom && !nameOff && !nameId) {
      this.sp = bottom;
      return w.pos;
    }
    w.c(32);
    const levels = this.levels;
    let space = false;
    for (let j = top - 1; j >= bottom; j--) {
      if (kinds[levels[j]] !== K.PTR) continue;
      if (space) w.c(32);
      space = false;
      if (j + 1 < top && kinds[levels[j + 1]] !== K.PTR) w.c(40); // (
      w.c(42); // *
      const q = this.levelQuals[j];
      if (q) {
        w.s(QUALS[q]);
        space = true;
      }
    }
    if (nameOff || nameId) {
      if (space) w.c(32);
      this.nameAt = w.pos;
      this.writeName(nameOff, nameId);
    }
    const tail = w.pos;
    for (let j = bottom; j < top; j++) {
      const lv = levels[j];
      const k = kinds[lv];
      if (k === K.PTR) {
        if (j + 1 < top && kinds[levels[j + 1]] !== K.PTR) w.c(41); // )
      } else if (k === K.ARRAY) {
        w.c(91);
        w.n(u32[start[lv] + 5]);
        w.c(93);
      } else this.params(lv, indent);
    }
    this.sp = bottom;
    return tail;
  }

  private push(id: number, quals: number): void {
    if (this.sp === this.levels.length) {
      const l = new Int32Array(this.sp * 2);
      l.set(this.levels);
      this.levels = l;
      const q = new Uint8Array(this.sp * 2);
      q.set(this.levelQuals);
      this.levelQuals = q;
    }
    this.levels[this.sp] = id;
    this.levelQuals[this.sp++] = quals;
  }

  /**
   * Writes `extern <declaration of FUNC id><attrs>;` and a newline: its prototype with the parameter
   * names BTF gives (those of function types inside it stay abstract). Not cached: written once.
   */
  protected externFunc(id: number, attrs: string): void {
    const w = this.w;
    w.s('extern ');
    this.namedProto = this.t.sizeOrType(id);
    this.declarator(this.namedProto, this.t.u32[this.t.start[id]], 0, 0, false);
    this.namedProto = 0;
    w.s(attrs);
    w.s(';\n');
  }

  /** The func_proto whose parameter list is written with names (see externFunc), else 0. */
  private namedProto = 0;

  /** Writes a func_proto's parameter list, with parentheses. */
  private params(id: number, indent: number): void {
    const { w, t } = this;
    const named = id === this.namedProto;
    const n = t.vlen(id);
    w.c(40);
    if (n === 0) w.s('void');
    for (let i = 0, o = t.data(id); i < n; i++, o += 2) {
      // One write per parameter whether or not it is the varargs marker (see composite's note).
      const type = t.u32[o + 1];
      w.s(type ? (i ? ', ' : '') : i ? ', ...' : '...');
      if (type) this.decl(type, named ? t.u32[o] : 0, 0, indent, false);
    }
    w.c(41);
  }

  /** Writes the type specifier of a non-derived type. */
  private base(id: number, indent: number, inline: boolean): void {
    const { w, t } = this;
    switch (t.kinds[id]) {
      case K.INT:
      case K.FLOAT:
        w.s(this.scalarName(id));
        return;
      case K.TYPEDEF:
        this.names.write(id, w);
        return;
      case K.STRUCT:
      case K.UNION:
        if (t.u32[t.start[id]] === 0) this.composite(id, indent, false);
        else {
          w.s(t.kinds[id] === K.UNION ? 'union ' : 'struct ');
          this.names.write(id, w);
        }
        return;
      case K.ENUM:
      case K.ENUM64:
        if (t.u32[t.start[id]] !== 0) {
          w.s('enum ');
          this.names.write(id, w);
        } else if (inline && this.state[id] === NONE) {
          // Enumerators may be defined only once: inline the first use, spell later ones as integers.
          this.state[id] = DONE;
          this.enumDef(id, indent);
        } else {
          w.s(t.kflag(id) ? 'signed ' : 'unsigned ');
          w.s(ENUM_BASE[t.sizeOrType(id)] ?? 'int');
        }
        return;
      case K.FWD:
        w.s(t.kflag(id) ? 'union ' : 'struct ');
        this.names.write(id, w);
        return;
      default:
        w.s('void');
    }
  }

  /** C spelling of an INT or FLOAT, replacing compiler-internal names (e.g. gcc's `ssizetype`). */
  private scalarName(id: number): string {
    const cached = this.scalars[id];
    if (cached) return cached;
    const t = this.t;
    const name = latin1(t.strBytes, t.u32[t.start[id]]);
    const size = t.sizeOrType(id);
    let s: string;
    if (t.kinds[id] === K.FLOAT) s = C_FLOAT_NAME.test(name) ? name : size === 4 ? 'float' : 'double';
    else if (C_INT_NAME.test(name)) s = name;
    else {
      const enc = t.u32[t.data(id)] >>> 24;
      s = enc & 4 ? '_Bool' : `${enc & 1 ? 'signed' : 'unsigned'} ${INT_BASE[size] ?? 'long'}`;
    }
    this.scalars[id] = s;
    return s;
  }
}
