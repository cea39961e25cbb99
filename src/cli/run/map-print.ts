/**
 * How `bpfkit run` prints a map's contents, shared by `@sample` maps and the maps printed at exit:
 * entries decoded through BTF (IP addresses as text, per-CPU values summed), log2/linear histograms
 * in libbpf-tools' layout, key/value tables, and one `{"map", "key", "value"}` JSON object per entry.
 * Needs the loaded map's fd.
 */
import type { BpfObject } from '../../object/collection.js';
import type { ObjectSpec, MapSpec } from '../../spec/object.js';
import type { Btf } from '../../btf/btf.js';
import { BpfMap, type MapItem, type MapValue } from '../../maps/map.js';
import { mapInfo } from '../../sys/objinfo.js';
import { printLinearHist, printLog2Hist, type Slot } from '../../maps/histogram.js';
import { toJson, type Decoded } from '../../btf/decode.js';
import { addressDecoder } from '../../btf/addresses.js';
import { TableWriter, cellText, type Column } from '../output/table.js';

/** The member of a histogram value that holds the slots (eunomia's and libbpf-tools' name). */
export const SLOTS = 'slots';

/** One entry as read: the raw key (to delete or reset it) and the decoded key and value. */
export interface Entry {
  keyBytes: Uint8Array;
  key: MapItem;
  value: MapItem;
}

/** How a histogram is printed. */
export interface HistogramFormat {
  type: 'log2_hist' | 'linear_hist';
  unit: string;
  base?: number;
  step?: number;
}

/** A loaded map of the object, opened for reading (the object owns the fd: never closed here). */
export class PrintedMap {
  readonly map: BpfMap;

  constructor(
    obj: BpfObject,
    spec: ObjectSpec,
    readonly ms: MapSpec,
  ) {
    const fd = obj.map(ms.name).fd;
    this.map = new BpfMap(fd, mapInfo(fd), {
      btf: spec.btf ?? false,
      keyType: ms.keyType,
      valueType: ms.valueType,
    });
  }

  get name(): string {
    return this.ms.name;
  }

  /** Whether the map is an array (entries cannot be deleted, only zeroed). */
  get isArray(): boolean {
    return this.ms.typeName === 'array' || this.ms.typeName === 'percpu_array';
  }

  /** Current entries, in kernel order; with `skipZero`, entries whose value bytes are all zero are left out. */
  entries(skipZero = false): Entry[] {
    const out: Entry[] = [];
    for (const [k, v] of this.map.lookupBatchBytes()) {
      if (skipZero && v.every((b) => b === 0)) continue;
      out.push({ keyBytes: k, key: this.decodeKey(k), value: this.decodeValue(v) });
    }
    return out;
  }

  /** Empties the entries: deleted from hash maps, zeroed in arrays. */
  clear(entries: Entry[]): void {
    const zero = new Uint8Array(this.map.valueBufSize);
    for (const e of entries) {
      if (this.isArray) this.map.update(e.keyBytes, zero);
      else this.map.delete(e.keyBytes);
    }
  }

  private decodeKey(k: Uint8Array): MapItem {
    const { btf, keyType } = this.map;
    return btf && keyType ? addressDecoder(btf, keyType)(k) : this.map.decodeKey(k);
  }

  private decodeValue(v: Uint8Array): MapItem {
    const { btf, valueType } = this.map;
    if (btf && valueType && !this.map.perCpu && btf.resolve(valueType).kind !== 'datasec')
      return addressDecoder(btf, valueType)(v.subarray(0, this.map.valueSize));
    return merged(this.map, this.map.decodeValue(v));
  }
}

/**
 * Whether values of BTF type `valueType` are histograms: a struct with an integer `slots` array, or
 * an array of integers.
 */
export function isHistogramType(btf: Btf | undefined, valueType: number): boolean {
  if (!btf || !valueType) return false;
  const t = btf.resolve(valueType);
  if (t.kind === 'struct' || t.kind === 'union') {
    const m = t.members.find((x) => x.name === SLOTS);
    return m !== undefined && isIntArray(btf, m.type);
  }
  return isIntArray(btf, valueType);
}

function isIntArray(btf: Btf, typeId: number): boolean {
  const t = btf.resolve(typeId);
  if (t.kind !== 'array') return false;
  const e = btf.resolve(t.type);
  // One-byte elements decode as text.
  return e.kind === 'int' && !e.bool && e.size >= 2;
}

/**
 * Histogram text of each entry: with several entries a `key = …` line first, then the value's other
 * members as `name = …` lines, then the histogram ('' for a histogram with no counts).
 */
