/**
 * User-space addresses of a process to function names: /proc/<pid>/maps says which file is mapped
 * at an address and at which file offset, and that file's symbols (binary-symbols.ts) name it.
 * Files are opened through /proc/<pid>/map_files, so a process in another mount namespace or
 * running a deleted binary is symbolized too (root needed); each file is read once per inode.
 */
import { readFileSync } from 'node:fs';
import { BinarySymbols, type BinarySymbolOptions } from './binary-symbols.js';
import type { SymbolHit } from './kallsyms.js';

/** One line of /proc/<pid>/maps. */
export interface MapEntry {
  start: bigint;
  end: bigint;
  perms: string;
  offset: bigint;
  /** "fd:01" */
  dev: string;
  inode: number;
  /** File path, `[heap]`-like names, or '' for anonymous memory; " (deleted)" kept. */
  path: string;
}

/** Parses /proc/<pid>/maps text. */
export function parseMaps(text: string): MapEntry[] {
  const out: MapEntry[] = [];
  for (const line of text.split('\n')) {
    const m = /^([0-9a-f]+)-([0-9a-f]+) (\S+) ([0-9a-f]+) (\S+) (\d+)\s*(.*)$/.exec(line);
    if (!m) continue;
    out.push({
      start: BigInt(`0x${m[1]}`),
      end: BigInt(`0x${m[2]}`),
      perms: m[3],
      offset: BigInt(`0x${m[4]}`),
      dev: m[5],
      inode: Number(m[6]),
      path: m[7],
    });
  }
  return out;
}

/** A user-space address resolved: the function (if known) and the file it is in. */
export interface UserHit extends Partial<SymbolHit> {
  /** The mapped file ("/usr/lib/x86_64-linux-gnu/libc.so.6") or mapping name ("[vdso]"). */
  dso?: string;
  /** Offset of the address in that file. */
  dsoOffset?: bigint;
}

/** Symbolizes addresses of many processes, sharing the symbols of the files they map. */
export class UserSymbolizer {
  /** Notes from reading files, each once ("…: .gnu_debugdata skipped: no xz command to unpack it"). */
  readonly notes: string[] = [];
  private readonly maps = new Map<number, MapEntry[]>();
  private readonly files = new Map<string, BinarySymbols | null>();

  constructor(private readonly opts: BinarySymbolOptions = {}) {}

  /** The maps of `pid` (read once; empty when the process is gone). */
  mapsOf(pid: number): MapEntry[] {
    let m = this.maps.get(pid);
    if (!m) {
      try {
        m = parseMaps(readFileSync(`/proc/${pid}/maps`, 'utf8'));
      } catch {
        m = [];
      }
      this.maps.set(pid, m);
    }
    return m;
  }

  /** Reads the maps of `pid` and the symbols of every executable file it maps, ahead of lookups. */
  prefetch(pid: number): void {
    for (const e of this.mapsOf(pid))
      if (e.inode !== 0 && e.perms.includes('x') && e.path.startsWith('/')) this.symbolsOf(pid, e);
  }

  /** Resolves `address` in process `pid`. */
  lookup(pid: number, address: bigint): UserHit {
    const entry = this.mapsOf(pid).find((e) => address >= e.start && address < e.end);
    if (!entry) return {};
    const hit: UserHit = { dso: entry.path || undefined, dsoOffset: address - entry.start + entry.offset };
    if (entry.inode === 0 || !entry.path.startsWith('/')) return hit;
    const syms = this.symbolsOf(pid, entry);
    const sym = syms?.lookupFileOffset(hit.dsoOffset!);
    return sym ? { ...hit, ...sym } : hit;
  }

  private symbolsOf(pid: number, e: MapEntry): BinarySymbols | null {
    const key = `${e.dev}:${e.inode}`;
    if (this.files.has(key)) return this.files.get(key)!;
    const name = e.path.replace(/ \(deleted\)$/, '');
    let syms: BinarySymbols | null = null;
    for (const path of [`/proc/${pid}/map_files/${e.start.toString(16)}-${e.end.toString(16)}`, name]) {
      try {
        syms = new BinarySymbols(path, this.opts, name);
        break;
      } catch {
        // not readable this way (or not ELF): try the next
      }
    }
    if (syms) this.notes.push(...syms.notes);
    this.files.set(key, syms);
    return syms;
  }
}
