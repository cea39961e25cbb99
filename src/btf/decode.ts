/**
 * Turns raw bytes laid out as a BTF type into plain JavaScript values, through a decoder function
 * generated once per type (the per-event path does no type walking).
 *
 * Value mapping (stable, part of the public API):
 * - integers of 1, 2 and 4 bytes, bitfields and floats → number; 8-byte integers and pointers → bigint;
 * - bool → boolean; enum → the enumerator's name (the number when no name matches);
 * - char[N] (and signed/unsigned char arrays) → string up to the first NUL, decoded as UTF-8;
 * - other arrays → arrays; structs and unions → objects with one property per named member
 *   (anonymous members are flattened into the parent, as C lets one access them).
 *
 * Variable-length records: a struct whose last member is an array (a string buffer, an args area, a
 * flexible array member) also decodes from fewer bytes than its size, as long as they reach that
 * array, because programs send only its used part. The array is then cut at the record's end: a
 * string ends at its first NUL or there, other arrays keep the elements that are whole.
 */
import type { Btf } from './btf.js';
import type { BtfMember } from './types.js';
import { FormatError, ShortRecordError } from '../errors/index.js';

/** A decoded value. */
export type Decoded = number | bigint | boolean | string | Decoded[] | { [field: string]: Decoded };

/** A decoder for one BTF type. */
export interface Decoder<T = Decoded> {
  /**
   * Decodes a value starting at byte 0 of `bytes`; throws ShortRecordError when `bytes` ends before
   * minSize.
   */
  (bytes: Uint8Array): T;
  /** Size in bytes of the type. */
  readonly size: number;
  /** Fewest bytes it decodes: the offset of the trailing array of a variable-length struct, or size. */
  readonly minSize: number;
  /**
   * The same value read in place: bytes [offset, offset + length) of `view` (e.g. the arguments of a
   * reader's onRawRecord), without the Uint8Array a record view costs. Same errors.
   */
  decodeAt(view: DataView, offset: number, length: number): T;
}

interface Ctx {
  btf: Btf;
  lines: string[];
  consts: unknown[];
  tmp: number;
}

type Raw = (dv: DataView, buf: Buffer, off: number, end: number) => Decoded;

const cache = new WeakMap<Btf, Map<number, Decoder>>();

/** Returns (and caches) the decoder for BTF type `typeId`. */
export function decoderFor<T = Decoded>(btf: Btf, typeId: number): Decoder<T> {
  let m = cache.get(btf);
  if (!m) cache.set(btf, (m = new Map()));
  let d = m.get(typeId);
  if (!d) {
    d = build(btf, typeId);
    m.set(typeId, d);
  }
  return d as Decoder<T>;
}

function build(btf: Btf, typeId: number): Decoder {
  const size = btf.sizeof(typeId);
  const tail = trailingArray(btf, typeId);
  const minSize = Math.min(size, tail?.offset ?? size);
  // A flexible array member (`T items[]`) has no size of its own: it holds what follows the struct.
  const full = generate(btf, typeId, tail?.nelems === 0);
  let cut: Raw | undefined;
  // Records usually come from one long-lived mapping: reuse the DataView and Buffer over all of it.
  let lastAb: ArrayBufferLike | undefined;
  let dv!: DataView;
  let buf!: Buffer;
  const over = (ab: ArrayBufferLike, view?: DataView): void => {
    lastAb = ab;
    dv = view && view.byteOffset === 0 ? view : new DataView(ab);
    buf = Buffer.from(ab as ArrayBuffer);
  };
  const at = (o: number, length: number): Decoded => {
    if (length < minSize) throw new ShortRecordError(length, minSize, size);
    if (length >= size) return full(dv, buf, o, o + length);
    cut ??= generate(btf, typeId, true);
    return cut(dv, buf, o, o + length);
  };
  const decode = ((bytes: Uint8Array): Decoded => {
    if (bytes.buffer !== lastAb) over(bytes.buffer);
    return at(bytes.byteOffset, bytes.length);
  }) as Decoder & { size: number; minSize: number };
  const decodeAt = (view: DataView, offset: number, length: number): Decoded => {
    if (view.buffer !== lastAb) over(view.buffer, view);
    return at(view.byteOffset + offset, length);
  };
  Object.defineProperty(decode, 'size', { value: size });
  Object.defineProperty(decode, 'minSize', { value: minSize });
  Object.defineProperty(decode, 'decodeAt', { value: decodeAt });
  return decode;
}

