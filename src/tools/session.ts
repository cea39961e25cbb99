/**
 * One run of a built-in tool: open its package, pick its programs for this kernel (hooks.ts), set
 * globals from the options, load, attach (`loadTool`, shared with the aggregators' runner in
 * aggregate.ts), print the header, then one row (or JSON object) per
 * event from the `events` ring buffer until the caller's signal or the tool's duration stops it;
 * records still in the ring are printed before everything is detached and closed. Records the ring
 * had no room for are counted by the BPF side (`lost_events`) and reported as they are noticed and
 * in total at the end. Needs root (or CAP_BPF + CAP_PERFMON) and kernel BTF.
 */
import { openSync, closeSync, constants } from 'node:fs';
import { BpfObject } from '../object/collection.js';
import { setLibbpfLog } from '../sys/libbpf-log.js';
import { eventTypeFor } from '../events/event-type.js';
import { RingBufReader } from '../ringbuf/reader.js';
import { Poller } from '../events/poller.js';
import { onlineCpus } from '../sys/cpus.js';
import { decoderFor, toJson, type Decoded, type Decoder } from '../btf/decode.js';
import { mapLookupElem, mapUpdateElem } from '../sys/bpf.js';
import { FormatError, NotFoundError, ReadError } from '../errors/index.js';
import { ringBytes } from '../spec/buffer-size.js';
import { pageSize } from '../sys/libc.js';
import { planHooks } from './hooks.js';
import type { AttachOptions } from '../links/attach.js';
import { loadToolPackage } from './package.js';
import type { DecodedPackage } from '../package/format.js';
import { headerLine, rowFormatter } from './table.js';
import type { CollectorTool, Tool, ToolBase } from './types.js';

/** Where a tool's output goes and what stops it; the CLI passes stdout, stderr and Ctrl-C/SIGTERM. */
export interface ToolIo {
  out(text: string): void;
  err(text: string): void;
  /** Aborted when the tool must stop. */
  signal: AbortSignal;
}

/** Options every tool has, whatever else it declares. */
export interface CommonOptions {
  verbose?: boolean;
  json?: boolean;
  /** -c/--cgroup (tools whose object has a cgroup_map). */
  cgroup?: string;
  /** --buffer-size, in bytes: the `events` ring buffer's size (rounded up to a power-of-two of pages). */
  bufferSize?: number;
}

/** How often the lost-record counter is read. */
const LOST_POLL_MS = 250;
/** Default `events` ring per online CPU: what libbpf-tools' perf buffers hold on each CPU. */
const RING_BYTES_PER_CPU = 256 * 1024;
/**
 * The default ring's floor. A C consumer woken per record slows the traced program down to its own
 * pace; this one is not woken below half a ring, so a full-speed storm runs at the kernel's pace, and
 * the ring must absorb the few milliseconds a Node consumer sometimes falls behind (a GC, a compile):
 * at 512 KiB, opensnoop lost 1-3% of 200k back-to-back opens; at 4 MiB none of 1M.
 */
const RING_BYTES_MIN = 4 * 1024 * 1024;
/**
 * Idle, the reader waits for the kernel's wake-up on the first record, so a row shows at once and an
 * idle tool costs nothing. Once records come it drains on a timer of this period until a tick finds
 * none, and tells the BPF side (drain_on_timer) to skip wake-ups below half a ring meanwhile: a
 * wake-up of the Node process costs more CPU than tens of rows, so under load each tick takes a batch,
 * and a storm that fills the ring past half still wakes the reader at once. Rows wait at most this long.
 */
const DRAIN_INTERVAL_MS = 20;

/** A tool's object, loaded and attached; `close()` detaches and frees everything (idempotent). */
export interface LoadedTool {
  obj: BpfObject;
  pkg: DecodedPackage;
  close(): void;
}

/**
 * The part every runner shares: opens `tool`'s package, loads only the programs its hooks choose on
 * this kernel, sets globals from `o` (and -c's cgroup), calls `beforeLoad` (to look at the spec),
 * loads and attaches. On any failure everything is closed before the error is rethrown.
 */
