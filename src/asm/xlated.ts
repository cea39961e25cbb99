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
import { decodeInsns, type Insn } from './decode.js';
import { formatInsn, type CallResolver } from './format.js';
import { funcSignature } from './funcsig.js';
import type { HelperNames } from './helpers.js';

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

/** Options of formatXlated / dumpXlated. */
export interface XlatedOptions {
  /** Add `[file:<path> line_num:<n> line_col:<n>]` to source lines (bpftool's `linum`). */
  linum?: boolean;
  /** Print each instruction's raw bytes on the next line (bpftool's `opcodes`). */
  opcodes?: boolean;
  /**
   * Names helper/kfunc call targets and JITed subprograms. Without it helpers whose immediate is not a
   * helper id print `unknown#N` and subprogram calls `pc+N`; kallsymsCallResolver() gives bpftool's
   * names. Needed for nearly every helper call: the verifier turns helper ids into address offsets.
   */
  resolveCall?: CallResolver;
  /** Helper names by id (default: the running kernel's BTF). */
  helpers?: HelperNames | Btf;
  /** Print as pre-ISA-v4 bpftool (<= 7.2) does; see FormatOptions.legacy. */
  legacy?: boolean;
}

/** One instruction of a dump with what bpftool prints above and below it. */
export interface XlatedLine {
  /** Slot index. */
  index: number;
  insn: Insn;
  /** Function signature starting here (without the trailing colon). */
  proto?: string;
  /** Source line starting here, left-trimmed, with its file, line and column. */
  source?: { text: string; file: string; line: number; column: number };
  /** Disassembly, e.g. `(bf) r6 = r1`. */
  disasm: string;
}

/** Reads the NUL-terminated string at `off` of a BTF string table, or undefined when out of range. */
export function btfString(btf: Btf, off: number): string | undefined {
  const s = btf.strings;
  if (off < 0 || off >= s.length) return undefined;
  let end = off;
  while (end < s.length && s[end] !== 0) end++;
  return Buffer.from(s.buffer, s.byteOffset + off, end - off).toString('utf8');
}

/** C's isspace() set, which bpftool trims from the left of source lines. */
const LEADING_SPACE = /^[ \t\n\v\f\r]+/;

/** The instructions of `prog` with the signatures and source lines bpftool shows for them. */
export function dumpXlated(prog: XlatedProgram, opts: XlatedOptions = {}): XlatedLine[] {
  const insns = decodeInsns(prog.insns);
  const { btf } = prog;
  const funcs = btf ? (prog.funcInfo ?? []) : [];
  const lines = btf ? (prog.lineInfo ?? []) : [];
  const fmt = { code: 'xlated' as const, ...opts };
  const out: XlatedLine[] = [];
  let nextFunc = 0;
  let linesShown = 0;
  for (const insn of insns) {
    const i = insn.index;
    const line: XlatedLine = { index: i, insn, disasm: formatInsn(insn, fmt) };
    // bpftool walks func_info in order and only moves on when a record's offset is reached.
    if (btf && nextFunc < funcs.length && funcs[nextFunc].insnOff === i) {
      const sig = funcSignature(btf, funcs[nextFunc].typeId);
      if (sig) line.proto = sig;
      nextFunc++;
    }
    // ...and takes the first line_info at this offset among those not yet shown.
    if (btf) {
      for (let k = linesShown; k < lines.length; k++) {
        if (lines[k].insnOff !== i) continue;
        const text = btfString(btf, lines[k].lineOff);
        if (text !== undefined) {
          line.source = {
            text: text.replace(LEADING_SPACE, ''),
            file: btfString(btf, lines[k].fileNameOff) ?? '',
            line: lines[k].line,
            column: lines[k].column,
          };
        }
        linesShown++;
        break;
      }
    }
    out.push(line);
  }
  return out;
}

/**
 * The text of `bpftool prog dump xlated id N [linum] [opcodes]` for `prog`, newline-terminated.
 * Exact except where names depend on the running kernel and no `resolveCall` is given.
 */
export function formatXlated(prog: XlatedProgram, opts: XlatedOptions = {}): string {
  const parts: string[] = [];
  for (const l of dumpXlated(prog, opts)) {
    if (l.proto !== undefined) parts.push(`${l.proto}:\n`);
    if (l.source) {
      const s = l.source;
      parts.push(
        opts.linum
          ? `; ${s.text} [file:${s.file} line_num:${s.line} line_col:${s.column}]\n`
          : `; ${s.text}\n`,
      );
    }
    parts.push(`${` ${l.index}`.padStart(4)}: ${l.disasm}\n`);
    if (opts.opcodes) parts.push(`       ${hexBytes(l.insn.bytes)}\n`);
  }
  return parts.join('');
}

/** Bytes as bpftool's `opcodes` shows them: two hex digits each, separated by single spaces. */
export function hexBytes(b: Uint8Array): string {
  return Array.from(b, (x) => x.toString(16).padStart(2, '0')).join(' ');
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
