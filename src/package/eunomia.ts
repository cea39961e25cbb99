/**
 * Reads eunomia-bpf packages (`package.json` written by ecc: `{"bpf_object": base64(zlib(ELF)),
 * "bpf_object_size": N, "meta": {"bpf_skel": …, "export_types": […]}}`) into an object plus
 * PackageMeta, applying ecli's rules for the generated command line:
 *
 * - one option per variable of .rodata/.bss, `__eunomia_dummy*` and `__padding` skipped;
 * - `cmdarg.long` defaults to the variable name, `cmdarg.short` must be one character;
 * - help: `cmdarg.help`, else the description, else "Set value of `<type>` variable <name>";
 * - default: `cmdarg.default`, else the variable's `value`, else the object's initial bytes;
 * - `progs`/`maps` may be null or missing; `@sample` maps keep interval/type/unit/clear_map;
 * - single-export mode: export_types[0] is the record type of the last event or sample map;
 *   with enable_multiple_export_types, each map's export_config names its type.
 */
import type { Btf } from '../btf/btf.js';
import { FormatError } from '../errors/index.js';
import type { ObjectSpec } from '../spec/object.js';
import { parseObject } from './parse-object.js';
import { inflateObject } from './format.js';
import { isEventMap, objectMeta, orderExportTypes } from './meta.js';
import type { JsonValue, PackageMeta, SampleMeta } from './types.js';

type Obj = { [key: string]: JsonValue };

/** Whether parsed JSON looks like an eunomia package (has `bpf_object`). */
export function isEunomiaPackage(json: unknown): json is Obj {
  return typeof json === 'object' && json !== null && typeof (json as Obj).bpf_object === 'string';
}

/** Decodes an eunomia package; throws FormatError naming `source` for anything malformed. */
export function fromEunomia(json: Obj, source: string): { object: Uint8Array; meta: PackageMeta } {
  const object = inflateObject(json.bpf_object as string, source, 'bpf_object');
  const size = json.bpf_object_size;
  if (typeof size === 'number' && size !== object.length)
    throw new FormatError(
      `${source}: unmatched size: bpf_object inflates to ${object.length} bytes, bpf_object_size is ${size}`,
    );
  const m = obj(json.meta);
  const skel = obj(m?.bpf_skel);
  if (!m || !skel) throw new FormatError(`${source}: eunomia package without meta.bpf_skel`);
  const spec = parseObject(object, source);
  const objName = typeof skel.obj_name === 'string' ? skel.obj_name : 'bpf';
  const meta = objectMeta(spec, objName.replace(/_bpf$/, '') || objName);
  const btf = spec.btf;

  const doc = obj(skel.doc);
  if (doc) {
    for (const k of ['description', 'brief', 'details', 'version'] as const)
      if (typeof doc[k] === 'string' && doc[k]) meta[k] = doc[k] as string;
  }

  for (const p of list(skel.progs)) {
    const po = obj(p);
    const pm = po && meta.programs.find((x) => x.name === po.name);
    if (!po || !pm) continue;
    const tags = rest(po, ['name', 'attach', 'link', 'description']);
    if (typeof po.description === 'string') pm.description = po.description;
    if (tags) pm.tags = tags;
  }

  for (const mm of list(skel.maps)) {
    const mo = obj(mm);
    const map = mo && meta.maps.find((x) => x.name === mo.name);
    if (!mo || !map) continue;
    if (typeof mo.description === 'string') map.description = mo.description;
    if (mo.sample !== undefined && mo.sample !== null) map.sample = sample(mo.sample, source, map.name);
    const tags = rest(mo, ['name', 'ident', 'mmaped', 'sample', 'description']);
    if (tags) map.tags = tags;
  }

  for (const sec of list(skel.data_sections)) {
    for (const v of list(obj(sec)?.variables)) {
      const vo = obj(v);
      const name = vo?.name;
      if (!vo || typeof name !== 'string' || name.startsWith('__eunomia_dummy') || name === '__padding')
        continue;
      const g = meta.globals.find((x) => x.name === name);
      if (!g) continue;
      const description = typeof vo.description === 'string' ? vo.description : undefined;
      if (description) g.description = description;
      if (!g.cmdarg) continue;
      const ca = obj(vo.cmdarg) ?? {};
      if (typeof ca.long === 'string') g.cmdarg.long = ca.long;
      if (ca.short !== undefined) {
        if (typeof ca.short !== 'string' || [...ca.short].length !== 1)
          throw new FormatError(`${source}: cmdarg.short of ${name} must be exactly one character`);
        g.cmdarg.short = ca.short;
      }
      const type = typeof vo.type === 'string' ? vo.type : g.type;
      g.cmdarg.help =
        typeof ca.help === 'string' ? ca.help : (description ?? `Set value of \`${type}\` variable ${name}`);
      const def = ca.default ?? vo.value;
      if (typeof def === 'string' || typeof def === 'number' || typeof def === 'boolean')
        g.cmdarg.default = def;
      const tags = rest(vo, ['name', 'type', 'description', 'cmdarg', 'value', 'size', 'offset']);
      if (tags) g.tags = tags;
    }
  }

  exportTypes(m, skel, meta, spec, btf, source);
  return { object, meta };
}

