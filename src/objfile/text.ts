/**
 * The plain-text form of an inspect report: headed blocks in the spirit of readelf and bpftool
 * (aligned tables for sections, maps and globals; one indented block per program), meant to be read
 * top to bottom in one sitting. Kernel-independent.
 */
import { toJson } from '../btf/decode.js';
import type {
  BtfReport,
  FunctionReport,
  GlobalReport,
  InspectReport,
  ProgramReport,
  SubprogramReport,
} from './types.js';

/** Renders the report as text, newline-terminated. */
export function formatReport(r: InspectReport): string {
  const out: string[] = [];
  out.push(headline(r));
  if (r.package?.description) out.push(`Description: ${r.package.description}`);
  out.push(`License: ${r.license || '(none)'}`);

  out.push('', `Sections (${r.sections.length}):`);
  out.push(
    ...table(
      ['[Nr]', 'Name', 'Type', 'Size', 'Flags', 'Holds'],
      r.sections.map((s) => [
        `[${String(s.index).padStart(2)}]`,
        s.name,
        s.type,
        String(s.size),
        s.flags,
        s.holds,
      ]),
      [false, false, false, true, false, false],
    ),
  );

  out.push('', `Programs (${r.programs.length}):`);
  for (const p of r.programs) out.push(...functionBlock(p, programFields(p)));
  if (r.subprograms.length) {
    out.push('', `Subprograms (${r.subprograms.length}):`);
    for (const f of r.subprograms) out.push(...functionBlock(f, subprogramFields(f)));
  }

  out.push('', `Maps (${r.maps.length}):`);
  const flags = r.maps.some((m) => m.flags !== 0);
  out.push(
    ...table(
      ['Name', 'Type', 'Key', 'Value', 'Max entries', ...(flags ? ['Flags'] : []), 'Section'],
      r.maps.map((m) => [
        m.name,
        m.type,
        sized(m.keyType, m.keySize),
        sized(m.valueType, m.valueSize),
        String(m.maxEntries),
        ...(flags ? [m.flags ? `0x${m.flags.toString(16)}` : ''] : []),
        m.section,
      ]),
      [false, false, false, false, true, ...(flags ? [false] : []), false],
    ),
  );

  out.push('', `Globals (${r.globals.length}):`);
  out.push(
    ...table(
      ['Name', 'Section', 'Offset', 'Size', 'Type', 'Initial value'],
      r.globals.map((g) => [g.name, g.section, String(g.offset), String(g.size), g.type, valueText(g)]),
      [false, false, true, true, false, false],
    ),
  );

  out.push('', 'BTF:');
  out.push(...(r.btf ? btfLines(r.btf) : ['  none (no .BTF section: no types for maps and globals)']));
  return out.join('\n') + '\n';
}

function headline(r: InspectReport): string {
  const obj = `BPF object (ELF64 relocatable, ${r.size} bytes)`;
  if (!r.package) return `${r.source}: ${obj}`;
  const v = r.package.version ? ` ${r.package.version}` : '';
  return `${r.source}: ${r.kind} "${r.package.name}"${v} holding a ${obj}`;
}

const list = (xs: string[]): string => xs.join(', ');

function programFields(p: ProgramReport): [string, string][] {
  const attach = p.attach === 'other' ? 'unknown (section name not recognised)' : `${p.attach} ${p.target}`;
  return [['section', p.section], ['type', p.type], ['attaches to', attach.trim()], ...commonFields(p)];
}

function subprogramFields(f: SubprogramReport): [string, string][] {
  return [['section', f.section], ['linkage', f.linkage], ...commonFields(f)];
}

function commonFields(f: FunctionReport): [string, string][] {
  const rows: [string, string][] = [['instructions', String(f.insns)]];
  if (f.calls.length) rows.push(['calls', list(f.calls)]);
  if (f.helpers.length) rows.push(['helpers', list(f.helpers.map((h) => h.name || `helper#${h.id}`))]);
  if (f.kfuncs.length) rows.push(['kfuncs', list(f.kfuncs)]);
  if (f.maps.length) rows.push(['maps', list(f.maps)]);
  if (f.globals.length) rows.push(['globals', list(f.globals)]);
  if (f.externs.length) rows.push(['externs', list(f.externs)]);
  const n = f.coreRelocations.length;
  rows.push(['CO-RE', n ? `${n} relocation${n === 1 ? '' : 's'}` : 'none']);
  return rows;
}

function functionBlock(f: FunctionReport, fields: [string, string][]): string[] {
  const out = [`  ${f.name}`];
  const w = Math.max(...fields.map(([k]) => k.length));
  for (const [k, v] of fields) out.push(`    ${k.padEnd(w)}  ${v}`.trimEnd());
  if (f.coreRelocations.length) {
    out.push(
      ...table(
        ['Insn', 'Kind', 'Access'],
        f.coreRelocations.map((c) => [String(c.insn), c.kind, `${c.spec} (${c.access})`]),
        [true, false, false],
        '      ',
      ),
    );
  }
  if (f.disasm !== undefined) {
    out.push('    disassembly:');
    for (const l of f.disasm.replace(/\n$/, '').split('\n')) out.push(`      ${l}`);
  }
  return out;
}

/** The initial value as JSON, or a note for values too large to show. */
function valueText(g: GlobalReport): string {
  if (g.value !== null) return toJson(g.value);
  return g.zero ? `(${g.size} zero bytes)` : `(${g.size} bytes, not shown)`;
}

/** `type NB`, or `NB` without a type, or `-` for zero-size keys and values (ring buffers). */
function sized(type: string, size: number): string {
  if (!type && !size) return '-';
  return type ? `${type} ${size}B` : `${size}B`;
}

function btfLines(b: BtfReport): string[] {
  const kinds = Object.entries(b.kinds)
    .map(([k, n]) => `${k} ${n}`)
    .join(', ');
  const rows: [string, string][] = [
    ['.BTF', `${b.size} bytes: ${b.types} types, ${b.stringBytes} bytes of strings`],
    ['kinds', kinds || 'none'],
  ];
  if (b.ext) {
    const e = b.ext;
    rows.push([
      '.BTF.ext',
      `${e.size} bytes: ${e.funcInfo} func_info, ${e.lineInfo} line_info, ${e.coreRelocations} CO-RE relocations`,
    ]);
    if (e.sources.length) rows.push(['sources', list(e.sources)]);
  } else rows.push(['.BTF.ext', 'none (no function, line or CO-RE info)']);
  const w = Math.max(...rows.map(([k]) => k.length));
  return rows.map(([k, v]) => `  ${k.padEnd(w)}  ${v}`);
}

/** Aligned rows under a header; `right` marks right-aligned columns. The last column is never padded. */
function table(header: string[], rows: string[][], right: boolean[], indent = '  '): string[] {
  if (!rows.length) return [`${indent}none`];
  const all = [header, ...rows];
  const widths = header.map((_, i) => Math.max(...all.map((r) => r[i].length)));
  return all.map((r) =>
    (
      indent +
      r
        .map((c, i) => (i === r.length - 1 ? c : right[i] ? c.padStart(widths[i]) : c.padEnd(widths[i])))
        .join('  ')
    ).trimEnd(),
  );
}
