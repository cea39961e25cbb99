/**
 * Metrics read from BPF maps at scrape time: counters and gauges from a map's values (a scalar, one
 * member, or several members of a struct value as several metrics from one read), and histograms
 * from a value's `slots` array exposed as real Prometheus histograms (cumulative `_bucket{le}`,
 * `+Inf` equal to `_count`, `_sum` from a sum member when there is one, and the top slot that
 * programs clamp into counted only in `+Inf`). Per-CPU values are summed; rows whose labels decode
 * alike are summed. Series are capped (series.ts); a key gone from the map frees its place.
 * No kernel: rows arrive read and decoded (source.ts).
 */
import type { Btf } from '../btf/btf.js';
import type { Decoded } from '../btf/decode.js';
import type { ConfigLocator, ConfigPath } from './config.js';
import type { LabelConfig, MapMetricConfig, SlotLayout } from './config-types.js';
import type { DecoderEnv } from './decoders.js';
import { compileLabel, labelKey, type EventStats, type EventTypeRef } from './event-metrics.js';
import { scaler, tidy, type HistogramValue, type MetricFamily, type SeriesValue } from './families.js';
import { accessor, describeType, fieldAt, isNumeric, toNumber, type FieldInfo } from './fields.js';
import { OTHER, SEP, SeriesTable } from './series.js';

/** What the exporter knows about a loaded map. */
export interface MapShape {
  name: string;
  /** 'hash', 'percpu_array', … */
  typeName: string;
  btf: Btf;
  keyType: number;
  valueType: number;
}

/** One entry as read: the decoded key and its value (one per possible CPU for per-CPU maps). */
export interface MapRow {
  key: Decoded;
  values: readonly Decoded[];
}

/** Map types whose entries can be read as metrics. */
const READABLE = new Set(['hash', 'array', 'percpu_hash', 'percpu_array', 'lru_hash', 'lru_percpu_hash']);

/** A series' data for the current read. */
interface Acc {
  present: boolean;
  /** counter/gauge: one per family; histogram: bucket counts (overflow last). */
  v: Float64Array;
  sum: number;
  count: number;
}

/** The metrics of one `maps:` entry, refreshed from each read of the map. */
export class MapMetric {
  readonly families: MetricFamily[];
  readonly table: SeriesTable<Acc>;
  /** Entries folded into `other` (each counted once while it stays in the map). */
  dropped = 0;
  private readonly labels: ReturnType<typeof compileLabel>[];
  private readonly values: ((v: Decoded) => Decoded | undefined)[] = [];
  private readonly hist?: {
    slots: (v: Decoded) => Decoded | undefined;
    sum?: (v: Decoded) => Decoded | undefined;
  };
  private readonly bounds: number[] = [];
  private readonly width: number;
  private readonly scale: (x: number) => number;
  private other: Acc;
  private folded = new Set<string>();

  constructor(
    readonly cfg: MapMetricConfig,
    shape: MapShape,
    loc: ConfigLocator,
    private readonly stats: EventStats,
    env?: DecoderEnv,
  ) {
    if (!READABLE.has(shape.typeName))
      throw loc.error(
        [...cfg.at, 'map'],
        `map '${shape.name}' is a ${shape.typeName} map; metrics read hash and array maps`,
      );
    if (!shape.keyType || !shape.valueType)
      throw loc.error([...cfg.at, 'map'], `map '${shape.name}' has no BTF for its key and value`);
    this.labels = keyLabels(cfg, shape, loc, env);
    const valRef: EventTypeRef = {
      btf: shape.btf,
      typeId: shape.valueType,
      describe: `map '${shape.name}' value (${shape.btf.typeName(shape.valueType)})`,
    };
    let width = cfg.values.length;
    if (cfg.histogram) {
      const h = cfg.histogram;
      const slots = slotsField(shape, valRef, h.slots, loc, [
        ...cfg.at,
        h.slots === 'slots' ? 'map' : 'slots',
      ]);
      const sum = h.sum === undefined ? undefined : numeric(valRef, h.sum, loc, [...cfg.at, 'sum']);
      this.hist = { slots: accessor(h.slots), sum };
      width = slots.size / slots.elemSize;
      const finite = h.overflow === 'last' ? width - 1 : width;
      this.bounds = Array.from({ length: finite }, (_, i) => tidy(slotBound(h.layout, i) * h.multiplier));
    } else {
      for (const v of cfg.values)
        this.values.push(
          v.from === undefined
            ? scalar(valRef, loc, v.at)
            : numeric(valRef, v.from, loc, [...v.at, v.from === v.name ? 'name' : 'from']),
        );
    }
    this.width = width;
    this.scale = scaler(cfg.histogram?.multiplier ?? cfg.multiplier);
    this.table = new SeriesTable<Acc>(this.labelNamesOf(cfg), cfg, () => newAcc(width));
    this.other = newAcc(width);
    this.families = cfg.histogram
      ? [this.family(cfg.histogram.name, cfg.histogram.help, 'histogram', 0)]
      : cfg.values.map((v, i) => this.family(v.name, v.help, cfg.kind, i));
  }

  private labelNamesOf(cfg: MapMetricConfig): string[] {
    return cfg.labels.map((l) => l.name);
  }

