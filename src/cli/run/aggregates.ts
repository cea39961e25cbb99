/**
 * The maps a program aggregates into (histograms, counters keyed by pid or syscall), printed by
 * `bpfkit run` at exit and, with `--interval`, every N seconds, as bpftrace prints its maps. A print
 * is a blank line and the time, then each non-empty map under a `name:` line: a log2 histogram in
 * libbpf-tools' layout when its value has a `slots` array (or is an array of integers), else a
 * key/value table sorted by value, largest first. With `--json`, one `{"map", "key", "value"}` object
 * per entry. Values are cumulative. Needs the loaded maps' fds.
 */
import type { BpfObject } from '../../object/collection.js';
import type { ObjectSpec, MapSpec } from '../../spec/object.js';
import type { PackageMeta } from '../../package/types.js';
import type { OutputWriter } from '../output/writer.js';
import { clock } from '../output/table.js';
import { mapsDeletedFrom } from '../../objfile/map-use.js';
import {
  PrintedMap,
  byKey,
  byValue,
  histogramText,
  isHistogramType,
  jsonLines,
  kvTable,
} from './map-print.js';

/** Map types that hold results one can print (others hold programs, sockets, events, stacks…). */
const PRINTABLE = new Set([
  'hash',
  'array',
  'percpu_hash',
  'percpu_array',
  'lru_hash',
  'lru_percpu_hash',
  'lpm_trie',
]);

/** What the histograms' value column is called: nothing says the unit of a map without `@sample`. */
const UNIT = 'value';

/**
 * The maps printed at exit: maps of the `.maps` section of a printable type that `@sample` does not
 * cover, leaving out scratch maps, which hold per-event state rather than results: maps the program
 * deletes entries from (start timestamps by thread id, saved arguments), and one-entry per-CPU
 * arrays whose value is neither a number nor a histogram (a work buffer).
 */
export function aggregateMaps(spec: ObjectSpec, meta?: PackageMeta): MapSpec[] {
  const sampled = new Set(meta?.maps.filter((m) => m.sample).map((m) => m.name) ?? []);
  const scratch = mapsDeletedFrom(spec);
  return spec.maps.filter((m) => {
    if (m.section !== '.maps' && m.section !== 'maps') return false;
    if (!PRINTABLE.has(m.typeName) || sampled.has(m.name) || scratch.has(m.name)) return false;
    if (m.typeName === 'percpu_array' && m.maxEntries === 1) {
      const t = m.valueType && spec.btf ? spec.btf.resolve(m.valueType) : undefined;
      return t?.kind === 'int' || isHistogramType(spec.btf, m.valueType);
    }
    return true;
  });
}

/** Prints the aggregate maps on demand and every `intervalSec` seconds. */
export class AggregatePrinter {
  private readonly maps: { map: PrintedMap; histogram: boolean }[];
  private timer?: NodeJS.Timeout;
  /**
   * Keeps the process alive until the run is stopped: without event maps or an interval nothing else
   * holds Node's event loop, and the exit print would never come.
   */
  private readonly alive: NodeJS.Timeout;

  constructor(
    obj: BpfObject,
    spec: ObjectSpec,
    maps: MapSpec[],
    private readonly json: boolean,
    private readonly out: OutputWriter,
  ) {
    this.maps = maps.map((ms) => ({
      map: new PrintedMap(obj, spec, ms),
      histogram: isHistogramType(spec.btf, ms.valueType),
    }));
    // Last: a constructor that throws must not leave the process held.
    this.alive = setInterval(() => {}, 1 << 30);
  }

  /** Prints every `intervalSec` seconds until stop(). */
  every(intervalSec: number): void {
    this.timer = setInterval(() => this.print(), intervalSec * 1000);
  }

  /** Prints the non-empty maps now (nothing when all are empty). */
  print(): void {
    const parts: string[] = [];
    for (const { map, histogram } of this.maps) {
      // Arrays hold every key from the start: an entry counts once something was stored in it.
      const entries = map.entries(map.isArray);
      if (entries.length === 0) continue;
      const sorted = histogram ? byKey(entries) : byValue(entries);
      if (this.json) parts.push(jsonLines(map.name, sorted));
      else {
        const body = histogram ? histogramText(sorted, { type: 'log2_hist', unit: UNIT }) : kvTable(sorted);
        if (body) parts.push(`${map.name}:\n${body}`);
      }
    }
    if (parts.length === 0) return;
    this.out.write(this.json ? parts.join('') : `\n${clock()}\n${parts.join('\n')}`);
  }

  /** Stops the timers. */
  stop(): void {
    clearInterval(this.alive);
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }
}

/**
 * An AggregatePrinter for the object's aggregate maps, printing every `intervalSec` seconds when
 * given; undefined when the object has none.
 */
export function startAggregates(
  obj: BpfObject,
  spec: ObjectSpec,
  meta: PackageMeta | undefined,
  json: boolean,
  out: OutputWriter,
  intervalSec?: number,
): AggregatePrinter | undefined {
  const maps = aggregateMaps(spec, meta);
  if (maps.length === 0) return undefined;
  const p = new AggregatePrinter(obj, spec, maps, json, out);
  if (intervalSec) p.every(intervalSec);
  return p;
}
