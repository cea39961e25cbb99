/**
 * Assembles a package's PackageMeta from the compiled object (ObjectSpec) and what the source's doc
 * comments and calls say (docs.ts, exports.ts), checking the tags as it goes:
 *
 * - globals: description, `@cmdarg {"default", "short", "long", "help"}`;
 * - maps: description, `@sample {"interval", "type", "unit", "clear_map"}`;
 * - programs: description and any other tags;
 * - the LICENSE variable: `@brief`, `@details`, `@version` and the description of the whole program;
 * - export types: see event-types.ts.
 */
import { BadValueError, BuildError } from '../errors/index.js';
import { encodeValue, type Encodable } from '../btf/encode.js';
import type { Btf } from '../btf/btf.js';
import type { ObjectSpec } from '../spec/object.js';
import type { CmdArg, JsonValue, PackageMeta, SampleMeta } from '../package/types.js';
import { isEventMap, objectMeta } from '../package/meta.js';
import { descriptionOf, type DocComment, type RecordInfo, type SourceDocs } from './docs.js';
import type { EventUse } from './exports.js';
import { chooseExportTypes } from './event-types.js';

/** Inputs of assembleMeta. */
export interface MetaInput {
  spec: ObjectSpec;
  /** Program name (the source's base name up to the first dot). */
  name: string;
  docs?: SourceDocs;
  uses?: EventUse[];
  /** Structs declared in the header given on the command line, in order (header mode). */
  headerRecords?: RecordInfo[];
  /** The header's path as the user gave it, for messages. */
  headerName?: string;
  /** The source's path as the user gave it, for messages. */
  sourceName: string;
}

/** Tags read into dedicated fields, not copied to `tags`. */
const KNOWN = new Set(['description', 'cmdarg', 'sample', 'brief', 'details', 'version']);

/**
 * Builds the package metadata; throws BuildError naming file:line for a malformed tag. `notes`
 * receives how each event map's type was chosen (event-types.ts).
 */
export function assembleMeta(input: MetaInput, warnings: string[] = [], notes: string[] = []): PackageMeta {
  const { spec, docs } = input;
  const meta = objectMeta(spec, input.name);
  const btf = spec.btf;

  for (const p of meta.programs) {
    const doc = docs?.functions.get(p.name);
    if (!doc) continue;
    const d = descriptionOf(doc);
    if (d) p.description = d;
    const tags = otherTags(doc);
    if (tags) p.tags = tags;
  }

  for (const m of meta.maps) {
    const doc = docs?.vars.get(m.name);
    if (!doc) continue;
    const d = descriptionOf(doc);
    if (d) m.description = d;
    if (doc.tags.sample !== undefined) {
      if (isEventMap({ typeName: m.type }))
        throw tagError(doc, `@sample on ${m.name}: a ${m.type} map is read as events, not sampled`);
      m.sample = parseSample(doc.tags.sample, doc, m.name, warnings);
    }
    const tags = otherTags(doc);
    if (tags) m.tags = tags;
  }

  const longs = new Map<string, string>();
  const shorts = new Map<string, string>();
  for (const g of meta.globals) {
    const doc = docs?.vars.get(g.name);
    const spec_ = spec.globals.find((x) => x.name === g.name);
    if (doc) {
      const d = descriptionOf(doc);
      if (d) g.description = d;
      if (doc.tags.cmdarg !== undefined) {
        if (!g.cmdarg || !btf || !spec_)
          throw tagError(doc, `@cmdarg on ${g.name}: a ${g.type} cannot be set from the command line`);
        Object.assign(g.cmdarg, parseCmdArg(doc.tags.cmdarg, doc, g.name, btf, spec_.type));
      }
      const tags = otherTags(doc);
      if (tags) g.tags = tags;
    }
    if (g.cmdarg) {
      const where = doc ? `${doc.file}:${doc.line}: ` : '';
      const prevLong = longs.get(g.cmdarg.long);
      if (prevLong)
        throw new BuildError(`${where}option --${g.cmdarg.long} of ${g.name} is also used by ${prevLong}`, { file: doc?.file });
      longs.set(g.cmdarg.long, g.name);
      if (g.cmdarg.short) {
        const prev = shorts.get(g.cmdarg.short);
        if (prev)
          throw new BuildError(`${where}option -${g.cmdarg.short} of ${g.name} is also used by ${prev}`, { file: doc?.file });
        shorts.set(g.cmdarg.short, g.name);
      }
    }
  }

  const license = docs?.vars.get(licenseVar(spec) ?? 'LICENSE');
  if (license) {
    const d = descriptionOf(license);
    if (d) meta.description = d;
    for (const k of ['brief', 'details', 'version'] as const) {
      const v = license.tags[k];
      if (v !== undefined && v !== true && v !== null) meta[k] = typeof v === 'string' ? v : JSON.stringify(v);
    }
  }

  chooseExportTypes(input, meta, notes);
  return meta;
}

