/**
 * Disassembly of BPF object code (an ELF section of a .bpf.o, before libbpf and the kernel touch it)
 * in the same syntax as the xlated dump. Relocated instructions show their targets: `map[start]` for
 * map loads, `&targ_pid` / `&.rodata+16` for global data, `subprog[loop_cb]` for callback addresses,
 * and `call mix` / `call bpf_rcu_read_lock` for calls into other sections or to kfuncs. Without
 * relocation info an unresolved load prints as its raw immediate, `r1 = 0x0`, as bpftool would.
 * Kernel-independent.
 */
import { Btf } from '../btf/btf.js';
import { parseBtfExt } from '../btf/ext.js';
import type { ElfFile, ElfSection, ElfSymbol } from '../elf/reader.js';
import { SHF, SHT, STT } from '../elf/reader.js';
import { BpfkitError, NotFoundError } from '../errors/index.js';
import type { Insn } from './decode.js';
import type { FormatOptions } from './format.js';
import type { HelperNames } from './helpers.js';
import { btfString, listInsns, renderListing, type ListingInfo, type ListingLine } from './listing.js';
import type { RenderOptions } from './listing.js';
import { JMP_OP, LD_IMM64, insnOp } from './opcodes.js';

/** Options of disassemble(). */
export interface DisasmOptions extends RenderOptions {
  /** Helper names by id, or a Btf with `enum bpf_func_id` (default: the running kernel's BTF). */
  helpers?: HelperNames | Btf;
  /** Print as pre-ISA-v4 disassemblers do; see FormatOptions.legacy. */
  legacy?: boolean;
  /** Text replacing the target of a relocated instruction, by slot index (see relocationTargets). */
  relocations?: ReadonlyMap<number, string>;
  /** Signatures, source lines and labels to print between instructions. */
  info?: ListingInfo;
}

/** Options of disassembleSection(). */
export interface SectionDisasmOptions extends RenderOptions {
  helpers?: HelperNames | Btf;
  legacy?: boolean;
  /** Use the object's .BTF/.BTF.ext for signatures and source lines (default true). */
  btf?: boolean;
}

/** Disassembles raw object code (`imm` holds bpf-to-bpf call offsets), one listing line each. */
export function listObjectCode(code: Uint8Array, opts: DisasmOptions = {}): ListingLine[] {
  const relocs = opts.relocations;
  const fmt: FormatOptions = { code: 'object', helpers: opts.helpers, legacy: opts.legacy };
  if (relocs) {
    fmt.immText = (insn: Insn) => relocs.get(insn.index);
    fmt.callText = (insn: Insn) => relocs.get(insn.index);
  }
  return listInsns(code, opts.info ?? {}, fmt);
}

/** Disassembles raw object code to text in bpftool's layout. */
export function disassemble(code: Uint8Array, opts: DisasmOptions = {}): string {
  return renderListing(listObjectCode(code, opts), opts);
}

/** Sections of `elf` that hold code (SHF_EXECINSTR and non-empty), in file order. */
export function codeSections(elf: ElfFile): ElfSection[] {
  return elf.sections.filter((s) => (s.flags & BigInt(SHF.EXECINSTR)) !== 0n && s.size > 0);
}

/**
 * Disassembles code section `name` of a BPF object: relocation targets from its REL section,
 * signatures and source lines from .BTF.ext (or ELF function symbols as labels when there is none).
 * Throws NotFoundError or BadValueError for a missing or non-code section.
 */
export function disassembleSection(elf: ElfFile, name: string, opts: SectionDisasmOptions = {}): string {
  return renderListing(listSection(elf, name, opts), opts);
}

/** Like disassembleSection, but returns the listing lines. */
export function listSection(elf: ElfFile, name: string, opts: SectionDisasmOptions = {}): ListingLine[] {
  const sec = elf.section(name);
  if (!sec || !codeSections(elf).includes(sec))
    throw new NotFoundError(`no code section '${name}' in object`, { what: 'section', key: name });
  const code = elf.sectionData(sec);
  const info: ListingInfo = { labels: functionLabels(elf, sec) };
  if (opts.btf ?? true) Object.assign(info, sectionBtfInfo(elf, name));
  return listObjectCode(code, {
    helpers: opts.helpers,
    legacy: opts.legacy,
    relocations: relocationTargets(elf, sec),
    info,
  });
}

