/**
 * Function symbols of one ELF file (.symtab and .dynsym), sorted for address lookups, and the
 * file-offset to virtual-address arithmetic of its PT_LOAD segments. Kernel-independent.
 */
import { ElfFile, PT, SHT, STB, STT, type ElfSegment } from '../elf/reader.js';
import { sortByAddress, type SymbolHit } from './kallsyms.js';

/** STT_GNU_IFUNC: an indirect function (glibc's memcpy and friends). */
const STT_GNU_IFUNC = 10;

/** A function of an ELF file at its link-time virtual address. */
export interface FunctionSymbol {
  address: bigint;
  size: bigint;
  name: string;
}

/** The defined functions of `elf`'s .symtab and .dynsym, global ones first (duplicates are kept). */
export function functionSymbols(elf: ElfFile): FunctionSymbol[] {
  // Global names first among aliases at one address: they are the ones people call.
  const globals: FunctionSymbol[] = [];
  const locals: FunctionSymbol[] = [];
  for (const type of [SHT.SYMTAB, SHT.DYNSYM]) {
    const sec = elf.sections.find((s) => s.type === type);
    if (!sec) continue;
    for (const sym of elf.symbols(sec)) {
      if (sym.type !== STT.FUNC && sym.type !== STT_GNU_IFUNC) continue;
      if (sym.shndx === 0 || sym.value === 0n || !sym.name) continue;
      (sym.bind === STB.LOCAL ? locals : globals).push({
        address: sym.value,
        size: sym.size,
        name: sym.name,
      });
    }
  }
  return globals.concat(locals);
}

/** Functions sorted by address, looked up by the address inside them. */
export class SymbolTable {
  private readonly syms: FunctionSymbol[];

  /** Builds a table; of several symbols at one address, the first given wins. */
  constructor(symbols: Iterable<FunctionSymbol>) {
    const seen = new Set<bigint>();
    const unique: FunctionSymbol[] = [];
    for (const s of symbols) {
      if (seen.has(s.address)) continue;
      seen.add(s.address);
      unique.push(s);
    }
    this.syms = sortByAddress(unique);
  }

  get size(): number {
    return this.syms.length;
  }

  /**
   * The function holding `address`: the closest one starting at or below it whose size covers it
   * (a symbol of unknown size, 0, covers up to the next symbol).
   */
  lookup(address: bigint): SymbolHit | undefined {
    const s = this.syms;
    let lo = 0;
    let hi = s.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (s[mid].address <= address) lo = mid + 1;
      else hi = mid;
    }
    const sym = s[lo - 1];
    if (!sym) return undefined;
    if (sym.size !== 0n && address >= sym.address + sym.size) return undefined;
    return { name: sym.name, offset: address - sym.address };
  }
}

/** The PT_LOAD segments of `elf`. */
export function loadSegments(elf: ElfFile): ElfSegment[] {
  return elf.segments().filter((s) => s.type === PT.LOAD);
}

/**
 * The link-time virtual address of file offset `offset` (what a mapping's `pgoff + (addr - start)`
 * gives), through the PT_LOAD segment that holds it; undefined when none does.
 */
export function fileOffsetToAddress(segments: ElfSegment[], offset: bigint): bigint | undefined {
  for (const seg of segments) {
    const start = BigInt(seg.offset);
    if (offset >= start && offset < start + BigInt(seg.filesz)) return offset - start + seg.vaddr;
  }
  return undefined;
}
