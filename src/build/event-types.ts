/**
 * Which struct the records of each event map (ring buffer, perf event array) are, decided at build
 * time from what the source says, and why. For each map, in order:
 *
 * 1. a `BPFKIT_MAP_EVENT(map, type)` the source writes;
 * 2. the structs the program is seen sending to that map (exports.ts, wrapper functions included),
 *    the header's structs first when several are;
 * 3. a guess: the header's first struct that no other map is seen to carry, else its first;
 * 4. a guess: a struct sent to a map the build could not name (a map passed around in a variable);
 * 5. a guess: the first `BPFKIT_EVENT(type)` (or eunomia dummy pointer) of the source.
 *
 * The result goes into the package (`exportTypes`, and per map `exportType`, `exportTypeReason`,
 * `exportTypeGuess`); `bpfkit run --event-type` overrides it. Needs no kernel.
 */
import { BuildError } from '../errors/index.js';
import type { Btf } from '../btf/btf.js';
import type { MapSpec, ObjectSpec } from '../spec/object.js';
import type { PackageMeta } from '../package/types.js';
import { isEventMap, MARKER_PREFIX, markedEventTypes, orderExportTypes } from '../package/meta.js';
import { recordOf, typedefOf } from './ast.js';
import type { RecordInfo, SourceDocs } from './docs.js';
import type { EventUse } from './exports.js';

/** What the choice is made from. */
export interface EventTypeInput {
  spec: ObjectSpec;
  docs?: SourceDocs;
  uses?: EventUse[];
  /** The header's named structs, in order (header mode). */
  headerRecords?: RecordInfo[];
  /** The header's path as the user gave it, for messages. */
  headerName?: string;
  /** The source's path as the user gave it, for messages. */
  sourceName: string;
}

/** One map's event type and why. */
interface Choice {
  type: string;
  reason: string;
  guess: boolean;
}

/**
 * Fills `meta.exportTypes` and the event maps' `exportType*` fields; appends one line per event map
 * to `notes`. Throws BuildError (file:line) for a sent or header type that is not in the object's
 * BTF, naming the BPFKIT_EVENT line that would put it there.
 */
export function chooseExportTypes(input: EventTypeInput, meta: PackageMeta, notes: string[] = []): void {
  const { spec } = input;
  const header = input.headerRecords ?? [];
  const headerLabel = input.headerName ?? 'the header';
  checkHeader(input, header, headerLabel);
  const sent = sentTypes(input, notes);
  const user = sourceMarkers(input);
  const headerNames = header.map((r) => r.name);
  const claimed = new Set(sent.filter((u) => u.map).map((u) => u.type));
  const choices = new Map<string, Choice>();
  const eventMaps = spec.maps.filter(isEventMap);
  for (const m of eventMaps) {
    const c =
      fromUserMarker(m, user) ??
      fromSent(m, sent, headerNames) ??
      fromHeader(m, headerNames, claimed, headerLabel) ??
      fromUnnamedMap(sent) ??
      fromGenericMarker(user, input.sourceName, eventMaps.length);
    if (c) choices.set(m.name, c);
    notes.push(
      c
        ? `map ${m.name}: ${c.type}${c.guess ? ' (a guess)' : ''}: ${c.reason}`
        : `map ${m.name}: no event type found (records will show as hex unless --event-type is given)`,
    );
  }
  const perMap = new Map([...choices].map(([k, c]) => [k, c.type]));
  const others = [...headerNames];
  for (const t of [...sent.map((u) => u.type), ...(user.get('') ?? [])]) if (!others.includes(t)) others.push(t);
  // Types the chosen ones do not cover are listed after them: `--event-type` candidates.
  meta.exportTypes = orderExportTypes(spec.maps, perMap, others);
  for (const mm of meta.maps) {
    if (!isEventMap({ typeName: mm.type })) continue;
    const c = choices.get(mm.name);
    delete mm.exportType;
    delete mm.exportTypeReason;
    delete mm.exportTypeGuess;
    if (!c) continue;
    mm.exportType = c.type;
    mm.exportTypeReason = c.reason;
    if (c.guess) mm.exportTypeGuess = true;
  }
}

/** Whether `name` is a struct/union (or a typedef of one) with a definition in `btf`. */
export function hasStruct(btf: Btf | undefined, name: string): boolean {
  if (!btf) return false;
  return btf.byName(name).some((t) => {
    if (t.kind === 'struct' || t.kind === 'union') return true;
    if (t.kind !== 'typedef') return false;
    const r = btf.resolve(t.id);
    return r.kind === 'struct' || r.kind === 'union';
  });
}

