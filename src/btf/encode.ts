/**
 * Encodes JavaScript values (or command-line strings) into bytes laid out as a BTF type, with the
 * checks a user needs: integer ranges, enum names, string lengths, array sizes. Used to set globals
 * before load and to build map keys and values.
 */
import type { Btf } from './btf.js';
import { BadValueError, FormatError } from '../errors/index.js';

/** A value that can be encoded: numbers/bigints/strings for scalars, arrays, objects for structs. */
export type Encodable = number | bigint | boolean | string | Encodable[] | { [field: string]: Encodable };

/** Range of an integer type of `size` bytes. */
export function intRange(size: number, signed: boolean): [bigint, bigint] {
  const bits = BigInt(size * 8);
  return signed ? [-(1n << (bits - 1n)), (1n << (bits - 1n)) - 1n] : [0n, (1n << bits) - 1n];
}

/**
 * Encodes `value` as BTF type `typeId` into `out` at `offset` (a fresh buffer when `out` is omitted).
 * `what` names the value in error messages (e.g. "--pid_target"). Throws BadValueError on a bad value.
 */
export function encodeValue(
  btf: Btf,
  typeId: number,
  value: Encodable,
  what: string,
  out?: Uint8Array,
  offset = 0,
): Uint8Array {
  const size = btf.sizeof(typeId);
  const buf = out ?? new Uint8Array(size);
  const dv = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  write(btf, typeId, value, what, dv, offset);
  return buf;
}

function write(btf: Btf, typeId: number, value: Encodable, what: string, dv: DataView, off: number): void {
  const t = btf.resolve(typeId);
  const typeName = btf.typeName(typeId).replace(/^((const|volatile) )+/, '');
  switch (t.kind) {
    case 'int': {
      if (t.bool) {
        dv.setUint8(off, toBool(value, what) ? 1 : 0);
        return;
      }
      writeInt(dv, off, t.size, toBigInt(value, what, typeName), t.signed, what, typeName);
      return;
    }
    case 'enum':
    case 'enum64': {
      let n: bigint;
      const byName = typeof value === 'string' ? t.values.find((v) => v.name === value) : undefined;
      if (byName) n = byName.value;
      else {
        try {
          n = toBigInt(value, what, typeName);
        } catch {
          throw badValue(
            what,
            value,
            typeName,
            `${what}: '${String(value)}' is not a value of ${typeName} (one of: ${t.values.map((v) => v.name).join(', ')})`,
          );
        }
      }
      writeInt(dv, off, t.size, n, t.signed || n < 0n, what, typeName);
      return;
    }
    case 'ptr':
      writeInt(dv, off, 8, toBigInt(value, what, typeName), false, what, typeName);
      return;
    case 'float': {
      const f = typeof value === 'string' ? Number(value) : Number(value);
      if (Number.isNaN(f))
        throw badValue(what, value, typeName, `${what}: '${String(value)}' is not a number`);
      if (t.size === 4) dv.setFloat32(off, f, true);
      else dv.setFloat64(off, f, true);
      return;
    }
    case 'array': {
      const elem = btf.resolve(t.type);
      const esz = btf.sizeof(t.type);
      if (elem.kind === 'int' && esz === 1 && typeof value === 'string') {
        const bytes = Buffer.from(value, 'utf8');
        if (bytes.length >= t.nelems) {
          throw badValue(
            what,
            value,
            typeName,
            `${what}: '${value}' is too long (at most ${t.nelems - 1} bytes for ${typeName})`,
          );
        }
        for (let i = 0; i < t.nelems; i++) dv.setUint8(off + i, i < bytes.length ? bytes[i] : 0);
        return;
      }
      // From the command line: "1,2,3" or a JSON array.
      const items = Array.isArray(value)
        ? value
        : typeof value === 'string'
          ? value.trim().startsWith('[')
            ? jsonArray(value, what, typeName)
            : value.split(',').map((s) => s.trim())
          : [value];
      if (items.length > t.nelems) {
        throw badValue(
          what,
          value,
          typeName,
          `${what}: ${items.length} values given, ${typeName} holds ${t.nelems}`,
        );
      }
      for (let i = 0; i < t.nelems; i++) {
        if (i < items.length) write(btf, t.type, items[i], `${what}[${i}]`, dv, off + i * esz);
        else for (let b = 0; b < esz; b++) dv.setUint8(off + i * esz + b, 0);
      }
      return;
    }
    case 'struct':
    case 'union': {
      let obj: Encodable = value;
      if (typeof value === 'string') {
        try {
          obj = JSON.parse(value) as Encodable;
        } catch {
          throw badValue(what, value, typeName, `${what}: expected a JSON object for ${typeName}`);
        }
      }
      if (typeof obj !== 'object' || obj === null || Array.isArray(obj)) {
        throw badValue(what, value, typeName, `${what}: expected an object for ${typeName}`);
      }
      const fields = obj as Record<string, Encodable>;
      // Members of anonymous structs/unions are set by their own names, as C (and the decoder) see them.
      const members = flatMembers(btf, t.id, 0);
      const known = new Set(members.map((m) => m.name));
      for (const k of Object.keys(fields)) {
        if (!known.has(k))
          throw badValue(
            what,
            value,
            typeName,
            `${what}: ${typeName} has no field '${k}' (fields: ${[...known].join(', ')})`,
          );
      }
      for (const m of members) {
        if (!(m.name in fields)) continue;
        if (m.bitfieldSize)
          throw badValue(
            `${what}.${m.name}`,
            fields[m.name],
            typeName,
            `${what}.${m.name}: setting bitfields is not supported`,
          );
        write(btf, m.type, fields[m.name], `${what}.${m.name}`, dv, off + m.bitOffset / 8);
      }
      return;
    }
    default:
      throw badValue(what, value, typeName, `${what}: cannot set a value of type ${typeName}`);
  }
}

