/**
 * Decides how the records of an event map (ring buffer or perf event array) are decoded. The type
 * comes from, in order: the package metadata, `--event-type <struct>`, the BPFKIT_EVENT markers of
 * bpfkit.h in the object's BTF; failing all, records are shown as hex.
 */
import type { ObjectSpec, MapSpec } from '../spec/object.js';
import type { BtfType } from '../btf/types.js';
import { UsageError } from '../errors/index.js';

/** Where an event type was found. */
export type EventTypeSource = 'package' | 'option' | 'marker';

/** The BTF struct to decode a map's records with, and where it came from. */
export interface EventType {
  typeId: number;
  name: string;
  source: EventTypeSource;
}

/** Section holding the BPFKIT_EVENT markers. */
export const MARKER_SECTION = '.bpfkit.events';
const MARKER_PREFIX = '__bpfkit_event_';

/** The event maps of an object: ring buffers and perf event arrays, in declaration order. */
export function eventMaps(spec: ObjectSpec): MapSpec[] {
  return spec.maps.filter((m) => m.typeName === 'ringbuf' || m.typeName === 'perf_event_array');
}

/**
 * Chooses the event type of `map`. `exportTypes` are the package's event structs (in event-map order);
 * `option` the name given with --event-type. Returns undefined when records should be shown as hex.
 */
export function eventTypeFor(
  spec: ObjectSpec,
  map: MapSpec,
  exportTypes: string[] = [],
  option?: string,
): EventType | undefined {
  const maps = eventMaps(spec);
  const index = Math.max(
    0,
    maps.findIndex((m) => m.name === map.name),
  );
  const pkgName = exportTypes[index] ?? exportTypes[0];
  if (pkgName) {
    const t = findStruct(spec, pkgName);
    if (t) return { typeId: t.id, name: pkgName, source: 'package' };
  }
  if (option) {
    const name = option.replace(/^(struct|union)\s+/, '');
    const t = findStruct(spec, name);
    if (!t) {
      const structs = spec.btf?.types.filter((x) => x.kind === 'struct' && x.name).map((x) => x.name) ?? [];
      throw new UsageError(
        `--event-type: no struct '${name}' in the object's BTF` +
          (structs.length
            ? ` (structs: ${structs.slice(0, 20).join(', ')}${structs.length > 20 ? ', …' : ''})`
            : ''),
      );
    }
    return { typeId: t.id, name, source: 'option' };
  }
  const markers = markerTypes(spec);
  const m = markers.get(map.name) ?? markers.get('');
  return m && { ...m, source: 'marker' };
}

/** Struct types named by BPFKIT_EVENT ('' key) and BPFKIT_MAP_EVENT (map-name keys) markers. */
export function markerTypes(spec: ObjectSpec): Map<string, { typeId: number; name: string }> {
  const out = new Map<string, { typeId: number; name: string }>();
  const btf = spec.btf;
  const ds = btf?.byName(MARKER_SECTION, 'datasec')[0];
  if (!btf || !ds || ds.kind !== 'datasec') return out;
  for (const vi of ds.vars) {
    const v = btf.type(vi.type);
    if (v.kind !== 'var' || !v.name.startsWith(MARKER_PREFIX)) continue;
    const ptr = btf.resolve(v.type);
    if (ptr.kind !== 'ptr') continue;
    const target = btf.resolve(ptr.type);
    if (target.kind !== 'struct' && target.kind !== 'union') continue;
    const key = v.name.startsWith(MARKER_PREFIX + '_') ? v.name.slice(MARKER_PREFIX.length + 1) : '';
    if (!out.has(key)) out.set(key, { typeId: target.id, name: target.name });
  }
  return out;
}

function findStruct(spec: ObjectSpec, name: string): BtfType | undefined {
  return spec.btf
    ?.byName(name)
    .find((t) => (t.kind === 'struct' || t.kind === 'union') && t.members.length >= 0);
}
