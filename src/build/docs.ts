/**
 * Doc comments of a BPF program, as clang parsed them (`///` and `/** *\/` comments attached to
 * declarations: the FullComment nodes of the AST dump), read with eunomia-bpf's rules:
 *
 * - plain paragraph text → the declaration's description;
 * - `@cmd value` (an inline or unknown command) → tags[cmd] = value parsed as JSON (`{…}`, `1`,
 *   `"text"`, `true`), or the raw text when it is not JSON; `@cmd` alone → true;
 * - block commands (`@brief`, `@details`, `@version`, …) → tags[cmd] = their text.
 *
 * A map is declared as `struct { … } name SEC(".maps")`; clang attaches a comment in front of it to
 * the anonymous struct, so such a comment is moved to the variable.
 */
import type { AstDump, AstNode, AstType, TopDecl } from './ast.js';
import type { JsonValue } from '../package/types.js';

/** One declaration's doc comment. */
export interface DocComment {
  /** Plain paragraph text, whitespace collapsed ('' when there is none). */
  text: string;
  /** `@command` values. */
  tags: Record<string, JsonValue>;
  /** Where the declaration is (for error messages). */
  file: string;
  line: number;
}

/** A struct or union defined at file scope. */
export interface RecordInfo {
  tag: 'struct' | 'union';
  name: string;
  file: string;
  line: number;
}

/** What the AST says about a program's declarations. */
export interface SourceDocs {
  /** Doc comments of file-scope variables (globals and maps), by name. */
  vars: Map<string, DocComment>;
  /** Doc comments of functions (programs), by name. */
  functions: Map<string, DocComment>;
  /** Named structs and unions with a definition, in source order. */
  records: RecordInfo[];
  /** Types of file-scope variables, by name (BPFKIT_EVENT markers are read from here). */
  varTypes: Map<string, AstType>;
  /** Files that contributed declarations (absolute paths). */
  files: Set<string>;
}

/** Collects doc comments and records from an AST dump; `skipDirs` are system include directories. */
export function collectDocs(dump: AstDump, skipDirs: string[] = ['/usr/include/', '/usr/local/include/']): SourceDocs {
  const docs: SourceDocs = {
    vars: new Map(),
    functions: new Map(),
    records: [],
    varTypes: new Map(),
    files: dump.files,
  };
  const decls = dump.decls;
  for (let i = 0; i < decls.length; i++) {
    const d = decls[i];
    const n = d.node;
    if (skipDirs.some((s) => d.file.startsWith(s))) continue;
    if (n.kind === 'RecordDecl' && n.name && n.completeDefinition) {
      docs.records.push({ tag: n.tagUsed === 'union' ? 'union' : 'struct', name: n.name, file: d.file, line: d.line });
    } else if (n.kind === 'VarDecl' && n.name) {
      if (n.type) docs.varTypes.set(n.name, n.type);
      const full = fullComment(n) ?? anonymousStructComment(decls[i - 1], d);
      if (full && !docs.vars.has(n.name)) docs.vars.set(n.name, parseComment(full, d));
    } else if (n.kind === 'FunctionDecl' && n.name) {
      const full = fullComment(n);
      if (full && !docs.functions.has(n.name)) docs.functions.set(n.name, parseComment(full, d));
    }
  }
  return docs;
}

/** The description of a declaration: `@description` when given, else its plain text. */
export function descriptionOf(doc: DocComment | undefined): string | undefined {
  if (!doc) return undefined;
  const d = doc.tags.description;
  if (typeof d === 'string' && d) return d;
  if (d !== undefined && d !== true && d !== null && typeof d !== 'object') return String(d);
  return doc.text || undefined;
}

function fullComment(n: AstNode): AstNode | undefined {
  return n.inner?.find((c) => c.kind === 'FullComment');
}

/** `/// doc` + `struct { … } name SEC(".maps")`: the comment belongs to the struct written in place. */
function anonymousStructComment(prev: TopDecl | undefined, cur: TopDecl): AstNode | undefined {
  if (!prev || prev.node.kind !== 'RecordDecl' || prev.node.name || prev.file !== cur.file) return undefined;
  const a = offsetOf(prev.node.range?.begin);
  const b = offsetOf(cur.node.range?.begin);
  return a !== undefined && a === b ? fullComment(prev.node) : undefined;
}

function offsetOf(loc: { offset?: number; expansionLoc?: { offset?: number } } | undefined): number | undefined {
  return loc?.expansionLoc?.offset ?? loc?.offset;
}

/** Reads one FullComment with the rules in the module comment. */
export function parseComment(full: AstNode, where: { file: string; line: number }): DocComment {
  const plain: string[] = [];
  const tags: Record<string, JsonValue> = {};
  for (const c of full.inner ?? []) {
    if (c.kind === 'ParagraphComment') paragraph(c, plain, tags);
    else if (c.kind === 'BlockCommandComment' && c.name) {
      // A block command owns the paragraph after it: its plain text is the command's value.
      const own: string[] = [];
      for (const p of c.inner ?? []) if (p.kind === 'ParagraphComment') paragraph(p, own, tags);
      tags[c.name] = collapse(own.join(' '));
    } else if (c.kind === 'VerbatimLineComment' && c.name) {
      tags[c.name] = value(c.text ?? '');
    }
  }
  return { text: collapse(plain.join(' ')), tags, file: where.file, line: where.line };
}

function paragraph(p: AstNode, plain: string[], tags: Record<string, JsonValue>): void {
  let cmd: string | undefined;
  let parts: string[] = [];
  const flush = (): void => {
    if (cmd === undefined) plain.push(...parts);
    else tags[cmd] = value(parts.join(' '));
    parts = [];
  };
  for (const c of p.inner ?? []) {
    if (c.kind === 'TextComment') parts.push(c.text ?? '');
    else if (c.kind === 'InlineCommandComment' && c.name) {
      flush();
      cmd = c.name;
    }
  }
  flush();
}

/** A tag's value: JSON when it parses, else the text; no text at all means `true`. */
function value(text: string): JsonValue {
  const t = text.trim();
  if (!t) return true;
  try {
    return JSON.parse(t) as JsonValue;
  } catch {
    return collapse(t);
  }
}

function collapse(s: string): string {
  return s.replace(/\s+/g, ' ').trim();
}
