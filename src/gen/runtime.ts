/**
 * The one entry point modules written by `bpfkit gen` call: `loadGenerated()` opens the embedded
 * object, sets globals, loads and attaches it, and hands back typed access to its events, maps,
 * programs and global values. Generated code depends on nothing else of bpfkit, so this file is the
 * whole contract between the two (the types here are views the generated module fills in).
 * Needs root (or CAP_BPF + CAP_PERFMON), libbpf.so.1 and kernel BTF, like BpfObject.
 */
import { gunzipSync } from 'node:zlib';
import { ObjectSpec } from '../spec/object.js';
import { BpfObject } from '../object/collection.js';
import type { AttachOptions } from '../links/attach.js';
import { BpfMap, type MapInput, type UpdateFlag } from '../maps/map.js';
import { dupFd } from '../sys/libc.js';
import { decoderFor, type Decoded } from '../btf/decode.js';
import type { Encodable } from '../btf/encode.js';
import { eventMaps, eventTypeFor } from '../events/event-type.js';
import type { EventReader } from '../events/stream.js';
import { RingBufReader } from '../ringbuf/reader.js';
import { PerfEventArrayReader } from '../perf/reader.js';
import { ClosedError, FormatError, NotFoundError } from '../errors/index.js';

/** What a generated module embeds: the object and the names it was generated for. */
export interface EmbeddedObject {
  /** Object name (shown in the kernel, cut to 15 characters). */
  readonly name: string;
  /** The ELF object, gzip-compressed, base64. */
  readonly object: string;
  /** The globals the module types, in order. */
  readonly globals: readonly string[];
  /** Event struct names as in a package's meta (`exportTypes`), or [] to use the object's markers. */
  readonly exportTypes: readonly string[];
}

/** The types a generated module declares, bundled (see GeneratedObject). */
export interface GeneratedTypes {
  /** Global values by name. */
  globals: object;
  /** The record type of the first event map (`never` without one). */
  event: unknown;
  /** TypedMap per map name. */
  maps: object;
  /** GeneratedProgram per program name. */
  programs: object;
  /** AsyncIterable of records per event map name. */
  streams: object;
}

/** A program of a loaded generated object. */
export interface GeneratedProgram {
  /** The program's function name. */
  readonly name: string;
  /** Kernel fd of the loaded program (negative when it was not loaded, see `autoload`). */
  readonly fd: number;
}

/**
 * A map typed by key and value: `K`/`V` are what reads return (decoded through BTF), `KIn`/`VIn`
 * what writes take. Raw bytes of the exact size are accepted too. Per-CPU maps have one value per
 * possible CPU (`V` is an array).
 */
export interface TypedMap<K, V, KIn = K, VIn = V> {
  /** The map's name in the source. */
  readonly name: string;
  /** The map's fd (owned by the object: do not close it). */
  readonly fd: number;
  /** The value under `key`, or undefined when absent. */
  lookup(key: KIn | Uint8Array): V | undefined;
  /** Stores `value` under `key` ('noexist' fails on a present key, 'exist' on an absent one). */
  update(key: KIn | Uint8Array, value: VIn | Uint8Array, flags?: UpdateFlag): void;
  /** Deletes `key`; false when it was absent. */
  delete(key: KIn | Uint8Array): boolean;
  /** Keys in kernel order. */
  keys(): IterableIterator<K>;
  /** [key, value] pairs in kernel order. */
  entries(): IterableIterator<[K, V]>;
  /** Every entry in one go (MAP_LOOKUP_BATCH where the kernel has it). */
  lookupBatch(): [K, V][];
}

/** How loadGenerated loads; `P` are the program names. */
export interface GeneratedLoadOptions<P extends string = string> {
  /** Attach every loaded program (default true). */
  attach?: boolean;
  /** Options for attaching (uprobe target and pid, perf_event frequency). */
  attachOptions?: AttachOptions;
  /** Programs not to load (false) or to load (true); default: every program. */
  autoload?: Partial<Record<P, boolean>>;
  /** Kernel BTF for CO-RE when /sys/kernel/btf/vmlinux is missing (also $BPFKIT_BTF). */
  btfPath?: string;
  /** Told about records the kernel dropped (perf event arrays). */
  onLost?: (map: string, cpu: number, count: number) => void;
}

