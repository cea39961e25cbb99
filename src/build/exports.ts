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

/** A record type as found: a named struct/union, or a typedef of an unnamed one. */
type Found = { record: { tag: string; name: string }; typedef?: undefined } | { record?: undefined; typedef: string };

/** Typedef name → the type it stands for, from the dump's top-level typedefs. */
type Typedefs = Map<string, AstType>;

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
  const typedefs: Typedefs = new Map();
  for (const d of dump.decls) if (d.node.kind === 'TypedefDecl' && d.node.name && d.node.type) typedefs.set(d.node.name, d.node.type);
  const sinks = new Map<string, Sink[]>(HELPER_SINKS.map((s) => [s.helper, [s]]));
  // Wrappers are found level by level: a pass may reveal a wrapper that an earlier function calls.
  for (let depth = 0; depth < MAX_DEPTH; depth++) {
    const found = new Map<string, Sink[]>();
    for (const d of fns) {
      const own = scan(d, sinks, typedefs).wrappers;
      if (own.length) found.set(d.node.name!, own);
    }
    let grew = false;
    for (const [name, list] of found) {
      if (sinks.get(name)?.length !== list.length) grew = true;
      sinks.set(name, list);
    }
    if (!grew) break;
  }
  return fns.flatMap((d) => scan(d, sinks, typedefs).uses);
}

/** The uses in one function, and what it forwards to its callers (its own sinks as a wrapper). */
function scan(d: TopDecl, sinks: Map<string, Sink[]>, typedefs: Typedefs): { uses: EventUse[]; wrappers: Sink[] } {
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
        record = pointeeOf(args[s.data], typedefs);
        dataParam = record ? -1 : paramOf(args[s.data]);
        fromCaller = dataParam >= 0;
        if (!record && !fromCaller) record = sizeofType(args[s.size], typedefs);
      } else if (!record && s.data === -1) {
        record = reservedType(parents, args[s.size], typedefs);
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
      if (record?.record) use.record = record.record;
      else if (record) use.typedef = record.typedef;
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
function pointeeOf(arg: AstNode | undefined, typedefs: Typedefs): Found | undefined {
  let n = arg;
  while (n && CASTS.has(n.kind) && n.inner?.length && (isVoidPtr(n.type) || n.kind === 'ParenExpr')) n = n.inner[0];
  return n?.type && !isVoidPtr(n.type) ? recordType(n.type, true, typedefs) : undefined;
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
function reservedType(parents: AstNode[], size: AstNode | undefined, typedefs: Typedefs): Found | undefined {
  for (let i = parents.length - 1; i >= 0 && CASTS.has(parents[i].kind); i--) {
    const t = parents[i].type;
    const found = t && !isVoidPtr(t) ? recordType(t, true, typedefs) : undefined;
    if (found) return found;
  }
  return sizeofType(size, typedefs);
}

/** The record type the first `sizeof` in `size` measures (`sizeof(*e)`, `sizeof(struct event)`). */
function sizeofType(size: AstNode | undefined, typedefs: Typedefs): Found | undefined {
  let found: Found | undefined;
  let seen = false;
  if (size)
    visit(size, (n) => {
      if (seen || n.kind !== 'UnaryExprOrTypeTraitExpr' || n.name !== 'sizeof') return;
      seen = true;
      const t = n.argType ?? n.inner?.[0]?.type;
      if (t) found = recordType(t, false, typedefs);
    });
  return found;
}

/**
 * The struct or union a C type (or pointer type, with `pointer`) names, following typedefs:
 * `struct event *`, `named_t *` for `typedef struct named named_t` → struct named; a typedef of an
 * unnamed struct is kept as the typedef's name. Anything else (`u64 *`, `char *`) is undefined.
 */
function recordType(type: AstType, pointer: boolean, typedefs: Typedefs): Found | undefined {
  const record = recordOf(type, pointer);
  if (record) return { record };
  const first = typedefOf(type, pointer);
  let name = first;
  for (let depth = 0; name && depth < 8; depth++) {
    const t = typedefs.get(name);
    if (!t) return undefined;
    const r = recordOf(t, false);
    if (r) return { record: r };
    // clang spells a typedef of an unnamed struct as "struct <typedef name>", desugared to the name.
    if (/^(struct|union)\s/.test(t.qualType) && !/^(struct|union)\s/.test(t.desugaredQualType ?? '')) return { typedef: first! };
    name = typedefOf(t, false);
  }
  return undefined;
}
