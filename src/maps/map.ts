/**
 * `BpfMap`: user-space access to a kernel BPF map through its fd — lookup, update, delete,
 * iteration and batched reads — with keys and values encoded/decoded through BTF when the map's
 * key/value type ids are known, and raw bytes otherwise. Per-CPU maps read and write one value per
 * possible CPU, each in a slot rounded up to 8 bytes, as the kernel lays them out.
 */
import { possibleCpus } from '../sys/cpus.js';
import {
  ERRNO,
  UPDATE,
  closeFd,
  fdById,
  mapDeleteElem,
  mapFreeze,
  mapGetNextKey,
  mapLookupBatch,
  mapLookupElem,
  mapUpdateElem,
  objGet,
} from '../sys/bpf.js';
import { mapInfo, type MapInfo } from '../sys/objinfo.js';
import type { Btf } from '../btf/btf.js';
import { decoderFor, type Decoded } from '../btf/decode.js';
import { encodeValue, type Encodable } from '../btf/encode.js';
import { MAP_TYPES, type MapSpec } from '../spec/object.js';
import { BadValueError, NotFoundError, SyscallError } from '../errors/index.js';
import { loadBtfById } from '../sys/btf-object.js';

/** A map key or value as the typed API takes it: raw bytes, or a value encodable through BTF. */
export type MapInput = Uint8Array | Encodable;
/** One decoded value: a BTF-decoded JS value, or raw bytes when the map has no BTF for it. */
export type MapItem = Decoded | Uint8Array;
/** A value as the typed API returns it: per-CPU maps give an array with one item per possible CPU. */
export type MapValue = MapItem | MapItem[];
/** Update flags by name or number (UPDATE.*). */
export type UpdateFlag = 'any' | 'noexist' | 'exist' | number;

/** How BpfMap should get BTF for keys and values. */
export interface BpfMapOptions {
  /** BTF holding keyType/valueType; when omitted, from* loads the map's own BTF unless `btf: false`. */
  btf?: Btf | false;
  keyType?: number;
  valueType?: number;
  /** What the object file declares about the map, when it comes from a loaded object. */
  spec?: MapSpec;
}

const PERCPU_TYPES = new Set(['percpu_hash', 'percpu_array', 'lru_percpu_hash', 'percpu_cgroup_storage']);
let nCpusCache: number | undefined;

/** Number of possible CPUs: the number of value slots of a per-CPU map. */
export function numPossibleCpus(): number {
  nCpusCache ??= possibleCpus().length;
  return nCpusCache;
}

const roundUp8 = (n: number): number => Math.ceil(n / 8) * 8;

/** A kernel map opened by fd. Owns the fd: call close() when done. */
export class BpfMap implements Disposable {
  /** The map's fd, owned by this handle (closed by close()). */
  readonly fd: number;
  /** What the kernel says of the map (BPF_OBJ_GET_INFO_BY_FD): id, type, sizes, flags, name. */
  readonly info: MapInfo;
  /** BTF that keys and values are decoded through, when known. */
  readonly btf?: Btf;
  /** BTF ids of key and value (0 when unknown: raw bytes are used). */
  readonly keyType: number;
  /** BTF id of the value type (0 when unknown: values stay bytes). */
  readonly valueType: number;
  /** Whether values are per CPU (lookups return one value per possible CPU). */
  readonly perCpu: boolean;
  /** Value slots per lookup: possible CPUs for per-CPU maps, else 1. */
  readonly nValues: number;
  /** Distance between per-CPU value slots (value size rounded up to 8), or the value size. */
  readonly valueStride: number;
  /** What the object file declares about the map, when it comes from a loaded object. */
  readonly spec?: MapSpec;
  private closed = false;

