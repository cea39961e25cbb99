/**
 * The exporter's one adapter to bpfkit's kernel layer: load a program's target (package, object,
 * inline eunomia package or built-in tool), open it with its options, load, attach, stream its event
 * maps decoded through BTF, read its maps in batches, read its programs' run time and count, and
 * turn on the kernel's BPF statistics. Everything else in src/export works on decoded values and
 * BTF, so a change of the library API is a change of this file. Needs root (or CAP_BPF +
 * CAP_PERFMON) and kernel BTF.
 */
import { readFileSync } from 'node:fs';
import type { Btf } from '../btf/btf.js';
import { decoderFor, type Decoded } from '../btf/decode.js';
import type { Encodable } from '../btf/encode.js';
import { BpfkitError, UsageError } from '../errors/index.js';
import { eventMaps, eventTypeFor } from '../events/event-type.js';
import type { EventReader } from '../events/stream.js';
import { BpfMap } from '../maps/map.js';
import { BpfObject } from '../object/collection.js';
import { loadChosen } from '../object/choose.js';
import { loadTarget, parseTarget } from '../package/load.js';
import { parseObject } from '../package/parse-object.js';
import type { PackageMeta, RunTarget } from '../package/types.js';
import { PerfEventArrayReader } from '../perf/reader.js';
import { RingBufReader } from '../ringbuf/reader.js';
import type { ObjectSpec } from '../spec/object.js';
import { bpfRaw, closeFd } from '../sys/bpf.js';
import { mapInfo, progInfo } from '../sys/objinfo.js';
import { onlineCpus } from '../sys/cpus.js';
import { pageSize } from '../sys/libc.js';
import type { ConfigLocator } from './config.js';
import type { OptionValues, ProgramConfig } from './config-types.js';
import type { MapRow, MapShape } from './map-metrics.js';

/**
 * Resolves a built-in tool by name into a loadable target (the CLI passes src/tools' toolTarget;
 * without one, a config naming a tool fails at start-up with a clear message).
 */
export type ToolLoader = (name: string) => Promise<RunTarget>;

/** A program was used after it was closed (detached and freed). */
export class ProgramClosedError extends BpfkitError {
  constructor(readonly program: string) {
    super(`program '${program}' is closed`);
  }
}

/** An event map of a program and the BTF struct its records are, when known. */
export interface EventMapInfo {
  name: string;
  typeId?: number;
  typeName?: string;
}

/** Live counters of one event subscription. */
export interface EventSubscription {
  readonly stats: { readonly records: number; readonly lost: number };
  close(): Promise<void>;
}

/** A kernel program's run statistics (zero unless BPF stats are on). */
export interface ProgStats {
  bpfProgram: string;
  runTimeNs: bigint;
  runCount: bigint;
}

/**
 * Perf ring per CPU unless the config says: 32 MiB shared by the online CPUs, at least 1 MiB and at
 * most 8 MiB each, a power-of-two number of pages. An exporter is a background process that the
 * scheduler may leave waiting for a while on a busy machine; the ring must hold what arrives
 * meanwhile (at 30k opensnoop records/s on a CPU, 8 MiB is about a second).
 */
function defaultPerfPages(): number {
  const page = pageSize();
  const each = Math.min(8 << 20, Math.max(1 << 20, (32 << 20) / Math.max(1, onlineCpus().length)));
  return 2 ** Math.floor(Math.log2(each / page));
}

/** One program of the config, opened (globals set) but not loaded until load(). */
export class ProgramHandle {
  private readonly maps = new Map<string, BpfMap>();
  private readonly readers: EventReader[] = [];
  private closed = false;

  private constructor(
    readonly cfg: ProgramConfig,
    readonly spec: ObjectSpec,
    readonly meta: PackageMeta | undefined,
    private readonly obj: BpfObject,
  ) {}

  /** Loads the target and opens it with the program's options (no kernel load yet). */
  static async open(cfg: ProgramConfig, loc: ConfigLocator, loadTool?: ToolLoader): Promise<ProgramHandle> {
    const target = await loadProgramTarget(cfg, loc, loadTool);
    const spec = parseObject(target.object, target.source);
    const obj = BpfObject.open(spec, { name: cfg.name, btfPath: cfg.btf });
    try {
      setOptions(obj, target.meta, cfg.options, (key, e) =>
        loc.error([...cfg.at, 'options', key], (e as Error).message.replace(`${key}: `, '')),
      );
    } catch (e) {
      obj.close();
      throw e;
    }
    return new ProgramHandle(cfg, spec, target.meta, obj);
  }

  /** The object's BTF (needed by every metric). */
  get btf(): Btf | undefined {
    return this.spec.btf;
  }

  /** Ring buffers and perf event arrays, with their record types. */
  eventMaps(): EventMapInfo[] {
    return eventMaps(this.spec).map((m) => {
      const t = eventTypeFor(this.spec, m, this.meta?.exportTypes, this.cfg.eventType);
      return { name: m.name, typeId: t?.typeId, typeName: t?.name };
    });
  }

  /** What a map of the object is, from its spec (undefined when there is no such map). */
  mapShape(name: string): MapShape | undefined {
    const m = this.spec.maps.find((x) => x.name === name && x.section === '.maps');
    if (!m || !this.spec.btf) return undefined;
    return { name, typeName: m.typeName, btf: this.spec.btf, keyType: m.keyType, valueType: m.valueType };
  }

  /** Names of the object's maps, for messages. */
  mapNames(): string[] {
    return this.spec.maps.filter((m) => m.section === '.maps').map((m) => m.name);
  }

