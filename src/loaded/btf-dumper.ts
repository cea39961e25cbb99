/**
 * Formats raw bytes through BTF the way `bpftool map dump` does (its btf_dumper), writing into a
 * JsonWriter: integers in decimal, bitfields and 128-bit integers in hex, printable NUL-terminated
 * char arrays as strings, enums by name, pointers as `0x…` (plain) or decimal (JSON), structs as
 * objects keyed by member name (anonymous members under ""), data sections as arrays of
 * one-variable objects. Kinds bpftool cannot print (float, func…) print `(unsupported-kind` and
 * stop the enclosing value, as bpftool does. Kernel-independent.
 */
import type { Btf } from '../btf/btf.js';
import type { BtfInt, BtfType } from '../btf/types.js';
import type { JsonWriter } from './jsonw.js';

/** Where and how to write. `plainText` is bpftool's plain `map dump`; false is its `-j` "formatted". */
export interface DumperCtx {
  w: JsonWriter;
  btf: Btf;
  plainText: boolean;
}

const MASK64 = (1n << 64n) - 1n;

/** Little-endian unsigned integer of `n` bytes at `off` (bytes past the end read as 0). */
function readUint(data: Uint8Array, off: number, n: number): bigint {
  let v = 0n;
  for (let i = n - 1; i >= 0; i--) v = (v << 8n) | BigInt(off + i < data.length ? data[off + i] : 0);
  return v;
}

/** bpftool's 128-bit print: `0x<hex>` (quoted in JSON mode), high half zero-padded when present. */
function int128(ctx: DumperCtx, v: bigint): void {
  const upper = (v >> 64n) & MASK64;
  const lower = v & MASK64;
  const hex =
    upper === 0n
      ? `0x${lower.toString(16)}`
      : `0x${upper.toString(16)}${lower.toString(16).padStart(16, '0')}`;
  ctx.w.raw(ctx.plainText ? hex : `"${hex}"`);
}

/** A bitfield of `bits` bits starting `bitOff` (0-7) bits into `data` at `off`. */
function bitfield(ctx: DumperCtx, data: Uint8Array, off: number, bitOff: number, bits: number): void {
  const bytes = Math.ceil((bitOff + bits) / 8);
  const raw = readUint(data, off, Math.min(bytes, 16));
  int128(ctx, (raw >> BigInt(bitOff)) & ((1n << BigInt(bits)) - 1n));
}

/** The encoding bpftool switches on: 0 none, 1 signed, 2 char, 4 bool (combinations are invalid). */
function encoding(t: BtfInt): number {
  return (t.signed ? 1 : 0) | (t.char ? 2 : 0) | (t.bool ? 4 : 0);
}

function isPrint(c: number): boolean {
  return c >= 0x20 && c <= 0x7e;
}

function dumpInt(ctx: DumperCtx, t: BtfInt, bitOff: number, data: Uint8Array, off: number): boolean {
  const bits = t.bits;
  if (bitOff || t.bitOffset || bits % 8) {
    const total = bitOff + t.bitOffset;
    bitfield(ctx, data, off + (total >> 3), total & 7, bits);
    return true;
  }
  if (bits === 128) {
    int128(ctx, readUint(data, off, 16));
    return true;
  }
  const enc = encoding(t);
  if (enc === 0 || enc === 1) {
    if (![8, 16, 32, 64].includes(bits)) {
      bitfield(ctx, data, off, 0, bits);
      return true;
    }
    const u = readUint(data, off, bits / 8);
    ctx.w.raw((enc === 1 ? BigInt.asIntN(bits, u) : u).toString());
    return true;
  }
  if (enc === 2) {
    const c = off < data.length ? data[off] : 0;
    if (isPrint(c)) ctx.w.raw(`"${String.fromCharCode(c)}"`);
    else if (ctx.plainText) ctx.w.raw(`0x${c.toString(16)}`);
    else ctx.w.raw(`"\\u00${c.toString(16).padStart(2, '0')}"`);
    return true;
  }
  if (enc === 4) {
    // bpftool reads the bool as an int: the 3 bytes after it count too.
    ctx.w.raw(readUint(data, off, Math.min(4, data.length - off)) !== 0n ? 'true' : 'false');
    return true;
  }
  return false;
}