  /** Wraps an fd the caller hands over (closed by close()). */
  constructor(fd: number, info: MapInfo, opts: BpfMapOptions = {}) {
    this.fd = fd;
    this.info = info;
    if (opts.btf) this.btf = opts.btf;
    this.keyType = this.btf ? (opts.keyType ?? 0) : 0;
    this.valueType = this.btf ? (opts.valueType ?? 0) : 0;
    this.perCpu = PERCPU_TYPES.has(this.typeName);
    this.nValues = this.perCpu ? numPossibleCpus() : 1;
    this.valueStride = this.perCpu ? roundUp8(info.valueSize) : info.valueSize;
    this.spec = opts.spec;
  }

  /** Takes ownership of `fd`, reads its info and, unless `opts.btf === false`, the map's BTF. */
  static fromFd(fd: number, opts: BpfMapOptions = {}): BpfMap {
    let info: MapInfo;
    try {
      info = mapInfo(fd);
    } catch (e) {
      closeFd(fd);
      throw e;
    }
    if (opts.btf !== undefined) return new BpfMap(fd, info, opts);
    let btf: Btf | undefined;
    if (info.btfId && (info.btfKeyTypeId || info.btfValueTypeId)) {
      try {
        btf = loadBtfById(info.btfId);
      } catch {
        btf = undefined; // BTF gone or unreadable: fall back to raw bytes
      }
    }
    return new BpfMap(fd, info, {
      btf: btf ?? false,
      keyType: info.btfKeyTypeId,
      valueType: info.btfValueTypeId,
    });
  }

  /** Opens the map with kernel id `id` (needs CAP_SYS_ADMIN). */
  static fromId(id: number, opts: BpfMapOptions = {}): BpfMap {
    const fd = fdById('map', id);
    if (fd === undefined) throw new NotFoundError(`map id ${id} does not exist`, { what: 'map', id });
    return BpfMap.fromFd(fd, opts);
  }

  /** Opens the map pinned at `path` on bpffs. */
  static fromPin(path: string, opts: BpfMapOptions = {}): BpfMap {
    return BpfMap.fromFd(objGet(path), opts);
  }

  /** The map's kernel id (what `bpftool map show id N` takes). */
  get id(): number {
    return this.info.id;
  }
  /** The map's name as the kernel holds it (up to 15 characters). */
  get name(): string {
    return this.info.name;
  }
  /** Map type name as in MAP_TYPES ('hash', 'percpu_array', …) or `type N` when unknown. */
  get typeName(): string {
    return MAP_TYPES[this.info.type] ?? `type ${this.info.type}`;
  }
  /** Key size in bytes. */
  get keySize(): number {
    return this.info.keySize;
  }
  /** Value size in bytes (of one CPU's value for per-CPU maps). */
  get valueSize(): number {
    return this.info.valueSize;
  }
  /** Most entries the map holds (bytes for a ring buffer). */
  get maxEntries(): number {
    return this.info.maxEntries;
  }
  /** Bytes of a buffer holding one looked-up value (all CPUs for per-CPU maps). */
  get valueBufSize(): number {
    return this.valueStride * this.nValues;
  }

  // ---- encoding ---------------------------------------------------------------------------------

  /** Key bytes: raw bytes are checked for size, other values are encoded through the key's BTF. */
  encodeKey(key: MapInput): Uint8Array {
    return this.encodeItem(key, this.keyType, this.keySize, 'key');
  }

  /** Decodes key bytes through BTF, or returns a copy of the bytes. */
  decodeKey(bytes: Uint8Array): MapItem {
    return this.keyType && this.btf ? decoderFor(this.btf, this.keyType)(bytes) : bytes.slice();
  }

  /**
   * Value bytes for update: per-CPU maps take an array with one item per possible CPU (or one raw
   * buffer of valueBufSize bytes); other maps take one item.
   */
  encodeValue(value: MapInput | MapInput[]): Uint8Array {
    if (!this.perCpu) return this.encodeItem(value as MapInput, this.valueType, this.valueSize, 'value');
    if (value instanceof Uint8Array && value.length === this.valueBufSize) return value;
    if (!Array.isArray(value) || value.length !== this.nValues) {
      throw new BadValueError(
        `per-CPU map '${this.name}' needs one value per possible CPU (${this.nValues})`,
        {
          target: `value of map ${this.name}`,
          value,
        },
      );
    }
    const out = new Uint8Array(this.valueBufSize);
    value.forEach((v, i) =>
      out.set(this.encodeItem(v, this.valueType, this.valueSize, `value[${i}]`), i * this.valueStride),
    );
    return out;
  }

