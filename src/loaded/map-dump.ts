/**
 * `map dump` output in bpftool's formats: for maps with BTF, a pretty JSON-style array of
 * {"key", "value"} objects formatted through BTF (per-CPU maps: "values" with one {"cpu", "value"}
 * per possible CPU); without BTF, hex lines `key: 01 00 00 00  value: …` and `Found N elements`.
 * The JSON mode gives bpftool's `-j` entry objects (hex byte arrays plus "formatted"), one per line.
 * Entries are walked with GET_NEXT_KEY and looked up one by one, in kernel order, as bpftool does.
 */
import { Btf } from '../btf/btf.js';
import { mapLookupElem } from '../sys/bpf.js';
import type { BpfMap } from '../maps/map.js';
import { dumpType, type DumperCtx } from './btf-dumper.js';
import { JsonWriter } from './jsonw.js';
import { loadBtfById } from '../sys/btf-object.js';
import { mapHeaderPlain, mapTypeName } from './map.js';

const STRERROR: Record<number, string> = {
  1: 'Operation not permitted',
  2: 'No such file or directory',
  7: 'Argument list too long',
  12: 'Cannot allocate memory',
  13: 'Permission denied',
  14: 'Bad address',
  16: 'Device or resource busy',
  22: 'Invalid argument',
  28: 'No space left on device',
  95: 'Operation not supported',
};

/** glibc's strerror() text for an errno. */
export function strerror(errno: number): string {
  return STRERROR[errno] ?? `Unknown error ${errno}`;
}

/**
 * bpftool's hex bytes: `%02x` separated by one space, two spaces after every 8th byte, a newline
 * after every 16th.
 */
export function hexBytes(data: Uint8Array): string {
  let out = '';
  for (let i = 0; i < data.length; i++) {
    if (i) out += i % 16 === 0 ? '\n' : i % 8 === 0 ? '  ' : ' ';
    out += data[i].toString(16).padStart(2, '0');
  }
  return out;
}

/** The BTF bpftool formats a map's entries with: vmlinux for struct_ops values, else the map's own. */
export function dumpBtfFor(map: BpfMap): Btf | undefined {
  const i = map.info;
  if (i.btfVmlinuxValueTypeId) return Btf.kernel();
  if (i.btfValueTypeId) return map.btf ?? loadBtfById(i.btfId);
  return undefined;
}

const MAP_OF = new Set(['array_of_maps', 'hash_of_maps', 'prog_array']);

interface Entry {
  key: Uint8Array;
  value?: Uint8Array;
  errno?: number;
}

/** Entries in GET_NEXT_KEY order; failed lookups keep their errno (ENOENT on map-of-maps skipped). */
function* walk(map: BpfMap): Generator<Entry> {
  for (const key of map.keyBytes()) {
    const value = new Uint8Array(map.valueBufSize);
    const r = mapLookupElem(map.fd, key, value);
    if (r === 0) yield { key, value };
    else if (!(r === -2 && MAP_OF.has(map.typeName))) yield { key, errno: -r };
  }
}

/** Hex entry lines as bpftool prints a map without BTF (no trailing count). */
function plainEntry(map: BpfMap, key: Uint8Array, value: Uint8Array): string {
  const { keySize: ks, valueSize: vs } = map;
  if (map.perCpu) {
    let out = ks ? `key:\n${hexBytes(key)}\n` : '';
    if (vs) {
      for (let c = 0; c < map.nValues; c++) {
        const slot = value.subarray(c * map.valueStride, c * map.valueStride + vs);
        out += `value (CPU ${String(c).padStart(2, '0')}):${vs > 16 ? '\n' : ' '}${hexBytes(slot)}\n`;
      }
    }
    return out;
  }
  const breakNames = ks > 16 || vs > 16;
  const singleLine = ks + vs <= 24 && !breakNames;
  let out = '';
  if (ks) out += `key:${breakNames ? '\n' : ' '}${hexBytes(key)}${singleLine ? '  ' : '\n'}`;
  if (vs) out += `value:${breakNames ? '\n' : ' '}${hexBytes(value.subarray(0, vs))}`;
  return out + '\n';
}

/** bpftool's line for an entry whose lookup failed. */
function errorEntry(map: BpfMap, key: Uint8Array, errno: number): string {
  const msg = errno === 2 ? '<no entry>' : strerror(errno);
  const breakNames = map.keySize > 16 || msg.length > 16;
  const singleLine = map.keySize + msg.length <= 24 && !breakNames;
  return `key:${breakNames ? '\n' : ' '}${hexBytes(key)}${singleLine ? '  ' : '\n'}value:${breakNames ? '\n' : ' '}${msg}\n`;
}