/** Compiles the decoding function of `typeId` (of whole records, or `cut` inside the trailing array). */
function generate(btf: Btf, typeId: number, cut: boolean): Raw {
  const ctx: Ctx = { btf, lines: [], consts: [], tmp: 0 };
  const expr = emit(ctx, typeId, 'o', cut);
  const body = `${ctx.lines.join('\n')}\nreturn ${expr};`;
  // The generated code reads fields with DataView getters at constant offsets from `o`.
  return new Function('K', `return function decode(dv, buf, o, end) {\n${body}\n};`)(ctx.consts) as Raw;
}

/**
 * The array a variable-length record may end in: the last member of a struct, through nested
 * structs, when it is an array (a bare array type is cut anywhere); its byte offset and length.
 */
function trailingArray(btf: Btf, typeId: number, depth = 0): { offset: number; nelems: number } | undefined {
  const t = btf.resolve(typeId);
  if (t.kind === 'array') return { offset: 0, nelems: t.nelems };
  if (t.kind !== 'struct' || t.members.length === 0 || depth >= MAX_DEPTH) return undefined;
  const m = t.members[t.members.length - 1];
  if (m.bitfieldSize || m.bitOffset % 8) return undefined;
  const inner = trailingArray(btf, m.type, depth + 1);
  return inner && { offset: m.bitOffset / 8 + inner.offset, nelems: inner.nelems };
}

/** Whether an array of `elemType` decodes as a string (char arrays, signed or not). */
export function isCharArray(btf: Btf, elemType: number): boolean {
  const e = btf.resolve(elemType);
  return e.kind === 'int' && e.size === 1 && (e.char || /char/.test(e.name));
}

/**
 * The width in bits of member `m` when it decodes as a bitfield (a number): a BTF bitfield, or an
 * int type narrower than its storage; 0 for an ordinary member.
 */
export function bitfieldBits(btf: Btf, m: BtfMember): number {
  const mt = btf.resolve(m.type);
  return m.bitfieldSize || (mt.kind === 'int' && mt.bits !== mt.size * 8 ? mt.bits : 0);
}

/** Nesting of emit() across decoders being built, to stop on types that contain themselves. */
let depth = 0;
/** Deeper than any C type nests; reached only through a cycle in malformed BTF. */
const MAX_DEPTH = 64;

/** Runs one step of the recursive walk over type `typeId`, stopping on cycles. */
function nested<T>(typeId: number, step: () => T): T {
  if (depth >= MAX_DEPTH) throw new FormatError(`BTF type ${typeId}: types nest too deep (a cycle?)`);
  depth++;
  try {
    return step();
  } finally {
    depth--;
  }
}

/** Code of the value of `typeId` at `off`; `tail`: it is the trailing part a cut record ends in. */
function emit(ctx: Ctx, typeId: number, off: string, tail = false): string {
  return nested(typeId, () => emitType(ctx, typeId, off, tail));
}

