/**
 * Fields of event structs, map keys and map values by path (`comm`, `args.fname`), from BTF: what
 * a path points at (for start-up checks: a label from a field the event lacks, a numeric decoder on
 * a string), and fast accessors into the values src/btf/decode.ts produces. Spec layer: BTF only.
 */
import type { Btf } from '../btf/btf.js';
import type { Decoded } from '../btf/decode.js';

/** What a field holds, as far as labels and values care. */
export interface FieldInfo {
  kind: 'string' | 'int' | 'enum' | 'bool' | 'float' | 'array' | 'struct' | 'ptr' | 'other';
  /** Bytes of the field. */
  size: number;
  /** Integers: whether signed. */
  signed?: boolean;
  /** Arrays: bytes of one element. */
  elemSize?: number;
  /** The C type, for messages. */
  typeName: string;
  /** Struct members by name (anonymous members flattened), for messages and further paths. */
  members?: string[];
  /** Arrays: the element's type id. */
  elemType?: number;
  /** Structs: member name → type id. */
  memberTypes?: Map<string, number>;
}

/** Describes BTF type `typeId`. */
export function describeType(btf: Btf, typeId: number): FieldInfo {
  const t = btf.resolve(typeId);
  const typeName = btf.typeName(typeId);
  const size = btf.sizeof(typeId);
  switch (t.kind) {
    case 'int':
      return { kind: t.bool ? 'bool' : 'int', size, typeName, signed: t.signed };
    case 'enum':
    case 'enum64':
      return { kind: 'enum', size, typeName };
    case 'float':
      return { kind: 'float', size, typeName };
    case 'ptr':
      return { kind: 'ptr', size, typeName };
    case 'array': {
      const e = btf.resolve(t.type);
      const isChar = e.kind === 'int' && e.size === 1 && (e.char || /char/.test(e.name));
      if (isChar) return { kind: 'string', size, typeName };
      return { kind: 'array', size, typeName, elemSize: btf.sizeof(t.type), elemType: t.type };
    }
    case 'struct':
    case 'union': {
      const memberTypes = membersOf(btf, t.id);
      return { kind: 'struct', size, typeName, members: [...memberTypes.keys()], memberTypes };
    }
    default:
      return { kind: 'other', size, typeName };
  }
}

/** Named members of a struct or union, anonymous members flattened (as the decoder does). */
function membersOf(
  btf: Btf,
  typeId: number,
  out = new Map<string, number>(),
  depth = 0,
): Map<string, number> {
  const t = btf.resolve(typeId);
  if ((t.kind !== 'struct' && t.kind !== 'union') || depth > 16) return out;
  for (const m of t.members) {
    if (m.name) out.set(m.name, m.type);
    else membersOf(btf, m.type, out, depth + 1);
  }
  return out;
}

/**
 * The field at `path` (dot-separated member names) inside type `typeId`, or a one-sentence reason
 * why there is none (naming the members that exist).
 */
export function fieldAt(btf: Btf, typeId: number, path: string): FieldInfo | { error: string } {
  let info = describeType(btf, typeId);
  const parts = path.split('.');
  for (const [i, part] of parts.entries()) {
    const where = i ? `'${parts.slice(0, i).join('.')}'` : info.typeName;
    if (info.kind !== 'struct')
      return { error: `${where} is ${info.typeName}, not a struct with a field '${part}'` };
    const id = info.memberTypes!.get(part);
    if (id === undefined)
      return { error: `${where} has no field '${part}' (fields: ${info.members!.join(', ')})` };
    info = describeType(btf, id);
  }
  return info;
}

/** A function reading the value at `path` from a decoded struct (undefined when absent). */
export function accessor(path: string): (v: Decoded) => Decoded | undefined {
  const parts = path.split('.');
  if (parts.length === 1) {
    const k = parts[0];
    return (v) => (v as { [f: string]: Decoded })[k];
  }
  return (v) => {
    let x: Decoded | undefined = v;
    for (const p of parts) {
      if (x === undefined || typeof x !== 'object') return undefined;
      x = (x as { [f: string]: Decoded })[p];
    }
    return x;
  };
}

/** Whether a field can be used as a number (counter increments, gauge values, observations). */
export function isNumeric(f: FieldInfo): boolean {
  return f.kind === 'int' || f.kind === 'float' || f.kind === 'bool';
}

/** A decoded number, bigint or bool as a JS number (exact below 2^53). */
export function toNumber(v: Decoded | undefined): number {
  if (typeof v === 'number') return v;
  if (typeof v === 'bigint') return Number(v);
  if (typeof v === 'boolean') return v ? 1 : 0;
  return NaN;
}
