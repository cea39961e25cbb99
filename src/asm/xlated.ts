/**
 * Whole-program dumps of a loaded program's xlated (verifier-rewritten) code in the exact text of
 * `bpftool prog dump xlated id N [linum] [opcodes]`: function signatures from BTF func_info, source
 * lines from line_info, one instruction per line, raw bytes under each with `opcodes`.
 * Kernel-independent: the kernel side fetches the inputs with BPF_OBJ_GET_INFO_BY_FD (xlated_prog_insns,
 * func_info, line_info, btf_id -> BTF, jited_ksyms) and passes them in as an XlatedProgram.
 */
import type { Btf } from '../btf/btf.js';
import type { FuncInfo, LineInfo } from '../btf/ext.js';
import { FormatError } from '../errors/index.js';
import type { CallResolver } from './format.js';
import type { HelperNames } from './helpers.js';
import { listInsns, renderListing, type ListingLine, type RenderOptions } from './listing.js';

/** A loaded program's code and debug info, as BPF_OBJ_GET_INFO_BY_FD reports them. */
export interface XlatedProgram {
  /** `xlated_prog_insns`: the program after the verifier's rewrites, 8 bytes a slot. */
  insns: Uint8Array;
  /** `func_info` records; insn_off in instructions (the kernel reports instructions, not bytes). */
  funcInfo?: readonly FuncInfo[];
  /** `line_info` records; insn_off in instructions, string offsets into `btf`'s string table. */
  lineInfo?: readonly LineInfo[];
  /** The program's BTF (from its `btf_id`): resolves func_info types and line_info strings. */
  btf?: Btf;
}

/** Options of formatXlated / dumpXlated: bpftool's `linum` and `opcodes`, and how to name calls. */
export interface XlatedOptions extends RenderOptions {
  /**
   * Names call targets, which in xlated code only the running kernel's symbols can name. Cases:
   * helper calls (the verifier replaces the helper id by `address - __bpf_call_base`, and the address
   * is often an implementation such as `htab_map_update_elem` or `bpf_perf_event_output_tp`); calls
   * the verifier itself emits for inlined helpers and may_goto (`bpf_skb_load_helper_8_no_cache`,
   * `arch_bpf_timed_may_goto`); kfunc calls; and the `#bpf_prog_<tag>_<name>` suffix of bpf-to-bpf
   * calls (from jited_ksyms). Without it these print `unknown#N`, `kernel-function#N` and `pc+N`;
   * kallsymsCallResolver() reproduces bpftool exactly.
   */
  resolveCall?: CallResolver;
  /** Helper names by id (default: the running kernel's BTF). */
  helpers?: HelperNames | Btf;
  /** Print as pre-ISA-v4 bpftool (<= 7.2) does; see FormatOptions.legacy. */
  legacy?: boolean;
}

/** One instruction of an xlated dump with what bpftool prints above it. */
export type XlatedLine = ListingLine;

/** The instructions of `prog` with the signatures and source lines bpftool shows for them. */
export function dumpXlated(prog: XlatedProgram, opts: XlatedOptions = {}): XlatedLine[] {
  const { resolveCall, helpers, legacy } = opts;
  return listInsns(prog.insns, prog, { code: 'xlated', resolveCall, helpers, legacy });
}

/**
 * The text of `bpftool prog dump xlated id N [linum] [opcodes]` for `prog`, newline-terminated.
 * Exact given a kallsymsCallResolver (and `legacy` for bpftool <= 7.2); without a resolver only the
 * names of helper, kfunc and subprogram call targets differ.
 */
export function formatXlated(prog: XlatedProgram, opts: XlatedOptions = {}): string {
  return renderListing(dumpXlated(prog, opts), opts);
}

/**
 * Decodes the kernel's `func_info` array (bpf_prog_info.func_info, `recSize` bytes a record, at least
 * 8: u32 insn_off in instructions, u32 type_id).
 */
export function parseFuncInfoArray(data: Uint8Array, recSize = 8): FuncInfo[] {
  if (recSize < 8) throw new FormatError(`func_info record size ${recSize} is below 8`);
  const v = new DataView(data.buffer, data.byteOffset, data.byteLength);
  const out: FuncInfo[] = [];
  for (let o = 0; o + recSize <= data.length; o += recSize) {
    out.push({ insnOff: v.getUint32(o, true), typeId: v.getUint32(o + 4, true) });
  }
  return out;
}

/**
 * Decodes the kernel's `line_info` array (bpf_prog_info.line_info, `recSize` bytes a record, at least
 * 16: u32 insn_off in instructions, u32 file_name_off, u32 line_off, u32 line_col = line << 10 | col).
 */
export function parseLineInfoArray(data: Uint8Array, recSize = 16): LineInfo[] {
  if (recSize < 16) throw new FormatError(`line_info record size ${recSize} is below 16`);
  const v = new DataView(data.buffer, data.byteOffset, data.byteLength);
  const out: LineInfo[] = [];
  for (let o = 0; o + recSize <= data.length; o += recSize) {
    const lc = v.getUint32(o + 12, true);
    out.push({
      insnOff: v.getUint32(o, true),
      fileNameOff: v.getUint32(o + 4, true),
      lineOff: v.getUint32(o + 8, true),
      line: lc >>> 10,
      column: lc & 0x3ff,
    });
  }
  return out;
}
