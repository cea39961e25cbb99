/**
 * --help and --usage text in GNU argp's layout, the one libbpf-tools print: options sorted by
 * letter, descriptions at column 29, lines wrapped at 79, a `--usage` synopsis of bracketed options.
 * No kernel needed.
 */
import type { ToolOption } from './types.js';

/** argp's layout constants. */
const DOC_COLUMN = 29;
const RIGHT_MARGIN = 79;
const USAGE_INDENT = 12;

/** An option as help shows it. */
interface Entry {
  short?: string;
  long?: string;
  arg?: string;
  help: string;
}

/** Everything --help prints. */
export interface HelpText {
  prog: string;
  summary: string;
  usage: string;
  /** The peer's options, then bpfkit's own (under a group header), then the standard ones. */
  options: ToolOption[];
  extras: ToolOption[];
  standard: ToolOption[];
  /** Trailing sections: [title, lines]. */
  sections: [string, string[]][];
}

/** Splits commander flags (`-p, --pid <PID>`) into argp's parts. */
export function entryOf(o: ToolOption): Entry {
  const short = /(?:^|[ ,])-([^-\s,])/.exec(o.flags)?.[1];
  const long = /--([\w-]+)/.exec(o.flags)?.[1];
  // Greedy, and to the end: a placeholder can hold brackets of its own (`</sys/fs/cgroup/unified/<CG>>`).
  const arg = /[<[](.+)[>\]]$/.exec(o.flags)?.[1];
  return { short, long, arg, help: o.help };
}

/** argp's order: by letter (short option, else long name), case-insensitive, lower case first. */
function compare(a: Entry, b: Entry): number {
  const ka = a.short ?? a.long ?? '';
  const kb = b.short ?? b.long ?? '';
  const la = ka.toLowerCase();
  const lb = kb.toLowerCase();
  if (la[0] !== lb[0]) return la[0] < lb[0] ? -1 : 1;
  const ua = ka[0] !== la[0] ? 1 : 0;
  const ub = kb[0] !== lb[0] ? 1 : 0;
  if (ua !== ub) return ua - ub;
  return (a.long ?? '').localeCompare(b.long ?? '');
}

/** Words of `text` filled into lines starting at column `indent` (the first line's start is the caller's). */
function fill(text: string, first: string, indent: number): string[] {
  const lines: string[] = [];
  let line = first;
  for (const word of text.split(/\s+/).filter(Boolean)) {
    const sep = line.trim() === '' || line.endsWith(' ') ? '' : ' ';
    if (line.length + sep.length + word.length > RIGHT_MARGIN && line.trim() !== '') {
      lines.push(line.trimEnd());
      line = ' '.repeat(indent) + word;
    } else line += sep + word;
  }
  lines.push(line.trimEnd());
  return lines;
}

function optionLines(e: Entry): string[] {
  let left = e.short ? `  -${e.short}` : '    ';
  if (e.long) left += `${e.short ? ', ' : '  '}--${e.long}${e.arg ? `=${e.arg}` : ''}`;
  else if (e.arg) left += ` ${e.arg}`;
  if (left.length >= DOC_COLUMN - 1) return [left, ...fill(e.help, ' '.repeat(DOC_COLUMN), DOC_COLUMN)];
  return fill(e.help, left.padEnd(DOC_COLUMN), DOC_COLUMN);
}

function group(options: ToolOption[]): string[] {
  return options
    .filter((o) => !o.hidden)
    .map(entryOf)
    .sort(compare)
    .flatMap(optionLines);
}

/** The whole --help text. */
export function renderHelp(h: HelpText): string {
  const out = [`Usage: ${h.prog} [OPTION...]`, h.summary, '', h.usage.trimEnd(), '', ...group(h.options)];
  if (h.extras.length) out.push('', ' bpfkit additions:', ...group(h.extras));
  out.push('', ...group(h.standard), '');
  out.push(
    'Mandatory or optional arguments to long options are also mandatory or optional',
    'for any corresponding short options.',
  );
  for (const [title, lines] of h.sections) {
    if (!lines.length) continue;
    out.push('', title);
    for (const l of lines) out.push(...fill(l, '  ', 4));
  }
  return out.join('\n') + '\n';
}

/** The --usage synopsis: `Usage: prog [-eTUvx?V] [-d DURATION] … [--duration=DURATION] …`. */
export function renderUsage(prog: string, groups: ToolOption[][]): string {
  const sorted = groups.flatMap((g) =>
    g
      .filter((o) => !o.hidden)
      .map(entryOf)
      .sort(compare),
  );
  const flags = sorted.filter((e) => e.short && !e.arg).map((e) => e.short);
  const parts: string[] = [];
  if (flags.length) parts.push(`[-${flags.join('')}]`);
  for (const e of sorted) if (e.short && e.arg) parts.push(`[-${e.short} ${e.arg}]`);
  for (const e of sorted) if (e.long) parts.push(`[--${e.long}${e.arg ? `=${e.arg}` : ''}]`);
  const lines: string[] = [];
  let line = `Usage: ${prog}`;
  for (const p of parts) {
    if (line.length + 1 + p.length > RIGHT_MARGIN) {
      lines.push(line);
      line = ' '.repeat(USAGE_INDENT) + p;
    } else line += ` ${p}`;
  }
  lines.push(line);
  return lines.join('\n') + '\n';
}
