/**
 * Program listings in bpftool's layout: a function signature line (from BTF func_info) where a
 * function starts, a `; source` line (from BTF line_info) where a source line starts, then
 * `   N: (op) text` per instruction and, optionally, its raw bytes. Shared by the xlated dump of loaded
 * programs and the disassembly of object code. Kernel-independent.
 */
import type { Btf } from '../btf/btf.js';
import type { FuncInfo, LineInfo } from '../btf/ext.js';
import { decodeInsns, type Insn } from './decode.js';
import { formatInsn, type FormatOptions } from './format.js';
import { funcSignature } from './funcsig.js';

/** Debug info that annotates a listing; all instruction offsets are in instructions (slots). */
export interface ListingInfo {
  /** Function starts with their BTF func type ids. */
  funcInfo?: readonly FuncInfo[];
  /** Source line starts, string offsets into `btf`'s string table. */
  lineInfo?: readonly LineInfo[];
  /** BTF that func_info type ids and line_info string offsets refer to; without it both are ignored. */
  btf?: Btf;
  /** Header lines for slots no func_info covers (e.g. ELF function symbols), keyed by slot. */
  labels?: ReadonlyMap<number, string>;
}

/** How to render a listing. */
export interface RenderOptions {
  /** Add `[file:<path> line_num:<n> line_col:<n>]` to source lines (bpftool's `linum`). */
  linum?: boolean;
  /** Print each instruction's raw bytes on the next line (bpftool's `opcodes`). */
  opcodes?: boolean;
}

/** One instruction of a listing with what is printed above it. */
export interface ListingLine {
  /** Slot index. */
  index: number;
  insn: Insn;
  /** Function signature (or label) starting here, without the trailing colon. */
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

/** Decodes `code` and pairs each instruction with its signature and source line, as bpftool does. */
export function listInsns(code: Uint8Array, info: ListingInfo, fmt: FormatOptions): ListingLine[] {
  const { btf } = info;
  const funcs = btf ? (info.funcInfo ?? []) : [];
  const lines = btf ? (info.lineInfo ?? []) : [];
  const out: ListingLine[] = [];
  let nextFunc = 0;
  let linesShown = 0;
  for (const insn of decodeInsns(code)) {
    const i = insn.index;
    const line: ListingLine = { index: i, insn, disasm: formatInsn(insn, fmt) };
    // bpftool walks func_info in order and only moves on once a record's offset is reached.
    if (btf && nextFunc < funcs.length && funcs[nextFunc].insnOff === i) {
      const sig = funcSignature(btf, funcs[nextFunc].typeId);
      if (sig) line.proto = sig;
      nextFunc++;
    } else if (info.labels?.has(i)) {
      line.proto = info.labels.get(i);
    }
    // ...and shows the first line_info at this offset among those not shown yet.
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

/** Renders listing lines as bpftool's plain text, newline-terminated. */
export function renderListing(lines: readonly ListingLine[], opts: RenderOptions = {}): string {
  const parts: string[] = [];
  for (const l of lines) {
    if (l.proto !== undefined) parts.push(`${l.proto}:\n`);
    if (l.source) {
      const s = l.source;
      parts.push(
        opts.linum
          ? `; ${s.text} [file:${s.file} line_num:${s.line} line_col:${s.column}]\n`
          : `; ${s.text}\n`,
      );
    }
    // printf("% 4d: "): a sign position (blank) then the number, at least 4 characters in all.
    parts.push(`${` ${l.index}`.padStart(4)}: ${l.disasm}\n`);
    if (opts.opcodes) parts.push(`       ${hexBytes(l.insn.bytes)}\n`);
  }
  return parts.join('');
}

/** Bytes as bpftool's `opcodes` shows them: two hex digits each, separated by single spaces. */
export function hexBytes(b: Uint8Array): string {
  return Array.from(b, (x) => x.toString(16).padStart(2, '0')).join(' ');
}
