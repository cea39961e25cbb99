/**
 * Turns a parsed config (config-schema.ts) into the normalized ExportConfig: one program source
 * resolved to a file or inline text, help texts, label `from` defaults, decoder steps as objects,
 * histogram bounds computed, limits defaulted, and the checks the schema cannot express (duplicate
 * names, `le` on a histogram, a regex that does not compile, settings of the wrong metric type).
 */
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type {
  RawConfig,
  RawDecoder,
  RawEventBuckets,
  RawLabel,
  RawMapMetric,
  RawProgram,
  RawSlotBuckets,
} from './config-schema.js';
import type { ConfigLocator, ConfigPath } from './config.js';
import { tidy } from './families.js';
import {
  DEFAULT_MAX_SERIES,
  type DecoderConfig,
  type EventMetricConfig,
  type ExportConfig,
  type LabelConfig,
  type MapMetricConfig,
  type ProgramConfig,
  type ProgramSource,
  type SeriesLimits,
  type SlotLayout,
} from './config-types.js';

const SELF_PREFIX = 'bpfkit_';
/** Most finite buckets a histogram may have (each is a series per label set). */
const MAX_BUCKETS = 256;

interface Ctx {
  loc: ConfigLocator;
  dir: string;
  defaults: SeriesLimits;
  /** Sample names already taken, with the metric that took them. */
  names: Map<string, string>;
}

/** Normalizes `raw`; `dir` is the config file's directory. Throws ConfigError. */
export function normalize(raw: RawConfig, loc: ConfigLocator, dir: string): ExportConfig {
  const defaults: SeriesLimits = {
    maxSeries: raw.max_series ?? DEFAULT_MAX_SERIES,
    ttlMs: raw.series_ttl === undefined ? 0 : durationMs(raw.series_ttl),
  };
  const ctx: Ctx = { loc, dir, defaults, names: new Map() };
  const seen = new Set<string>();
  const programs = raw.programs.map((p, i) => {
    const at = ['programs', i];
    if (seen.has(p.name)) throw loc.error([...at, 'name'], `a second program named '${p.name}'`);
    seen.add(p.name);
    return program(ctx, p, at);
  });
  return { file: loc.file, listen: raw.listen, programs, locator: loc };
}

/** Milliseconds of a duration as the schema accepts it. */
export function durationMs(v: number | string): number {
  if (typeof v === 'number') return v * 1000;
  const m = /^(\d+(?:\.\d+)?)(ms|s|m|h)$/.exec(v)!;
  return Number(m[1]) * { ms: 1, s: 1000, m: 60_000, h: 3_600_000 }[m[2] as 'ms' | 's' | 'm' | 'h'];
}

function program(ctx: Ctx, p: RawProgram, at: ConfigPath): ProgramConfig {
  const m = p.metrics ?? {};
  const events: EventMetricConfig[] = [];
  const kinds = [
    ['counters', 'counter'],
    ['gauges', 'gauge'],
    ['histograms', 'histogram'],
  ] as const;
  for (const [key, kind] of kinds)
    (m[key] ?? []).forEach((x, i) => events.push(eventMetric(ctx, kind, x, [...at, 'metrics', key, i])));
  const maps = (m.maps ?? []).map((x, i) => mapMetric(ctx, x, [...at, 'metrics', 'maps', i]));
  return {
    name: p.name,
    source: programSource(ctx, p, at),
    options: p.options ?? {},
    eventType: p.event_type,
    btf: p.btf === undefined ? undefined : resolve(ctx.dir, p.btf),
    perfBufferPages: perfPages(ctx, p.perf_buffer_pages, [...at, 'perf_buffer_pages']),
    events,
    maps,
    at,
  };
}

function perfPages(ctx: Ctx, n: number | undefined, at: ConfigPath): number | undefined {
  if (n !== undefined && (n & (n - 1)) !== 0)
    throw ctx.loc.error(at, `${n} is not a power of two (pages of each CPU's perf ring)`);
  return n;
}