/** Function symbols of a section as listing labels, keyed by slot. */
function functionLabels(elf: ElfFile, sec: ElfSection): Map<number, string> {
  const out = new Map<number, string>();
  for (const s of elf.symbols()) {
    if (s.shndx === sec.index && s.type === STT.FUNC) out.set(Number(s.value) / 8, s.name);
  }
  return out;
}

/** func_info/line_info of section `name` from the object's .BTF.ext, with its .BTF. */
function sectionBtfInfo(elf: ElfFile, name: string): ListingInfo {
  const btfSec = elf.section('.BTF');
  const extSec = elf.section('.BTF.ext');
  if (!btfSec || !extSec) return {};
  let btf: Btf;
  try {
    btf = new Btf(elf.sectionData(btfSec));
    const ext = parseBtfExt(elf.sectionData(extSec));
    const pick = <T>(secs: { sectionNameOff: number; records: T[] }[]): T[] =>
      secs.find((s) => btfString(btf, s.sectionNameOff) === name)?.records ?? [];
    return { btf, funcInfo: pick(ext.funcInfo), lineInfo: pick(ext.lineInfo) };
  } catch (e) {
    // Debug info is decoration: a malformed .BTF/.BTF.ext must not prevent the disassembly.
    if (e instanceof BpfkitError) return {};
    throw e;
  }
}

const MAP_SECTIONS = new Set(['.maps', 'maps']);

/**
 * What each relocated instruction of code section `sec` refers to, keyed by slot: `map[name]`,
 * `&var`, `&.rodata+16`, `subprog[name]` for ld_imm64; the callee's name for calls.
 */
export function relocationTargets(elf: ElfFile, sec: ElfSection): Map<number, string> {
  const out = new Map<number, string>();
  const syms = elf.symbols();
  const code = elf.sectionData(sec);
  const view = new DataView(code.buffer, code.byteOffset, code.byteLength);
  for (const rs of elf.sections) {
    if ((rs.type !== SHT.REL && rs.type !== SHT.RELA) || rs.info !== sec.index) continue;
    for (const r of elf.relocations(rs)) {
      const off = Number(r.offset);
      if (off % 8 !== 0 || off + 8 > code.length) continue;
      const sym = syms[r.symbol];
      if (!sym) continue;
      const opcode = code[off];
      const imm = view.getInt32(off + 4, true) + Number(r.addend);
      let text: string | undefined;
      if (opcode === LD_IMM64) text = loadTarget(elf, sym, imm);
      else if (insnOp(opcode) === JMP_OP.CALL) text = callTarget(elf, sym, imm);
      if (text !== undefined) out.set(off / 8, text);
    }
  }
  return out;
}

function loadTarget(elf: ElfFile, sym: ElfSymbol, imm: number): string {
  const target = elf.sections[sym.shndx];
  if (sym.shndx === 0 || !target) return `&${sym.name}`;
  const code = (target.flags & BigInt(SHF.EXECINSTR)) !== 0n;
  if (sym.type === STT.SECTION) {
    if (code) return `subprog[${funcAt(elf, sym.shndx, imm) ?? `${target.name}+${imm}`}]`;
    return `&${target.name}${imm ? `+${imm}` : ''}`;
  }
  if (MAP_SECTIONS.has(target.name)) return `map[${sym.name}]`;
  if (code) return `subprog[${sym.name}]`;
  return `&${sym.name}${imm ? `+${imm}` : ''}`;
}

function callTarget(elf: ElfFile, sym: ElfSymbol, imm: number): string {
  // A call relocated against a section symbol encodes the callee's slot in that section as imm + 1.
  if (sym.type === STT.SECTION) {
    const at = (imm + 1) * 8;
    return funcAt(elf, sym.shndx, at) ?? `${elf.sections[sym.shndx]?.name ?? '?'}+${at}`;
  }
  return sym.name;
}

function funcAt(elf: ElfFile, shndx: number, byteOff: number): string | undefined {
  return elf.symbols().find((s) => s.shndx === shndx && s.type === STT.FUNC && Number(s.value) === byteOff)
    ?.name;
}
