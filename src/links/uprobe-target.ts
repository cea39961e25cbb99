/**
 * Resolves a uprobe target "binary:symbol[+offset]" to the binary's path and the symbol's file
 * offset, reading the ELF symbol tables ourselves (.symtab, then .dynsym), in the binary or in the
 * shared libraries it needs.
 */
import { accessSync, constants, existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { dynamicInfo } from '../elf/dynamic.js';
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
  const offset = functionOffset(readElf(binary), symbol);
  if (offset === undefined)
    throw new NotFoundError(`uprobe: no function '${symbol}' in ${binary}`, {
      what: 'function',
      key: symbol,
    });
  return { binary, symbol, offset: offset + extra };
}

/**
 * Resolves `symbol` where a process running `binaryName` would find it: defined in the binary
 * itself, else in the first of its DT_NEEDED libraries (found through its runpath and the system
 * library directories) that defines it. Throws NotFoundError when none does.
 */
export function resolveUprobeInDeps(binaryName: string, symbol: string): UprobeLocation {
  const binary = findBinary(binaryName);
  const elf = readElf(binary);
  const own = functionOffset(elf, symbol);
  if (own !== undefined) return { binary, symbol, offset: own };
  const { needed, runpath } = dynamicInfo(elf);
  const dirs = [...runpath.map((d) => d.replace(/\$ORIGIN|\$\{ORIGIN\}/g, dirname(binary))), ...LIBRARY_DIRS];
  for (const soname of needed) {
    const path = dirs.map((d) => join(d, soname)).find((p) => existsSync(p));
    if (!path) continue;
    const offset = functionOffset(readElf(path), symbol);
    if (offset !== undefined) return { binary: path, symbol, offset };
  }
  throw new NotFoundError(`uprobe: no function '${symbol}' in ${binary} or the libraries it needs`, {
    what: 'function',
    key: symbol,
  });
}

/** Where the dynamic loader looks after a file's runpath (Debian's multiarch layout first). */
const LIBRARY_DIRS = ((): string[] => {
  const triplet = { x64: 'x86_64-linux-gnu', arm64: 'aarch64-linux-gnu' }[process.arch as string];
  const multi = triplet ? [`/lib/${triplet}`, `/usr/lib/${triplet}`] : [];
  return [...multi, '/lib64', '/usr/lib64', '/lib', '/usr/lib'];
})();

function readElf(path: string): ElfFile {
  try {
    return new ElfFile(readFileSync(path));
  } catch (e) {
    throw new ReadError(`uprobe: cannot read ${path}: ${(e as Error).message}`, { path }, { cause: e });
  }
}

/** The file offset of function `symbol` defined in `elf` (.symtab, then .dynsym), if any. */
export function functionOffset(elf: ElfFile, symbol: string): number | undefined {
  for (const sec of elf.sections.filter((s) => s.type === SHT.SYMTAB || s.type === SHT.DYNSYM)) {
    for (const sym of elf.symbols(sec)) {
      if (sym.name !== symbol || sym.type !== STT.FUNC || sym.shndx === 0 || sym.value === 0n) continue;
      const text = elf.sections[sym.shndx];
      if (!text) continue;
      return Number(sym.value - text.addr) + text.offset;
    }
  }
  return undefined;
}
