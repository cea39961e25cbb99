/**
 * Where more symbols of a stripped ELF file are: its `.gnu_debugdata` section (an xz-compressed
 * ELF holding a .symtab, "MiniDebugInfo", unpacked with the `xz` command when it is installed),
 * and separate debug files under /usr/lib/debug, found by build id
 * (`.build-id/ab/cdef….debug`) or by `.gnu_debuglink` (name and CRC-32 checked). Reads files and
 * may run `xz`; needs no kernel.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, realpathSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { crc32 } from 'node:zlib';
import { ElfFile } from '../elf/reader.js';

/** Root of the separate debug files. */
export const DEBUG_DIR = '/usr/lib/debug';

const NT_GNU_BUILD_ID = 3;

/** The GNU build id of `elf` as hex, from its .note.gnu.build-id section. */
export function buildId(elf: ElfFile): string | undefined {
  const sec = elf.section('.note.gnu.build-id');
  if (!sec) return undefined;
  const d = elf.sectionData(sec);
  const v = new DataView(d.buffer, d.byteOffset, d.byteLength);
  for (let o = 0; o + 12 <= d.length;) {
    const namesz = v.getUint32(o, true);
    const descsz = v.getUint32(o + 4, true);
    const type = v.getUint32(o + 8, true);
    const desc = o + 12 + align4(namesz);
    if (desc + descsz > d.length) break;
    if (type === NT_GNU_BUILD_ID) return Buffer.from(d.subarray(desc, desc + descsz)).toString('hex');
    o = desc + align4(descsz);
  }
  return undefined;
}

function align4(n: number): number {
  return (n + 3) & ~3;
}

/** The file name and CRC-32 in `elf`'s .gnu_debuglink section. */
export function debugLink(elf: ElfFile): { name: string; crc: number } | undefined {
  const sec = elf.section('.gnu_debuglink');
  if (!sec) return undefined;
  const d = elf.sectionData(sec);
  const end = d.indexOf(0);
  if (end <= 0) return undefined;
  const crcAt = align4(end + 1);
  if (crcAt + 4 > d.length) return undefined;
  const crc = new DataView(d.buffer, d.byteOffset, d.byteLength).getUint32(crcAt, true);
  return { name: Buffer.from(d.subarray(0, end)).toString('latin1'), crc };
}

/**
 * The separate debug file of `elf` (read from `path`): by build id first, then by debuglink in the
 * file's directory, its .debug/ subdirectory and the same directory under `debugDir`.
 */
export function findDebugFile(path: string, elf: ElfFile, debugDir = DEBUG_DIR): string | undefined {
  const id = buildId(elf);
  if (id && id.length > 2) {
    const p = join(debugDir, '.build-id', id.slice(0, 2), `${id.slice(2)}.debug`);
    if (existsSync(p)) return p;
  }
  const link = debugLink(elf);
  if (!link) return undefined;
  const dir = dirname(path);
  const self = safeRealpath(path);
  for (const p of [join(dir, link.name), join(dir, '.debug', link.name), join(debugDir, dir, link.name)]) {
    if (!existsSync(p) || safeRealpath(p) === self) continue;
    try {
      if (crc32(readFileSync(p)) >>> 0 === link.crc) return p;
    } catch {
      // unreadable: try the next place
    }
  }
  return undefined;
}

function safeRealpath(p: string): string {
  try {
    return realpathSync(p);
  } catch {
    return p;
  }
}

/** The outcome of unpacking .gnu_debugdata. */
export type MiniDebugInfo =
  { kind: 'none' } | { kind: 'elf'; elf: ElfFile } | { kind: 'skipped'; reason: string };

/** Unpacks `elf`'s .gnu_debugdata with `xz` (the command `xz`, overridable for tests). */
export function miniDebugInfo(elf: ElfFile, xz = 'xz'): MiniDebugInfo {
  const sec = elf.section('.gnu_debugdata');
  if (!sec) return { kind: 'none' };
  const r = spawnSync(xz, ['-dc'], { input: elf.sectionData(sec), maxBuffer: 256 << 20 });
  if (r.error) {
    const code = (r.error as NodeJS.ErrnoException).code;
    return { kind: 'skipped', reason: code === 'ENOENT' ? `no ${xz} command to unpack it` : r.error.message };
  }
  if (r.status !== 0)
    return { kind: 'skipped', reason: `${xz} failed: ${r.stderr.toString().trim() || `status ${r.status}`}` };
  try {
    return { kind: 'elf', elf: new ElfFile(r.stdout) };
  } catch (e) {
    return { kind: 'skipped', reason: `not an ELF file inside: ${(e as Error).message}` };
  }
}