  /** Decodes a value buffer (valueBufSize bytes): one item, or one per CPU for per-CPU maps. */
  decodeValue(bytes: Uint8Array): MapValue {
    if (!this.perCpu) return this.decodeItem(bytes.subarray(0, this.valueSize));
    const out: MapItem[] = [];
    for (let i = 0; i < this.nValues; i++) {
      out.push(this.decodeItem(bytes.subarray(i * this.valueStride, i * this.valueStride + this.valueSize)));
    }
    return out;
  }

  private decodeItem(bytes: Uint8Array): MapItem {
    if (!this.valueType || !this.btf) return bytes.slice();
    const t = this.btf.resolve(this.valueType);
    if (t.kind !== 'datasec') return decoderFor(this.btf, this.valueType)(bytes);
    // Global data maps: one property per variable of the section.
    const obj: { [k: string]: Decoded } = {};
    for (const v of t.vars) {
      const vt = this.btf.type(v.type);
      if (vt.kind !== 'var') continue;
      obj[vt.name] = decoderFor(this.btf, vt.type)(bytes.subarray(v.offset, v.offset + v.size));
    }
    return obj;
  }

  private encodeItem(v: MapInput, typeId: number, size: number, what: string): Uint8Array {
    if (v instanceof Uint8Array) {
      if (v.length !== size)
        throw new BadValueError(`${what}: ${v.length} bytes given, map '${this.name}' needs ${size}`, {
          target: what,
          value: v,
        });
      return v;
    }
    if (!typeId || !this.btf) {
      // Without BTF, plain integers are accepted for 1/2/4/8-byte keys and values (little-endian).
      if ((typeof v === 'number' || typeof v === 'bigint') && [1, 2, 4, 8].includes(size)) {
        const out = new Uint8Array(size);
        const dv = new DataView(out.buffer);
        const n = BigInt.asUintN(size * 8, BigInt(v));
        for (let i = 0; i < size; i++) dv.setUint8(i, Number((n >> BigInt(8 * i)) & 0xffn));
        return out;
      }
      throw new BadValueError(`${what}: map '${this.name}' has no BTF type for it; pass ${size} raw bytes`, {
        target: what,
        value: v,
      });
    }
    return encodeValue(this.btf, typeId, v, what);
  }

  // ---- element access ---------------------------------------------------------------------------

  /** Raw value bytes under raw `key`, or undefined when absent. */
  lookupBytes(key: Uint8Array): Uint8Array | undefined {
    const value = new Uint8Array(this.valueBufSize);
    const r = mapLookupElem(this.fd, key, value);
    if (r === -ERRNO.ENOENT) return undefined;
    if (r < 0) throw new SyscallError(`lookup in map '${this.name}'`, -r);
    return value;
  }

  /** The value under `key`, decoded (see MapValue), or undefined when absent. */
  lookup(key: MapInput): MapValue | undefined {
    const v = this.lookupBytes(this.encodeKey(key));
    return v === undefined ? undefined : this.decodeValue(v);
  }

  /** Stores `value` under `key`. 'noexist' fails with EEXIST on a present key, 'exist' with ENOENT. */
  update(key: MapInput, value: MapInput | MapInput[], flags: UpdateFlag = 'any'): void {
    const f = typeof flags === 'number' ? flags : UPDATE[flags.toUpperCase() as 'ANY' | 'NOEXIST' | 'EXIST'];
    mapUpdateElem(this.fd, this.encodeKey(key), this.encodeValue(value), f);
  }

  /** Deletes `key`; false when it was absent. Array maps cannot delete (EINVAL). */
  delete(key: MapInput): boolean {
    return mapDeleteElem(this.fd, this.encodeKey(key));
  }