function programSource(ctx: Ctx, p: RawProgram, at: ConfigPath): ProgramSource {
  const given = (['package', 'object', 'tool', 'compiled_ebpf_filename'] as const).filter(
    (k) => p[k] !== undefined,
  );
  if (p.ebpf_data) given.push('ebpf_data' as never);
  if (given.length > 1)
    throw ctx.loc.error(
      [...at, given[1]],
      `give one of package, object, tool or compiled_ebpf_filename, not ${given.join(' and ')}`,
    );
  if (given.length === 0)
    throw ctx.loc.error(at, 'names no program: give package, object, tool or compiled_ebpf_filename');
  const key = given[0] as string;
  if (key === 'ebpf_data') return { kind: 'inline', text: p.ebpf_data! };
  if (key === 'tool') return { kind: 'tool', name: p.tool! };
  const file = p[key as 'package' | 'object' | 'compiled_ebpf_filename']!;
  return { kind: 'file', path: findFile(ctx, file, p.name, [...at, key]) };
}

/**
 * Relative paths are tried against the config's directory, then the working directory (where
 * eunomia-exporter looks). A missing `package.json` (what ecc writes) falls back to the
 * `<name>.bpfkit.json` that `bpfkit build` writes beside it, so tutorial configs run as written.
 */
function findFile(ctx: Ctx, file: string, name: string, at: ConfigPath): string {
  if (/^https?:\/\//.test(file)) return file;
  const ecc = file.replace(/.*\//, '') === 'package.json';
  const tries = [resolve(ctx.dir, file), resolve(file)].flatMap((t) =>
    ecc ? [t, join(t, '..', `${name}.bpfkit.json`)] : [t],
  );
  const found = tries.find((t) => existsSync(t));
  if (!found)
    throw ctx.loc.error(at, `${file}: no such file (looked in ${ctx.dir} and the working directory)`);
  return found;
}

function limits(ctx: Ctx, x: { max_series?: number; series_ttl?: number | string }): SeriesLimits {
  return {
    maxSeries: x.max_series ?? ctx.defaults.maxSeries,
    ttlMs: x.series_ttl === undefined ? ctx.defaults.ttlMs : durationMs(x.series_ttl),
  };
}

type RawEvent = {
  name: string;
  help?: string;
  description?: string;
  events?: string;
  labels?: RawLabel[] | null;
  value_from?: string;
  buckets?: RawEventBuckets;
  multiplier?: number;
  max_series?: number;
  series_ttl?: number | string;
};

function eventMetric(
  ctx: Ctx,
  kind: EventMetricConfig['kind'],
  x: RawEvent,
  at: ConfigPath,
): EventMetricConfig {
  claimNames(ctx, kind, x.name, [...at, 'name']);
  if (x.multiplier !== undefined && x.value_from === undefined)
    throw ctx.loc.error([...at, 'multiplier'], 'a multiplier scales value_from, which is not given');
  const labels = labelList(ctx, x.labels ?? [], [...at, 'labels'], kind === 'histogram');
  return {
    kind,
    name: x.name,
    help: x.help || x.description || `${kind} ${x.name}`,
    events: x.events,
    valueFrom: x.value_from,
    labels,
    buckets: x.buckets === undefined ? undefined : eventBuckets(ctx, x.buckets, [...at, 'buckets']),
    multiplier: x.multiplier ?? 1,
    ...limits(ctx, x),
    at,
  };
}

function eventBuckets(ctx: Ctx, b: RawEventBuckets, at: ConfigPath): number[] {
  let out: number[];
  if (Array.isArray(b)) out = b;
  else if ('exp2' in b) {
    const { min, max } = b.exp2;
    if (max < min) throw ctx.loc.error([...at, 'exp2'], `max (${max}) is below min (${min})`);
    out = Array.from({ length: max - min + 1 }, (_, i) => 2 ** (min + i));
  } else {
    const { start, width, count } = b.linear;
    out = Array.from({ length: count }, (_, i) => tidy(start + i * width));
  }
  if (out.length > MAX_BUCKETS) throw ctx.loc.error(at, `${out.length} buckets; at most ${MAX_BUCKETS}`);
  out.forEach((v, i) => {
    if (!Number.isFinite(v)) throw ctx.loc.error(at, 'bucket bounds must be finite (+Inf is always added)');
    if (i && v <= out[i - 1])
      throw ctx.loc.error(at, `bucket bounds must increase (${out[i - 1]} then ${v})`);
  });
  return out;
}

function mapMetric(ctx: Ctx, x: RawMapMetric, at: ConfigPath): MapMetricConfig {
  const base = { kind: x.type, map: x.map, at, ...limits(ctx, x) };
  const labels = labelList(ctx, x.labels ?? [], [...at, 'labels'], x.type === 'histogram');
  if (x.type === 'histogram') {
    for (const k of ['value', 'values'] as const)
      if (x[k] !== undefined) throw ctx.loc.error([...at, k], `not a histogram setting (use slots and sum)`);
    if (!x.name) throw ctx.loc.error(at, 'a histogram needs a name');
    claimNames(ctx, 'histogram', x.name, [...at, 'name']);
    return {
      ...base,
      labels,
      multiplier: x.multiplier ?? 1,
      values: [],
      histogram: {
        name: x.name,
        help: x.help ?? `histogram ${x.name} from map ${x.map}`,
        slots: x.slots ?? 'slots',
        sum: x.sum,
        layout: slotLayout(x.buckets ?? 'log2'),
        multiplier: x.multiplier ?? 1,
        overflow: x.overflow ?? 'last',
      },
    };
  }
  for (const k of ['slots', 'sum', 'buckets', 'overflow'] as const)
    if (x[k] !== undefined) throw ctx.loc.error([...at, k], `only histograms take ${k}`);
  if (x.values && (x.name || x.value))
    throw ctx.loc.error([...at, 'values'], 'give either name (and value) or values, not both');
  if (!x.values && !x.name) throw ctx.loc.error(at, 'needs a name, or values: [{name, from}, …]');
  const values = x.values
    ? x.values.map((v, i) => ({
        name: v.name,
        help: v.help,
        from: v.from ?? v.name,
        at: [...at, 'values', i],
      }))
    : [{ name: x.name!, help: x.help, from: x.value, at }];
  return {
    ...base,
    labels,
    multiplier: x.multiplier ?? 1,
    values: values.map((v) => {
      claimNames(ctx, x.type, v.name, [...v.at, 'name']);
      return { ...v, help: v.help ?? `${x.type} ${v.name} from map ${x.map}` };
    }),
  };
}

function slotLayout(b: RawSlotBuckets): SlotLayout {
  if (b === 'log2' || b === 'exp2') return { type: b };
  return { type: 'linear', start: b.linear.start ?? 0, width: b.linear.width };
}

function labelList(ctx: Ctx, raw: RawLabel[], at: ConfigPath, histogram: boolean): LabelConfig[] {
  const seen = new Set<string>();
  return raw.map((l, i) => {
    const here = [...at, i];
    if (seen.has(l.name)) throw ctx.loc.error([...here, 'name'], `label '${l.name}' given twice`);
    if (histogram && l.name === 'le')
      throw ctx.loc.error([...here, 'name'], "'le' is the bucket label of histograms");
    seen.add(l.name);
    const decoders = (l.decoders ?? []).map((d, j) => decoder(ctx, d, [...here, 'decoders', j]));
    return { name: l.name, from: l.from || l.name, decoders, at: here };
  });
}

function decoder(ctx: Ctx, d: RawDecoder, at: ConfigPath): DecoderConfig {
  if (typeof d === 'string') return { name: d };
  if (d.name === 'regex') {
    try {
      new RegExp(d.match);
    } catch (e) {
      throw ctx.loc.error([...at, 'match'], `not a valid regular expression: ${(e as Error).message}`);
    }
    return { name: 'regex', match: d.match, replace: d.replace, unmatched: d.unmatched ?? 'keep' };
  }
  if (d.name === 'static_map') {
    const map = Object.fromEntries(Object.entries(d.map).map(([k, v]) => [k, String(v)]));
    return { name: 'static_map', map, default: d.default };
  }
  return d as DecoderConfig;
}

/** Reserves the sample names a metric emits, so no two metrics collide in either text format. */
function claimNames(ctx: Ctx, kind: string, name: string, at: ConfigPath): void {
  if (name.startsWith(SELF_PREFIX))
    throw ctx.loc.error(at, `'${name}': names starting with ${SELF_PREFIX} are the exporter's own`);
  const base = kind === 'counter' ? name.replace(/_total$/, '') : name;
  const samples =
    kind === 'counter'
      ? [base, `${base}_total`]
      : kind === 'histogram'
        ? [name, `${name}_bucket`, `${name}_sum`, `${name}_count`]
        : [name];
  for (const s of samples) {
    const owner = ctx.names.get(s);
    if (owner) throw ctx.loc.error(at, `'${name}' clashes with metric '${owner}' (both would write ${s})`);
  }
  for (const s of samples) ctx.names.set(s, name);
}
