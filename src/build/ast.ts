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
 * against the current directory.
 */
export async function dumpAst(
  clang: Clang,
  source: string,
  flags: string[],
  pch: string | undefined,
  signal?: AbortSignal,
): Promise<AstDump | undefined> {
  const base = [...flags, '-Xclang', '-ast-dump=json', '-fsyntax-only', '-Wno-everything', source];
  if (pch) {
    const r = await runClang(clang, ['-include-pch', pch, ...base], { wantStdout: true, signal });
    if (r.code === 0) return readAst(r.stdout);
    // Retry without the PCH only when it is the PCH that clang refused (a stale or mismatched one,
    // or a source that conflicts with vmlinux.h); a plain syntax error would fail again, slowly.
    if (!/precompiled header|PCH file|\.pch\b|redefinition|conflicting types/i.test(r.stderr)) return undefined;
  }
  const r = await runClang(clang, base, { wantStdout: true, signal });
  return r.code === 0 ? readAst(r.stdout) : undefined;
}

/** Parses a JSON AST dump (the output of -ast-dump=json) into located top-level declarations. */
export function readAst(json: Buffer | string, cwd = process.cwd()): AstDump {
  const root = JSON.parse(typeof json === 'string' ? json : json.toString('utf8')) as AstNode;
  const st: Walk = { file: '', line: 0, files: new Set() };
  const decls: TopDecl[] = [];
  for (const node of root.inner ?? []) {
    // clang prints a location's file and line only when they differ from the last location it
    // printed, so every location of the dump has to be visited in print order.
    if (node.loc) walk(node.loc, st);
    const file = st.file ? resolve(cwd, st.file) : '';
    decls.push({ node, file, line: st.line });
    for (const [k, v] of Object.entries(node)) if (k !== 'loc') walk(v, st);
  }
  const files = new Set<string>();
  for (const f of st.files) files.add(resolve(cwd, f));
  return { decls, files };
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
