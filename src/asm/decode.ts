/**
 * Decodes raw eBPF instruction bytes (little-endian, 8 bytes a slot) into `Insn` objects, joining the
 * two slots of `ld_imm64` into one instruction. Kernel-independent: works on object code from an ELF
 * section as well as on the xlated code the kernel reports for a loaded program.
 */
import { FormatError } from '../errors/index.js';
import { INSN_SIZE, LD_IMM64 } from './opcodes.js';

/** One decoded instruction. */
export interface Insn {
  /** Index of its first slot (the number bpftool prints before the colon). */
  index: number;
  /** Opcode byte. */
  code: number;
  /** Destination register (low nibble of byte 1). */
  dst: number;
  /** Source register (high nibble of byte 1); for ld_imm64 and call it selects a pseudo meaning. */
  src: number;
  /** Signed 16-bit offset. */
  off: number;
  /** Signed 32-bit immediate. */
  imm: number;
  /** ld_imm64 only: the signed immediate of the second slot. */
  imm2?: number;
  /** ld_imm64 only: the 64-bit immediate, `imm` as its low half and `imm2` as its high half. */
  imm64?: bigint;
  /** Slots taken: 2 for ld_imm64, else 1 (also 1 for an ld_imm64 truncated at the end of the code). */
  slots: 1 | 2;
  /** The raw bytes of all its slots (aliases the input). */
  bytes: Uint8Array;
}

/** Decodes the instruction whose first slot is at slot `index` of `code`. */
export function decodeAt(code: Uint8Array, index: number): Insn {
  const nslots = Math.floor(code.length / INSN_SIZE);
  if (index < 0 || index >= nslots) throw new FormatError(`instruction ${index} is outside the code`);
  const v = new DataView(code.buffer, code.byteOffset, code.byteLength);
  const o = index * INSN_SIZE;
  const regs = code[o + 1];
  const insn: Insn = {
    index,
    code: code[o],
    dst: regs & 0x0f,
    src: regs >> 4,
    off: v.getInt16(o + 2, true),
    imm: v.getInt32(o + 4, true),
    slots: 1,
    bytes: code.subarray(o, o + INSN_SIZE),
  };
  if (insn.code === LD_IMM64) {
    const hasSecond = index + 1 < nslots;
    const hi = hasSecond ? v.getInt32(o + 12, true) : 0;
    insn.imm2 = hi;
    insn.imm64 = (BigInt(hi >>> 0) << 32n) | BigInt(insn.imm >>> 0);
    if (hasSecond) {
      insn.slots = 2;
      insn.bytes = code.subarray(o, o + 2 * INSN_SIZE);
    }
  }
  return insn;
}

/**
 * Decodes a whole instruction stream. Throws FormatError when its length is not a multiple of 8.
 * The result is indexed by instruction, not by slot: use `Insn.index` for slot numbers.
 */
export function decodeInsns(code: Uint8Array): Insn[] {
  if (code.length % INSN_SIZE !== 0) {
    throw new FormatError(`BPF code is ${code.length} bytes, not a multiple of ${INSN_SIZE}`);
  }
  const out: Insn[] = [];
  const nslots = code.length / INSN_SIZE;
  for (let i = 0; i < nslots;) {
    const insn = decodeAt(code, i);
    out.push(insn);
    i += insn.slots;
  }
  return out;
}

/** Encodes one instruction slot; for tests and for assembling small programs by hand. */
export function encodeInsn(code: number, dst: number, src: number, off: number, imm: number): Uint8Array {
  const b = new Uint8Array(INSN_SIZE);
  const v = new DataView(b.buffer);
  b[0] = code;
  b[1] = (dst & 0x0f) | ((src & 0x0f) << 4);
  v.setInt16(2, off, true);
  v.setInt32(4, imm | 0, true);
  return b;
}