function exportTypes(
  m: Obj,
  skel: Obj,
  meta: PackageMeta,
  spec: ObjectSpec,
  btf: Btf | undefined,
  source: string,
): void {
  const names: string[] = [];
  for (const e of list(m.export_types)) {
    const eo = obj(e);
    if (!eo || typeof eo.name !== 'string') continue;
    const id = typeof eo.type_id === 'number' ? eo.type_id : 0;
    const byId = btf && id > 0 && id < btf.types.length ? btf.type(id) : undefined;
    const ok =
      (byId && (byId.kind === 'struct' || byId.kind === 'union') && byId.name === eo.name) ||
      btf?.byName(eo.name).some((t) => t.kind === 'struct' || t.kind === 'union');
    if (!ok) throw new FormatError(`${source}: export type ${eo.name} is not a struct in the object's BTF`);
    names.push(eo.name);
  }
  const perMap = new Map<string, string>();
  if (m.enable_multiple_export_types === true) {
    for (const mm of list(skel.maps)) {
      const mo = obj(mm);
      const cfg = mo?.export_config;
      if (!mo || typeof mo.name !== 'string' || !btf) continue;
      const spec_ = spec.maps.find((x) => x.name === mo.name);
      let id = 0;
      if (obj(cfg) && typeof obj(cfg)?.btf_type_id === 'number') id = obj(cfg)?.btf_type_id as number;
      else if (cfg === 'default' && spec_) id = spec_.valueType;
      const t = id > 0 && id < btf.types.length ? btf.resolve(id) : undefined;
      if (t && (t.kind === 'struct' || t.kind === 'union') && t.name) perMap.set(mo.name, t.name);
    }
  } else if (names[0]) {
    // ecli exports through the last map that is a ring buffer, a perf event array or sampled.
    const sampled = new Set(meta.maps.filter((x) => x.sample).map((x) => x.name));
    const candidates = spec.maps.filter((x) => isEventMap(x) || sampled.has(x.name));
    const last = candidates.at(-1);
    if (last) perMap.set(last.name, names[0]);
  }
  meta.exportTypes = orderExportTypes(spec.maps, perMap, names);
  for (const map of meta.maps) {
    const t = perMap.get(map.name) ?? (isEventMap({ typeName: map.type }) ? meta.exportTypes[0] : undefined);
    if (t) map.exportType = t;
  }
}

function sample(v: JsonValue, source: string, map: string): SampleMeta {
  const o = obj(v);
  if (!o || typeof o.interval !== 'number')
    throw new FormatError(`${source}: sample of map ${map} needs a numeric "interval"`);
  const type = o.type ?? 'default_kv';
  if (type !== 'log2_hist' && type !== 'linear_hist' && type !== 'default_kv')
    throw new FormatError(`${source}: sample of map ${map} has an unknown type ${JSON.stringify(type)}`);
  const out: SampleMeta = { interval: o.interval, type };
  if (typeof o.unit === 'string') out.unit = o.unit;
  if (typeof o.clear_map === 'boolean') out.clearMap = o.clear_map;
  if (typeof o.base === 'number') out.base = o.base;
  if (typeof o.step === 'number' && o.step > 0) out.step = o.step;
  return out;
}

function obj(v: JsonValue | undefined): Obj | undefined {
  return typeof v === 'object' && v !== null && !Array.isArray(v) ? v : undefined;
}

function list(v: JsonValue | undefined): JsonValue[] {
  return Array.isArray(v) ? v : [];
}

function rest(o: Obj, known: string[]): Record<string, JsonValue> | undefined {
  const out: Record<string, JsonValue> = {};
  for (const [k, v] of Object.entries(o)) if (!known.includes(k)) out[k] = v;
  return Object.keys(out).length ? out : undefined;
}