/**
 * A loaded, attached object with typed access. `close()` (or `using`/`await using`) detaches and
 * frees everything; so do Ctrl-C, SIGTERM and process exit.
 */
export interface GeneratedObject<T extends GeneratedTypes> extends Disposable, AsyncDisposable {
  /** Decoded records of the first event map. Leaving a `for await` early stops reading. */
  readonly events: AsyncIterable<T['event']>;
  /** Decoded records of each event map, by map name. */
  readonly streams: Readonly<T['streams']>;
  /** A TypedMap per map of the `.maps` section, by name (closed with the object). */
  readonly maps: Readonly<T['maps']>;
  /** A GeneratedProgram per program, by name. */
  readonly programs: Readonly<T['programs']>;
  /** The globals' values as loaded (initial values, with those given to load applied). */
  readonly globals: Readonly<T['globals']>;
  /** Detaches, stops reading and frees the object; resolves once the readers are released. */
  close(): Promise<void>;
}

/**
 * Opens `embedded`, sets `globals` (each checked against its BTF type: NotFoundError for an unknown one, BadValueError for a bad value),
 * loads with CO-RE, opens a reader on every event map (before attaching, so no record is missed)
 * and attaches. Throws VerifierError/NotSupportedError as BpfObject.load/attachAll do.
 */
export async function loadGenerated<T extends GeneratedTypes>(
  embedded: EmbeddedObject,
  globals: object,
  options: GeneratedLoadOptions<keyof T['programs'] & string> = {},
): Promise<GeneratedObject<T>> {
  const spec = new ObjectSpec(unpack(embedded));
  // Checked on the spec: a bad value is told before privileges or the kernel are needed.
  for (const [name, value] of Object.entries(globals)) {
    if (value !== undefined) spec.setGlobal(name, value as Encodable);
  }
  const obj = BpfObject.open(spec, { name: embedded.name, btfPath: options.btfPath });
  const streams: Stream[] = [];
  const maps: BpfMap[] = [];
  try {
    for (const [name, on] of Object.entries(options.autoload ?? {})) {
      if (on !== undefined) obj.setAutoload(name, on as boolean);
    }
    obj.load();
    for (const m of eventMaps(obj.spec)) streams.push(new Stream(obj, m.name, embedded, options.onLost));
    if (options.attach !== false) obj.attachAll(options.attachOptions);
    for (const m of obj.spec.maps) {
      if (m.section !== '.maps') continue;
      const fd = obj.map(m.name).fd;
      const btf = obj.spec.btf ?? false;
      maps.push(
        BpfMap.fromFd(dupFd(fd, `map ${m.name}`), { btf, keyType: m.keyType, valueType: m.valueType }),
      );
    }
  } catch (e) {
    await Promise.all(streams.map((s) => s.close()));
    for (const m of maps) m.close();
    obj.close();
    throw e;
  }
  return handle<T>(obj, embedded, streams, maps);
}

function unpack(embedded: EmbeddedObject): Uint8Array {
  try {
    return new Uint8Array(gunzipSync(Buffer.from(embedded.object, 'base64')));
  } catch (e) {
    throw new FormatError(
      `${embedded.name}: the embedded object does not decompress: ${(e as Error).message}`,
    );
  }
}

