/**
 * BTF types as TypeScript types, in two forms:
 *
 * - `value`: exactly what src/btf/decode.ts produces at run time (events, map entries, global
 *   values): integers up to 4 bytes, bitfields and floats → number; 8- and 16-byte integers and
 *   pointers → bigint; bool → boolean; char arrays → string; enums → a union of their enumerator
 *   names, or the number when no name matches; other arrays → arrays; structs and unions →
 *   interfaces with anonymous members flattened in; what the decoder leaves out → undefined.
 * - `input`: what src/btf/encode.ts accepts to set a global or write a map entry: number | bigint
 *   for integers, string for byte arrays, boolean, enum names or numbers, arrays, and structs whose
 *   members are all optional (bitfields, which cannot be set, are left out).
 *
 * Named structs, unions and enums become declarations (`struct event` → `interface Event`, its input
 * form `EventInput`); anonymous ones are written in place. Spec layer: no kernel.
 */
import type { Btf } from '../btf/btf.js';
import type { BtfComposite, BtfEnum, BtfMember } from '../btf/types.js';
import { FormatError } from '../errors/index.js';
import { bitfieldBits, isCharArray } from '../btf/decode.js';
import { pascalCase, propertyKey, quote, type NameTable } from './names.js';

/** Which side of the codec a type describes (see the module comment). */
export type Form = 'value' | 'input';

/** Deeper than any C type nests; reached only through a cycle in malformed BTF. */
const MAX_DEPTH = 64;
/** Inline object types longer than this are written one member a line. */
const INLINE_WIDTH = 72;

/** Maps BTF types of one object to TypeScript, collecting the declarations they need. */
export class TypeMapper {
  private readonly btf: Btf;
  private readonly names: NameTable;
  /** Declared names by `${form}:${typeId}` (composites) or `enum:${form}:${typeId}`. */
  private readonly declared = new Map<string, string>();
  /** The name of each named struct, union or enum (its value form); the input form adds `Input`. */
  private readonly bases = new Map<number, string>();
  /** Declarations in order of first use; a slot is reserved before its members are rendered. */
  private readonly blocks: string[] = [];
  private depth = 0;

  constructor(btf: Btf, names: NameTable) {
    this.btf = btf;
    this.names = names;
  }

  /** The TypeScript type of BTF type `typeId` in `form`, as written on a line indented by `indent`. */
  expr(typeId: number, form: Form, indent = ''): string {
    if (this.depth >= MAX_DEPTH) throw new FormatError(`BTF type ${typeId}: types nest too deep (a cycle?)`);
    this.depth++;
    try {
      return form === 'value' ? this.valueExpr(typeId, indent) : this.inputExpr(typeId, indent);
    } finally {
      this.depth--;
    }
  }

  /** The declarations (interfaces and enum unions) the types returned so far refer to. */
  declarations(): string[] {
    return [...this.blocks];
  }

  private valueExpr(typeId: number, indent: string): string {
    const t = this.btf.resolve(typeId);
    switch (t.kind) {
      case 'int':
        if (t.bool) return 'boolean';
        return intValue(t.size);
      case 'ptr':
        return 'bigint';
      case 'float':
        if (t.size === 4 || t.size === 8) return 'number';
        // Half and long double have no JavaScript number; the decoder gives undefined.
        return t.size === 2 || t.size === 12 || t.size === 16 ? 'undefined' : 'unknown';
      case 'enum':
      case 'enum64':
        return `${this.enumNames(t, 'value')} | ${t.size === 8 ? 'bigint' : 'number'}`;
      case 'array': {
        if (isCharArray(this.btf, t.type)) return 'string';
        if (this.btf.sizeof(t.type) === 0) return '[]';
        return arrayOf(this.expr(t.type, 'value', indent));
      }
      case 'struct':
      case 'union':
        return this.composite(typeId, 'value', indent);
      default:
        return 'undefined';
    }
  }

  private inputExpr(typeId: number, indent: string): string {
    const t = this.btf.resolve(typeId);
    switch (t.kind) {
      case 'int':
        return t.bool ? 'boolean' : 'number | bigint';
      case 'ptr':
        return 'number | bigint';
      case 'float':
        return 'number';
      case 'enum':
      case 'enum64':
        return `${this.enumNames(t, 'input')} | number | bigint`;
      case 'array': {
        const elem = this.btf.resolve(t.type);
        if (elem.kind === 'int' && this.btf.sizeof(t.type) === 1) return 'string';
        return `readonly ${arrayOf(this.expr(t.type, 'input', indent))}`;
      }
      case 'struct':
      case 'union':
        return this.composite(typeId, 'input', indent);
      default:
        return 'never';
    }
  }

