/**
 * The PackageMeta an object says by itself (no source, no clang): programs, maps and globals from
 * its ELF and BTF, and the event types its BPFKIT_EVENT markers (bpfkit.h) or eunomia-bpf's dummy
 * pointers name. `bpfkit build` starts from this and adds what doc comments say; loading a bare
 * .bpf.o uses it as is.
 */
import type { Btf } from '../btf/btf.js';
import { decoderFor, type Decoded } from '../btf/decode.js';
import type { GlobalSpec, MapSpec, ObjectSpec } from '../spec/object.js';
import { BTF_LINKAGE } from '../btf/types.js';
import type { GlobalMeta, MapMeta, PackageMeta, ProgramMeta } from './types.js';
import { programAlternatives } from '../spec/alternatives.js';

/** The section holding BPFKIT_EVENT / BPFKIT_MAP_EVENT markers (see bpf/include/bpfkit.h). */
export const MARKER_SECTION = '.bpfkit.events';
/** Marker variable names: `__bpfkit_event_<n>` (any map), `__bpfkit_event__<map>` (one map). */
export const MARKER_PREFIX = '__bpfkit_event_';

/** Whether a map carries records to user space (ring buffer or perf event array). */
export function isEventMap(m: { typeName: string }): boolean {
  return m.typeName === 'ringbuf' || m.typeName === 'perf_event_array';
}

/** The C spelling of a type without its top-level const/volatile (`const volatile int` → `int`). */
export function plainTypeName(btf: Btf, typeId: number): string {
  let id = typeId;
  for (
    let t = btf.type(id);
    t.kind === 'const' || t.kind === 'volatile' || t.kind === 'restrict';
    t = btf.type(id)
  )
    id = t.type;
  return btf.typeName(id);
}

/** Whether a global is internal to bpfkit/eunomia (markers, dummies, `__`-prefixed names). */
export function isInternalGlobal(name: string): boolean {
  return name.startsWith('__');
}

/**
 * Whether a global has static linkage: `static` variables and the format strings bpf_printk() puts in
 * .rodata (`func.____fmt`) are private to the program, so they get no option (as in libbpf skeletons).
 */
export function isStaticGlobal(btf: Btf, name: string): boolean {
  return btf.byName(name, 'var').some((v) => v.kind === 'var' && v.linkage === BTF_LINKAGE.static);
}

/** The initial value of a global as an option default: a number, bool or string (JSON for aggregates). */
export function initialValue(btf: Btf, g: GlobalSpec): string | number | boolean | undefined {
  let v: Decoded;
  try {
    v = decoderFor(btf, g.type)(g.initial);
  } catch {
    return undefined;
  }
  if (typeof v === 'bigint') return Number.isSafeInteger(Number(v)) ? Number(v) : v.toString();
  if (typeof v === 'object')
    return JSON.stringify(v, (_k, x: unknown) => (typeof x === 'bigint' ? x.toString() : x));
  return v;
}

/** Whether a global can be set from the command line (everything but pointers). */
export function isSettable(btf: Btf, g: GlobalSpec): boolean {
  const t = btf.resolve(g.type);
  return t.kind !== 'ptr' && t.kind !== 'func_proto' && t.kind !== 'void';
}

/**
 * Event types named in the object: BPFKIT_MAP_EVENT markers by map name, BPFKIT_EVENT markers and
 * eunomia's `__eunomia_dummy_<x>_ptr` variables under the key ''. Values are BTF names, in order.
 */
export function markedEventTypes(spec: ObjectSpec): Map<string, string[]> {
  const out = new Map<string, string[]>();
  const btf = spec.btf;
  if (!btf) return out;
  const add = (key: string, name: string): void => {
    const l = out.get(key) ?? [];
    if (!l.includes(name)) l.push(name);
    out.set(key, l);
  };
  for (const ds of btf.types) {
    if (ds.kind !== 'datasec') continue;
    for (const vi of ds.vars) {
      const v = btf.type(vi.type);
      if (v.kind !== 'var') continue;
      let key: string | undefined;
      if (ds.name === MARKER_SECTION && v.name.startsWith(MARKER_PREFIX))
        key = v.name.startsWith(MARKER_PREFIX + '_') ? v.name.slice(MARKER_PREFIX.length + 1) : '';
      else if (/^__eunomia_dummy_\w+_ptr$/.test(v.name)) key = '';
      if (key === undefined) continue;
      const name = pointeeName(btf, v.type);
      if (name) add(key, name);
    }
  }
  return out;
}