export function loadTool<O extends CommonOptions>(
  tool: ToolBase<O>,
  o: O,
  io: ToolIo,
  beforeLoad?: (obj: BpfObject, pkg: DecodedPackage) => void,
): LoadedTool {
  const pkg = loadToolPackage(tool.name);
  if (o.verbose) setLibbpfLog((_level, line) => io.err(line));
  const obj = BpfObject.open(pkg.object, { name: tool.name });
  const close = (): void => {
    obj.close();
    if (o.verbose) setLibbpfLog(undefined);
  };
  try {
    const attach = prepare(tool, obj, o, io);
    beforeLoad?.(obj, pkg);
    obj.load();
    if (o.cgroup !== undefined) setCgroup(obj, o.cgroup);
    obj.attachAll(attach);
  } catch (e) {
    close();
    throw e;
  }
  return { obj, pkg, close };
}

/** Runs `tool` with parsed options `o` until stopped; resolves once nothing is left in the kernel. */
export async function runTool<O extends CommonOptions, E>(tool: Tool<O, E>, o: O, io: ToolIo): Promise<void> {
  let decode: Decoder<{ [field: string]: Decoded }> | undefined;
  const { obj, close } = loadTool(tool, o, io, (opened, pkg) => {
    const events = opened.spec.maps.find((m) => m.name === 'events');
    const type = events && eventTypeFor(opened.spec, events, pkg.meta.exportTypes);
    if (!type || !opened.spec.btf)
      throw new FormatError(`${tool.name}: the package names no event type; rebuild it`);
    decode = decoderFor<{ [field: string]: Decoded }>(opened.spec.btf, type.typeId);
    const bytes = o.bufferSize ?? Math.max(RING_BYTES_MIN, RING_BYTES_PER_CPU * onlineCpus().length);
    opened.setMaxEntries('events', ringBytes(bytes, pageSize()));
  });
  let reader: RingBufReader | undefined;
  const poller = new Poller({ busyIntervalMs: DRAIN_INTERVAL_MS, onDrainMode: drainModeSetter(obj) });
  let lost: LostCounter | undefined;
  try {
    const d = decode!;
    reader = RingBufReader.open(obj.map('events').fd, { poller });
    const totals = tool.totals?.(o);
    if (!o.json && !totals && tool.banner) io.out(tool.banner(o) + '\n');
    if (!o.json && !totals && (tool.header?.(o) ?? true)) io.out(headerLine(tool.columns, o) + '\n');
    const row = rowFormatter(tool.columns, o);
    reader.onRecord((bytes) => {
      const e = tool.event(d(bytes), bytes.subarray(d.size));
      if (tool.accept && !tool.accept(e, o)) return;
      if (totals) totals.add(e);
      else io.out((o.json ? toJson(tool.json(e, o)) : row(e)) + '\n');
    });
    lost = new LostCounter(obj, (n) =>
      io.err(`${tool.name}: lost ${n} event${n === 1 ? '' : 's'} (ring buffer full)\n`),
    );
    await stopped(io.signal, tool.duration?.(o));
    reader.drain();
    if (totals)
      io.out(
        o.json
          ? totals
              .json()
              .map((j) => toJson(j) + '\n')
              .join('')
          : totals.text(),
      );
  } finally {
    await reader?.close();
    await poller.close();
    lost?.stop();
    if (lost?.total)
      io.err(`${tool.name}: ${lost.total} event${lost.total === 1 ? '' : 's'} lost in total\n`);
    close();
  }
}

/**
 * Before load: picks the programs for this kernel, sets globals and map sizes from the options;
 * returns how to attach.
 */
