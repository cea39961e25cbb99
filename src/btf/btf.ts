/**
 * `Btf`: a parsed set of BTF types with lookups by id and name, typedef/qualifier resolution, and the
 * size, alignment and C spelling of a type. Kernel-independent (reading /sys/kernel/btf/vmlinux is a
 * plain file read).
 */
import { readFileSync } from 'node:fs';
import { FormatError, MissingDependencyError } from '../errors/index.js';
import { parseBtf, type ParsedBtf } from './parse.js';
import type { BtfType, BtfKindName } from './types.js';

/** Where the running kernel's BTF lives, unless BPFKIT_BTF names another file. */
export const VMLINUX_BTF_PATH = '/sys/kernel/btf/vmlinux';

/** A parsed BTF blob. */
export class Btf {
  /** Types, index = id; index 0 is void. */
  readonly types: BtfType[];
  /** The raw string section (for split BTF and for re-encoding). */
  readonly strings: Uint8Array;
  /** The bytes this was parsed from. */
  readonly raw: Uint8Array;
  /** The base BTF of split BTF (kernel module BTF on top of vmlinux), if any. */
  readonly base?: Btf;
  private byNameCache?: Map<string, BtfType[]>;
  /** Nesting of the recursive walks below, to stop on cycles in malformed BTF. */
  private depth = 0;

  /** Parses a raw BTF blob; throws FormatError when it is malformed. */
  constructor(raw: Uint8Array, base?: Btf) {
    let parsed: ParsedBtf;
    try {
      parsed = parseBtf(raw, base ? { types: base.types, strings: base.strings } : undefined);
    } catch (e) {
      if (e instanceof RangeError) throw new FormatError(`malformed BTF: ${e.message}`, { cause: e });
      throw e;
    }
    this.types = parsed.types;
    this.strings = parsed.strings;
    this.raw = raw;
    this.base = base;
  }

  /** Reads and parses a raw BTF file (e.g. /sys/kernel/btf/vmlinux). */
  static fromFile(path: string): Btf {
    let data: Buffer;
    try {
      data = readFileSync(path);
    } catch (e) {
      throw new MissingDependencyError(`cannot read BTF file ${path}: ${(e as Error).message}`);
    }
    return new Btf(data);
  }

  /**
   * The running kernel's BTF: `override`, else $BPFKIT_BTF, else /sys/kernel/btf/vmlinux. Cached.
   * Needs a kernel built with CONFIG_DEBUG_INFO_BTF when no override is given.
   */
  static kernel(override?: string): Btf {
    const path = override ?? process.env.BPFKIT_BTF ?? VMLINUX_BTF_PATH;
    let btf = kernelCache.get(path);
    if (!btf) {
      try {
        btf = Btf.fromFile(path);
      } catch (e) {
        if (path === VMLINUX_BTF_PATH && e instanceof MissingDependencyError) {
          throw new MissingDependencyError(
            `${VMLINUX_BTF_PATH} is missing: this kernel was built without CONFIG_DEBUG_INFO_BTF; pass --btf <file> or set BPFKIT_BTF to a BTF file for this kernel`,
          );
        }
        throw e;
      }
      kernelCache.set(path, btf);
    }
    return btf;
  }

  /** The type with id `id`; throws FormatError for an id out of range. */
  type(id: number): BtfType {
    const t = this.types[id];
    if (!t) throw new FormatError(`BTF type id ${id} out of range`);
    return t;
  }

  /** All types called `name`, optionally of one kind. */
  byName(name: string, kind?: BtfKindName): BtfType[] {
    if (!this.byNameCache) {
      this.byNameCache = new Map();
      for (const t of this.types) {
        if (!t.name) continue;
        const l = this.byNameCache.get(t.name);
        if (l) l.push(t);
        else this.byNameCache.set(t.name, [t]);
      }
    }
    const all = this.byNameCache.get(name) ?? [];
    return kind ? all.filter((t) => t.kind === kind) : all;
  }

  /** Follows typedefs, cv-qualifiers and type tags to the underlying type. */
  resolve(id: number): BtfType {
    let t = this.type(id);
    for (let guard = 0; guard < 64; guard++) {
      if (
        t.kind === 'typedef' ||
        t.kind === 'volatile' ||
        t.kind === 'const' ||
        t.kind === 'restrict' ||
        t.kind === 'type_tag'
      ) {
        t = this.type(t.type);
      } else return t;
    }
    throw new FormatError(`BTF type ${id}: typedef chain too long (cycle?)`);
  }

  /** Size in bytes of type `id`. */
  sizeof(id: number): number {
    const t = this.resolve(id);
    switch (t.kind) {
      case 'int':
      case 'float':
      case 'struct':
      case 'union':
      case 'enum':
      case 'enum64':
      case 'datasec':
        return t.size;
      case 'ptr':
        return 8;
      case 'array':
        return t.nelems * this.nested(id, () => this.sizeof(t.type));
      case 'var':
        return this.nested(id, () => this.sizeof(t.type));
      default:
        return 0;
    }
  }

  /** Natural alignment in bytes of type `id` (as the C compiler would lay it out). */
  alignof(id: number): number {
    const t = this.resolve(id);
    switch (t.kind) {
      case 'int':
      case 'float':
      case 'enum':
      case 'enum64':
        return Math.min(t.size, 8) || 1;
      case 'ptr':
        return 8;
      case 'array':
        return this.nested(id, () => this.alignof(t.type));
      case 'struct':
      case 'union': {
        let a = 1;
        const align = (member: number): number => this.nested(id, () => this.alignof(member));
        for (const m of t.members) a = Math.max(a, align(m.type));
        return a;
      }
      default:
        return 1;
    }
  }

  /** The C spelling of type `id`, e.g. `unsigned int`, `char[16]`, `struct event *`. */
  typeName(id: number): string {
    return this.nested(id, () => this.typeNameOf(id));
  }

  private typeNameOf(id: number): string {
    const t = this.type(id);
    switch (t.kind) {
      case 'void':
        return 'void';
      case 'int':
      case 'float':
        return t.name;
      case 'ptr':
        return `${this.typeName(t.type)} *`;
      case 'array':
        return `${this.typeName(t.type)}[${t.nelems}]`;
      case 'struct':
      case 'union':
        return `${t.kind} ${t.name || '(anon)'}`;
      case 'enum':
      case 'enum64':
        return `enum ${t.name || '(anon)'}`;
      case 'fwd':
        return `${t.union ? 'union' : 'struct'} ${t.name}`;
      case 'typedef':
        return t.name;
      case 'volatile':
      case 'const':
      case 'restrict':
        return `${t.kind} ${this.typeName(t.type)}`;
      case 'type_tag':
        return this.typeName(t.type);
      case 'func_proto':
        return `${this.typeName(t.returnType)} (*)(${t.params.map((p) => (p.type ? this.typeName(p.type) : '...')).join(', ')})`;
      default:
        return t.name || t.kind;
    }
  }

  /**
   * Runs one step of a recursive walk. No C type nests deeper than MAX_DEPTH; a deeper walk means a
   * cycle (e.g. a typedef or array of itself) in malformed BTF, which must not recurse forever.
   */
  private nested<T>(id: number, step: () => T): T {
    if (this.depth >= MAX_DEPTH) throw new FormatError(`BTF type ${id}: types nest too deep (a cycle?)`);
    this.depth++;
    try {
      return step();
    } finally {
      this.depth--;
    }
  }
}

/** Deepest nesting of types the recursive walks follow (the kernel's own limit is 32). */
const MAX_DEPTH = 64;

const kernelCache = new Map<string, Btf>();
