/**
 * The section table of a BPF object as readelf shows it (type names and flag letters), with one
 * phrase per section saying what it holds for BPF. Kernel-independent.
 */
import { SHF, SHT, type ElfSection } from '../elf/reader.js';
import type { ObjectSpec } from '../spec/object.js';
import type { SectionReport } from './types.js';

const TYPE_NAMES: Record<number, string> = {
  0: 'NULL',
  1: 'PROGBITS',
  2: 'SYMTAB',
  3: 'STRTAB',
  4: 'RELA',
  5: 'HASH',
  6: 'DYNAMIC',
  7: 'NOTE',
  8: 'NOBITS',
  9: 'REL',
  11: 'DYNSYM',
  14: 'INIT_ARRAY',
  15: 'FINI_ARRAY',
  17: 'GROUP',
  18: 'SYMTAB_SHNDX',
  0x6fff4c03: 'LLVM_ADDRSIG',
};

/** readelf's flag letters, in its order. */
const FLAG_LETTERS: [bigint, string][] = [
  [0x1n, 'W'],
  [0x2n, 'A'],
  [0x4n, 'X'],
  [0x10n, 'M'],
  [0x20n, 'S'],
  [0x40n, 'I'],
  [0x80n, 'L'],
  [0x100n, 'O'],
  [0x200n, 'G'],
  [0x400n, 'T'],
  [0x800n, 'C'],
  [0x80000000n, 'E'],
];

/** Name of an ELF section type, or its number in hex. */
export function sectionTypeName(type: number): string {
  return TYPE_NAMES[type] ?? `0x${type.toString(16)}`;
}

/** readelf's letters for section flags (`x` for bits it has no letter for). */
export function sectionFlags(flags: bigint): string {
  let out = '';
  let rest = flags;
  for (const [bit, letter] of FLAG_LETTERS) {
    if (flags & bit) out += letter;
    rest &= ~bit;
  }
  return rest ? `${out}x` : out;
}

/**
 * The section table (without the null section 0). `subprograms` names the functions of each code
 * section that are not programs.
 */
export function sectionReports(spec: ObjectSpec, subprograms: Map<number, string[]>): SectionReport[] {
  const { elf } = spec;
  return elf.sections.slice(1).map((s) => ({
    index: s.index,
    name: s.name,
    type: sectionTypeName(s.type),
    size: s.size,
    flags: sectionFlags(s.flags),
    holds: holds(spec, s, subprograms.get(s.index) ?? []),
  }));
}

const plural = (n: number, one: string, many = `${one}s`): string => `${n} ${n === 1 ? one : many}`;

function holds(spec: ObjectSpec, s: ElfSection, subprogs: string[]): string {
  const { elf } = spec;
  if (s.type === SHT.REL || s.type === SHT.RELA) {
    const target = elf.sections[s.info];
    const n = Math.floor(s.size / (s.type === SHT.RELA ? 24 : 16));
    return target && s.info !== 0
      ? `${plural(n, 'relocation')} of [${s.info}] ${target.name}`
      : plural(n, 'relocation');
  }
  if (s.type === SHT.SYMTAB) return `symbol table (${plural(Math.floor(s.size / 24), 'symbol')})`;
  if (s.type === SHT.STRTAB) return 'string table (section and symbol names)';
  if (s.type === 0x6fff4c03) return 'address-significance table (for the linker)';
  if (Number(s.flags & BigInt(SHF.EXECINSTR))) {
    const progs = spec.programs.filter((p) => p.section === s.name).map((p) => p.name);
    const parts: string[] = [];
    if (progs.length) parts.push(`${progs.length === 1 ? 'program' : 'programs'} ${progs.join(', ')}`);
    if (subprogs.length)
      parts.push(`${subprogs.length === 1 ? 'subprogram' : 'subprograms'} ${subprogs.join(', ')}`);
    return parts.length ? parts.join('; ') : 'code';
  }
  if (s.name === '.maps') {
    const maps = spec.maps.filter((m) => m.section === '.maps').map((m) => m.name);
    return maps.length ? `map definitions: ${maps.join(', ')}` : 'map definitions';
  }
  if (s.name === 'license') return `license "${spec.license}"`;
  if (s.name === 'version') return 'kernel version';
  if (s.name === '.BTF') return 'BTF type information';
  if (s.name === '.BTF.ext') return 'BTF function and line info, CO-RE relocations';
  if (s.name.startsWith('.debug_')) return 'DWARF debug info';
  if (/^\.(rodata|data|bss)(\.|$)/.test(s.name)) {
    const vars = spec.globals.filter((g) => g.section === s.name).map((g) => g.name);
    const what = s.name.startsWith('.rodata')
      ? 'read-only globals'
      : s.name.startsWith('.bss')
        ? 'zero-initialised globals'
        : 'initialised globals';
    return vars.length ? `${what}: ${vars.join(', ')}` : what;
  }
  if (s.name === '.kconfig') return 'kconfig externs';
  if (s.name === '.bpfkit.events') return 'event-type markers (bpfkit.h BPFKIT_EVENT)';
  if (s.name === '.ksyms') return 'kernel symbol externs';
  return '';
}
