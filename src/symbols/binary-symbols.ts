/**
 * Everything known about the functions of one user-space binary: its own .symtab and .dynsym,
 * the .symtab of its MiniDebugInfo (.gnu_debugdata) and of its separate debug file, and the
 * PT_LOAD segments that turn a file offset into the address those symbols use. Reads files; needs
 * no kernel.
 */
import { readFileSync } from 'node:fs';
import { ElfFile, type ElfSegment } from '../elf/reader.js';
import { findDebugFile, miniDebugInfo } from './debug-files.js';
import { fileOffsetToAddress, functionSymbols, loadSegments, SymbolTable } from './elf-symbols.js';
import type { SymbolHit } from './kallsyms.js';

/** Where to look for more symbols. */
export interface BinarySymbolOptions {
  /** Root of the separate debug files (default /usr/lib/debug). */
  debugDir?: string;
  /** The xz command for .gnu_debugdata (default `xz`). */
  xz?: string;
}

/** The symbols of one binary. */
export class BinarySymbols {
  /** What was skipped and why (".gnu_debugdata skipped: no xz command to unpack it"). */
  readonly notes: string[] = [];
  /** Files the symbols came from besides the binary itself. */
  readonly sources: string[] = [];
  private readonly table: SymbolTable;
  private readonly segments: ElfSegment[];

  /** Reads `path` (the file to open; `name` is how to call it in notes). Throws when it is not an ELF file. */
  constructor(path: string, opts: BinarySymbolOptions = {}, name = path) {
    const elf = new ElfFile(readFileSync(path));
    this.segments = loadSegments(elf);
    const syms = functionSymbols(elf);
    const mini = miniDebugInfo(elf, opts.xz);
    if (mini.kind === 'elf') {
      syms.push(...functionSymbols(mini.elf));
      this.sources.push(`${name}:.gnu_debugdata`);
    } else if (mini.kind === 'skipped') this.notes.push(`${name}: .gnu_debugdata skipped: ${mini.reason}`);
    const debug = findDebugFile(name, elf, opts.debugDir);
    if (debug) {
      try {
        syms.push(...functionSymbols(new ElfFile(readFileSync(debug))));
        this.sources.push(debug);
      } catch (e) {
        this.notes.push(`${debug}: ${(e as Error).message}`);
      }
    }
    this.table = new SymbolTable(syms);
  }

  /** How many distinct function addresses are known. */
  get size(): number {
    return this.table.size;
  }

  /** The function at file offset `offset`, if any. */
  lookupFileOffset(offset: bigint): SymbolHit | undefined {
    const address = fileOffsetToAddress(this.segments, offset);
    return address === undefined ? undefined : this.table.lookup(address);
  }
}
