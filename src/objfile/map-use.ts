/**
 * Which maps an object's programs delete entries from, read from the object code: maps used as
 * per-event scratch (start timestamps keyed by thread id, syscall arguments saved until the exit)
 * have their entries deleted by the program once used, while counters and histograms are only ever
 * added to. Kernel-independent.
 */
import { ALU_OP, CLASS, JMP_OP, LD_IMM64, SRC, insnClass, insnOp } from '../asm/opcodes.js';
import type { ObjectSpec } from '../spec/object.js';
import { codeSectionsOf, SectionCode } from './code.js';

/** Helper id of bpf_map_delete_elem. */
const MAP_DELETE_ELEM = 3;
const MAP_SECTIONS = new Set(['.maps', 'maps']);

/**
 * Names of the maps some program passes to bpf_map_delete_elem. Registers are followed in code
 * order (ld_imm64 of a map, register moves), which is how clang hands a map to a helper; a map
 * reaching the call another way is missed, never wrongly included.
 */
export function mapsDeletedFrom(spec: ObjectSpec): Set<string> {
  const out = new Set<string>();
  const syms = spec.elf.symbols();
  for (const section of codeSectionsOf(spec)) {
    const code = new SectionCode(spec, section);
    // The map each register holds at this point of a straight-line reading, if any.
    let regs: (string | undefined)[] = [];
    for (const insn of code.insns) {
      const cls = insnClass(insn.code);
      if (insn.code === LD_IMM64) {
        const r = code.relocs.get(insn.index);
        const sym = r ? syms[r.symbol] : undefined;
        const target = sym ? spec.elf.sections[sym.shndx] : undefined;
        regs[insn.dst] = sym && target && MAP_SECTIONS.has(target.name) ? sym.name : undefined;
      } else if (cls === CLASS.ALU64 && insnOp(insn.code) === ALU_OP.MOV && (insn.code & SRC.X) !== 0) {
        regs[insn.dst] = regs[insn.src];
      } else if (cls === CLASS.JMP && insnOp(insn.code) === JMP_OP.CALL) {
        if (insn.src === 0 && insn.imm === MAP_DELETE_ELEM && regs[1]) out.add(regs[1]);
        // r0-r5 do not survive a call.
        regs = [undefined, undefined, undefined, undefined, undefined, undefined, ...regs.slice(6)];
      } else if (cls === CLASS.JMP && insnOp(insn.code) === JMP_OP.EXIT) {
        regs = [];
      } else if (cls === CLASS.ALU || cls === CLASS.ALU64 || cls === CLASS.LDX || cls === CLASS.LD) {
        regs[insn.dst] = undefined;
      }
    }
  }
  return out;
}
