/**
 * Text of one instruction in the syntax of the kernel's BPF disassembler, which both the verifier log
 * and `bpftool prog dump xlated` use: `(bf) r6 = r1`, `(85) call bpf_map_lookup_elem#1`,
 * `(db) lock *(u64 *)(r2 +0) += r1`. Kernel-independent: names of helpers come from a table (by
 * default the running kernel's BTF, see helpers.ts) and everything address-dependent (kernel
 * symbols of helper addresses, JITed subprogram symbols) from an optional resolver callback.
 */
import { Btf } from '../btf/btf.js';
import type { Insn } from './decode.js';
import { helperNamesFromBtf, kernelHelperNames, type HelperNames } from './helpers.js';
import {
  ADDR_PERCPU_OFF,
  ADDR_SPACE_CAST_OFF,
  ALU_OP,
  ATOMIC_OP,
  CLASS,
  JMP_OP,
  MAY_GOTO,
  MODE,
  PSEUDO,
  SIZE,
  SRC,
  insnClass,
  insnMode,
  insnOp,
  insnSize,
  insnSrc,
} from './opcodes.js';

/** What a call instruction calls. */
export type CallKind = 'helper' | 'kfunc' | 'subprog';

/** A call instruction handed to a CallResolver. */
export interface CallSite {
  kind: CallKind;
  insn: Insn;
  /** subprog only: the slot index of the callee's first instruction. */
  target?: number;
}

/**
 * Names a call target the plain instruction cannot name. For `helper` and `kfunc` calls the result
 * replaces the name before `#imm` (e.g. a kallsyms name such as `htab_map_update_elem`, or `0x…`);
 * for `subprog` calls it is appended after `pc+N#` (e.g. `bpf_prog_<tag>_<name>`). Return undefined
 * to keep the default: `unknown#N` (helper), `kernel-function#N` (kfunc), `pc+N` (subprog).
 */
export type CallResolver = (site: CallSite) => string | undefined;

/** Options of formatInsn. */
export interface FormatOptions {
  /**
   * Whose encoding of bpf-to-bpf calls to expect. `object` (default): ELF object code or code before
   * loading, where `imm` holds the pc-relative offset. `xlated`: code the kernel reports for a
   * loaded program, where `off` holds the pc-relative offset and `imm` the subprogram index.
   */
  code?: 'object' | 'xlated';
  /** Helper names by id, or a Btf whose `enum bpf_func_id` gives them. Default: the running kernel's. */
  helpers?: HelperNames | Btf;
  /** Names call targets by address or index; see CallResolver. */
  resolveCall?: CallResolver;
  /** Replaces the immediate text of an ld_imm64 (e.g. a relocation target in object code). */
  immText?: (insn: Insn) => string | undefined;
  /** Replaces everything after `call ` (e.g. a relocated call target in object code). */
  callText?: (insn: Insn) => string | undefined;
  /**
   * Print like disassemblers that predate ISA v4 (kernel < 6.6, bpftool <= 7.2): no `s/=`, `(s8)`,
   * `bswap`, sign-extending loads, `gotol`, `may_goto` or per-CPU/address-space moves; those print in
   * the older (lossy) form, exactly as such a bpftool would.
   */
  legacy?: boolean;
}

const ALU_STR: (string | undefined)[] = [];
ALU_STR[ALU_OP.ADD >> 4] = '+=';
ALU_STR[ALU_OP.SUB >> 4] = '-=';
ALU_STR[ALU_OP.MUL >> 4] = '*=';
ALU_STR[ALU_OP.DIV >> 4] = '/=';
ALU_STR[ALU_OP.OR >> 4] = '|=';
ALU_STR[ALU_OP.AND >> 4] = '&=';
ALU_STR[ALU_OP.LSH >> 4] = '<<=';
ALU_STR[ALU_OP.RSH >> 4] = '>>=';
ALU_STR[ALU_OP.NEG >> 4] = 'neg';
ALU_STR[ALU_OP.MOD >> 4] = '%=';
ALU_STR[ALU_OP.XOR >> 4] = '^=';
ALU_STR[ALU_OP.MOV >> 4] = '=';
ALU_STR[ALU_OP.ARSH >> 4] = 's>>=';
ALU_STR[ALU_OP.END >> 4] = 'endian';