function handle<T extends GeneratedTypes>(
  obj: BpfObject,
  embedded: EmbeddedObject,
  streams: Stream[],
  maps: BpfMap[],
): GeneratedObject<T> {
  let closing: Promise<void> | undefined;
  // After close, fds may be reused by anything the process opens: nothing may touch them again.
  const live = (what: string): void => {
    if (closing) throw new ClosedError(`object ${embedded.name}`, what);
  };
  const close = (): Promise<void> => {
    closing ??= (async () => {
      const released = Promise.all(streams.map((s) => s.close()));
      for (const m of maps) m.close();
      obj.close();
      await released;
    })();
    return closing;
  };
  const mapNames = obj.spec.maps.filter((m) => m.section === '.maps').map((m) => m.name);
  const byName = <V>(names: string[], make: (name: string, i: number) => V): object =>
    Object.freeze(Object.fromEntries(names.map((n, i) => [n, make(n, i)])));
  const none: AsyncIterable<never> = {
    [Symbol.asyncIterator]: () => {
      throw new NotFoundError(`${embedded.name} has no ring buffer or perf event array to read events from`, {
        what: 'map',
      });
    },
  };
  const out: Record<PropertyKey, unknown> = {
    events: streams[0] ?? none,
    streams: byName(
      streams.map((s) => s.map),
      (_n, i) => streams[i],
    ),
    maps: byName(mapNames, (n, i) => typedMap(n, maps[i], live)),
    programs: byName(
      obj.spec.programs.map((p) => p.name),
      (name) => ({
        name,
        get fd() {
          return closing ? -1 : obj.program(name).fd;
        },
      }),
    ),
    globals: globalValues(obj, embedded),
    close,
  };
  // Early Node 20 releases have no Symbol.dispose/asyncDispose: `using` is then unavailable anyway.
  if (typeof Symbol.dispose === 'symbol') out[Symbol.dispose] = () => void close();
  if (typeof Symbol.asyncDispose === 'symbol') out[Symbol.asyncDispose] = close;
  return Object.freeze(out) as unknown as GeneratedObject<T>;
}

function globalValues(obj: BpfObject, embedded: EmbeddedObject): Record<string, Decoded> {
  const btf = obj.spec.btf;
  const out: Record<string, Decoded> = {};
  if (!btf) return out;
  for (const name of embedded.globals) {
    const g = obj.globals.find((x) => x.name === name);
    const bytes = obj.globalBytes(name);
    if (g && bytes) out[name] = decoderFor(btf, g.type)(bytes);
  }
  return Object.freeze(out);
}

/** A TypedMap over a BpfMap (which decodes and encodes through the object's BTF). */
function typedMap(name: string, m: BpfMap, live: (what: string) => void): TypedMap<unknown, unknown> {
  const use = (): BpfMap => {
    live(`map ${name}`);
    return m;
  };
  return {
    name,
    fd: m.fd,
    lookup: (key) => use().lookup(key as MapInput),
    update: (key, value, flags) => use().update(key as MapInput, value as MapInput, flags),
    delete: (key) => use().delete(key as MapInput),
    keys: () => use().keys(),
    entries: () => use().entries(),
    lookupBatch: () => use().lookupBatch(),
  };
}

/**
 * The records of one event map as an AsyncIterable. The reader is opened at load, so records sent
 * before the first `for await` wait for it. Leaving a loop closes the reader (as EventReader does);
 * a later loop reopens it, and a perf event array misses what was sent in between.
 */
class Stream implements AsyncIterable<unknown> {
  readonly map: string;
  private reader: EventReader;
  private closed = false;
  private readonly fd: number;
  private readonly ring: boolean;
  private readonly decode: (bytes: Uint8Array) => unknown;
  private readonly onLost: GeneratedLoadOptions['onLost'];

  constructor(obj: BpfObject, map: string, embedded: EmbeddedObject, onLost: GeneratedLoadOptions['onLost']) {
    const spec = obj.map(map).spec;
    this.map = map;
    this.fd = obj.map(map).fd;
    this.ring = spec.typeName === 'ringbuf';
    const et = eventTypeFor(obj.spec, spec, [...embedded.exportTypes]);
    const btf = obj.spec.btf;
    this.decode = et && btf ? decoderFor(btf, et.typeId) : (bytes) => bytes.slice();
    this.onLost = onLost;
    this.reader = this.open();
  }

  [Symbol.asyncIterator](): AsyncIterator<unknown> {
    if (this.closed) throw new ClosedError('object', `events of map ${this.map}`);
    if (this.reader.closed) this.reader = this.open();
    return this.reader.records(this.decode);
  }

  close(): Promise<void> {
    this.closed = true;
    return this.reader.close();
  }

  private open(): EventReader {
    const r = this.ring ? RingBufReader.open(this.fd) : PerfEventArrayReader.open(this.fd);
    if (this.onLost) r.onLost((cpu, count) => this.onLost?.(this.map, cpu, count));
    return r;
  }
}
