/**
 * Metrics fed by events: for every decoded record a counter grows by one (or by a field's value), a
 * gauge takes a field's value, a histogram observes one. Labels come from event fields through
 * decoders (decoders.ts); series are capped (series.ts). Start-up checks against the event's BTF
 * type raise located ConfigErrors: a label or value from a field the event lacks, a decoder that
 * cannot read its field, a value that is not a number. No kernel: records arrive decoded.
 */
import type { Btf } from '../btf/btf.js';
import type { Decoded } from '../btf/decode.js';
import type { ConfigLocator } from './config.js';
import type { EventMetricConfig, LabelConfig } from './config-types.js';
import {
  DecodeFailure,
  checkPipeline,
  labelDecoder,
  plain,
  type DecoderEnv,
  type LabelDecoder,
} from './decoders.js';
import { HistogramState, scaler, type Cell, type MetricFamily, type SeriesValue } from './families.js';
import { accessor, fieldAt, isNumeric, toNumber, type FieldInfo } from './fields.js';
import { SEP, SeriesTable } from './series.js';

/** Counters a program's event path keeps (read by the self-metrics). */
export interface EventStats {
  /** Records that could not be decoded, or field values a decoder could not handle. */
  decodeErrors: number;
}

/** The event type a metric reads: BTF and the struct's type id, with a name for messages. */
export interface EventTypeRef {
  btf: Btf;
  typeId: number;
  /** E.g. "struct event" of map "events". */
  describe: string;
}

interface CompiledLabel {
  get: (v: Decoded) => Decoded | undefined;
  decode: LabelDecoder;
}

/**
 * Resolves a label against a struct type (or, with `whole`, reads the value whole: a scalar map
 * key); throws a located ConfigError when it cannot work.
 */
export function compileLabel(
  l: LabelConfig,
  t: EventTypeRef,
  loc: ConfigLocator,
  env: DecoderEnv | undefined,
  whole?: FieldInfo,
): CompiledLabel {
  const f = whole ?? fieldAt(t.btf, t.typeId, l.from);
  if ('error' in f) throw loc.error([...l.at, 'from'], `${t.describe}: ${f.error}`);
  const why = checkPipeline(l.decoders, f);
  if (why) throw loc.error([...l.at, 'decoders'], `${why} ('${l.from}' is ${f.typeName})`);
  return { get: whole ? (v) => v : accessor(l.from), decode: labelDecoder(l.decoders, f, env) };
}

/** Label values of a record joined into a series key; undefined when a decoder drops the record. */
export function labelKey(labels: CompiledLabel[], v: Decoded, stats: EventStats): string | undefined {
  let key = '';
  for (let i = 0; i < labels.length; i++) {
    const l = labels[i];
    const raw = l.get(v);
    let s: string | undefined;
    try {
      s = l.decode(raw);
    } catch (e) {
      if (!(e instanceof DecodeFailure)) throw e;
      stats.decodeErrors++;
      s = plain(raw);
    }
    if (s === undefined) return undefined;
    key = i === 0 ? s : key + SEP + s;
  }
  return key;
}

type Series = Cell | HistogramState;

/** One metric fed by the records of one event map. */
export class EventMetric implements MetricFamily {
  readonly name: string;
  readonly help: string;
  readonly kind: EventMetricConfig['kind'];
  readonly labelNames: readonly string[];
  readonly bounds?: readonly number[];
  readonly table: SeriesTable<Series>;
  private readonly labels: CompiledLabel[];
  private readonly value?: (v: Decoded) => Decoded | undefined;
  private readonly scale: (x: number) => number;

  constructor(
    cfg: EventMetricConfig,
    type: EventTypeRef,
    loc: ConfigLocator,
    private readonly stats: EventStats,
    env?: DecoderEnv,
  ) {
    this.name = cfg.name;
    this.help = cfg.help;
    this.kind = cfg.kind;
    this.labelNames = cfg.labels.map((l) => l.name);
    this.labels = cfg.labels.map((l) => compileLabel(l, type, loc, env));
    this.scale = scaler(cfg.multiplier);
    if (cfg.valueFrom !== undefined) {
      const f = fieldAt(type.btf, type.typeId, cfg.valueFrom);
      if ('error' in f) throw loc.error([...cfg.at, 'value_from'], `${type.describe}: ${f.error}`);
      if (!isNumeric(f))
        throw loc.error([...cfg.at, 'value_from'], `'${cfg.valueFrom}' is ${f.typeName}, not a number`);
      this.value = accessor(cfg.valueFrom);
    }
    const bounds = cfg.buckets;
    this.bounds = bounds;
    this.table = new SeriesTable<Series>(
      this.labelNames,
      cfg,
      bounds ? () => new HistogramState(bounds) : () => ({ v: 0 }),
    );
  }

  /** Accounts one decoded record. */
  observe(rec: Decoded, now: number): void {
    const key = this.labels.length ? labelKey(this.labels, rec, this.stats) : '';
    if (key === undefined) return;
    let x = 1;
    if (this.value) {
      x = this.scale(toNumber(this.value(rec)));
      if (!Number.isFinite(x) || (this.kind === 'counter' && x < 0)) {
        this.stats.decodeErrors++;
        return;
      }
    }
    const n = this.labels.length;
    // The label values array is only needed for a new series.
    const s = this.table.touch(key, now) ?? this.table.get(key, n > 1 ? key.split(SEP) : n ? [key] : [], now);
    if (this.kind === 'histogram') (s as HistogramState).observe(x);
    else if (this.kind === 'counter') (s as Cell).v += x;
    else (s as Cell).v = x;
  }

  forEach(fn: (values: readonly string[], value: SeriesValue) => void): void {
    for (const [, e] of this.table.entries()) {
      const s = e.series;
      fn(e.values, s instanceof HistogramState ? s : s.v);
    }
  }
}