  /** A named composite's interface name (declared on first use), or an anonymous one written in place. */
  private composite(typeId: number, form: Form, indent: string): string {
    const { type: t, name: cName } = compositeOf(this.btf, typeId);
    if (!t) return 'undefined';
    if (!cName) return this.inline(t, form, indent);
    const key = `${form}:${t.id}`;
    const known = this.declared.get(key);
    if (known) return known;
    const name = this.nameOf(t.id, cName, form);
    this.declared.set(key, name);
    const slot = this.blocks.push('') - 1;
    const lines = this.memberLines(t, form, '  ');
    const what = `\`${t.kind} ${cName}\` (${t.size} bytes)`;
    const doc =
      form === 'value' ? `/** ${what}, as decoded. */` : `/** ${what}, to set: fields left out are zero. */`;
    this.blocks[slot] = lines.length
      ? `${doc}\nexport interface ${name} {\n${lines.join('\n')}\n}`
      : `${doc}\nexport type ${name} = Record<string, never>;`;
    return name;
  }

  /** The declared name of type `id` in `form`: `Event`, `EventInput` (`Event2Input` after a clash). */
  private nameOf(id: number, cName: string, form: Form): string {
    let base = this.bases.get(id);
    if (!base) this.bases.set(id, (base = this.names.allocate(pascalCase(cName))));
    return form === 'value' ? base : this.names.allocate(`${base}Input`);
  }

  private inline(t: BtfComposite, form: Form, indent: string): string {
    const lines = this.memberLines(t, form, `${indent}  `);
    if (!lines.length) return 'Record<string, never>';
    const flat = `{ ${lines.map((l) => l.trim().replace(/;$/, '')).join('; ')} }`;
    if (flat.length + indent.length <= INLINE_WIDTH && !flat.includes('\n')) return flat;
    return `{\n${lines.join('\n')}\n${indent}}`;
  }

  /** `name: type;` lines for the members of `t`, anonymous members' fields lifted in (as C sees them). */
  private memberLines(t: BtfComposite, form: Form, indent: string): string[] {
    const out: string[] = [];
    for (const m of t.members) {
      if (!m.name) {
        const inner = compositeOf(this.btf, m.type).type;
        if (inner) out.push(...this.memberLines(inner, form, indent));
        continue;
      }
      const bitfield = isBitfield(this.btf, m);
      if (form === 'input' && bitfield) continue; // encode.ts refuses to set bitfields
      const type = bitfield ? 'number' : this.expr(m.type, form, indent);
      out.push(`${indent}${propertyKey(m.name)}${form === 'input' ? '?' : ''}: ${type};`);
    }
    return out;
  }

  /**
   * The enumerator names of an enum as a union (a declared alias when the enum is named). The decoder
   * names a value by its first enumerator, so when a value has several names the value form leaves
   * out the later ones and the input form (all names) gets an alias of its own.
   */
  private enumNames(t: BtfEnum, form: Form): string {
    const seen = new Set<string>();
    const first: string[] = [];
    for (const v of t.values) {
      if (seen.has(v.value.toString())) continue;
      seen.add(v.value.toString());
      first.push(quote(v.name));
    }
    const aliased = first.length < t.values.length;
    const names = form === 'value' || !aliased ? first : t.values.map((v) => quote(v.name));
    if (!names.length) return 'never';
    const union = names.join(' | ');
    if (!t.name) return union;
    const key = aliased ? `enum:${form}:${t.id}` : `enum:${t.id}`;
    const known = this.declared.get(key);
    if (known) return known;
    const name = this.nameOf(t.id, t.name, aliased ? form : 'value');
    this.declared.set(key, name);
    const doc =
      aliased && form === 'value'
        ? `/** The enumerators of \`enum ${t.name}\` decoding gives (the first name of each value). */`
        : `/** The enumerators of \`enum ${t.name}\`. */`;
    this.blocks.push(`${doc}\nexport type ${name} = ${union};`);
    return name;
  }
}

/** The decoder's reading of an integer of `size` bytes. */
function intValue(size: number): string {
  if (size === 1 || size === 2 || size === 4) return 'number';
  if (size === 8 || size === 16) return 'bigint';
  return 'unknown'; // the decoder refuses other sizes
}

/** `T[]`, parenthesised when T is a union. */
function arrayOf(elem: string): string {
  return /\|/.test(elem) && !/^\{[\s\S]*\}$/.test(elem) ? `(${elem})[]` : `${elem}[]`;
}

function isBitfield(btf: Btf, m: BtfMember): boolean {
  return bitfieldBits(btf, m) > 0;
}

/**
 * The struct or union under `typeId` and its C name: its own, or for an anonymous one the typedef
 * naming it (`typedef struct {…} point_t`). `type` is undefined when `typeId` is no composite.
 */
export function compositeOf(btf: Btf, typeId: number): { type: BtfComposite | undefined; name: string } {
  let typedef = '';
  let id = typeId;
  for (let guard = 0; guard < MAX_DEPTH; guard++) {
    const t = btf.type(id);
    if (t.kind === 'typedef') typedef = t.name;
    if (
      t.kind === 'typedef' ||
      t.kind === 'const' ||
      t.kind === 'volatile' ||
      t.kind === 'restrict' ||
      t.kind === 'type_tag'
    ) {
      id = t.type;
      continue;
    }
    if (t.kind === 'struct' || t.kind === 'union') return { type: t, name: t.name || typedef };
    return { type: undefined, name: '' };
  }
  throw new FormatError(`BTF type ${typeId}: typedef chain too long (cycle?)`);
}