export function histogramText(entries: Entry[], f: HistogramFormat): string {
  let text = '';
  const showKey = entries.length > 1;
  for (const e of entries) {
    const value = Array.isArray(e.value)
      ? { [SLOTS]: e.value }
      : (e.value as { [f: string]: Decoded } | Uint8Array);
    if (value instanceof Uint8Array) continue;
    const slots = (value[SLOTS] as Slot[] | undefined) ?? [];
    if (showKey) text += `key = ${cell(e.key)}\n`;
    for (const [name, x] of Object.entries(value)) if (name !== SLOTS) text += `${name} = ${cell(x)}\n`;
    text +=
      f.type === 'log2_hist'
        ? printLog2Hist(slots, f.unit)
        : printLinearHist(slots, f.base ?? 0, f.step ?? 1, f.unit);
    if (showKey) text += '\n';
  }
  return text;
}

/** One `{"map", "key", "value"}` JSON line per entry (64-bit integers as exact JSON numbers). */
export function jsonLines(map: string, entries: Entry[]): string {
  const name = JSON.stringify(map);
  return entries.map((e) => `{"map":${name},"key":${json(e.key)},"value":${json(e.value)}}\n`).join('');
}

/**
 * A key/value table with a header: a column per key field, then per value field (a scalar key or
 * value is one KEY or VALUE column), each as wide as its widest cell; numbers right-aligned.
 */
export function kvTable(entries: Entry[]): string {
  const rows = entries.map((e) => [...fieldsOf(e.key, 'KEY'), ...fieldsOf(e.value, 'VALUE')]);
  if (rows.length === 0) return '';
  const columns: Column[] = rows[0].map(([name, x], i) => ({
    name,
    width: Math.max(name.length, ...rows.map((r) => cellText(r[i]?.[1] ?? '').length)),
    right: typeof x === 'number' || typeof x === 'bigint',
  }));
  let text = '';
  const table = new TableWriter(columns, (s) => (text += s), false);
  table.header();
  for (const r of rows) table.row(r.map(([, x]) => x));
  return text;
}

/**
 * Entries by value, largest first (a struct value by its first numeric member); equal or non-numeric
 * values by key, smallest first.
 */
export function byValue(entries: Entry[]): Entry[] {
  return [...entries].sort((a, b) => {
    const va = sortValue(a.value);
    const vb = sortValue(b.value);
    if (va !== undefined && vb !== undefined && va !== vb) return va > vb ? -1 : 1;
    return byKeyOrder(a, b);
  });
}

/** Entries by key, smallest first (numbers numerically, anything else by its text). */
export function byKey(entries: Entry[]): Entry[] {
  return [...entries].sort(byKeyOrder);
}

function byKeyOrder(a: Entry, b: Entry): number {
  const ka = sortValue(a.key);
  const kb = sortValue(b.key);
  if (ka !== undefined && kb !== undefined) return ka < kb ? -1 : ka > kb ? 1 : 0;
  const ta = cell(a.key);
  const tb = cell(b.key);
  return ta < tb ? -1 : ta > tb ? 1 : 0;
}

function sortValue(v: MapItem): number | bigint | undefined {
  if (typeof v === 'number' || typeof v === 'bigint') return v;
  if (typeof v === 'object' && !Array.isArray(v) && !(v instanceof Uint8Array)) {
    const first = Object.values(v).find((x) => typeof x === 'number' || typeof x === 'bigint');
    return first as number | bigint | undefined;
  }
  return undefined;
}

/** A value; per-CPU values (one per possible CPU) summed into one, memberwise. Raw bytes stay as they are. */
export function merged(map: BpfMap, v: MapValue): MapItem {
  if (!map.perCpu || !Array.isArray(v) || v.length === 0) return v as MapItem;
  if (v.some((x) => x instanceof Uint8Array)) return v[0];
  return (v as Decoded[]).reduce((a, b) => add(a, b));
}

function add(a: Decoded, b: Decoded): Decoded {
  if (typeof a === 'number' && typeof b === 'number') return a + b;
  if (typeof a === 'bigint' && typeof b === 'bigint') return a + b;
  if (Array.isArray(a) && Array.isArray(b)) return a.map((x, i) => add(x, b[i]));
  if (typeof a === 'object' && typeof b === 'object' && !Array.isArray(a) && !Array.isArray(b)) {
    const out: { [f: string]: Decoded } = {};
    for (const k of Object.keys(a)) out[k] = add(a[k], b[k]);
    return out;
  }
  return a;
}

/** Columns of a key or value: a struct's fields by name, a scalar under `fallback`. */
export function fieldsOf(v: MapItem, fallback: string): [string, Decoded][] {
  if (v instanceof Uint8Array) return [[fallback, hex(v)]];
  if (typeof v === 'object' && !Array.isArray(v))
    return Object.entries(v).map(([k, x]) => [k.toUpperCase(), x] as [string, Decoded]);
  return [[fallback, v]];
}

function hex(v: Uint8Array): string {
  return Buffer.from(v).toString('hex');
}

function json(v: MapItem): string {
  return v instanceof Uint8Array ? JSON.stringify(hex(v)) : toJson(v);
}

function cell(v: MapItem | Decoded): string {
  if (v instanceof Uint8Array) return hex(v);
  return typeof v === 'object' ? toJson(v) : String(v);
}
