/**
 * eBPF instruction encoding: the opcode byte's class/size/mode/op/source fields and the special
 * register and immediate values the kernel gives meaning to. Kernel-independent; numbers follow the
 * kernel's uapi (include/uapi/linux/bpf.h, bpf_common.h) and the ISA document (ISA v1 to v4).
 */

/** Size of one instruction slot in bytes. `ld_imm64` occupies two slots. */
export const INSN_SIZE = 8;

/** Instruction classes (low 3 bits of the opcode). */
export const CLASS = {
  LD: 0x00,
  LDX: 0x01,
  ST: 0x02,
  STX: 0x03,
  ALU: 0x04,
  JMP: 0x05,
  JMP32: 0x06,
  ALU64: 0x07,
} as const;

/** Load/store access sizes (bits 3-4 of the opcode). */
export const SIZE = { W: 0x00, H: 0x08, B: 0x10, DW: 0x18 } as const;

/** Load/store modes (bits 5-7 of the opcode). */
export const MODE = {
  IMM: 0x00,
  ABS: 0x20,
  IND: 0x40,
  MEM: 0x60,
  /** Sign-extending load (ISA v4). */
  MEMSX: 0x80,
  ATOMIC: 0xc0,
  /** Kernel-internal speculation barrier, only ever in xlated code (BPF_ST class). */
  NOSPEC: 0xc0,
} as const;

/** ALU operations (bits 4-7 of the opcode). */
export const ALU_OP = {
  ADD: 0x00,
  SUB: 0x10,
  MUL: 0x20,
  DIV: 0x30,
  OR: 0x40,
  AND: 0x50,
  LSH: 0x60,
  RSH: 0x70,
  NEG: 0x80,
  MOD: 0x90,
  XOR: 0xa0,
  MOV: 0xb0,
  ARSH: 0xc0,
  END: 0xd0,
} as const;

/** Jump operations (bits 4-7 of the opcode). */
export const JMP_OP = {
  JA: 0x00,
  JEQ: 0x10,
  JGT: 0x20,
  JGE: 0x30,
  JSET: 0x40,
  JNE: 0x50,
  JSGT: 0x60,
  JSGE: 0x70,
  CALL: 0x80,
  EXIT: 0x90,
  JLT: 0xa0,
  JLE: 0xb0,
  JSLT: 0xc0,
  JSLE: 0xd0,
  /** Conditional pseudo-jump (may_goto), ISA v4 / kernel 6.9. */
  JCOND: 0xe0,
} as const;

/** Operand source bit: immediate (K) or register (X). For BPF_END it selects to-LE / to-BE. */
export const SRC = { K: 0x00, X: 0x08 } as const;

/** Atomic operations, held in the immediate of a BPF_STX | BPF_ATOMIC instruction. */
export const ATOMIC_OP = {
  ADD: 0x00,
  OR: 0x40,
  AND: 0x50,
  XOR: 0xa0,
  /** Flag: the old value is written back to src_reg. */
  FETCH: 0x01,
  XCHG: 0xe1,
  CMPXCHG: 0xf1,
  /** Load-acquire / store-release (kernel 6.15). */
  LOAD_ACQ: 0x100,
  STORE_REL: 0x110,
} as const;

/** Meanings of src_reg on `ld_imm64` and `call` instructions. */
export const PSEUDO = {
  /** ld_imm64: imm is a map fd (in xlated code: a map id). */
  MAP_FD: 1,
  /** ld_imm64: imm is a map fd (xlated: id), the second slot's imm an offset into its value. */
  MAP_VALUE: 2,
  /** ld_imm64: imm is a BTF id of a kernel variable. */
  BTF_ID: 3,
  /** ld_imm64: imm is the pc-relative offset of a subprogram (callback address). */
  FUNC: 4,
  /** ld_imm64: imm is an index into the fd array of the load attributes. */
  MAP_IDX: 5,
  MAP_IDX_VALUE: 6,
  /** call: bpf-to-bpf call. */
  CALL: 1,
  /** call: kernel function (kfunc); imm is a BTF id before loading. */
  KFUNC_CALL: 2,
} as const;

/** src_reg of a BPF_JMP | BPF_JCOND instruction meaning may_goto. */
export const MAY_GOTO = 0;
/** off of a BPF_ALU64 | BPF_MOV | BPF_X meaning addr_space_cast (kernel 6.9). */
export const ADDR_SPACE_CAST_OFF = 1;
/** off of a BPF_ALU64 | BPF_MOV | BPF_X meaning a per-CPU address conversion (xlated code only). */
export const ADDR_PERCPU_OFF = -1;

/** Opcode of the first slot of `ld_imm64` (BPF_LD | BPF_IMM | BPF_DW). */
export const LD_IMM64 = CLASS.LD | MODE.IMM | SIZE.DW;

/** The class bits of an opcode. */
export function insnClass(code: number): number {
  return code & 0x07;
}
/** The size bits of a load/store opcode. */
export function insnSize(code: number): number {
  return code & 0x18;
}
/** The mode bits of a load/store opcode. */
export function insnMode(code: number): number {
  return code & 0xe0;
}
/** The operation bits of an ALU or jump opcode. */
export function insnOp(code: number): number {
  return code & 0xf0;
}
/** The source bit of an ALU or jump opcode. */
export function insnSrc(code: number): number {
  return code & 0x08;
}
