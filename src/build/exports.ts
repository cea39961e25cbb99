/**
 * Which types a program sends to user space, read from the AST: the calls to bpf_ringbuf_reserve,
 * bpf_ringbuf_output and bpf_perf_event_output, with the map each one names and the type of the
 * record, also when the program calls them through wrapper functions of its own.
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
 *
 * Wrappers: a function that passes its own `void *` parameter on as the data (`submit_buf(ctx, buf,
 * size)`), returns what bpf_ringbuf_reserve() returned (`reserve_buf(size)`), or takes the map as a
 * parameter, hides the type (or the map) from the helper call. Such a function is then read as a
 * helper of its own, and its callers' arguments give the type, wrappers of wrappers included.
 */
import { recordOf, typedefOf, visit, type AstDump, type AstNode, type AstType, type TopDecl } from './ast.js';

/** One place where a program hands a record to user space. */
export interface EventUse {
  helper: string;
  /** The map variable named in the call (undefined when it could not be followed to a global). */
  map?: string;
  /** The record type, when it is a named struct or union. */
  record?: { tag: string; name: string };
  /** The typedef the record type was spelled with, when the struct itself has no name. */
  typedef?: string;
  /** Function containing the call, and where it is. */
  function: string;
  file: string;
  line: number;
  /** The wrapper functions the call goes through, outermost first (`['submit_buf']`). */
  via?: string[];
}

/**
 * How a function hands a record on: where its map, record and size come from. For the BPF helpers
 * these are argument indexes; a wrapper found in the program has a fixed map, or a known record,
 * where its own body says so.
 */
interface Sink {
  helper: string;
  map: number | { name: string };
  /** The data argument; -1: the record is the returned pointer (reserve); -2: callers cannot tell. */
  data: number;
  size: number;
  /** Known record type (a wrapper whose body names it). */
  record?: Found;
  via: string[];
}

interface Found {
  type: AstType;
  pointer: boolean;
}

const HELPER_SINKS: Sink[] = [
  { helper: 'bpf_ringbuf_reserve', map: 0, data: -1, size: 1, via: [] },
  { helper: 'bpf_ringbuf_output', map: 0, data: 1, size: 2, via: [] },
  { helper: 'bpf_perf_event_output', map: 1, data: 3, size: 4, via: [] },
];

const CASTS = new Set(['ImplicitCastExpr', 'CStyleCastExpr', 'ParenExpr']);
/** Wrapper chains longer than this are not followed (BPF programs have no recursion anyway). */
const MAX_DEPTH = 4;

/** Finds the event uses in functions defined outside `skipDirs`, in source order. */
export function findEventUses(dump: AstDump, skipDirs: string[] = ['/usr/include/']): EventUse[] {
  const fns = dump.decls.filter(
    (d) => d.node.kind === 'FunctionDecl' && d.node.inner && d.node.name && !skipDirs.some((s) => d.file.startsWith(s)),
  );
  const sinks = new Map<string, Sink[]>(HELPER_SINKS.map((s) => [s.helper, [s]]));
  // Wrappers are found level by level: a pass may reveal a wrapper that an earlier function calls.
  for (let depth = 0; depth < MAX_DEPTH; depth++) {
    const found = new Map<string, Sink[]>();
    for (const d of fns) {
      const own = scan(d, sinks).wrappers;
      if (own.length) found.set(d.node.name!, own);
    }
    let grew = false;
    for (const [name, list] of found) {
      if (sinks.get(name)?.length !== list.length) grew = true;
      sinks.set(name, list);
    }
    if (!grew) break;
  }
  return fns.flatMap((d) => scan(d, sinks).uses);
}