function prepare<O extends CommonOptions>(
  tool: ToolBase<O>,
  obj: BpfObject,
  o: O,
  io: ToolIo,
): AttachOptions | undefined {
  const plan = planHooks(tool.hooks, obj.spec.programs, o);
  for (const p of obj.spec.programs) obj.setAutoload(p.name, plan.programs.has(p.name));
  if (o.verbose) for (const l of plan.lines) io.err(`${tool.name}: ${l}\n`);
  tool.configure(o, {
    setGlobal: (name, value) => obj.setGlobal(name, value),
    setMaxEntries: (map, n) => obj.setMaxEntries(map, n),
    setValueSize: (map, n) => obj.setValueSize(map, n),
  });
  if (o.cgroup !== undefined) obj.setGlobal('filter_cg', true);
  return tool.attachOptions?.(o);
}

/** Runs a collector tool: load, attach, then its own `run` until it is done. */
export async function runCollector<O extends CommonOptions>(
  tool: CollectorTool<O>,
  o: O,
  io: ToolIo,
): Promise<void> {
  const { obj, close } = loadTool(tool, o, io);
  try {
    const stop = stopped(io.signal, tool.duration?.(o));
    await tool.run(o, { obj, out: io.out, err: io.err, stopped: stop });
  } finally {
    close();
  }
}

/** Writes the BPF side's drain_on_timer flag (see DRAIN_INTERVAL_MS). */
function drainModeSetter(obj: BpfObject): (onTimer: boolean) => void {
  const fd = obj.map('drain_on_timer').fd;
  const key = new Uint8Array(4);
  const on = new Uint8Array([1, 0, 0, 0]);
  const off = new Uint8Array(4);
  return (onTimer) => mapUpdateElem(fd, key, onTimer ? on : off);
}

/** Resolves when `signal` aborts or `seconds` pass. */
export function stopped(signal: AbortSignal, seconds: number | undefined): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const timer = seconds !== undefined ? setTimeout(done, seconds * 1000) : undefined;
    signal.addEventListener('abort', done, { once: true });
    function done(): void {
      if (timer) clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
  });
}

/** Puts the cgroup directory's fd into the object's cgroup_map (read by bpf_current_task_under_cgroup). */
export function setCgroup(obj: BpfObject, path: string): void {
  let fd: number;
  try {
    fd = openSync(path, constants.O_RDONLY | constants.O_DIRECTORY);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new ReadError(`Failed opening Cgroup path: ${path} (${code ?? (e as Error).message})`, {
      path,
      code,
    });
  }
  try {
    const key = new Uint8Array(4);
    const value = new Uint8Array(new Uint32Array([fd]).buffer);
    mapUpdateElem(obj.map('cgroup_map').fd, key, value);
  } finally {
    closeSync(fd);
  }
}

/** Watches the BPF side's `lost_events` counter (in .bss) and reports each increase. */
class LostCounter {
  total = 0;
  private readonly timer: NodeJS.Timeout;
  private readonly fd: number;
  private readonly value: Uint8Array;
  private readonly offset: number;

  constructor(
    obj: BpfObject,
    private readonly report: (n: number) => void,
  ) {
    const g = obj.spec.globals.find((x) => x.name === 'lost_events');
    if (!g) throw new FormatError("the tool's object has no lost_events counter; rebuild it");
    const map = obj.maps.find((m) => m.spec.section === g.section);
    if (!map || map.fd < 0)
      throw new NotFoundError(`no loaded map for ${g.section}`, { what: 'map', key: g.section });
    this.fd = map.fd;
    this.value = new Uint8Array(map.spec.valueSize);
    this.offset = g.offset;
    this.timer = setInterval(() => this.check(), LOST_POLL_MS);
  }

  /** Reads the counter and reports what is new. */
  check(): void {
    if (mapLookupElem(this.fd, new Uint8Array(4), this.value) < 0) return;
    const now = Number(new DataView(this.value.buffer).getBigUint64(this.offset, true));
    if (now > this.total) {
      this.report(now - this.total);
      this.total = now;
    }
  }

  /** Takes a last reading and stops. */
  stop(): void {
    clearInterval(this.timer);
    this.check();
  }
}
