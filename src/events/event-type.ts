/**
 * Decides how the records of an event map (ring buffer or perf event array) are decoded. The type
 * comes from, in order:
 *
 * 1. `--event-type <struct>`, for every event map (a name not in the object's BTF is a usage error
 *    that lists the candidates);
 * 2. the package metadata for this map (what `bpfkit build` found: the header's structs, then what
 *    the program sends, see build/event-types.ts), or the map's entry in `exportTypes`;
 * 3. a BPFKIT_MAP_EVENT marker for this map in the object's BTF;
 * 4. the remaining candidates (the package's export types, BPFKIT_EVENT markers): one is used as is;
 *    between several, the first record's size decides (settleEventType).
 *
 * Failing all, records are shown as hex. Needs no kernel: it reads the object's BTF.
 */
import type { ObjectSpec, MapSpec } from '../spec/object.js';
import type { PackageMeta } from '../package/types.js';
import { markedEventTypes } from '../package/meta.js';
import { NotFoundError } from '../errors/index.js';
import { decoderFor } from '../btf/decode.js';

/** Where an event type was found. */
export type EventTypeSource = 'option' | 'package' | 'marker' | 'size';

/** The BTF struct to decode a map's records with, and where it came from. */
export interface EventType {
  /** BTF id of the struct (or typedef) in the object's BTF: pass it to decoderFor(). */
  typeId: number;
  /** Its BTF name, e.g. "event" for `struct event`. */
  name: string;
  /** Where it was found: the option, the package, a marker in the object, or the first record's size. */
  source: EventTypeSource;
  /** Size of the struct in bytes. */
  size: number;
  /**
   * Fewest bytes a record of it can have: the offset of a trailing array (a variable-length record
   * sends only the used part of it), else `size`.
   */
  minSize: number;
  /** Why this struct, in a few words (for `bpfkit run -v`). */
  reason: string;
  /** True when nothing explicit (the option, a marker for the map, the package) ties it to the map. */
  guess: boolean;
}

/** The decision for one map: a type now, or candidates to pick from when the first record comes. */
export interface EventChoice {
  map: string;
  /** The type to decode with; undefined while the first record's size has to decide, or for hex. */
  type?: EventType;
  /** Structs to choose between by size, in order of preference (empty when `type` is final). */
  candidates: EventType[];
}

/** The event maps of an object: ring buffers and perf event arrays, in declaration order. */
export function eventMaps(spec: ObjectSpec): MapSpec[] {
  return spec.maps.filter((m) => m.typeName === 'ringbuf' || m.typeName === 'perf_event_array');
}

/**
 * Chooses the event type of `map` from `meta` (package metadata) and `option` (--event-type), in
 * the order of the module comment. Throws NotFoundError or BadValueError when `option` names no struct of the object.
 */
export function chooseEventType(
  spec: ObjectSpec,
  map: MapSpec,
  meta?: PackageMeta,
  option?: string,
): EventChoice {
  const choice = (type?: EventType, candidates: EventType[] = []): EventChoice => ({
    map: map.name,
    type,
    candidates,
  });
  if (option !== undefined) return choice(optionType(spec, option, meta));
  const maps = eventMaps(spec);
  const index = maps.findIndex((m) => m.name === map.name);
  const entry = meta?.maps.find((m) => m.name === map.name);
  // A package that lists the map says what it carries, even "nothing known" (no exportType).
  const pkgName = entry ? entry.exportType : (meta?.exportTypes[index] ?? meta?.exportTypes[0]);
  const pkg = pkgName !== undefined ? typeNamed(spec, pkgName) : undefined;
  const guessed = entry ? !!entry.exportTypeGuess : !meta?.exportTypes[index];
  const candidates = candidateTypes(spec, meta);
  if (pkg) {
    const t = {
      ...pkg,
      source: 'package' as const,
      reason: entry?.exportTypeReason ?? "the package's metadata",
      guess: guessed,
    };
    const others = guessed ? candidates.filter((c) => c.name !== t.name && c.size !== t.size) : [];
    return others.length ? choice(undefined, [t, ...others]) : choice(t);
  }
  const marked = markedEventTypes(spec).get(map.name)?.[0];
  const m = marked !== undefined ? typeNamed(spec, marked) : undefined;
  if (m)
    return choice({
      ...m,
      source: 'marker',
      reason: `the BPFKIT_MAP_EVENT marker for ${map.name}`,
      guess: false,
    });
  if (candidates.length === 1) return choice(candidates[0]);
  return choice(undefined, candidates);
}

/**
 * Settles a choice on the first record of `length` bytes from a map of type `mapType`: the chosen
 * type when it fits, else the first candidate that fits, else the first candidate the record is at
 * least as long as. `message` says what was decided (for -v), and is a `warning` to print anyway
 * when the record fits no struct.
 */
