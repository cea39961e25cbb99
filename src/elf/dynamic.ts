/**
 * The dynamic section of an ELF64 file: the shared libraries it needs (DT_NEEDED) and its search
 * paths (DT_RUNPATH, DT_RPATH). Kernel-independent.
 */
import type { ElfFile } from './reader.js';

const SHT_DYNAMIC = 6;
const DT_NULL = 0n;
const DT_NEEDED = 1n;
const DT_RPATH = 15n;
const DT_RUNPATH = 29n;

/** What a dynamically linked file asks the loader for. */
export interface DynamicInfo {
  /** DT_NEEDED sonames, in order ("libtinfo.so.6"). */
  needed: string[];
  /** DT_RUNPATH (or, without one, DT_RPATH) directories, `$ORIGIN` left as it is. */
  runpath: string[];
}

/** Reads the .dynamic section of `elf`; empty lists for a static file or one without section headers. */
export function dynamicInfo(elf: ElfFile): DynamicInfo {
  const info: DynamicInfo = { needed: [], runpath: [] };
  const dyn = elf.sections.find((s) => s.type === SHT_DYNAMIC);
  if (!dyn || dyn.link >= elf.sections.length) return info;
  const str = elf.sections[dyn.link];
  const data = elf.sectionData(dyn);
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  let rpath: string[] = [];
  for (let o = 0; o + 16 <= data.length; o += 16) {
    const tag = view.getBigInt64(o, true);
    if (tag === DT_NULL) break;
    const text = (): string => elf.cstring(str.offset, str.size, Number(view.getBigUint64(o + 8, true)));
    if (tag === DT_NEEDED) info.needed.push(text());
    else if (tag === DT_RUNPATH) info.runpath = text().split(':').filter(Boolean);
    else if (tag === DT_RPATH) rpath = text().split(':').filter(Boolean);
  }
  if (info.runpath.length === 0) info.runpath = rpath;
  return info;
}
