/**
 * `LazyBtf`: a big BTF blob (vmlinux) read one type at a time. Indexing 5 MB takes ~15 ms where the
 * full object model of btf.ts takes ~300 ms, for callers that look at a few hundred of its 125,000
 * types (minimal CO-RE BTF). Kernel-independent.
 */
import { BtfTable, K } from './format-c-table.js';
import { decodeType } from './parse.js';
import type { BtfType } from './types.js';
import { FormatError } from '../errors/index.js';

const QUALIFIERS: ReadonlySet<number> = new Set([K.TYPEDEF, K.VOLATILE, K.CONST, K.RESTRICT, K.TYPE_TAG]);

/** A raw BTF blob with types decoded on first use. */
export class LazyBtf {
  private readonly table: BtfTable;
  private readonly view: DataView;
  private readonly end: number;
  private readonly decoded = new Map<number, BtfType>();

  /** Indexes `raw` (not split BTF); throws FormatError when it is malformed. */
  constructor(raw: Uint8Array) {
    this.table = BtfTable.fromBytes(raw);
    const u32 = this.table.u32;
    this.view = new DataView(u32.buffer, u32.byteOffset, u32.byteLength);
    this.end = u32.byteLength;
  }

  /** Number of type ids, void included. */
  get count(): number {
    return this.table.count;
  }

  /** Name of type `id` without decoding it ('' when anonymous). */
  name(id: number): string {
    return this.table.name(id);
  }

  /** BTF kind number of type `id` (0 for void). */
  kind(id: number): number {
    return this.table.kinds[id];
  }

  /** The type with id `id`; throws FormatError for an id out of range. */
  type(id: number): BtfType {
    if (id === 0) return { id: 0, kind: 'void', name: '' };
    let t = this.decoded.get(id);
    if (!t) {
      if (id >= this.table.count) throw new FormatError(`BTF type id ${id} out of range`);
      const cursor = { at: this.table.start[id] * 4 };
      t = decodeType(this.view, cursor, this.end, id, (off) => this.table.str(off));
      this.decoded.set(id, t);
    }
    return t;
  }

  /** Follows typedefs, cv-qualifiers and type tags to the underlying type. */
  resolve(id: number): BtfType {
    let cur = id;
    for (let guard = 0; guard < 64; guard++) {
      if (!QUALIFIERS.has(this.kind(cur))) return this.type(cur);
      cur = this.table.sizeOrType(cur);
    }
    throw new FormatError(`BTF type ${id}: typedef chain too long (cycle?)`);
  }
}