/** One {"key", "value"|"values"} object through BTF (bpftool's do_dump_btf). */
function btfEntry(ctx: DumperCtx, map: BpfMap, key: Uint8Array, value: Uint8Array): void {
  const { w } = ctx;
  const i = map.info;
  w.startObject();
  if (i.btfKeyTypeId) {
    w.name('key');
    if (!dumpType(ctx, i.btfKeyTypeId, key)) {
      w.endObject();
      return;
    }
  }
  const valueType = i.btfVmlinuxValueTypeId || i.btfValueTypeId;
  if (!map.perCpu) {
    w.name('value');
    dumpType(ctx, valueType, value);
  } else {
    w.name('values');
    w.startArray();
    for (let c = 0; c < map.nValues; c++) {
      w.startObject();
      w.field('cpu', String(c));
      w.name('value');
      const ok = dumpType(ctx, valueType, value.subarray(c * map.valueStride));
      w.endObject();
      if (!ok) break;
    }
    w.endArray();
  }
  w.endObject();
}

/** The map fields bpftool writes before "elements" when one dump covers several maps. */
function headerJson(w: JsonWriter, map: BpfMap): void {
  const i = map.info;
  w.field('id', String(i.id));
  const type = mapTypeName(i.type);
  if (type) {
    w.name('type');
    w.string(type);
  } else w.field('type', String(i.type));
  if (i.name) {
    w.name('name');
    w.string(i.name);
  }
  w.field('flags', String(i.flags | 0));
}

/** Hex entries of a map without BTF, then `Found N element(s)`. */
function hexDump(map: BpfMap): string {
  let out = '';
  let n = 0;
  for (const e of walk(map)) {
    if (e.value) {
      out += plainEntry(map, e.key, e.value);
      n++;
    } else out += errorEntry(map, e.key, e.errno ?? 0);
  }
  return `${out}Found ${n} element${n !== 1 ? 's' : ''}\n`;
}

/** The entries of `map` into the pretty BTF writer (hex lines inside it when there is no value type). */
function btfDump(w: JsonWriter, map: BpfMap): void {
  const btf = dumpBtfFor(map);
  w.startArray();
  for (const e of walk(map)) {
    if (!e.value) w.out += errorEntry(map, e.key, e.errno ?? 0);
    else if (btf) btfEntry({ w, btf, plainText: true }, map, e.key, e.value);
    else w.out += plainEntry(map, e.key, e.value);
  }
  w.endArray();
}

/**
 * `bpftool map dump` plain output. When every map has a BTF id: the pretty BTF array (several maps:
 * an array of {id, type, name, flags, elements}); otherwise hex lines and `Found N elements` per
 * map (several maps: each after its `map show` header line, separated by blank lines).
 */
export function formatMapDumpPlain(maps: BpfMap | BpfMap[]): string {
  const list = Array.isArray(maps) ? maps : [maps];
  const several = list.length > 1;
  if (!list.every((m) => m.info.btfId)) {
    return list.map((m) => (several ? mapHeaderPlain(m.info) : '') + hexDump(m)).join('\n');
  }
  const w = new JsonWriter(true);
  if (several) w.startArray();
  for (const m of list) {
    if (several) {
      w.startObject();
      headerJson(w, m);
      w.name('elements');
    }
    btfDump(w, m);
    if (several) w.endObject();
  }
  if (several) w.endArray();
  return w.finish();
}

/**
 * bpftool's `-j map dump` for several maps: one compact object per map, {id, type, name, flags,
 * elements: [entry objects as mapDumpJsonLines gives them]}.
 */
export function mapDumpJsonObject(map: BpfMap): string {
  const w = new JsonWriter(false);
  w.startObject();
  headerJson(w, map);
  w.name('elements');
  w.raw(`[${[...mapDumpJsonLines(map)].join(',')}]`);
  w.endObject();
  return w.out;
}

function hexArray(w: JsonWriter, data: Uint8Array): void {
  w.startArray();
  for (const b of data) w.raw(`"0x${b.toString(16).padStart(2, '0')}"`);
  w.endArray();
}

/**
 * bpftool's `-j map dump` entry objects, one compact JSON text per entry: "key" and "value" as
 * arrays of "0xNN" strings (per-CPU: "values": [{"cpu", "value"}]), plus "formatted" through BTF
 * when the map has a value type; failed lookups give {"key", "value": {"error": …}}.
 */
export function* mapDumpJsonLines(map: BpfMap): Generator<string> {
  const btf = map.info.btfId ? dumpBtfFor(map) : undefined;
  for (const e of walk(map)) {
    const w = new JsonWriter(false);
    w.startObject();
    w.name('key');
    hexArray(w, e.key);
    if (!e.value) {
      w.name('value');
      w.startObject();
      w.name('error');
      w.string(strerror(e.errno ?? 0));
      w.endObject();
    } else if (!map.perCpu) {
      w.name('value');
      hexArray(w, e.value.subarray(0, map.valueSize));
    } else {
      w.name('values');
      w.startArray();
      for (let c = 0; c < map.nValues; c++) {
        w.startObject();
        w.field('cpu', String(c));
        w.name('value');
        hexArray(w, e.value.subarray(c * map.valueStride, c * map.valueStride + map.valueSize));
        w.endObject();
      }
      w.endArray();
    }
    if (e.value && btf) {
      w.name('formatted');
      btfEntry({ w, btf, plainText: false }, map, e.key, e.value);
    }
    w.endObject();
    yield w.out;
  }
}