const ATOMIC_STR: Record<number, string> = { 0x00: 'add', 0x50: 'and', 0x40: 'or', 0xa0: 'xor' };
const LDST_STR = ['u32', 'u16', 'u8', 'u64'];
const LDSX_STR: (string | undefined)[] = ['s32', 's16', 's8'];
const MOVSX_STR: Record<number, string> = { 8: '(s8)', 16: '(s16)', 32: '(s32)' };

const JMP_STR: (string | undefined)[] = [];
JMP_STR[JMP_OP.JA >> 4] = 'jmp';
JMP_STR[JMP_OP.JEQ >> 4] = '==';
JMP_STR[JMP_OP.JGT >> 4] = '>';
JMP_STR[JMP_OP.JLT >> 4] = '<';
JMP_STR[JMP_OP.JGE >> 4] = '>=';
JMP_STR[JMP_OP.JLE >> 4] = '<=';
JMP_STR[JMP_OP.JSET >> 4] = '&';
JMP_STR[JMP_OP.JNE >> 4] = '!=';
JMP_STR[JMP_OP.JSGT >> 4] = 's>';
JMP_STR[JMP_OP.JSLT >> 4] = 's<';
JMP_STR[JMP_OP.JSGE >> 4] = 's>=';
JMP_STR[JMP_OP.JSLE >> 4] = 's<=';
JMP_STR[JMP_OP.CALL >> 4] = 'call';
JMP_STR[JMP_OP.EXIT >> 4] = 'exit';

/** What C's printf prints for a NULL `%s`, which the kernel's tables yield for undefined encodings. */
const NUL = '(null)';

const hex2 = (n: number): string => n.toString(16).padStart(2, '0');
/** printf `%+d`. */
const signed = (n: number): string => (n < 0 ? `${n}` : `+${n}`);
const memSize = (code: number): string => LDST_STR[insnSize(code) >> 3];

const btfHelperCache = new WeakMap<Btf, HelperNames>();

/** The helper name table an options object stands for. */
export function helperTable(helpers: HelperNames | Btf | undefined): HelperNames {
  if (helpers === undefined) return kernelHelperNames();
  if (!(helpers instanceof Btf)) return helpers;
  let t = btfHelperCache.get(helpers);
  if (!t) btfHelperCache.set(helpers, (t = helperNamesFromBtf(helpers)));
  return t;
}

/**
 * The disassembly of `insn` without its index, e.g. `(07) r1 += -8`, exactly as the kernel's
 * disassembler (and so bpftool and the verifier log) prints it. Never throws: an undefined encoding
 * prints as the kernel would (`BUG_ld_xx`, `(null)` operators).
 */
export function formatInsn(insn: Insn, opts: FormatOptions = {}): string {
  const c = insnClass(insn.code);
  const code = `(${hex2(insn.code)})`;
  switch (c) {
    case CLASS.ALU:
    case CLASS.ALU64: {
      const text = formatAlu(insn, c === CLASS.ALU64, opts.legacy ?? false);
      return text.startsWith('BUG_') ? text : `${code} ${text}`;
    }
    case CLASS.STX:
      return formatStx(insn, code, opts.legacy ?? false);
    case CLASS.ST:
      if (insnMode(insn.code) === MODE.MEM) {
        return `${code} *(${memSize(insn.code)} *)(r${insn.dst} ${signed(insn.off)}) = ${insn.imm}`;
      }
      if (insnMode(insn.code) === MODE.NOSPEC) return `${code} nospec`;
      return `BUG_st_${hex2(insn.code)}`;
    case CLASS.LDX: {
      const mode = insnMode(insn.code);
      const sx = mode === MODE.MEMSX && !opts.legacy;
      if (mode !== MODE.MEM && !sx) return `BUG_ldx_${hex2(insn.code)}`;
      const size = sx ? (LDSX_STR[insnSize(insn.code) >> 3] ?? NUL) : memSize(insn.code);
      return `${code} r${insn.dst} = *(${size} *)(r${insn.src} ${signed(insn.off)})`;
    }
    case CLASS.LD:
      return formatLd(insn, code, opts);
    default:
      return `${code} ${formatJmp(insn, c === CLASS.JMP32, opts)}`;
  }
}

