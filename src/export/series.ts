/**
 * A metric's series table with a cardinality cap: up to `maxSeries` label sets get a series of
 * their own; past that, new label sets fold into one series whose every label is `other`, and the
 * fold is counted. Idle series expire after `ttlMs` (0: never), which frees their places. Label
 * values are kept joined by NUL (the decoders never produce NUL: C strings end there) as the key.
 * Pure user-space bookkeeping; no kernel.
 */
import type { SeriesLimits } from './config-types.js';

/** Value of every label of the overflow series. */
export const OTHER = 'other';
/** Separator of label values in series keys. */
export const SEP = '\u0000';

/** One series: its label values, its payload and when it was last touched. */
export interface Entry<S> {
  readonly values: readonly string[];
  readonly series: S;
  seen: number;
  /** True for the overflow series when it was created by folding (it does not count against the cap). */
  readonly folded: boolean;
}

/** Series of one metric, capped. */
export class SeriesTable<S> {
  private readonly map = new Map<string, Entry<S>>();
  private readonly otherKey: string;
  private readonly otherValues: readonly string[];
  /** Series holding a place under the cap. */
  private admitted = 0;
  /** Samples (or map entries) folded into `other` so far. */
  dropped = 0;

  constructor(
    readonly labelNames: readonly string[],
    readonly limits: SeriesLimits,
    private readonly make: () => S,
  ) {
    this.otherValues = labelNames.map(() => OTHER);
    this.otherKey = this.otherValues.join(SEP);
  }

  /** Number of series (the overflow series included). */
  get size(): number {
    return this.map.size;
  }

  /**
   * The series for label values `values` (already joined into `key`), created when there is room,
   * else the overflow series (and `dropped` grows by one).
   */
  get(key: string, values: readonly string[], now: number): S {
    const e = this.map.get(key);
    if (e) {
      e.seen = now;
      return e.series;
    }
    return this.add(key, values, now);
  }

  /** The existing series for `key`, marked as seen; undefined when there is none yet. */
  touch(key: string, now: number): S | undefined {
    const e = this.map.get(key);
    if (!e) return undefined;
    e.seen = now;
    return e.series;
  }

  /** Whether `key` has a series of its own (no side effects). */
  has(key: string): boolean {
    return this.map.has(key);
  }

  /**
   * The series for `key`, created when there is room; undefined when the cap is reached (nothing is
   * counted: the caller folds the sample itself).
   */
  tryGet(key: string, values: readonly string[], now: number): S | undefined {
    const e = this.map.get(key);
    if (e) {
      e.seen = now;
      return e.series;
    }
    if (this.admitted >= this.limits.maxSeries && this.labelNames.length > 0) return undefined;
    const added: Entry<S> = { values, series: this.make(), seen: now, folded: false };
    this.map.set(key, added);
    this.admitted++;
    return added.series;
  }

  private add(key: string, values: readonly string[], now: number): S {
    const s = this.tryGet(key, values, now);
    if (s !== undefined) return s;
    this.dropped++;
    let other = this.map.get(this.otherKey);
    if (!other) {
      other = { values: this.otherValues, series: this.make(), seen: now, folded: true };
      this.map.set(this.otherKey, other);
    }
    other.seen = now;
    return other.series;
  }

  /** Removes `key`'s series (its place under the cap is freed). */
  delete(key: string): void {
    const e = this.map.get(key);
    if (!e) return;
    this.map.delete(key);
    if (!e.folded) this.admitted--;
  }

  /** Drops series idle for longer than the TTL; returns how many went. */
  expire(now: number): number {
    const ttl = this.limits.ttlMs;
    if (!ttl) return 0;
    let n = 0;
    for (const [k, e] of this.map) {
      if (now - e.seen > ttl) {
        this.delete(k);
        n++;
      }
    }
    return n;
  }

  /** Every series, in creation order. */
  entries(): IterableIterator<[string, Entry<S>]> {
    return this.map.entries();
  }

  /** Removes every series. */
  clear(): void {
    this.map.clear();
    this.admitted = 0;
  }
}
