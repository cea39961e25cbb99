/**
 * Uprobe targets: the function symbols of an ELF binary (.symtab, .dynsym, and the separate debug
 * file /usr/lib/debug holds for stripped binaries, found by build id or .gnu_debuglink as bpftrace
 * does), listed as `uprobe:<path>:<symbol>`. Kernel-independent except for -p PID (procfs).
 */
import { readFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { FormatError, NotFoundError, ReadError, UsageError } from '../errors/index.js';
import { ElfFile, SHT, STT, type ElfFile as ElfFileT } from '../elf/reader.js';
import { mappedExecutables, resolveBinary } from './binaries.js';
import { globMatch, hasWildcard } from './pattern.js';
import type { Probe, ProbeType } from './types.js';

/** STT_GNU_IFUNC: an indirect function (glibc's memcpy and friends); probe-able like STT_FUNC. */
const STT_GNU_IFUNC = 10;
const SHT_NOTE = 7;
const NT_GNU_BUILD_ID = 3;
const DEBUG_ROOT = '/usr/lib/debug';

let crcTable: Uint32Array | undefined;

/** CRC-32 (the zlib polynomial), which .gnu_debuglink uses to pin its debug file. */
export function crc32(data: Uint8Array): number {
  if (!crcTable) {
    crcTable = new Uint32Array(256);
    for (let n = 0; n < 256; n++) {
      let c = n;
      for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
      crcTable[n] = c >>> 0;
    }
  }
  let crc = 0xffffffff;
  for (let i = 0; i < data.length; i++) crc = crcTable[(crc ^ data[i]) & 0xff] ^ (crc >>> 8);
  return (crc ^ 0xffffffff) >>> 0;
}

/** The GNU build id of `elf` as lowercase hex, or undefined. */
export function buildId(elf: ElfFileT): string | undefined {
  for (const sec of elf.sections) {
    if (sec.type !== SHT_NOTE) continue;
    const d = elf.sectionData(sec);
    const v = new DataView(d.buffer, d.byteOffset, d.byteLength);
    for (let o = 0; o + 12 <= d.length;) {
      const namesz = v.getUint32(o, true);
      const descsz = v.getUint32(o + 4, true);
      const type = v.getUint32(o + 8, true);
      const nameOff = o + 12;
      const descOff = nameOff + ((namesz + 3) & ~3);
      if (descOff + descsz > d.length) break;
      const name = Buffer.from(d.subarray(nameOff, nameOff + namesz)).toString('latin1');
      if (type === NT_GNU_BUILD_ID && name === 'GNU\0' && descsz > 1) {
        return Buffer.from(d.subarray(descOff, descOff + descsz)).toString('hex');
      }
      o = descOff + ((descsz + 3) & ~3);
    }
  }
  return undefined;
}

function tryRead(path: string): Buffer | undefined {
  try {
    return readFileSync(path);
  } catch {
    return undefined;
  }
}

/**
 * The separate debug file of `path` (its bytes), if installed: /usr/lib/debug/.build-id/xx/rest.debug
 * by build id first, then the .gnu_debuglink name next to the binary, in its .debug/ directory or
 * under /usr/lib/debug, accepted only when its CRC matches.
 */
export function findDebugFile(elf: ElfFileT, path: string): Buffer | undefined {
  const id = buildId(elf);
  if (id) {
    const data = tryRead(`${DEBUG_ROOT}/.build-id/${id.slice(0, 2)}/${id.slice(2)}.debug`);
    if (data) return data;
  }
  const link = elf.section('.gnu_debuglink');
  if (!link) return undefined;
  const d = elf.sectionData(link);
  const nul = d.indexOf(0);
  if (nul <= 0) return undefined;
  const name = Buffer.from(d.subarray(0, nul)).toString('latin1');
  const crcOff = (nul + 4) & ~3;
  if (crcOff + 4 > d.length) return undefined;
  const crc = new DataView(d.buffer, d.byteOffset, d.byteLength).getUint32(crcOff, true);
  const dir = dirname(path);
  for (const cand of [`${dir}/${name}`, `${dir}/.debug/${name}`, `${DEBUG_ROOT}${dir}/${name}`]) {
    if (cand === path) continue;
    const data = tryRead(cand);
    if (data && crc32(data) === crc) return data;
  }
  return undefined;
}

/** Adds the defined function symbols of every symbol table of `elf` to `out` (name → address). */
function addFunctions(elf: ElfFileT, out: Map<string, bigint>): void {
  for (const sec of elf.sections) {
    if (sec.type !== SHT.SYMTAB && sec.type !== SHT.DYNSYM) continue;
    for (const s of elf.symbols(sec)) {
      if (s.type !== STT.FUNC && s.type !== STT_GNU_IFUNC) continue;
      if (s.shndx === 0 || s.value === 0n || !s.name) continue;
      // bpftrace leaves out GCC's partial-inlining clones (`foo.part.0`): they are not whole functions.
      if (s.name.includes('.part.')) continue;
      if (!out.has(s.name)) out.set(s.name, s.value);
    }
  }
}

/**
 * The function symbols uprobes can attach to in ELF file `path` (read from `readPath`, e.g. through
 * /proc/PID/root, when given): STT_FUNC and STT_GNU_IFUNC symbols with an address, from .symtab,
 * .dynsym and the separate debug file. Maps name → address. Throws FormatError for a non-ELF file.
 */
export function functionSymbols(path: string, readPath = path): Map<string, bigint> {
  let data: Buffer;
  try {
    data = readFileSync(readPath);
  } catch (e) {
    throw new ReadError(`cannot read uprobe target ${path}: ${(e as Error).message}`, {
      path,
      code: (e as NodeJS.ErrnoException).code,
    });
  }
  let elf: ElfFile;
  try {
    elf = new ElfFile(data);
  } catch (e) {
    throw new FormatError(`uprobe target ${path} is not a usable ELF file: ${(e as Error).message}`);
  }
  const out = new Map<string, bigint>();
  addFunctions(elf, out);
  const debug = findDebugFile(elf, path);
  if (debug) {
    try {
      addFunctions(new ElfFile(debug), out);
    } catch {
      // A broken debug file only costs us its extra symbols.
    }
  }
  return out;
}

/**
 * Uprobe (or uretprobe) hooks: `rest` is `<binary>:<symbol glob>` (binary: a path, path glob, program
 * in $PATH or library name); with `pid`, the files that process maps (filtered by the binary glob when
 * given). Throws UsageError without a binary or pid, BpfkitError when the binary is not found.
 */
export function listUprobes(type: ProbeType, rest: string | undefined, pid?: number): Probe[] {
  const colon = rest === undefined ? -1 : rest.indexOf(':');
  const target = rest === undefined ? undefined : colon < 0 ? rest : rest.slice(0, colon);
  const symRaw = colon < 0 || rest === undefined ? undefined : rest.slice(colon + 1);
  const symGlob = symRaw === undefined || symRaw === '' || symRaw === '*' ? undefined : symRaw;
  let files: { path: string; readPath: string }[];
  // Files picked by -p or a glob may include scripts and the like, which are skipped, not errors.
  const lenient = pid !== undefined || (target !== undefined && hasWildcard(target));
  if (pid !== undefined) {
    let mapped: string[];
    try {
      mapped = mappedExecutables(pid);
    } catch (e) {
      throw new NotFoundError(`cannot read the mappings of process ${pid}: ${(e as Error).message}`, {
        what: 'process',
        id: pid,
      });
    }
    files = mapped
      .filter((p) => target === undefined || target === '*' || globMatch(target, p) || pathNames(target, p))
      .map((p) => ({ path: p, readPath: `/proc/${pid}/root${p}` }));
  } else {
    if (target === undefined || target === '' || target === '*') {
      throw new UsageError(`listing ${type} probes needs a binary (${type}:/path/to/bin:pattern) or -p PID`);
    }
    const found = resolveBinary(target);
    if (found.length === 0)
      throw new NotFoundError(`uprobe target ${target}: no such program or library`, {
        what: 'uprobe target',
        key: target,
      });
    files = found.map((p) => ({ path: p, readPath: p }));
  }
  const probes: Probe[] = [];
  for (const f of files) {
    let syms: Map<string, bigint>;
    try {
      syms = functionSymbols(f.path, f.readPath);
    } catch (e) {
      if (lenient) continue;
      throw e;
    }
    for (const [name, addr] of syms) {
      if (symGlob !== undefined && !globMatch(symGlob, name)) continue;
      probes.push({
        type,
        probe: `${type}:${f.path}:${name}`,
        path: f.path,
        name,
        address: `0x${addr.toString(16)}`,
        available: true,
      });
    }
  }
  return probes;
}

/** With -p, a bare library name (`libc`) selects mapped `.../libc.so*` files. */
function pathNames(target: string, path: string): boolean {
  if (target.includes('/')) return false;
  const base = path.slice(path.lastIndexOf('/') + 1);
  return base === target || base.startsWith(target.startsWith('lib') ? `${target}.so` : `lib${target}.so`);
}