function otherTags(doc: DocComment): Record<string, JsonValue> | undefined {
  const out: Record<string, JsonValue> = {};
  for (const [k, v] of Object.entries(doc.tags)) if (!KNOWN.has(k)) out[k] = v;
  return Object.keys(out).length ? out : undefined;
}

function tagError(doc: DocComment, msg: string): BuildError {
  return new BuildError(`${doc.file}:${doc.line}: ${msg}`, { file: doc.file });
}

function isObject(v: JsonValue): v is { [key: string]: JsonValue } {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

const SAMPLE_TYPES = ['log2_hist', 'linear_hist', 'default_kv'] as const;

/** Checks an `@sample` value: interval (ms, required), type, unit, clear_map, and linear_hist's base/step. */
export function parseSample(v: JsonValue, doc: DocComment, map: string, warnings: string[] = []): SampleMeta {
  if (!isObject(v))
    throw tagError(doc, `@sample of ${map} must be a JSON object like {"interval": 1000, "type": "log2_hist"}`);
  const interval = v.interval;
  if (typeof interval !== 'number' || !(interval > 0))
    throw tagError(doc, `@sample of ${map}: "interval" (milliseconds, > 0) is required`);
  const type = v.type ?? 'default_kv';
  if (typeof type !== 'string' || !(SAMPLE_TYPES as readonly string[]).includes(type))
    throw tagError(doc, `@sample of ${map}: "type" must be one of ${SAMPLE_TYPES.join(', ')}`);
  const out: SampleMeta = { interval, type: type as SampleMeta['type'] };
  if (v.unit !== undefined) {
    if (typeof v.unit !== 'string') throw tagError(doc, `@sample of ${map}: "unit" must be a string`);
    out.unit = v.unit;
  }
  if (v.clear_map !== undefined) {
    if (typeof v.clear_map !== 'boolean') throw tagError(doc, `@sample of ${map}: "clear_map" must be true or false`);
    out.clearMap = v.clear_map;
  }
  for (const k of ['base', 'step'] as const) {
    const x = v[k];
    if (x === undefined) continue;
    if (typeof x !== 'number' || !Number.isInteger(x) || (k === 'step' && x <= 0))
      throw tagError(doc, `@sample of ${map}: "${k}" must be an integer${k === 'step' ? ' > 0' : ''}`);
    out[k] = x;
  }
  for (const k of Object.keys(v))
    if (!['interval', 'type', 'unit', 'clear_map', 'base', 'step'].includes(k))
      warnings.push(`${doc.file}:${doc.line}: @sample of ${map}: unknown key "${k}" ignored`);
  return out;
}

/** Checks a `@cmdarg` value; `default` must be a valid value of the global's type. */
export function parseCmdArg(
  v: JsonValue,
  doc: DocComment,
  name: string,
  btf: Btf,
  typeId: number,
): Partial<CmdArg> {
  if (!isObject(v))
    throw tagError(doc, `@cmdarg of ${name} must be a JSON object like {"short": "p", "long": "pid"}`);
  const out: Partial<CmdArg> = {};
  for (const [k, x] of Object.entries(v)) {
    switch (k) {
      case 'long':
        if (typeof x !== 'string' || !/^[A-Za-z0-9][\w-]*$/.test(x))
          throw tagError(doc, `@cmdarg of ${name}: "long" must be an option name like "pid"`);
        out.long = x;
        break;
      case 'short':
        if (typeof x !== 'string' || !/^[A-Za-z0-9]$/.test(x))
          throw tagError(doc, `@cmdarg of ${name}: "short" must be exactly one letter or digit`);
        out.short = x;
        break;
      case 'help':
        if (typeof x !== 'string') throw tagError(doc, `@cmdarg of ${name}: "help" must be a string`);
        out.help = x;
        break;
      case 'default':
        if (typeof x !== 'string' && typeof x !== 'number' && typeof x !== 'boolean')
          throw tagError(doc, `@cmdarg of ${name}: "default" must be a number, string or boolean`);
        try {
          encodeValue(btf, typeId, x as Encodable, `default of ${name}`);
        } catch (e) {
          if (e instanceof BadValueError) throw tagError(doc, `@cmdarg ${e.message}`);
          throw e;
        }
        out.default = x;
        break;
      default:
        throw tagError(doc, `@cmdarg of ${name}: unknown key "${k}" (known: default, short, long, help)`);
    }
  }
  return out;
}

/** The variable in the "license" section (LICENSE by convention). */
function licenseVar(spec: ObjectSpec): string | undefined {
  const ds = spec.btf?.byName('license', 'datasec')[0];
  if (!ds || ds.kind !== 'datasec' || !spec.btf) return undefined;
  const v = ds.vars[0] && spec.btf.type(ds.vars[0].type);
  return v?.kind === 'var' ? v.name : undefined;
}
