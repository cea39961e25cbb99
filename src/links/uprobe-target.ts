/**
 * Resolves a uprobe target "binary:symbol[+offset]" to the binary's path and the symbol's file
 * offset, reading the ELF symbol tables ourselves (.symtab, then .dynsym).
 */
import { accessSync, constants, readFileSync } from 'node:fs';
import { ElfFile, SHT, STT } from '../elf/reader.js';
import { BadValueError, NotFoundError, ReadError } from '../errors/index.js';

/** A resolved uprobe location. */
export interface UprobeLocation {
  binary: string;
  symbol: string;
  /** File offset where the probe goes. */
  offset: number;
}

/** Finds `binary` on $PATH when it has no slash. */
export function findBinary(binary: string): string {
  if (binary.includes('/')) return binary;
  for (const dir of (process.env.PATH ?? '/usr/bin:/bin').split(':')) {
    const p = `${dir}/${binary}`;
    try {
      accessSync(p, constants.X_OK);
      return p;
    } catch {
      // try the next directory
    }
  }
  throw new NotFoundError(`uprobe: cannot find binary '${binary}' on PATH`, {
    what: 'uprobe target',
    key: binary,
  });
}

/** Parses "path:symbol[+off]" (the part after "uprobe/" in a section name, or a --uprobe argument). */
export function parseUprobeTarget(target: string): { binary: string; symbol: string; extra: number } {
  const i = target.lastIndexOf(':');
  if (i <= 0)
    throw new BadValueError(`uprobe target '${target}' is not of the form binary:symbol`, {
      target: 'uprobe target',
      value: target,
    });
  const m = /^([^+]+)(?:\+(0x[0-9a-f]+|\d+))?$/i.exec(target.slice(i + 1));
  if (!m)
    throw new BadValueError(`uprobe target '${target}': bad symbol '${target.slice(i + 1)}'`, {
      target: 'uprobe target',
      value: target,
    });
  return { binary: target.slice(0, i), symbol: m[1], extra: m[2] ? Number(m[2]) : 0 };
}

/** Resolves a binary and symbol to a file offset; throws NotFoundError or BadValueError when the symbol is absent. */
export function resolveUprobe(binaryName: string, symbol: string, extra = 0): UprobeLocation {
  const binary = findBinary(binaryName);
  let elf: ElfFile;
  try {
    elf = new ElfFile(readFileSync(binary));
  } catch (e) {
    throw new ReadError(
      `uprobe: cannot read ${binary}: ${(e as Error).message}`,
      { path: binary },
      { cause: e },
    );
  }
  for (const sec of elf.sections.filter((s) => s.type === SHT.SYMTAB || s.type === SHT.DYNSYM)) {
    for (const sym of elf.symbols(sec)) {
      if (sym.name !== symbol || sym.type !== STT.FUNC || sym.shndx === 0 || sym.value === 0n) continue;
      const text = elf.sections[sym.shndx];
      if (!text) continue;
      const offset = Number(sym.value - text.addr) + text.offset + extra;
      return { binary, symbol, offset };
    }
  }
  throw new NotFoundError(`uprobe: no function '${symbol}' in ${binary}`, { what: 'function', key: symbol });
}
