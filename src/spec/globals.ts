/**
 * The images of an object's data sections (.rodata, .data, .bss and custom .data.X / .rodata.X), as
 * they will be loaded: the object's initial values, then what setGlobal wrote. Writing a global
 * encodes the value through its BTF type (range checks, enum names, strings for char arrays, arrays,
 * structs), so a bad value is refused here, before any kernel is involved.
 */
import type { Btf } from '../btf/btf.js';
import { encodeValue, type Encodable } from '../btf/encode.js';
import { NotFoundError } from '../errors/index.js';
import type { ElfFile } from '../elf/reader.js';
import type { GlobalSpec } from './object.js';

/** The data-section images of one object. */
export class DataImages {
  private readonly images = new Map<string, Uint8Array>();

  constructor(
    elf: ElfFile,
    private readonly globals: readonly GlobalSpec[],
    private readonly btf: Btf | undefined,
  ) {
    for (const g of globals) {
      let img = this.images.get(g.section);
      if (!img) this.images.set(g.section, (img = new Uint8Array(elf.section(g.section)?.size ?? 0)));
      img.set(g.initial, g.offset);
    }
  }

  /** Every section image, by section name. */
  get sections(): ReadonlyMap<string, Uint8Array> {
    return this.images;
  }

  /**
   * Writes global `name`. Throws NotFoundError for an unknown name (listing the globals) and
   * BadValueError for a value its type cannot hold, naming it `label` (e.g. the option that set it).
   */
  set(name: string, value: Encodable, label = name): void {
    const g = this.globals.find((x) => x.name === name);
    if (!g || !this.btf) {
      const names = this.globals.map((x) => x.name);
      throw new NotFoundError(
        `no global '${name}'` +
          (names.length ? ` (globals: ${names.join(', ')})` : ' (the object has no globals)'),
        { what: 'global', key: name, available: names },
      );
    }
    encodeValue(this.btf, g.type, value, label, this.images.get(g.section), g.offset);
  }

  /** The bytes of global `name` as they stand (a view into its section's image). */
  bytes(name: string): Uint8Array | undefined {
    const g = this.globals.find((x) => x.name === name);
    return g && this.images.get(g.section)?.subarray(g.offset, g.offset + g.size);
  }
}