  /** Raw keys in kernel iteration order (GET_NEXT_KEY). */
  *keyBytes(): Generator<Uint8Array> {
    let prev: Uint8Array | null = null;
    for (;;) {
      const next = new Uint8Array(this.keySize);
      if (!mapGetNextKey(this.fd, prev, next)) return;
      yield next;
      prev = next;
    }
  }

  /** Decoded keys in kernel iteration order. */
  *keys(): Generator<MapItem> {
    for (const k of this.keyBytes()) yield this.decodeKey(k);
  }

  /** Raw [key, value] pairs; keys deleted between GET_NEXT_KEY and lookup are skipped. */
  *entryBytes(): Generator<[Uint8Array, Uint8Array]> {
    for (const k of this.keyBytes()) {
      const v = this.lookupBytes(k);
      if (v !== undefined) yield [k, v];
    }
  }

  /** Decoded [key, value] pairs in kernel iteration order. */
  *entries(): Generator<[MapItem, MapValue]> {
    for (const [k, v] of this.entryBytes()) yield [this.decodeKey(k), this.decodeValue(v)];
  }

  /**
   * All raw entries through MAP_LOOKUP_BATCH (Linux 5.6; hash, array and their per-CPU/LRU
   * variants), `chunk` elements per call; falls back to iteration where the kernel lacks batching
   * for this map. With `andDelete` (hash maps only) the entries are removed as they are read.
   */
  lookupBatchBytes(opts: { chunk?: number; andDelete?: boolean } = {}): [Uint8Array, Uint8Array][] {
    let chunk = Math.max(1, opts.chunk ?? 256);
    const out: [Uint8Array, Uint8Array][] = [];
    // The position token is opaque; hash maps use a 4-byte bucket index, arrays the key.
    const tokenSize = Math.max(this.keySize, 8);
    let inBatch: Uint8Array | null = null;
    for (;;) {
      const outBatch = new Uint8Array(tokenSize);
      const keys = new Uint8Array(chunk * this.keySize);
      const values = new Uint8Array(chunk * this.valueBufSize);
      const r = mapLookupBatch(this.fd, inBatch, outBatch, keys, values, chunk, opts.andDelete);
      if (r.errno === ERRNO.ENOSPC && chunk < 1 << 20) {
        chunk *= 4; // a hash bucket holds more elements than fit: retry bigger
        continue;
      }
      if (r.errno !== undefined) {
        const unsupported = [ERRNO.EINVAL, ERRNO.ENOTSUPP, ERRNO.EOPNOTSUPP].includes(r.errno as 22);
        if (unsupported && inBatch === null && !opts.andDelete) return [...this.entryBytes()];
        throw new SyscallError(`batch lookup in map '${this.name}'`, r.errno);
      }
      for (let i = 0; i < r.count; i++) {
        out.push([
          keys.slice(i * this.keySize, (i + 1) * this.keySize),
          values.slice(i * this.valueBufSize, (i + 1) * this.valueBufSize),
        ]);
      }
      if (r.done) return out;
      inBatch = outBatch;
    }
  }

  /** All decoded entries through MAP_LOOKUP_BATCH (see lookupBatchBytes). */
  lookupBatch(opts: { chunk?: number } = {}): [MapItem, MapValue][] {
    return this.lookupBatchBytes(opts).map(([k, v]) => [this.decodeKey(k), this.decodeValue(v)]);
  }

  /** Reads and removes every entry (MAP_LOOKUP_AND_DELETE_BATCH; hash maps). */
  lookupAndDeleteBatch(opts: { chunk?: number } = {}): [MapItem, MapValue][] {
    return this.lookupBatchBytes({ ...opts, andDelete: true }).map(([k, v]) => [
      this.decodeKey(k),
      this.decodeValue(v),
    ]);
  }

  /** Makes the map read-only for user space from now on. */
  freeze(): void {
    mapFreeze(this.fd);
  }

  /** Closes the fd (idempotent). The map lives on while programs or pins reference it. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    closeFd(this.fd);
  }

  /** close(), for `using`. */
  [Symbol.dispose](): void {
    this.close();
  }
}
