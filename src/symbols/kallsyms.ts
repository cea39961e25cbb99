/**
 * Kernel addresses to function names from /proc/kallsyms: the text symbol at or below an address,
 * with the offset into it and the module it belongs to. Parsing needs no kernel; reading the real
 * table needs root (with kptr_restrict, other users see zero addresses, which are dropped).
 */
import { readFileSync } from 'node:fs';
import { ReadError } from '../errors/index.js';

/** What an address resolves to. */
export interface SymbolHit {
  name: string;
  /** Bytes from the symbol's start. */
  offset: bigint;
  /** The kernel module (`[ext4]` without brackets), absent for the kernel itself. */
  module?: string;
}

interface KernelSymbol {
  address: bigint;
  name: string;
  module?: string;
}

/** A sorted table of kernel text symbols. */
export class KernelSymbols {
  private readonly syms: KernelSymbol[];

  private constructor(syms: KernelSymbol[]) {
    this.syms = sortByAddress(syms);
  }

  /** Parses /proc/kallsyms text (`ffffffff8150c150 T name [module]`); only text symbols (t, T, w, W) count. */
  static parse(text: string): KernelSymbols {
    const syms: KernelSymbol[] = [];
    for (const line of text.split('\n')) {
      const m = /^([0-9a-fA-F]+) ([tTwW]) (\S+)(?:\s+\[(\S+)\])?/.exec(line);
      if (!m) continue;
      const address = BigInt(`0x${m[1]}`);
      if (address === 0n) continue;
      syms.push(m[4] ? { address, name: m[3], module: m[4] } : { address, name: m[3] });
    }
    return new KernelSymbols(syms);
  }

  /** Reads and parses `path` (default /proc/kallsyms); throws ReadError when it cannot be read. */
  static read(path = '/proc/kallsyms'): KernelSymbols {
    try {
      return KernelSymbols.parse(readFileSync(path, 'utf8'));
    } catch (e) {
      throw new ReadError(`cannot read ${path}: ${(e as Error).message}`, { path }, { cause: e });
    }
  }

  /** How many symbols the table holds (0 when the addresses were hidden). */
  get size(): number {
    return this.syms.length;
  }

  /** The symbol whose start is the closest at or below `address`, if any. */
  lookup(address: bigint): SymbolHit | undefined {
    const s = this.syms;
    let lo = 0;
    let hi = s.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (s[mid].address <= address) lo = mid + 1;
      else hi = mid;
    }
    if (lo === 0) return undefined;
    const sym = s[lo - 1];
    const hit: SymbolHit = { name: sym.name, offset: address - sym.address };
    if (sym.module) hit.module = sym.module;
    return hit;
  }
}

/**
 * Sorts by address, fast: by the address as a double first (rounding keeps the order, only ties
 * need the exact comparison), since comparing hundreds of thousands of bigints is slow.
 */
export function sortByAddress<T extends { address: bigint }>(items: T[]): T[] {
  const keyed = items.map((item) => ({ item, key: Number(item.address) }));
  keyed.sort((a, b) =>
    a.key !== b.key
      ? a.key - b.key
      : a.item.address < b.item.address
        ? -1
        : a.item.address > b.item.address
          ? 1
          : 0,
  );
  return keyed.map((k) => k.item);
}
