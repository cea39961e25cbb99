/**
 * A small ELF64 little-endian reader: sections, segments, symbols and relocations. Kernel-independent; used for
 * BPF objects (EM_BPF) and for user binaries whose symbols uprobes attach to.
 */
import { FormatError } from '../errors/index.js';

/** ELF machine number of eBPF objects. */
export const EM_BPF = 247;
/** Section types we care about. */
export const SHT = {
  NULL: 0,
  PROGBITS: 1,
  SYMTAB: 2,
  STRTAB: 3,
  RELA: 4,
  NOBITS: 8,
  REL: 9,
  DYNSYM: 11,
} as const;
/** Section flags. */
export const SHF = { WRITE: 0x1, ALLOC: 0x2, EXECINSTR: 0x4 } as const;
/** Symbol types (low nibble of st_info). */
export const STT = { NOTYPE: 0, OBJECT: 1, FUNC: 2, SECTION: 3, FILE: 4 } as const;
/** Symbol bindings (high nibble of st_info). */
export const STB = { LOCAL: 0, GLOBAL: 1, WEAK: 2 } as const;

/** One section header, with its name resolved. */
export interface ElfSection {
  index: number;
  name: string;
  type: number;
  flags: bigint;
  addr: bigint;
  offset: number;
  size: number;
  link: number;
  info: number;
  addralign: number;
  entsize: number;
}

/** One symbol from .symtab or .dynsym. */
export interface ElfSymbol {
  name: string;
  /** STT_* */
  type: number;
  /** STB_* */
  bind: number;
  /** st_other & 3: visibility */
  visibility: number;
  /** Section index (st_shndx); 0 means undefined. */
  shndx: number;
  value: bigint;
  size: bigint;
}

/** One program header (segment). */
export interface ElfSegment {
  /** PT_* (1: PT_LOAD). */
  type: number;
  /** PF_* (1: X, 2: W, 4: R). */
  flags: number;
  offset: number;
  vaddr: bigint;
  filesz: number;
  memsz: number;
}

/** Program header types we care about. */
export const PT = { LOAD: 1, NOTE: 4 } as const;

/** One REL/RELA entry. */
export interface ElfRelocation {
  offset: bigint;
  symbol: number;
  type: number;
  addend: bigint;
}

/** A parsed ELF64 little-endian file. All views alias the input buffer; nothing is copied. */
export class ElfFile {
  readonly data: Uint8Array;
  readonly type: number;
  readonly machine: number;
  readonly sections: ElfSection[];
  private readonly view: DataView;
  private symtabCache?: ElfSymbol[];

  /** Parses `data`; throws FormatError naming what is wrong when it is not a well-formed ELF64 LE file. */
  constructor(data: Uint8Array) {
    this.data = data;
    this.view = new DataView(data.buffer, data.byteOffset, data.byteLength);
    if (data.length < 64 || data[0] !== 0x7f || data[1] !== 0x45 || data[2] !== 0x4c || data[3] !== 0x46) {
      throw new FormatError('not an ELF file (bad magic)');
    }
    if (data[4] !== 2) throw new FormatError('not a 64-bit ELF file');
    if (data[5] !== 1) throw new FormatError('not a little-endian ELF file');
    const v = this.view;
    this.type = v.getUint16(16, true);
    this.machine = v.getUint16(18, true);
    const shoff = this.u64(40, 'e_shoff');
    const shentsize = v.getUint16(58, true);
    let shnum = v.getUint16(60, true);
    let shstrndx = v.getUint16(62, true);
    if (shoff === 0) {
      this.sections = [];
      return;
    }
    if (shentsize !== 64) throw new FormatError(`bad section header size ${shentsize}`);
    this.checkRange(shoff, 64, 'section header table');
    if (shnum === 0) shnum = v.getUint32(shoff + 32, true); // extended numbering: count in section 0's sh_size
    if (shstrndx === 0xffff) shstrndx = v.getUint32(shoff + 40, true);
    this.checkRange(shoff, shnum * 64, 'section header table');
    const raw: Omit<ElfSection, 'name'>[] & { nameOff?: number }[] = [];
    const nameOffs: number[] = [];
    for (let i = 0; i < shnum; i++) {
      const o = shoff + i * 64;
      nameOffs.push(v.getUint32(o, true));
      const type = v.getUint32(o + 4, true);
      const offset = this.u64(o + 24, 'sh_offset');
      const size = this.u64(o + 32, 'sh_size');
      if (type !== SHT.NOBITS && type !== SHT.NULL) this.checkRange(offset, size, `section ${i}`);
      raw.push({
        index: i,
        type,
        flags: v.getBigUint64(o + 8, true),
        addr: v.getBigUint64(o + 16, true),
        offset,
        size,
        link: v.getUint32(o + 40, true),
        info: v.getUint32(o + 44, true),
        addralign: Number(v.getBigUint64(o + 48, true)),
        entsize: Number(v.getBigUint64(o + 56, true)),
      });
    }
    if (shstrndx >= shnum) throw new FormatError(`section name table index ${shstrndx} out of range`);
    const strtab = raw[shstrndx];
    this.sections = raw.map((s, i) => ({
      ...s,
      name: this.cstring(strtab.offset, strtab.size, nameOffs[i]),
    }));
  }