export function settleEventType(
  c: EventChoice,
  length: number,
  mapType: string,
): { type?: EventType; message?: string; warning?: boolean } {
  // A type tied to the map (the option, the package, a marker) is used whatever the size: a record
  // that does not decode as it is told as malformed, and one that is longer has a common head.
  if (c.type && !c.type.guess) return { type: c.type };
  const all = c.type ? [c.type] : c.candidates;
  if (!all.length) return {};
  // A struct of the record's exact size beats one whose trailing array the record would cut short.
  const fit =
    all.find((t) => recordFits({ size: t.size, minSize: t.size }, length, mapType)) ??
    all.find((t) => recordFits(t, length, mapType));
  if (fit && c.type) return { type: fit };
  if (fit) {
    const others = all.filter((t) => t !== fit).map((t) => `${t.name} ${t.size}`);
    const type = { ...fit, source: 'size' as const, guess: true };
    return {
      type,
      message: `map '${c.map}': guessed struct ${fit.name} (${fit.reason}): its ${fit.size} bytes fit the ${length}-byte records (not: ${others.join(', ')} bytes)`,
    };
  }
  const sizes = all.map((t) => `${t.name} is ${t.size}`).join(', ');
  const longer = all.find((t) => t.size <= length);
  const what = longer ? `decoding as struct ${longer.name}` : 'showing them as hex';
  return {
    type: longer,
    warning: true,
    message: `map '${c.map}': records are ${length} bytes but ${sizes} bytes: ${what} (choose with --event-type <struct>)`,
  };
}

/**
 * Whether `length`-byte records can be structs `t`: from its minSize (a trailing array cut short) to
 * its size, which perf pads by up to 7 bytes.
 */
export function recordFits(t: Pick<EventType, 'size' | 'minSize'>, length: number, mapType: string): boolean {
  const slack = mapType === 'perf_event_array' ? 7 : 0;
  return length >= t.minSize && length <= t.size + slack;
}

/** The `-v` line for a choice made without the option, undefined when there is nothing to say yet. */
export function describeChoice(c: EventChoice): string | undefined {
  const t = c.type;
  if (!t) return undefined;
  if (t.source === 'option') return undefined;
  return `map '${c.map}': ${t.guess ? 'guessed ' : ''}struct ${t.name} (${t.reason})`;
}

/**
 * The event type of `map`, for library callers: like chooseEventType with `exportTypes` as the
 * package's list, taking the first candidate when the record size would have to decide.
 */
export function eventTypeFor(
  spec: ObjectSpec,
  map: MapSpec,
  exportTypes: string[] = [],
  option?: string,
): EventType | undefined {
  const meta: PackageMeta = { name: '', programs: [], maps: [], globals: [], exportTypes };
  const c = chooseEventType(spec, map, meta, option);
  return c.type ?? c.candidates[0];
}

function optionType(spec: ObjectSpec, option: string, meta: PackageMeta | undefined): EventType {
  const name = option.replace(/^(struct|union)\s+/, '').trim();
  const t = typeNamed(spec, name);
  if (t) return { ...t, source: 'option', reason: '--event-type', guess: false };
  const named = candidateTypes(spec, meta).map((c) => c.name);
  const structs =
    spec.btf?.types.filter((x) => (x.kind === 'struct' || x.kind === 'union') && x.name).map((x) => x.name) ??
    [];
  const rest = structs.filter((s) => !named.includes(s));
  const parts: string[] = [];
  if (named.length) parts.push(`event types: ${named.join(', ')}`);
  if (rest.length)
    parts.push(`other structs: ${rest.slice(0, 12).join(', ')}${rest.length > 12 ? ', …' : ''}`);
  throw new NotFoundError(
    `--event-type: no struct '${name}' in the object's BTF` +
      (parts.length ? ` (${parts.join('; ')})` : ' (it has no structs)'),
    { what: 'struct', key: name },
  );
}

/** The package's export types and the object's generic markers that are structs of its BTF, in order. */
function candidateTypes(spec: ObjectSpec, meta: PackageMeta | undefined): EventType[] {
  const out: EventType[] = [];
  const add = (name: string, reason: string): void => {
    if (out.some((t) => t.name === name)) return;
    const t = typeNamed(spec, name);
    if (t) out.push({ ...t, source: 'package', reason, guess: true });
  };
  for (const n of meta?.exportTypes ?? []) add(n, "one of the package's event types");
  for (const n of markedEventTypes(spec).get('') ?? []) add(n, 'a BPFKIT_EVENT marker in the object');
  return out;
}

/** A struct or union of the object's BTF by name, also through a typedef (`typedef struct {…} event_t`). */
function typeNamed(
  spec: ObjectSpec,
  name: string,
): Pick<EventType, 'typeId' | 'name' | 'size' | 'minSize'> | undefined {
  const btf = spec.btf;
  if (!btf) return undefined;
  for (const t of btf.byName(name)) {
    const r = t.kind === 'typedef' ? btf.resolve(t.id) : t;
    if (r.kind === 'struct' || r.kind === 'union')
      return { typeId: r.id, name, size: r.size, minSize: decoderFor(btf, r.id).minSize };
  }
  return undefined;
}
