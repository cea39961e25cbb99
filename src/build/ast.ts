/**
 * clang's own view of a BPF source: `clang -Xclang -ast-dump=json -fsyntax-only` with the compile's
 * flags, and the top-level declarations of that dump with the file and line each was written at.
 * Doc comments (docs.ts) and event types (exports.ts) are read from it, never from the source text.
 *
 * With the precompiled vmlinux.h (vmlinux.ts) the dump leaves out vmlinux's declarations, which keeps
 * it around a megabyte; without it (a program that does not use vmlinux.h, or a PCH clang refuses)
 * the full dump is read.
 */
import { resolve } from 'node:path';
import { runClang, type Clang } from './clang.js';

/** A node of clang's JSON AST (only the fields bpfkit reads are typed). */
export interface AstNode {
  id?: string;
  kind: string;
  name?: string;
  loc?: AstSourceLoc;
  range?: { begin?: AstSourceLoc; end?: AstSourceLoc };
  type?: AstType;
  /** sizeof/alignof operand type. */
  argType?: AstType;
  inner?: AstNode[];
  /** RecordDecl: "struct" | "union". */
  tagUsed?: string;
  completeDefinition?: boolean;
  /** DeclRefExpr: the declaration it names. */
  referencedDecl?: AstNode;
  castKind?: string;
  opcode?: string;
  storageClass?: string;
  /** TextComment text. */
  text?: string;
}

/** A source location as clang prints it; `file` and `line` are left out when unchanged. */
export interface AstSourceLoc {
  offset?: number;
  file?: string;
  line?: number;
  col?: number;
  spellingLoc?: AstSourceLoc;
  expansionLoc?: AstSourceLoc;
}

/** A type as clang prints it. */
export interface AstType {
  qualType: string;
  desugaredQualType?: string;
}

/** A top-level declaration and where it was written (absolute path, 1-based line). */
export interface TopDecl {
  node: AstNode;
  file: string;
  line: number;
}

/** Result of an AST dump. */
export interface AstDump {
  decls: TopDecl[];
  /** Every file that contributed a location to the dump (absolute paths). */
  files: Set<string>;
}

/**
 * Dumps the AST of `source` with `flags` (the compile's flags, include path included). `pch` is the
 * precompiled vmlinux.h; when clang rejects it the dump is retried without. Returns undefined when
 * the source does not parse (the compile reports why). Relative paths clang prints are resolved
 * against the current directory. Declarations from under `stubDirs` come back as stubs (see readAst).
 */
export async function dumpAst(
  clang: Clang,
  source: string,
  flags: string[],
  pch: string | undefined,
  opts: { signal?: AbortSignal; stubDirs?: string[] } = {},
): Promise<AstDump | undefined> {
  const { signal, stubDirs } = opts;
  const base = [...flags, '-Xclang', '-ast-dump=json', '-fsyntax-only', '-Wno-everything', source];
  if (pch) {
    const r = await runClang(clang, ['-include-pch', pch, ...base], { wantStdout: true, signal });
    if (r.code === 0) return readAst(r.stdout, undefined, stubDirs);
    // Retry without the PCH only when it is the PCH that clang refused (a stale or mismatched one,
    // or a source that conflicts with vmlinux.h); a plain syntax error would fail again, slowly.
    if (!/precompiled header|PCH file|\.pch\b|redefinition|conflicting types/i.test(r.stderr)) return undefined;
  }
  const r = await runClang(clang, base, { wantStdout: true, signal });
  return r.code === 0 ? readAst(r.stdout, undefined, stubDirs) : undefined;
}

/**
 * Parses a JSON AST dump (the output of -ast-dump=json) into located top-level declarations.
 *
 * Declarations from files under `stubDirs` (system headers: nothing of theirs but typedefs is read)
 * are returned as stubs holding only their kind and name, and are never JSON-parsed: they are most of
 * a dump, and parsing them was most of the time a build spends after clang. Typedefs are parsed
 * wherever they are. The split relies on clang's pretty-printing (each top-level declaration at
 * four spaces of indent); a dump that does not look like that is parsed whole.
 */
export function readAst(json: Buffer | string, cwd = process.cwd(), stubDirs: string[] = []): AstDump {
  const text = typeof json === 'string' ? json : json.toString('utf8');
  const st: Walk = { file: '', line: 0, files: new Set() };
  const decls: TopDecl[] = [];
  const chunks = stubDirs.length ? topLevelChunks(text) : undefined;
  if (chunks) {
    for (const chunk of chunks) readChunk(chunk, st, cwd, stubDirs, decls);
  } else {
    const root = JSON.parse(text) as AstNode;
    for (const node of root.inner ?? []) {
      // clang prints a location's file and line only when they differ from the last location it
      // printed, so every location of the dump has to be visited in print order.
      if (node.loc) walk(node.loc, st);
      const file = st.file ? resolve(cwd, st.file) : '';
      decls.push({ node, file, line: st.line });
      for (const [k, v] of Object.entries(node)) if (k !== 'loc') walk(v, st);
    }
  }
  const files = new Set<string>();
  for (const f of st.files) files.add(resolve(cwd, f));
  return { decls, files };
}