function emitType(ctx: Ctx, typeId: number, off: string, tail: boolean): string {
  const { btf } = ctx;
  const t = btf.resolve(typeId);
  switch (t.kind) {
    case 'int':
      // Loose comparison: wider bools read as bigint, and 0n != 0 is false.
      if (t.bool) return `(${intRead(t.size, false, off)} != 0)`;
      return intRead(t.size, t.signed, off);
    case 'ptr':
      return `dv.getBigUint64(${off}, true)`;
    case 'float':
      // Half and long double (2, 12, 16 bytes) have no JavaScript number to become.
      if (t.size === 2 || t.size === 12 || t.size === 16) return 'undefined';
      if (t.size !== 4 && t.size !== 8) throw new FormatError(`BTF float of ${t.size} bytes`);
      return t.size === 4 ? `dv.getFloat32(${off}, true)` : `dv.getFloat64(${off}, true)`;
    case 'enum':
    case 'enum64': {
      const names = new Map<string, string>();
      for (const v of t.values) if (!names.has(v.value.toString())) names.set(v.value.toString(), v.name);
      const k = ctx.consts.push(Object.fromEntries(names)) - 1;
      const v = `v${ctx.tmp++}`;
      ctx.lines.push(`const ${v} = ${intRead(t.size, t.signed, off)};`);
      return `(K[${k}][${v}] ?? ${v})`;
    }
    case 'array': {
      if (tail) return cutArray(ctx, t.type, t.nelems, off);
      if (isCharArray(btf, t.type)) {
        const v = `s${ctx.tmp++}`;
        ctx.lines.push(
          `let ${v} = buf.indexOf(0, ${off}); if (${v} < 0 || ${v} > ${off} + ${t.nelems}) ${v} = ${off} + ${t.nelems};`,
        );
        return `buf.toString('utf8', ${off}, ${v})`;
      }
      const esz = btf.sizeof(t.type);
      // Elements without bytes (a forward declaration, an empty struct) carry no values; malformed BTF
      // can declare billions of them.
      if (esz === 0) return '[]';
      if (t.nelems > 64) {
        // Long arrays: a loop keeps the generated function small.
        const sub = decoderFor(btf, t.type);
        const k = ctx.consts.push(sub) - 1;
        const v = `a${ctx.tmp++}`;
        ctx.lines.push(
          `const ${v} = new Array(${t.nelems}); for (let i = 0; i < ${t.nelems}; i++) ${v}[i] = K[${k}](new Uint8Array(dv.buffer, ${off} + i * ${esz}, ${esz}));`,
        );
        return v;
      }
      const items: string[] = [];
      for (let i = 0; i < t.nelems; i++) items.push(emit(ctx, t.type, `${off} + ${i * esz}`));
      return `[${items.join(', ')}]`;
    }
    case 'struct':
    case 'union':
      return `{${structFields(ctx, t.id, off, tail && t.kind === 'struct').join(', ')}}`;
    default:
      return 'undefined';
  }
}

function structFields(ctx: Ctx, typeId: number, off: string, tail = false): string[] {
  const { btf } = ctx;
  const t = btf.resolve(typeId);
  if (t.kind !== 'struct' && t.kind !== 'union') return [];
  const fields: string[] = [];
  const last = t.members[t.members.length - 1];
  for (const m of t.members) {
    const inTail = tail && m === last;
    const byteOff = Math.floor(m.bitOffset / 8);
    const bits = bitfieldBits(btf, m);
    // Reads happen at constant offsets: a member reaching past its struct (malformed BTF) would read
    // past the record.
    const end = bits ? Math.ceil((m.bitOffset + bits) / 8) : byteOff + btf.sizeof(m.type);
    if (end > t.size)
      throw new FormatError(
        `BTF ${t.kind} ${t.name || typeId}: member ${m.name || '(anon)'} lies outside it`,
      );
    if (!m.name) {
      fields.push(...nested(m.type, () => structFields(ctx, m.type, `${off} + ${byteOff}`, inTail)));
      continue;
    }
    const key = JSON.stringify(m.name);
    if (bits) {
      const mt = btf.resolve(m.type);
      fields.push(`${key}: ${bitfield(ctx, m.bitOffset, bits, mt.kind === 'int' && mt.signed, off)}`);
    } else {
      fields.push(`${key}: ${emit(ctx, m.type, `${off} + ${byteOff}`, inTail)}`);
    }
  }
  return fields;
}

/**
 * A trailing array read up to the record's end (`end`): a string stops there, other arrays keep the
 * elements that are whole. A flexible array member (nelems 0) has no other bound.
 */