function formatAlu(insn: Insn, is64: boolean, legacy: boolean): string {
  const r = is64 ? 'r' : 'w';
  const op = insnOp(insn.code);
  const { dst, src, off } = insn;
  if (op === ALU_OP.END) {
    if (is64) return legacy ? `BUG_alu64_${hex2(insn.code)}` : `r${dst} = bswap${insn.imm} r${dst}`;
    return `r${dst} = ${insnSrc(insn.code) === SRC.X ? 'be' : 'le'}${insn.imm} r${dst}`;
  }
  if (op === ALU_OP.NEG) return `${r}${dst} = -${r}${dst}`;
  const signedDivMod = !legacy && (op === ALU_OP.DIV || op === ALU_OP.MOD) && off === 1;
  const opStr = signedDivMod ? (op === ALU_OP.DIV ? 's/=' : 's%=') : (ALU_STR[op >> 4] ?? NUL);
  if (!legacy && is64 && op === ALU_OP.MOV && insnSrc(insn.code) === SRC.X) {
    if (off === ADDR_SPACE_CAST_OFF) {
      return `r${dst} = addr_space_cast(r${src}, ${insn.imm >>> 16}, ${insn.imm & 0xffff})`;
    }
    if (off === ADDR_PERCPU_OFF) return `r${dst} = &(void __percpu *)(r${src})`;
  }
  if (insnSrc(insn.code) === SRC.X) {
    const movsx = !legacy && op === ALU_OP.MOV ? (MOVSX_STR[off] ?? '') : '';
    return `${r}${dst} ${opStr} ${movsx}${r}${src}`;
  }
  return `${r}${dst} ${opStr} ${insn.imm}`;
}

function formatStx(insn: Insn, code: string, legacy: boolean): string {
  const mode = insnMode(insn.code);
  const size = memSize(insn.code);
  const mem = `(r${insn.dst} ${signed(insn.off)})`;
  if (mode === MODE.MEM) return `${code} *(${size} *)${mem} = r${insn.src}`;
  if (mode !== MODE.ATOMIC) return `BUG_${hex2(insn.code)}`;
  const w = insnSize(insn.code) === SIZE.DW ? '64' : '';
  const imm = insn.imm;
  const aluOp = imm & ~ATOMIC_OP.FETCH;
  if (ATOMIC_STR[imm] !== undefined) {
    return `${code} lock *(${size} *)${mem} ${ALU_STR[imm >> 4]} r${insn.src}`;
  }
  if (imm & ATOMIC_OP.FETCH && ATOMIC_STR[aluOp] !== undefined) {
    return `${code} r${insn.src} = atomic${w}_fetch_${ATOMIC_STR[aluOp]}((${size} *)${mem}, r${insn.src})`;
  }
  if (imm === ATOMIC_OP.CMPXCHG) {
    return `${code} r0 = atomic${w}_cmpxchg((${size} *)${mem}, r0, r${insn.src})`;
  }
  if (imm === ATOMIC_OP.XCHG)
    return `${code} r${insn.src} = atomic${w}_xchg((${size} *)${mem}, r${insn.src})`;
  if (legacy) return `BUG_${hex2(insn.code)}`;
  if (imm === ATOMIC_OP.LOAD_ACQ) {
    return `${code} r${insn.dst} = load_acquire((${size} *)(r${insn.src} ${signed(insn.off)}))`;
  }
  if (imm === ATOMIC_OP.STORE_REL) return `${code} store_release((${size} *)${mem}, r${insn.src})`;
  return `BUG_${hex2(insn.code)}`;
}