/** The uses in one function, and what it forwards to its callers (its own sinks as a wrapper). */
function scan(d: TopDecl, sinks: Map<string, Sink[]>): { uses: EventUse[]; wrappers: Sink[] } {
  const uses: EventUse[] = [];
  const wrappers: Sink[] = [];
  const fn = d.node.name ?? '';
  const params = (d.node.inner ?? []).filter((n) => n.kind === 'ParmVarDecl').map((n) => n.id);
  const paramOf = (arg: AstNode | undefined): number => {
    const n = stripCasts(arg);
    if (n?.kind !== 'DeclRefExpr' || n.referencedDecl?.kind !== 'ParmVarDecl') return -1;
    return params.indexOf(n.referencedDecl.id);
  };
  visit(d.node, (n, parents) => {
    if (n.kind !== 'CallExpr' || !n.inner?.length) return;
    const callee = calleeName(n.inner[0]);
    if (!callee || callee === fn) return;
    const args = n.inner.slice(1);
    for (const s of sinks.get(callee) ?? []) {
      if (s.via.includes(fn)) continue;
      const direct = callee === s.helper;
      const via = direct ? s.via : [callee, ...s.via];
      const map = typeof s.map === 'number' ? mapName(args[s.map]) : s.map.name || undefined;
      const mapParam = map === undefined && typeof s.map === 'number' ? paramOf(args[s.map]) : -1;
      let record = s.record;
      let dataParam = -1;
      let fromCaller = false;
      if (!record && s.data >= 0) {
        record = pointeeOf(args[s.data]);
        dataParam = record ? -1 : paramOf(args[s.data]);
        fromCaller = dataParam >= 0;
        if (!record && !fromCaller) record = sizeofType(args[s.size]);
      } else if (!record && s.data === -1) {
        record = reservedType(parents, args[s.size]);
        fromCaller = !record && returned(parents);
      }
      if ((mapParam >= 0 || fromCaller) && via.length < MAX_DEPTH) {
        const size = paramOf(args[s.size]);
        const data = !fromCaller ? -2 : s.data >= 0 ? dataParam : -1;
        wrappers.push({ helper: s.helper, map: mapParam >= 0 ? mapParam : { name: map ?? '' }, data, size, record, via });
        // Callers say which map or type; a direct helper call still counts as a use of its map.
        if (!direct || mapParam >= 0) continue;
      }
      const use: EventUse = { helper: s.helper, map, function: fn, file: d.file, line: d.line };
      if (via.length) use.via = via;
      if (record) {
        use.record = recordOf(record.type, record.pointer);
        if (!use.record) use.typedef = typedefOf(record.type, record.pointer);
      }
      uses.push(use);
    }
  });
  return { uses, wrappers };
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
function pointeeOf(arg: AstNode | undefined): Found | undefined {
  let n = arg;
  while (n && CASTS.has(n.kind) && n.inner?.length && (isVoidPtr(n.type) || n.kind === 'ParenExpr')) n = n.inner[0];
  return n?.type && !isVoidPtr(n.type) ? { type: n.type, pointer: true } : undefined;
}

/** Whether the call's value is what the enclosing function returns (through casts and `?:`). */
function returned(parents: AstNode[]): boolean {
  for (let i = parents.length - 1; i >= 0; i--) {
    const k = parents[i].kind;
    if (k === 'ReturnStmt') return true;
    if (!CASTS.has(k) && k !== 'ConditionalOperator') return false;
  }
  return false;
}

/** The pointer type a reserve() result is converted to, else the type `sizeof` measures. */
function reservedType(parents: AstNode[], size: AstNode | undefined): Found | undefined {
  for (let i = parents.length - 1; i >= 0 && CASTS.has(parents[i].kind); i--) {
    const t = parents[i].type;
    if (t && !isVoidPtr(t) && (recordOf(t, true) || typedefOf(t, true))) return { type: t, pointer: true };
  }
  return sizeofType(size);
}

/** The type the first `sizeof` in `size` measures (`sizeof(*e)`, `sizeof(struct event)`). */
function sizeofType(size: AstNode | undefined): Found | undefined {
  let found: Found | undefined;
  if (size)
    visit(size, (n) => {
      if (found || n.kind !== 'UnaryExprOrTypeTraitExpr' || n.name !== 'sizeof') return;
      const t = n.argType ?? n.inner?.[0]?.type;
      if (t && (recordOf(t, false) || typedefOf(t, false))) found = { type: t, pointer: false };
    });
  return found;
}