  /**
   * Loads (CO-RE, verifier) and attaches the programs, one of each group of alternatives (a tp_btf
   * and a raw_tp twin of one hook count each event once), the best this kernel supports.
   */
  loadAndAttach(): void {
    loadChosen(this.obj, { groups: this.meta?.alternatives });
    this.obj.attachAll();
  }

  /** Streams the records of event map `name`, decoded through BTF type `typeId`. */
  subscribe(
    name: string,
    typeId: number,
    onRecord: (rec: Decoded) => void,
    onDecodeError: () => void,
    onLost: (count: number) => void,
  ): EventSubscription {
    const m = this.spec.maps.find((x) => x.name === name)!;
    const fd = this.obj.map(name).fd;
    const reader: EventReader =
      m.typeName === 'ringbuf'
        ? RingBufReader.open(fd)
        : PerfEventArrayReader.open(fd, { pagesPerCpu: this.cfg.perfBufferPages ?? defaultPerfPages() });
    const decode = decoderFor<Decoded>(this.spec.btf!, typeId);
    reader.onLost((_cpu, count) => onLost(count));
    reader.onRecord((bytes) => {
      let rec: Decoded;
      try {
        rec = decode(bytes);
      } catch {
        onDecodeError();
        return;
      }
      onRecord(rec);
    });
    this.readers.push(reader);
    return { stats: reader.stats, close: () => reader.close() };
  }

  /** Every entry of map `name` in one batched pass (per-CPU maps: one value per possible CPU). */
  readMap(name: string): MapRow[] {
    if (this.closed) throw new ProgramClosedError(this.cfg.name);
    let map = this.maps.get(name);
    if (!map) {
      const m = this.spec.maps.find((x) => x.name === name)!;
      const fd = this.obj.map(name).fd;
      map = new BpfMap(fd, mapInfo(fd), {
        btf: this.spec.btf ?? false,
        keyType: m.keyType,
        valueType: m.valueType,
      });
      this.maps.set(name, map);
    }
    const m = map;
    return m.lookupBatchBytes().map(([k, v]) => {
      const value = m.decodeValue(v);
      return { key: m.decodeKey(k) as Decoded, values: (m.perCpu ? value : [value]) as Decoded[] };
    });
  }

  /** Run time and count of each loaded program of the object. */
  progStats(): ProgStats[] {
    if (this.closed) return [];
    const out: ProgStats[] = [];
    for (const p of this.obj.programs) {
      if (p.fd < 0) continue;
      const info = progInfo(p.fd);
      out.push({ bpfProgram: p.spec.name, runTimeNs: info.runTimeNs, runCount: info.runCnt });
    }
    return out;
  }

  /** Stops the readers, detaches and frees everything (idempotent). */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await Promise.all(this.readers.splice(0).map((r) => r.close()));
    // The object owns the map fds the BpfMaps wrap: they go with it.
    this.maps.clear();
    this.obj.close();
  }
}

async function loadProgramTarget(
  cfg: ProgramConfig,
  loc: ConfigLocator,
  loadTool?: ToolLoader,
): Promise<RunTarget> {
  const s = cfg.source;
  if (s.kind === 'tool') {
    if (!loadTool)
      throw loc.error([...cfg.at, 'tool'], `built-in tools are not available in this build ('${s.name}')`);
    return loadTool(s.name);
  }
  try {
    if (s.kind === 'inline') {
      const source = `${loc.file}: programs ${cfg.name} ebpf_data`;
      return { source, ...parseTarget(Buffer.from(s.text, 'utf8'), source) };
    }
    return await loadTarget(s.path);
  } catch (e) {
    throw loc.error(cfg.at, (e as Error).message);
  }
}

/**
 * Sets globals from `options` (by global name, or by the option name the package gives it), then
 * the package's `@cmdarg` defaults that differ from the object's, as `bpfkit run` does.
 */
function setOptions(
  obj: BpfObject,
  meta: PackageMeta | undefined,
  options: OptionValues,
  fail: (key: string, e: unknown) => Error,
): void {
  const given = new Set<string>();
  for (const [key, value] of Object.entries(options)) {
    const byOption = meta?.globals.find((g) => g.cmdarg?.long === key)?.name;
    const name = obj.globals.some((g) => g.name === key) ? key : (byOption ?? key);
    try {
      obj.setGlobal(name, value as Encodable);
    } catch (e) {
      if (e instanceof UsageError || e instanceof BpfkitError) throw fail(key, e);
      throw e;
    }
    given.add(name);
  }
  for (const g of meta?.globals ?? []) {
    const d = g.cmdarg?.default;
    if (d === undefined || given.has(g.name)) continue;
    try {
      obj.setGlobal(g.name, d);
    } catch {
      // A default the object cannot take is the package's problem; keep the object's value.
    }
  }
}

/** BPF_ENABLE_STATS (Linux 5.8): run time and count are kept while the returned fd is open. */
const BPF_ENABLE_STATS = 32;
const BPF_STATS_RUN_TIME = 0;

/**
 * Turns on the kernel's per-program run time and count (kernel.bpf_stats_enabled) for as long as the
 * exporter runs; `enabled` says whether they are on (already, or now). Needs CAP_SYS_ADMIN.
 */
export function enableBpfStats(): { enabled: boolean; close(): void } {
  const attr = Buffer.alloc(8);
  attr.writeUInt32LE(BPF_STATS_RUN_TIME, 0);
  const fd = bpfRaw(BPF_ENABLE_STATS, attr);
  if (fd >= 0) return { enabled: true, close: () => closeFd(fd) };
  let already: boolean;
  try {
    already = readFileSync('/proc/sys/kernel/bpf_stats_enabled', 'utf8').trim() === '1';
  } catch {
    already = false;
  }
  return { enabled: already, close() {} };
}