function checkHeader(input: EventTypeInput, header: RecordInfo[], label: string): void {
  for (const r of header) {
    if (hasStruct(input.spec.btf, r.name)) continue;
    throw new BuildError(
      `${r.file}:${r.line}: ${r.tag} ${r.name} (from ${label}) is not in the object's BTF: clang keeps only ` +
        `types that globals, maps or function signatures use; add \`BPFKIT_EVENT(${r.tag} ${r.name});\` ` +
        `after #include "bpfkit.h" in ${input.sourceName}`,
    );
  }
}

interface Sent {
  type: string;
  map?: string;
  use: EventUse;
}

/**
 * The typed uses whose type is in BTF. A missing one stops a build without a header (it is the
 * event type); with a header it is left out with a note, as the header's structs are the events.
 */
function sentTypes(input: EventTypeInput, notes: string[]): Sent[] {
  const out: Sent[] = [];
  for (const u of input.uses ?? []) {
    const type = u.record?.name ?? u.typedef;
    if (!type) continue;
    if (!hasStruct(input.spec.btf, type)) {
      const spelled = u.record ? `${u.record.tag} ${u.record.name}` : type;
      const what = `${u.file}:${u.line}: ${spelled}, sent by ${u.function}() with ${u.helper}(), is not in the object's BTF`;
      if (input.headerRecords) {
        notes.push(`${what}: not an event type`);
        continue;
      }
      throw new BuildError(`${what}; add \`BPFKIT_EVENT(${spelled});\` after #include "bpfkit.h"`, { file: u.file });
    }
    out.push({ type, map: u.map, use: u });
  }
  return out;
}

/**
 * The source's own markers: BPFKIT_MAP_EVENT by map name, BPFKIT_EVENT and eunomia dummies under ''.
 * Without an AST the build added none, so the object's markers are all the source's.
 */
function sourceMarkers(input: EventTypeInput): Map<string, string[]> {
  if (!input.docs) return markedEventTypes(input.spec);
  const out = new Map<string, string[]>();
  for (const [v, t] of input.docs?.varTypes ?? []) {
    let key: string;
    if (v.startsWith(MARKER_PREFIX + '_')) key = v.slice(MARKER_PREFIX.length + 1);
    else if (v.startsWith(MARKER_PREFIX) || /^__eunomia_dummy_\w+_ptr$/.test(v)) key = '';
    else continue;
    const type = recordOf(t, true)?.name ?? typedefOf(t, true);
    if (!type || !hasStruct(input.spec.btf, type)) continue;
    const l = out.get(key) ?? [];
    if (!l.includes(type)) l.push(type);
    out.set(key, l);
  }
  return out;
}

function fromUserMarker(m: MapSpec, user: Map<string, string[]>): Choice | undefined {
  const t = user.get(m.name)?.[0];
  return t ? { type: t, reason: `BPFKIT_MAP_EVENT(${m.name}, …) in the source`, guess: false } : undefined;
}

function fromSent(m: MapSpec, sent: Sent[], header: string[]): Choice | undefined {
  const here = sent.filter((s) => s.map === m.name);
  if (!here.length) return undefined;
  const rank = (s: Sent): number => (header.includes(s.type) ? header.indexOf(s.type) : header.length);
  const best = [...here].sort((a, b) => rank(a) - rank(b))[0];
  const others = [...new Set(here.map((s) => s.type))].filter((t) => t !== best.type);
  const reason = `${describe(best)}${others.length ? `; also sent there: ${others.join(', ')}` : ''}`;
  return { type: best.type, reason, guess: false };
}

function fromHeader(m: MapSpec, header: string[], claimed: Set<string>, label: string): Choice | undefined {
  if (!header.length) return undefined;
  const free = header.find((t) => !claimed.has(t));
  const type = free ?? header[0];
  const which = type === header[0] ? 'the first struct' : 'the first struct no other map carries';
  return {
    type,
    reason: `${which} of ${label}; nothing the program sends to ${m.name} was recognised`,
    guess: true,
  };
}

function fromUnnamedMap(sent: Sent[]): Choice | undefined {
  const s = sent.find((x) => !x.map);
  return s ? { type: s.type, reason: `${describe(s)}, to a map the build could not name`, guess: true } : undefined;
}

function fromGenericMarker(user: Map<string, string[]>, source: string, maps: number): Choice | undefined {
  const list = user.get('') ?? [];
  if (!list.length) return undefined;
  const guess = list.length > 1 || maps > 1;
  return { type: list[0], reason: `${guess ? 'the first ' : ''}BPFKIT_EVENT(${list[0]}) in ${source}`, guess };
}

/** `struct event is sent to rb by handle() through reserve_buf()`. */
function describe(s: Sent): string {
  const u = s.use;
  const spelled = u.record ? `${u.record.tag} ${u.record.name}` : s.type;
  const through = u.via?.length ? ` through ${u.via.map((f) => `${f}()`).join(' → ')}` : ` with ${u.helper}()`;
  return `${spelled} is sent${s.map ? ` to ${s.map}` : ''} by ${u.function}()${through}`;
}