/** The text of each element of the translation unit's `inner`, or undefined when not laid out as expected. */
function topLevelChunks(text: string): string[] | undefined {
  const open = '\n  "inner": [\n';
  let at = text.indexOf(open);
  if (at < 0 || text.indexOf(open, at + 1) >= 0) return undefined;
  at += open.length;
  const chunks: string[] = [];
  for (;;) {
    if (!text.startsWith('    {\n', at)) return undefined;
    const end = text.indexOf('\n    }', at);
    if (end < 0) return undefined;
    chunks.push(text.slice(at, end + 6));
    at = end + 6;
    if (text.startsWith(',\n', at)) at += 2;
    else return text.startsWith('\n  ]\n', at) ? chunks : undefined;
  }
}

/** Locations in print order: a file, a line, or the start of an includedFrom (whose file is skipped). */
const LOCATION_KEYS = /"(file|line|includedFrom)": ("(?:[^"\\]|\\.)*"|\d+|\{)/g;

/** Reads one top-level declaration's text, as a stub when it comes from under `stubDirs`. */
function readChunk(chunk: string, st: Walk, cwd: string, stubDirs: string[], out: TopDecl[]): void {
  // The declaration's own place is where the walk stands once its "loc" object has been read: the
  // first key after it starts at the same indent.
  const locAt = chunk.indexOf('\n      "loc": ');
  const locEnd = locAt < 0 ? 0 : chunk.indexOf('\n      "', locAt + 1);
  let where: [string, number] | undefined = locAt < 0 ? [st.file, st.line] : undefined;
  let skipFile = false;
  for (const m of chunk.matchAll(LOCATION_KEYS)) {
    if (!where && locEnd >= 0 && m.index >= locEnd) where = [st.file, st.line];
    if (m[1] === 'includedFrom') skipFile = true;
    else if (m[1] === 'line') st.line = Number(m[2]);
    else if (skipFile) skipFile = false;
    else {
      st.file = m[2].includes('\\') ? (JSON.parse(m[2]) as string) : m[2].slice(1, -1);
      st.files.add(st.file);
    }
  }
  const [file, line] = where ?? [st.file, st.line];
  const abs = file ? resolve(cwd, file) : '';
  const kind = /^ {6}"kind": "(\w+)"/m.exec(chunk)?.[1] ?? '';
  if (kind !== 'TypedefDecl' && stubDirs.some((d) => abs.startsWith(d))) {
    const name = /^ {6}"name": ("(?:[^"\\]|\\.)*")/m.exec(chunk)?.[1];
    out.push({ node: { kind, ...(name ? { name: JSON.parse(name) as string } : {}) }, file: abs, line });
  } else {
    out.push({ node: JSON.parse(chunk) as AstNode, file: abs, line });
  }
}

interface Walk {
  file: string;
  line: number;
  files: Set<string>;
}

function walk(v: unknown, st: Walk): void {
  if (Array.isArray(v)) {
    for (const x of v) walk(x, st);
    return;
  }
  if (typeof v !== 'object' || v === null) return;
  for (const [k, x] of Object.entries(v as Record<string, unknown>)) {
    // includedFrom names the includer without changing clang's "last printed file".
    if (k === 'includedFrom') continue;
    if (k === 'file' && typeof x === 'string') {
      st.file = x;
      st.files.add(x);
    } else if (k === 'line' && typeof x === 'number') st.line = x;
    else if (typeof x === 'object') walk(x, st);
  }
}

/** Visits `node` and every node under it, depth first, with the chain of ancestors. */
export function visit(node: AstNode, fn: (n: AstNode, parents: AstNode[]) => void, parents: AstNode[] = []): void {
  fn(node, parents);
  if (!node.inner) return;
  parents.push(node);
  for (const c of node.inner) visit(c, fn, parents);
  parents.pop();
}

/** The record name a C type spelling points to or names: `struct event *` → {tag:'struct', name:'event'}. */
export function recordOf(type: AstType | undefined, pointer: boolean): { tag: string; name: string } | undefined {
  if (!type) return undefined;
  const t = (type.desugaredQualType ?? type.qualType).replace(/\b(const|volatile|restrict)\b/g, '').trim();
  const m = pointer ? /^(struct|union)\s+(\w+)\s*\*$/.exec(t) : /^(struct|union)\s+(\w+)$/.exec(t);
  return m ? { tag: m[1], name: m[2] } : undefined;
}

/** The typedef name of a pointer type spelled through a typedef (`event_t *` → `event_t`). */
export function typedefOf(type: AstType | undefined, pointer: boolean): string | undefined {
  if (!type) return undefined;
  const t = type.qualType.replace(/\b(const|volatile|restrict)\b/g, '').trim();
  const m = pointer ? /^(\w+)\s*\*$/.exec(t) : /^(\w+)$/.exec(t);
  return m ? m[1] : undefined;
}
