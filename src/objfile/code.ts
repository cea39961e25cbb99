/**
 * What each function of a BPF object's code does, read from its instructions and ELF relocations:
 * the functions it calls, the helpers and kfuncs it uses, the maps, globals and externs it refers to.
 * Kernel-independent (helper names come from a table the caller supplies).
 */
import { decodeInsns, type Insn } from '../asm/decode.js';
import type { HelperNames } from '../asm/helpers.js';
import { CLASS, JMP_OP, LD_IMM64, PSEUDO, insnClass, insnOp } from '../asm/opcodes.js';
import { SHF, SHT, STT, type ElfRelocation, type ElfSection, type ElfSymbol } from '../elf/reader.js';
import type { ObjectSpec } from '../spec/object.js';
import type { CodeUse } from './types.js';

/** A function symbol of a code section with its instruction range [start, end) in slots. */
export interface CodeFunction {
  name: string;
  section: ElfSection;
  start: number;
  end: number;
  bind: number;
}

/** Code sections of the object (executable, non-empty), in file order. */
export function codeSectionsOf(spec: ObjectSpec): ElfSection[] {
  return spec.elf.sections.filter((s) => (s.flags & BigInt(SHF.EXECINSTR)) !== 0n && s.size > 0);
}

/**
 * Every function symbol of the code sections with its instruction range. A symbol without a size
 * (hand-written assembly) runs to the next function or the end of its section.
 */
export function codeFunctions(spec: ObjectSpec): CodeFunction[] {
  const out: CodeFunction[] = [];
  const syms = spec.elf.symbols();
  for (const sec of codeSectionsOf(spec)) {
    const slots = Math.floor(sec.size / 8);
    const funcs = syms
      .filter((s) => s.type === STT.FUNC && s.shndx === sec.index && s.value % 8n === 0n)
      .sort((a, b) => (a.value < b.value ? -1 : a.value > b.value ? 1 : 0));
    funcs.forEach((s, i) => {
      const start = Number(s.value / 8n);
      if (start >= slots) return;
      const next = i + 1 < funcs.length ? Number(funcs[i + 1].value / 8n) : slots;
      const sized = s.size > 0n ? start + Number(s.size / 8n) : next;
      out.push({ name: s.name, section: sec, start, end: Math.min(sized, slots), bind: s.bind });
    });
  }
  return out;
}

/** Decoded instructions and relocations of one code section, shared by the functions in it. */
export class SectionCode {
  readonly insns: Insn[];
  /** Relocations by instruction slot. */
  readonly relocs = new Map<number, ElfRelocation>();

  constructor(
    private readonly spec: ObjectSpec,
    readonly section: ElfSection,
  ) {
    const { elf } = spec;
    const code = elf.sectionData(section);
    this.insns = decodeInsns(code.subarray(0, code.length - (code.length % 8)));
    for (const rs of elf.sections) {
      if ((rs.type !== SHT.REL && rs.type !== SHT.RELA) || rs.info !== section.index) continue;
      for (const r of elf.relocations(rs))
        if (r.offset % 8n === 0n) this.relocs.set(Number(r.offset / 8n), r);
    }
  }

  /** What the instructions in slots [start, end) use. */
  uses(start: number, end: number, helperNames: HelperNames): CodeUse {
    const use: CodeUse = { calls: [], helpers: [], kfuncs: [], maps: [], globals: [], externs: [] };
    const add = (list: string[], name: string): void => {
      if (name && !list.includes(name)) list.push(name);
    };
    const syms = this.spec.elf.symbols();
    for (const insn of this.insns) {
      if (insn.index < start || insn.index >= end) continue;
      const r = this.relocs.get(insn.index);
      const sym: ElfSymbol | undefined = r ? syms[r.symbol] : undefined;
      const isCall = insnClass(insn.code) === CLASS.JMP && insnOp(insn.code) === JMP_OP.CALL;
      if (isCall && sym && sym.shndx === 0) {
        // A call to an extern function: a kfunc, which libbpf resolves against the kernel's BTF.
        add(use.kfuncs, sym.name);
      } else if (isCall && insn.src === 0) {
        if (!use.helpers.some((h) => h.id === insn.imm))
          use.helpers.push({ id: insn.imm, name: (insn.imm >= 0 && helperNames[insn.imm]) || '' });
      } else if (isCall && insn.src === PSEUDO.KFUNC_CALL) {
        add(use.kfuncs, sym?.name || `kfunc#${insn.imm}`);
      } else if (isCall && insn.src === PSEUDO.CALL) {
        add(use.calls, this.callee(insn, sym));
      } else if (insn.code === LD_IMM64 && sym) {
        this.dataRef(insn, sym, r!, use, add);
      }
    }
    return use;
  }

  /** Name of a bpf-to-bpf call's target: through its relocation, else pc-relative in this section. */
  private callee(insn: Insn, sym: ElfSymbol | undefined): string {
    if (sym && sym.type !== STT.SECTION) return sym.name;
    // Against a section symbol the callee's slot in that section is imm + 1; without a relocation the
    // call is pc-relative within this section.
    const shndx = sym ? sym.shndx : this.section.index;
    const slot = sym ? insn.imm + 1 : insn.index + insn.imm + 1;
    return this.funcAt(shndx, slot) ?? `${this.spec.elf.sections[shndx]?.name ?? '?'}+${slot}`;
  }

  private dataRef(
    insn: Insn,
    sym: ElfSymbol,
    r: ElfRelocation,
    use: CodeUse,
    add: (list: string[], name: string) => void,
  ): void {
    const { elf } = this.spec;
    if (sym.shndx === 0) return add(use.externs, sym.name);
    const target = elf.sections[sym.shndx];
    if (!target) return;
    if (target.flags & BigInt(SHF.EXECINSTR)) {
      // A function's address (a callback handed to bpf_loop and friends).
      const slot = sym.type === STT.SECTION ? (insn.imm + Number(r.addend)) / 8 : Number(sym.value / 8n);
      return add(use.calls, this.funcAt(sym.shndx, slot) ?? sym.name);
    }
    if (target.name === '.maps' || target.name === 'maps') return add(use.maps, sym.name);
    if (!/^\.(rodata|data|bss)(\.|$)/.test(target.name) && target.name !== '.kconfig') return;
    add(use.maps, target.name);
    const off = (sym.type === STT.SECTION ? 0 : Number(sym.value)) + (insn.imm | 0) + Number(r.addend);
    const g = this.spec.globals.find(
      (x) => x.section === target.name && off >= x.offset && off < x.offset + Math.max(x.size, 1),
    );
    if (g) add(use.globals, g.name);
    else if (sym.type !== STT.SECTION) add(use.globals, sym.name);
  }

  private funcAt(shndx: number, slot: number): string | undefined {
    if (!Number.isInteger(slot)) return undefined;
    const want = BigInt(slot) * 8n;
    return this.spec.elf.symbols().find((s) => s.shndx === shndx && s.type === STT.FUNC && s.value === want)
      ?.name;
  }
}
