/**
 * System call names by number for the running kernel, read at run time. For each number the first
 * of these that knows it names it:
 * 1. the running kernel's own generated uapi header,
 *    /lib/modules/<release>/build/arch/x86/include/generated/uapi/asm/unistd_64.h, present when that
 *    kernel's headers are installed (exactly its table);
 * 2. the built-in x86_64 table (Linux 6.18; syscalls-x86_64.ts);
 * 3. the C library's kernel headers, /usr/include/<triplet>/asm/unistd_64.h (or asm/unistd.h on
 *    other architectures), which can be newer than the built-in table, or older than the kernel.
 * The kernel itself exposes no number-to-name table: tracefs' events/syscalls/sys_enter_<name>/id is
 * the trace event's id, not the syscall number. Needs no kernel; reads files only.
 */
import { readFileSync } from 'node:fs';
import { release } from 'node:os';
import { sprintf } from '../printf.js';
import { x86_64Syscalls } from './syscalls-x86_64.js';

/** Names by number, and where they came from (for -v). */
export interface SyscallTable {
  names: Map<number, string>;
  /** The sources that named at least one number, best first. */
  sources: string[];
}

/** `#define __NR_<name> <number>` lines of a unistd header (non-numeric aliases skipped). */
export function parseUnistd(text: string): Map<number, string> {
  const out = new Map<number, string>();
  for (const m of text.matchAll(/^#define\s+__NR_(\w+)\s+(\d+)\s*$/gm)) out.set(Number(m[2]), m[1]);
  return out;
}

/** The header files worth reading on this machine, best first. */
function headerPaths(arch: string): { best?: string; system: string[] } {
  const triplet: Record<string, string> = { x64: 'x86_64-linux-gnu', arm64: 'aarch64-linux-gnu' };
  const file = arch === 'x64' ? 'unistd_64.h' : 'unistd.h';
  const system = [`/usr/include/${triplet[arch] ?? arch}/asm/${file}`, `/usr/include/asm/${file}`];
  if (arch !== 'x64') return { system };
  return { best: `/lib/modules/${release()}/build/arch/x86/include/generated/uapi/asm/${file}`, system };
}

function readHeader(path: string): Map<number, string> | undefined {
  try {
    return parseUnistd(readFileSync(path, 'utf8'));
  } catch {
    return undefined;
  }
}

/** Adds the numbers `from` has that `into` lacks; true when there were any. */
function merge(into: Map<number, string>, from: Map<number, string>): boolean {
  let added = false;
  for (const [nr, name] of from)
    if (!into.has(nr)) {
      into.set(nr, name);
      added = true;
    }
  return added;
}

/** This machine's table, from the sources above (`arch` as process.arch names it). */
export function syscallTable(arch: string = process.arch): SyscallTable {
  const { best, system } = headerPaths(arch);
  const names = new Map<number, string>();
  const sources: string[] = [];
  const own = best ? readHeader(best) : undefined;
  if (own && merge(names, own)) sources.push(best!);
  if (arch === 'x64' && merge(names, x86_64Syscalls())) sources.push('built-in x86_64 table (Linux 6.18)');
  for (const path of system) {
    const h = readHeader(path);
    if (h && merge(names, h)) sources.push(path);
    if (h) break;
  }
  return { names, sources };
}

/** The name of syscall `nr`, or `[unknown: <nr>]` as libbpf-tools prints one it cannot name. */
export function syscallName(table: SyscallTable, nr: number): string {
  return table.names.get(nr) ?? sprintf('[unknown: %u]', nr);
}