/** Follows modifiers (not typedefs), as bpftool does when deciding whether an array is a string. */
function skipMods(btf: Btf, id: number): BtfType {
  let t = btf.type(id);
  for (let i = 0; i < 32; i++) {
    if (t.kind === 'const' || t.kind === 'volatile' || t.kind === 'restrict' || t.kind === 'type_tag') {
      t = btf.type(t.type);
    } else break;
  }
  return t;
}

/** A printable, NUL-terminated string in a char array, or undefined when it is not one. */
function strArray(
  btf: Btf,
  elemType: number,
  nelems: number,
  data: Uint8Array,
  off: number,
): string | undefined {
  if (!nelems) return undefined;
  const e = skipMods(btf, elemType);
  if (e.kind !== 'int' || e.size !== 1) return undefined;
  if (encoding(e) !== 2 && e.name !== 'char') return undefined;
  for (let i = 0; i < nelems; i++) {
    const c = off + i < data.length ? data[off + i] : 0;
    if (c === 0) return Buffer.from(data.subarray(off, off + i)).toString('latin1');
    // Signed char compare in C: bytes >= 0x80 are negative and fail the check as well.
    if (c <= 0x1f || c >= 0x7f) return undefined;
  }
  return undefined;
}

/**
 * Writes the value of BTF type `typeId` found at `data[off]` (`bitOff`: 0-7 extra bits, for
 * members not starting on a byte). Returns false where bpftool's dumper reports an error; the
 * caller then stops its own container, as bpftool does.
 */
export function dumpType(ctx: DumperCtx, typeId: number, data: Uint8Array, off = 0, bitOff = 0): boolean {
  const { btf, w } = ctx;
  const t = btf.type(typeId);
  switch (t.kind) {
    case 'int':
      return dumpInt(ctx, t, bitOff, data, off);
    case 'struct':
    case 'union': {
      w.startObject();
      let ok = true;
      for (const m of t.members) {
        w.name(m.name);
        const at = off + (m.bitOffset >> 3);
        if (m.bitfieldSize) bitfield(ctx, data, at, m.bitOffset & 7, m.bitfieldSize);
        else if (!dumpType(ctx, m.type, data, at, m.bitOffset & 7)) {
          ok = false;
          break;
        }
      }
      w.endObject();
      return ok;
    }
    case 'array': {
      const s = strArray(btf, t.type, t.nelems, data, off);
      if (s !== undefined) {
        w.string(s);
        return true;
      }
      const esz = btf.sizeof(t.type);
      w.startArray();
      let ok = true;
      for (let i = 0; i < t.nelems && ok; i++) ok = dumpType(ctx, t.type, data, off + i * esz);
      w.endArray();
      return ok;
    }
    case 'enum':
    case 'enum64': {
      if (t.kind === 'enum' && ![1, 2, 4, 8].includes(t.size)) return false;
      const v = BigInt.asIntN(64, BigInt.asIntN(t.size * 8, readUint(data, off, t.size)));
      // enum values compare as s32 (btf_enum.val); enum64 as the full 64-bit pattern.
      const hit = t.values.find((e) =>
        t.kind === 'enum'
          ? BigInt.asIntN(32, e.value) === v
          : BigInt.asUintN(64, e.value) === BigInt.asUintN(64, v),
      );
      if (hit) w.string(hit.name);
      else w.raw(v.toString());
      return true;
    }
    case 'ptr': {
      const p = readUint(data, off, 8);
      if (!ctx.plainText) w.raw(p.toString());
      else w.raw(p === 0n ? '(nil)' : `0x${p.toString(16)}`);
      return true;
    }
    case 'void':
      w.raw('(unknown)');
      return true;
    case 'fwd':
      w.raw('(fwd-kind-invalid)');
      return false;
    case 'typedef':
    case 'volatile':
    case 'const':
    case 'restrict': {
      let r = btf.resolve(typeId);
      while (r.kind === 'var') r = btf.resolve(r.type);
      return dumpType(ctx, r.id, data, off, bitOff);
    }
    case 'var':
      w.startObject();
      w.name(t.name);
      {
        const ok = dumpType(ctx, t.type, data, off, bitOff);
        w.endObject();
        return ok;
      }
    case 'datasec': {
      w.startObject();
      w.name(t.name);
      w.startArray();
      let ok = true;
      for (const v of t.vars) {
        ok = dumpType(ctx, v.type, data, off + v.offset);
        if (!ok) break;
      }
      w.endArray();
      w.endObject();
      return ok;
    }
    default:
      w.raw('(unsupported-kind');
      return false;
  }
}
