/**
 * Sizes for maps the source leaves for user space to set (`max_entries` or `value_size` 0, as
 * libbpf-tools do for maps sized from pid_max or a stack depth), and checks for sizes given with
 * `--max-entries name=N`. Pure.
 *
 * Defaults, by map type, where 0 would make the kernel refuse the map:
 * - hash, lru_hash, percpu_hash, lru_percpu_hash, lpm_trie, array, percpu_array, queue, stack and
 *   bloom_filter: 10240 entries (the size libbpf-tools give such maps);
 * - stack_trace: 1024 entries of 127 frames (8 bytes each), the kernel's PERF_MAX_STACK_DEPTH;
 * - ringbuf and user_ringbuf: 256 KiB;
 * - perf_event_array keeps 0: libbpf makes it one slot per possible CPU.
 * Other types (task/inode/socket storage, which must be 0, map-in-map, struct_ops…) are left alone.
 */
import { BadValueError, NotFoundError } from '../errors/index.js';
import type { MapSpec } from './object.js';

/** Entries of a hash or array map whose size the source leaves to user space. */
export const DEFAULT_ENTRIES = 10240;
/** Ring buffer size (bytes) when the source leaves it to user space. */
export const DEFAULT_RINGBUF_BYTES = 256 * 1024;
/** Stack-trace maps: entries, and frames per stack (PERF_MAX_STACK_DEPTH). */
export const DEFAULT_STACKS = 1024;
export const DEFAULT_STACK_DEPTH = 127;

const COUNTED = new Set([
  'hash',
  'lru_hash',
  'percpu_hash',
  'lru_percpu_hash',
  'lpm_trie',
  'array',
  'percpu_array',
  'queue',
  'stack',
  'bloom_filter',
]);

/** A size to give a map at load: max_entries and/or value_size. */
export interface MapSize {
  maxEntries?: number;
  valueSize?: number;
}

/** The default size of a map its source leaves unsized, or undefined when it needs none. */
export function defaultMapSize(m: MapSpec): MapSize | undefined {
  const out: MapSize = {};
  if (m.maxEntries === 0) {
    if (COUNTED.has(m.typeName)) out.maxEntries = DEFAULT_ENTRIES;
    else if (m.typeName === 'stack_trace') out.maxEntries = DEFAULT_STACKS;
    else if (m.typeName === 'ringbuf' || m.typeName === 'user_ringbuf')
      out.maxEntries = DEFAULT_RINGBUF_BYTES;
  }
  if (m.valueSize === 0 && m.typeName === 'stack_trace') out.valueSize = DEFAULT_STACK_DEPTH * 8;
  return out.maxEntries !== undefined || out.valueSize !== undefined ? out : undefined;
}

/**
 * Parses `--max-entries name=N` values against the object's `.maps` maps; throws NotFoundError or BadValueError naming
 * the problem (unknown map, not a positive 32-bit integer). A ring buffer's N is bytes; libbpf rounds
 * it up to a power-of-2 number of pages.
 */
export function parseMaxEntries(values: readonly string[], maps: readonly MapSpec[]): Map<string, number> {
  const out = new Map<string, number>();
  const own = maps.filter((m) => m.section === '.maps');
  for (const v of values) {
    const m = /^([^=]+)=(\d+)$/.exec(v);
    if (!m)
      throw new BadValueError(`--max-entries expects name=N, got '${v}'`, {
        target: '--max-entries',
        value: v,
      });
    const map = own.find((x) => x.name === m[1]);
    if (!map)
      throw new NotFoundError(
        `--max-entries: no map '${m[1]}'` +
          (own.length ? ` (maps: ${own.map((x) => x.name).join(', ')})` : ' (the object has no maps)'),
        { what: 'map', key: m[1], available: own.map((x) => x.name) },
      );
    const n = Number(m[2]);
    if (!(n >= 1 && n <= 0xffffffff))
      throw new BadValueError(`--max-entries ${m[1]}: ${m[2]} is not between 1 and 4294967295`, {
        target: `--max-entries ${m[1]}`,
        value: m[2],
        type: '__u32 (1..4294967295)',
      });
    out.set(map.name, n);
  }
  return out;
}