function cutArray(ctx: Ctx, elemType: number, nelems: number, off: string): string {
  const { btf } = ctx;
  const lim = `l${ctx.tmp++}`;
  if (isCharArray(btf, elemType)) {
    const v = `s${ctx.tmp++}`;
    const bound = nelems ? `Math.min(${off} + ${nelems}, end)` : 'end';
    ctx.lines.push(
      `const ${lim} = ${bound}; let ${v} = buf.indexOf(0, ${off}); if (${v} < 0 || ${v} > ${lim}) ${v} = ${lim};`,
    );
    return `buf.toString('utf8', ${off}, ${v})`;
  }
  const esz = btf.sizeof(elemType);
  if (esz === 0) return '[]';
  const k = ctx.consts.push(decoderFor(btf, elemType)) - 1;
  const v = `a${ctx.tmp++}`;
  const whole = `Math.floor((end - (${off})) / ${esz})`;
  ctx.lines.push(
    `const ${lim} = ${nelems ? `Math.min(${nelems}, ${whole})` : whole}; const ${v} = new Array(${lim}); for (let i = 0; i < ${lim}; i++) ${v}[i] = K[${k}](new Uint8Array(dv.buffer, ${off} + i * ${esz}, ${esz}));`,
  );
  return v;
}

function intRead(size: number, signed: boolean, off: string): string {
  if (![1, 2, 4, 8, 16].includes(size)) throw new FormatError(`BTF integer of ${size} bytes`);
  switch (size) {
    case 1:
      return signed ? `dv.getInt8(${off})` : `dv.getUint8(${off})`;
    case 2:
      return signed ? `dv.getInt16(${off}, true)` : `dv.getUint16(${off}, true)`;
    case 4:
      return signed ? `dv.getInt32(${off}, true)` : `dv.getUint32(${off}, true)`;
    case 8:
      return signed ? `dv.getBigInt64(${off}, true)` : `dv.getBigUint64(${off}, true)`;
    default: {
      // 128-bit integers: little-endian pair of u64.
      const lo = `dv.getBigUint64(${off}, true)`;
      const hi = `dv.getBigUint64(${off} + 8, true)`;
      return signed ? `BigInt.asIntN(128, (${hi} << 64n) | ${lo})` : `((${hi} << 64n) | ${lo})`;
    }
  }
}

function bitfield(ctx: Ctx, bitOffset: number, bits: number, signed: boolean, off: string): string {
  // Read the 8 bytes covering the field and shift (little-endian bit numbering); near the end of the
  // record fewer than 8 bytes remain, so fall back to a byte-wise read.
  const start = Math.floor(bitOffset / 8);
  const shift = bitOffset - start * 8;
  const k = ctx.consts.push(tailRead) - 1;
  const at = `${off} + ${start}`;
  const word = `(${at} + 8 <= dv.byteLength ? dv.getBigUint64(${at}, true) : K[${k}](dv, ${at}))`;
  return `Number(BigInt.as${signed ? 'IntN' : 'UintN'}(${bits}, ${word} >> ${shift}n))`;
}

/** Reads up to 8 bytes near the end of a buffer as a little-endian u64. */
function tailRead(dv: DataView, at: number): bigint {
  let v = 0n;
  for (let i = Math.min(7, dv.byteLength - at - 1); i >= 0; i--) v = (v << 8n) | BigInt(dv.getUint8(at + i));
  return v;
}

/** Converts a decoded value to JSON text; bigints are written as plain JSON numbers (exact digits). */
export function toJson(value: unknown): string {
  // JSON.stringify gives undefined for undefined (a value with no JSON form, e.g. a long double).
  const text =
    JSON.stringify(value, (_k, v: unknown) => (typeof v === 'bigint' ? `\u0000${v}\u0000` : v)) ?? 'null';
  return text.replace(/"\\u0000(-?\d+)\\u0000"/g, '$1');
}
