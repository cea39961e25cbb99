/**
 * bpfkit's eBPF disassembler (spec layer, no kernel calls): instruction decoding, the kernel/bpftool
 * instruction syntax, `bpftool prog dump xlated`-identical program dumps, and object-code disassembly.
 */
export { INSN_SIZE, CLASS, SIZE, MODE, ALU_OP, JMP_OP, SRC, ATOMIC_OP, PSEUDO, LD_IMM64 } from './opcodes.js';
export { decodeInsns, decodeAt, encodeInsn, type Insn } from './decode.js';
export {
  formatInsn,
  ldImm64Text,
  helperTable,
  type FormatOptions,
  type CallResolver,
  type CallSite,
  type CallKind,
} from './format.js';
export { helperNamesFromBtf, kernelHelperNames, type HelperNames } from './helpers.js';
export { funcSignature } from './funcsig.js';
export {
  parseKallsyms,
  kallsymsCallResolver,
  type Kallsyms,
  type KallsymsResolverInput,
} from './kallsyms.js';
export {
  listInsns,
  renderListing,
  hexBytes,
  btfString,
  type ListingInfo,
  type ListingLine,
  type RenderOptions,
} from './listing.js';
export {
  formatXlated,
  dumpXlated,
  parseFuncInfoArray,
  parseLineInfoArray,
  type XlatedProgram,
  type XlatedOptions,
  type XlatedLine,
} from './xlated.js';
export {
  disassemble,
  listObjectCode,
  disassembleSection,
  listSection,
  codeSections,
  relocationTargets,
  type DisasmOptions,
  type SectionDisasmOptions,
} from './object.js';