function formatLd(insn: Insn, code: string, opts: FormatOptions): string {
  const mode = insnMode(insn.code);
  if (mode === MODE.ABS) return `${code} r0 = *(${memSize(insn.code)} *)skb[${insn.imm}]`;
  if (mode === MODE.IND) return `${code} r0 = *(${memSize(insn.code)} *)skb[r${insn.src} + ${insn.imm}]`;
  if (mode !== MODE.IMM || insnSize(insn.code) !== SIZE.DW) return `BUG_ld_${hex2(insn.code)}`;
  return `${code} r${insn.dst} = ${opts.immText?.(insn) ?? ldImm64Text(insn)}`;
}

/** The immediate of an ld_imm64 as bpftool prints it: map references, subprogram address or hex. */
export function ldImm64Text(insn: Insn): string {
  switch (insn.src) {
    case PSEUDO.MAP_FD:
      return `map[id:${insn.imm >>> 0}]`;
    case PSEUDO.MAP_VALUE:
      return `map[id:${insn.imm >>> 0}][0]+${(insn.imm2 ?? 0) >>> 0}`;
    case PSEUDO.FUNC:
      return `subprog[${signed(insn.imm)}]`;
    default:
      return `0x${(insn.imm64 ?? 0n).toString(16)}`;
  }
}

function formatJmp(insn: Insn, is32: boolean, opts: FormatOptions): string {
  const op = insnOp(insn.code);
  const legacy = opts.legacy ?? false;
  if (op === JMP_OP.CALL) return formatCall(insn, opts);
  if (insn.code === (CLASS.JMP | JMP_OP.JA)) return `goto pc${signed(insn.off)}`;
  if (!legacy && insn.code === (CLASS.JMP | JMP_OP.JCOND) && insn.src === MAY_GOTO) {
    return `may_goto pc${signed(insn.off)}`;
  }
  if (!legacy && insn.code === (CLASS.JMP32 | JMP_OP.JA)) return `gotol pc${signed(insn.imm)}`;
  if (insn.code === (CLASS.JMP | JMP_OP.EXIT)) return 'exit';
  const r = is32 ? 'w' : 'r';
  const opStr = JMP_STR[op >> 4] ?? NUL;
  if (insnSrc(insn.code) === SRC.X) {
    return `if ${r}${insn.dst} ${opStr} ${r}${insn.src} goto pc${signed(insn.off)}`;
  }
  return `if ${r}${insn.dst} ${opStr} 0x${(insn.imm >>> 0).toString(16)} goto pc${signed(insn.off)}`;
}

function formatCall(insn: Insn, opts: FormatOptions): string {
  const text = opts.callText?.(insn);
  if (text !== undefined) return `call ${text}`;
  if (insn.src === PSEUDO.CALL) {
    const rel = opts.code === 'xlated' ? insn.off : insn.imm;
    const sym = opts.resolveCall?.({ kind: 'subprog', insn, target: insn.index + rel + 1 });
    return `call pc${signed(rel)}${sym === undefined ? '' : `#${sym}`}`;
  }
  let name: string | undefined;
  if (insn.src === 0 && insn.imm >= 0) name = helperTable(opts.helpers)[insn.imm];
  if (name === undefined) {
    const kind = insn.src === PSEUDO.KFUNC_CALL ? 'kfunc' : 'helper';
    name = opts.resolveCall?.({ kind, insn }) ?? (kind === 'kfunc' ? 'kernel-function' : 'unknown');
  }
  return `call ${name}#${insn.imm}`;
}