  /** Replaces the series with what `rows` (one read of the map) hold. */
  update(rows: readonly MapRow[], now: number): void {
    for (const [, e] of this.table.entries()) reset(e.series);
    const pending: [string, MapRow][] = [];
    for (const row of rows) {
      const key = this.labels.length ? labelKey(this.labels, row.key, this.stats) : '';
      if (key === undefined) continue;
      if (this.table.has(key)) this.add(this.table.tryGet(key, [], now)!, row);
      else pending.push([key, row]);
    }
    for (const [k, e] of [...this.table.entries()]) if (!e.series.present) this.table.delete(k);
    this.other = newAcc(this.width);
    const folded = new Set<string>();
    for (const [key, row] of pending) {
      const values = this.labels.length > 1 ? key.split(SEP) : this.labels.length ? [key] : [];
      const s = this.table.tryGet(key, values, now);
      if (s) this.add(s, row);
      else {
        this.add(this.other, row);
        if (!this.folded.has(key)) this.dropped++;
        folded.add(key);
      }
    }
    this.folded = folded;
  }

  private add(acc: Acc, row: MapRow): void {
    acc.present = true;
    for (const v of row.values) {
      if (!this.hist) {
        for (let i = 0; i < this.values.length; i++) acc.v[i] += toNumber(this.values[i](v));
        continue;
      }
      const slots = this.hist.slots(v) as Decoded[];
      const n = Math.min(slots.length, acc.v.length);
      for (let i = 0; i < n; i++) {
        const c = toNumber(slots[i]);
        acc.v[i] += c;
        acc.count += c;
      }
      if (this.hist.sum) acc.sum += toNumber(this.hist.sum(v));
    }
  }

  private family(name: string, help: string, kind: MapMetricConfig['kind'], index: number): MetricFamily {
    return {
      name,
      help,
      kind,
      observable: true,
      labelNames: this.table.labelNames,
      bounds: this.hist ? this.bounds : undefined,
      forEach: (fn: (values: readonly string[], value: SeriesValue) => void) => {
        for (const [, e] of this.table.entries())
          if (e.series.present) fn(e.values, this.valueOf(e.series, index));
        if (this.other.present)
          fn(
            this.table.labelNames.map(() => OTHER),
            this.valueOf(this.other, index),
          );
      },
    };
  }

  private valueOf(acc: Acc, index: number): SeriesValue {
    if (!this.hist) return this.scale(acc.v[index]);
    const finite = this.bounds.length;
    const counts = new Float64Array(finite + 1);
    for (let i = 0; i < acc.v.length; i++) counts[Math.min(i, finite)] += acc.v[i];
    const value: HistogramValue = {
      counts,
      count: acc.count,
      sum: this.hist.sum ? this.scale(acc.sum) : undefined,
    };
    return value;
  }
}

/** Upper bound (inclusive, in the program's unit) of slot `i` for integer values. */
export function slotBound(layout: SlotLayout, i: number): number {
  switch (layout.type) {
    case 'log2':
      // Slot i holds [2^i, 2^(i+1)) (slot 0 also holds 0): at most 2^(i+1) - 1.
      return 2 ** (i + 1) - 1;
    case 'exp2':
      // Slot i holds (2^(i-1), 2^i]: the ceil-log2 layout.
      return 2 ** i;
    case 'linear':
      return layout.start + (i + 1) * layout.width - 1;
  }
}

function newAcc(width: number): Acc {
  return { present: false, v: new Float64Array(width), sum: 0, count: 0 };
}

function reset(a: Acc): void {
  a.present = false;
  a.v.fill(0);
  a.sum = 0;
  a.count = 0;
}

/** Labels from the key: fields of a struct key, or a scalar key whole (`from: key`). */
function keyLabels(
  cfg: MapMetricConfig,
  shape: MapShape,
  loc: ConfigLocator,
  env: DecoderEnv | undefined,
): ReturnType<typeof compileLabel>[] {
  const key = describeType(shape.btf, shape.keyType);
  const ref: EventTypeRef = {
    btf: shape.btf,
    typeId: shape.keyType,
    describe: `map '${shape.name}' key (${key.typeName})`,
  };
  return cfg.labels.map((l: LabelConfig) => {
    if (key.kind === 'struct') return compileLabel(l, ref, loc, env);
    if (l.from !== 'key')
      throw loc.error(
        [...l.at, 'from'],
        `${ref.describe} is not a struct: a label reads it whole with from: key`,
      );
    return compileLabel(l, ref, loc, env, key);
  });
}

/** The value's slots array; a located error when the value has none. */
function slotsField(
  shape: MapShape,
  ref: EventTypeRef,
  path: string,
  loc: ConfigLocator,
  at: ConfigPath,
): FieldInfo & { elemSize: number } {
  const value = describeType(shape.btf, shape.valueType);
  if (value.kind !== 'struct')
    throw loc.error(at, `${ref.describe} is not a struct with a '${path}' array of counts`);
  const f = fieldAt(shape.btf, shape.valueType, path);
  if ('error' in f) throw loc.error(at, `${ref.describe} has no '${path}' array of counts: ${f.error}`);
  if (f.kind !== 'array' || !isNumeric(describeType(shape.btf, f.elemType!)))
    throw loc.error(at, `'${path}' of ${ref.describe} is ${f.typeName}, not an array of counts`);
  return f as FieldInfo & { elemSize: number };
}

function numeric(
  ref: EventTypeRef,
  path: string,
  loc: ConfigLocator,
  at: ConfigPath,
): (v: Decoded) => Decoded | undefined {
  const f = fieldAt(ref.btf, ref.typeId, path);
  if ('error' in f) throw loc.error(at, `${ref.describe}: ${f.error}`);
  if (!isNumeric(f)) throw loc.error(at, `'${path}' of ${ref.describe} is ${f.typeName}, not a number`);
  return accessor(path);
}

function scalar(ref: EventTypeRef, loc: ConfigLocator, at: ConfigPath): (v: Decoded) => Decoded | undefined {
  const f = describeType(ref.btf, ref.typeId);
  if (!isNumeric(f))
    throw loc.error(at, `${ref.describe} is not a number: name the member to read with value: or values:`);
  return (v) => v;
}
