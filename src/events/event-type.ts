/**
 * Decides how the records of an event map (ring buffer or perf event array) are decoded. The type
 * comes from, in order: the package metadata, `--event-type <struct>`, the BPFKIT_EVENT markers of
 * bpfkit.h in the object's BTF; failing all, records are shown as hex.
 */
import type { ObjectSpec, MapSpec } from '../spec/object.js';
import { markedEventTypes } from '../package/meta.js';
import { UsageError } from '../errors/index.js';

/** Where an event type was found. */
export type EventTypeSource = 'package' | 'option' | 'marker';

/** The BTF struct to decode a map's records with, and where it came from. */
export interface EventType {
  typeId: number;
  name: string;
  source: EventTypeSource;
}

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
  const markers = markedEventTypes(spec);
  const marked = markers.get(map.name)?.[0] ?? markers.get('')?.[0];
  const t = marked !== undefined ? findStruct(spec, marked) : undefined;
  return t && { typeId: t.id, name: t.name, source: 'marker' };
}

/** A struct or union of the object's BTF by name, also through a typedef (`typedef struct {…} event_t`). */
function findStruct(spec: ObjectSpec, name: string): { id: number; name: string } | undefined {
  const btf = spec.btf;
  if (!btf) return undefined;
  for (const t of btf.byName(name)) {
    if (t.kind === 'struct' || t.kind === 'union') return { id: t.id, name };
    if (t.kind === 'typedef') {
      const r = btf.resolve(t.id);
      if (r.kind === 'struct' || r.kind === 'union') return { id: r.id, name };
    }
  }
  return undefined;
}