  /** The program headers (empty for a relocatable object such as a BPF .o). */
  segments(): ElfSegment[] {
    const v = this.view;
    const phoff = this.u64(32, 'e_phoff');
    const phentsize = v.getUint16(54, true);
    const phnum = v.getUint16(56, true);
    if (phoff === 0 || phnum === 0) return [];
    if (phentsize !== 56) throw new FormatError(`bad program header size ${phentsize}`);
    this.checkRange(phoff, phnum * 56, 'program header table');
    const out: ElfSegment[] = [];
    for (let i = 0; i < phnum; i++) {
      const o = phoff + i * 56;
      out.push({
        type: v.getUint32(o, true),
        flags: v.getUint32(o + 4, true),
        offset: this.u64(o + 8, 'p_offset'),
        vaddr: v.getBigUint64(o + 16, true),
        filesz: this.u64(o + 32, 'p_filesz'),
        memsz: this.u64(o + 40, 'p_memsz'),
      });
    }
    return out;
  }

  /** The section called `name`, if any. */
  section(name: string): ElfSection | undefined {
    return this.sections.find((s) => s.name === name);
  }

  /** Bytes of a section (empty for NOBITS). */
  sectionData(sec: ElfSection): Uint8Array {
    if (sec.type === SHT.NOBITS) return new Uint8Array(0);
    return this.data.subarray(sec.offset, sec.offset + sec.size);
  }

  /** Symbols of .symtab (or of `sec` when given, e.g. .dynsym). Index 0 is the null symbol. */
  symbols(sec?: ElfSection): ElfSymbol[] {
    if (!sec && this.symtabCache) return this.symtabCache;
    const s = sec ?? this.sections.find((x) => x.type === SHT.SYMTAB);
    if (!s) return [];
    if (s.link >= this.sections.length)
      throw new FormatError(`symbol table ${s.name} links to a missing string table`);
    const str = this.sections[s.link];
    const out: ElfSymbol[] = [];
    const v = this.view;
    for (let o = s.offset; o + 24 <= s.offset + s.size; o += 24) {
      const info = v.getUint8(o + 4);
      out.push({
        name: this.cstring(str.offset, str.size, v.getUint32(o, true)),
        type: info & 0xf,
        bind: info >> 4,
        visibility: v.getUint8(o + 5) & 3,
        shndx: v.getUint16(o + 6, true),
        value: v.getBigUint64(o + 8, true),
        size: v.getBigUint64(o + 16, true),
      });
    }
    if (!sec) this.symtabCache = out;
    return out;
  }

  /** Relocations of a REL or RELA section. */
  relocations(sec: ElfSection): ElfRelocation[] {
    const entsize = sec.type === SHT.RELA ? 24 : 16;
    const out: ElfRelocation[] = [];
    const v = this.view;
    for (let o = sec.offset; o + entsize <= sec.offset + sec.size; o += entsize) {
      const info = v.getBigUint64(o + 8, true);
      out.push({
        offset: v.getBigUint64(o, true),
        symbol: Number(info >> 32n),
        type: Number(info & 0xffffffffn),
        addend: sec.type === SHT.RELA ? v.getBigInt64(o + 16, true) : 0n,
      });
    }
    return out;
  }

  /** A NUL-terminated string at `off` inside the string table at [base, base+size). */
  cstring(base: number, size: number, off: number): string {
    // A string table can claim to lie outside the file (NOBITS, or a corrupt header): read what is there.
    if (off >= size || base + off >= this.data.length) return '';
    let end = base + off;
    const limit = Math.min(base + size, this.data.length);
    while (end < limit && this.data[end] !== 0) end++;
    return Buffer.from(this.data.buffer, this.data.byteOffset + base + off, end - base - off).toString(
      'latin1',
    );
  }

  private u64(off: number, what: string): number {
    const v = this.view.getBigUint64(off, true);
    if (v > BigInt(Number.MAX_SAFE_INTEGER)) throw new FormatError(`${what} out of range`);
    return Number(v);
  }

  private checkRange(off: number, len: number, what: string): void {
    if (off < 0 || len < 0 || off + len > this.data.length) {
      throw new FormatError(
        `${what} lies outside the file (offset ${off}, size ${len}, file ${this.data.length} bytes)`,
      );
    }
  }
}
