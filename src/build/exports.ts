/**
 * Which types a program sends to user space, read from the AST: the calls to bpf_ringbuf_reserve,
 * bpf_ringbuf_output and bpf_perf_event_output, with the map each one names and the type of the
 * record.
 *
 * Why the AST: the object's BTF cannot tell. A ring buffer is declared without a value type, a perf
 * event array's value is the CPU's fd, and clang leaves out of BTF a struct that is only used through
 * a local variable or the pointer bpf_ringbuf_reserve() returns. The call sites do tell:
 *
 * - `bpf_ringbuf_reserve(&rb, size, 0)` returns `void *`; the record type is the pointer type that
 *   result is converted to (the implicit or explicit cast around the call: `struct event *e = …`,
 *   `e = …`, `(struct event *)…`), else the operand of `sizeof` in the size argument;
 * - `bpf_ringbuf_output(&rb, data, size, 0)` and `bpf_perf_event_output(ctx, &map, flags, data,
 *   size)` take `void *data`; the record type is the pointee of `data` before its conversion to
 *   `void *` (`&ev`, `e`).
 */
import { recordOf, typedefOf, visit, type AstDump, type AstNode, type AstType } from './ast.js';

/** One place where a program hands a record to user space. */
export interface EventUse {
  helper: string;
  /** The map variable named in the call (undefined when passed through a parameter). */
  map?: string;
  /** The record type, when it is a named struct or union. */
  record?: { tag: string; name: string };
  /** The typedef the record type was spelled with, when the struct itself has no name. */
  typedef?: string;
  /** Function containing the call, and where it is. */
  function: string;
  file: string;
  line: number;
}

/** Helper name → [index of the map argument, index of the data argument, or -1 for reserve]. */
const HELPERS: Record<string, [number, number]> = {
  bpf_ringbuf_reserve: [0, -1],
  bpf_ringbuf_output: [0, 1],
  bpf_perf_event_output: [1, 3],
};

const CASTS = new Set(['ImplicitCastExpr', 'CStyleCastExpr', 'ParenExpr']);

/** Finds the event uses in functions defined outside `skipDirs`, in source order. */
export function findEventUses(dump: AstDump, skipDirs: string[] = ['/usr/include/']): EventUse[] {
  const out: EventUse[] = [];
  for (const d of dump.decls) {
    if (d.node.kind !== 'FunctionDecl' || !d.node.inner || skipDirs.some((s) => d.file.startsWith(s))) continue;
    visit(d.node, (n, parents) => {
      if (n.kind !== 'CallExpr' || !n.inner?.length) return;
      const helper = calleeName(n.inner[0]);
      const spec = helper ? HELPERS[helper] : undefined;
      if (!helper || !spec) return;
      const args = n.inner.slice(1);
      const use: EventUse = {
        helper,
        map: mapName(args[spec[0]]),
        function: d.node.name ?? '',
        file: d.file,
        line: d.line,
      };
      const t = spec[1] < 0 ? reservedType(parents, args[1]) : pointeeOf(args[spec[1]]);
      if (t) {
        use.record = recordOf(t.type, t.pointer);
        if (!use.record) use.typedef = typedefOf(t.type, t.pointer);
      }
      out.push(use);
    });
  }
  return out;
}

function calleeName(callee: AstNode): string | undefined {
  let found: string | undefined;
  visit(callee, (n) => {
    if (!found && n.kind === 'DeclRefExpr' && n.referencedDecl?.name) found = n.referencedDecl.name;
  });
  return found;
}

function stripCasts(n: AstNode | undefined): AstNode | undefined {
  while (n && CASTS.has(n.kind) && n.inner?.length) n = n.inner[0];
  return n;
}

/** `&map` (or `map` for a map-of-maps inner pointer) → the global's name. */
function mapName(arg: AstNode | undefined): string | undefined {
  let n = stripCasts(arg);
  if (n?.kind === 'UnaryOperator' && n.opcode === '&') n = stripCasts(n.inner?.[0]);
  return n?.kind === 'DeclRefExpr' && n.referencedDecl?.kind === 'VarDecl' ? n.referencedDecl.name : undefined;
}

function isVoidPtr(t: AstType | undefined): boolean {
  return !!t && /^(const\s+)?(volatile\s+)?void\s*\*$/.test(t.desugaredQualType ?? t.qualType);
}

/** The data argument's type before it became `void *`. */
function pointeeOf(arg: AstNode | undefined): { type: AstType; pointer: boolean } | undefined {
  let n = arg;
  while (n && CASTS.has(n.kind) && n.inner?.length && (isVoidPtr(n.type) || n.kind === 'ParenExpr')) n = n.inner[0];
  return n?.type && !isVoidPtr(n.type) ? { type: n.type, pointer: true } : undefined;
}

/** The pointer type a reserve() result is converted to, else the type `sizeof` measures. */
function reservedType(parents: AstNode[], size: AstNode | undefined): { type: AstType; pointer: boolean } | undefined {
  for (let i = parents.length - 1; i >= 0 && CASTS.has(parents[i].kind); i--) {
    const t = parents[i].type;
    if (t && !isVoidPtr(t) && (recordOf(t, true) || typedefOf(t, true))) return { type: t, pointer: true };
  }
  let found: { type: AstType; pointer: boolean } | undefined;
  if (size)
    visit(size, (n) => {
      if (found || n.kind !== 'UnaryExprOrTypeTraitExpr' || n.name !== 'sizeof') return;
      const t = n.argType ?? n.inner?.[0]?.type;
      if (t) found = { type: t, pointer: false };
    });
  return found;
}