/** Named members of a struct/union, with anonymous members' fields lifted into it (offsets in bits). */
function flatMembers(
  btf: Btf,
  typeId: number,
  baseBits: number,
  depth = 0,
): { name: string; type: number; bitOffset: number; bitfieldSize: number }[] {
  // Only malformed BTF nests anonymous members this deep (a struct that contains itself).
  if (depth > 64) throw new FormatError(`BTF type ${typeId}: anonymous members nest too deep (a cycle?)`);
  const t = btf.resolve(typeId);
  if (t.kind !== 'struct' && t.kind !== 'union') return [];
  return t.members.flatMap((m) =>
    m.name
      ? [{ name: m.name, type: m.type, bitOffset: baseBits + m.bitOffset, bitfieldSize: m.bitfieldSize }]
      : flatMembers(btf, m.type, baseBits + m.bitOffset, depth + 1),
  );
}

function jsonArray(text: string, what: string, typeName: string): Encodable[] {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch {
    v = undefined;
  }
  if (!Array.isArray(v))
    throw badValue(
      what,
      text,
      typeName,
      `${what}: expected a JSON array or comma-separated values for ${typeName}`,
    );
  return v as Encodable[];
}

function toBool(value: Encodable, what: string): boolean {
  if (typeof value === 'boolean') return value;
  if (typeof value === 'number' || typeof value === 'bigint') return value !== 0 && value !== 0n;
  if (typeof value === 'string') {
    if (/^(1|true|yes|on)$/i.test(value)) return true;
    if (/^(0|false|no|off)$/i.test(value)) return false;
  }
  throw badValue(what, value, 'bool', `${what}: '${String(value)}' is not a boolean (true/false)`);
}

function toBigInt(value: Encodable, what: string, typeName: string): bigint {
  if (typeof value === 'bigint') return value;
  if (typeof value === 'boolean') return value ? 1n : 0n;
  if (typeof value === 'number' && Number.isInteger(value)) return BigInt(value);
  if (typeof value === 'string' && /^\s*-?(0x[0-9a-f]+|0o?[0-7]+|\d+)\s*$/i.test(value)) {
    const s = value.trim();
    const neg = s.startsWith('-');
    const body = neg ? s.slice(1) : s;
    const n = /^0[0-7]+$/.test(body) ? BigInt('0o' + body.slice(1)) : BigInt(body);
    return neg ? -n : n;
  }
  throw badValue(
    what,
    value,
    typeName,
    `${what}: '${String(value)}' is not an integer (expected ${typeName})`,
  );
}

function writeInt(
  dv: DataView,
  off: number,
  size: number,
  n: bigint,
  signed: boolean,
  what: string,
  typeName: string,
): void {
  const [lo, hi] = intRange(size, signed);
  if (n < lo || n > hi)
    throw badValue(what, n, typeName, `${what}: ${n} is out of range for ${typeName} (${lo}..${hi})`);
  switch (size) {
    case 1:
      dv.setUint8(off, Number(BigInt.asUintN(8, n)));
      break;
    case 2:
      dv.setUint16(off, Number(BigInt.asUintN(16, n)), true);
      break;
    case 4:
      dv.setUint32(off, Number(BigInt.asUintN(32, n)), true);
      break;
    case 8:
      dv.setBigUint64(off, BigInt.asUintN(64, n), true);
      break;
    default:
      throw badValue(what, n, typeName, `${what}: integers of ${size} bytes are not supported`);
  }
}

function badValue(target: string, value: unknown, type: string, message: string): BadValueError {
  return new BadValueError(message, { target, value, type });
}