/** The name of the struct/union (or typedef to one) a pointer type points to. */
function pointeeName(btf: Btf, typeId: number): string | undefined {
  const p = btf.resolve(typeId);
  if (p.kind !== 'ptr') return undefined;
  let id = p.type;
  for (let t = btf.type(id); t.kind === 'const' || t.kind === 'volatile'; t = btf.type(id)) id = t.type;
  const t = btf.type(id);
  if (t.kind === 'typedef') {
    const r = btf.resolve(id);
    return r.kind === 'struct' || r.kind === 'union' ? r.name || t.name : undefined;
  }
  return (t.kind === 'struct' || t.kind === 'union') && t.name ? t.name : undefined;
}

/**
 * Lays out exportTypes the way `bpfkit run` reads them: entry i is the type of the i-th event map
 * (`perMap`, else the first of `others`), then the remaining `others`.
 */
export function orderExportTypes(maps: MapSpec[], perMap: Map<string, string>, others: string[]): string[] {
  const out: string[] = [];
  const fallback = others[0] ?? [...perMap.values()][0];
  for (const m of maps.filter(isEventMap)) {
    const t = perMap.get(m.name) ?? fallback;
    if (!t) break;
    out.push(t);
  }
  for (const t of others) if (!out.includes(t)) out.push(t);
  return out;
}

/** The metadata of an object on its own; `name` is the program's name (e.g. from its file name). */
export function objectMeta(spec: ObjectSpec, name: string): PackageMeta {
  const btf = spec.btf;
  const programs: ProgramMeta[] = spec.programs.map((p) => ({
    name: p.name,
    section: p.section,
    attach: p.attach,
  }));
  const marked = markedEventTypes(spec);
  const perMap = new Map<string, string>();
  for (const [k, v] of marked) if (k && v[0]) perMap.set(k, v[0]);
  const generic = marked.get('') ?? [];
  const eventMapCount = spec.maps.filter(isEventMap).length;
  const maps: MapMeta[] = spec.maps
    .filter((m) => m.section === '.maps')
    .map((m) => {
      const meta: MapMeta = { name: m.name, type: m.typeName };
      if (!isEventMap(m)) return meta;
      const own = perMap.get(m.name);
      if (own) {
        meta.exportType = own;
        meta.exportTypeReason = `a BPFKIT_MAP_EVENT marker for ${m.name} in the object`;
      } else if (generic[0]) {
        meta.exportType = generic[0];
        meta.exportTypeReason = `the ${generic.length > 1 ? 'first ' : ''}BPFKIT_EVENT marker in the object`;
        if (generic.length > 1 || eventMapCount > 1) meta.exportTypeGuess = true;
      }
      return meta;
    });
  const globals: GlobalMeta[] = [];
  if (btf) {
    for (const g of spec.globals) {
      if (isInternalGlobal(g.name) || isStaticGlobal(btf, g.name)) continue;
      const meta: GlobalMeta = { name: g.name, section: g.section, type: plainTypeName(btf, g.type) };
      if (isSettable(btf, g)) {
        meta.cmdarg = { long: g.name };
        const def = initialValue(btf, g);
        if (def !== undefined) meta.cmdarg.default = def;
      }
      globals.push(meta);
    }
  }
  const meta: PackageMeta = {
    name,
    programs,
    maps,
    globals,
    exportTypes: orderExportTypes(spec.maps, perMap, marked.get('') ?? []),
  };
  const alternatives = programAlternatives(spec.programs);
  if (alternatives.length) meta.alternatives = alternatives;
  return meta;
}

/** The program name for a file: its base name up to the first dot (`opensnoop.bpf.o` → `opensnoop`). */
export function nameFromPath(path: string): string {
  const base = path.replace(/\/+$/, '').replace(/.*\//, '');
  return base.replace(/\..*$/, '') || base || 'bpf';
}
