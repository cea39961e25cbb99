/**
 * One `bpfkit run`: open the object (its spec holds the globals), load, attach, stream its event maps (and/or
 * bpf_printk output), sample maps marked in the package, and stop cleanly on --duration, Ctrl-C or
 * SIGTERM, printing the maps the program aggregates into, with nothing left in the kernel. A record
 * that does not decode is skipped and told; a failure to print ends the run with that error, after
 * the same cleanup. Needs root (or CAP_BPF + CAP_PERFMON).
 */
import { BpfObject } from '../../object/collection.js';
import { setLibbpfLog } from '../../sys/libbpf-log.js';
import { onStopSignal } from '../process.js';
import { chooseEventType, eventMaps, type EventChoice } from '../../events/event-type.js';
import { RingBufReader } from '../../ringbuf/reader.js';
import { PerfEventArrayReader } from '../../perf/reader.js';
import type { EventReader } from '../../events/stream.js';
import { TracePipe } from '../../trace/pipe.js';
import type { RunTarget } from '../../package/types.js';
import type { ObjectSpec, MapSpec } from '../../spec/object.js';
import { OutputWriter } from '../output/writer.js';
import { startSamplers } from './sample.js';
import { startAggregates, type AggregatePrinter } from './aggregates.js';
import { netHookDefaults } from '../../package/net-hooks.js';
import { RunNotices } from './notices.js';
import { startLossReports } from './losses.js';
import { hexNotice, printRecords, type RecordSink } from './records.js';
import { ringBytes } from '../../spec/buffer-size.js';
import { pageSize } from '../../sys/libc.js';
import { attachPrograms, loadPrograms, stderrReporter, type ProgramSettings } from './programs.js';

/** What the run command decided from its arguments. */
export interface RunSettings {
  json: boolean;
  verbose: boolean;
  durationSec?: number;
  tracePipe: boolean;
  eventType?: string;
  btfPath?: string;
  uprobe?: string;
  uprobePid?: number;
  frequency?: number;
  /** --interval: print aggregate (and sampled) maps every this many seconds, besides at exit. */
  intervalSec?: number;
  /** xdp and tc programs: the network interface. */
  ifname?: string;
  /** --program, --no-program, --max-entries. */
  programs: ProgramSettings;
  /** --buffer-size, in bytes: perf rings per CPU, and ring buffers not sized with --max-entries. */
  bufferSize?: number;
}

/** Runs until stopped; resolves when everything is detached and closed. */
export async function runSession(target: RunTarget, spec: ObjectSpec, s: RunSettings): Promise<void> {
  if (s.verbose) setLibbpfLog((_level, line) => process.stderr.write(line));
  let stop!: () => void;
  const stopped = new Promise<void>((resolve) => (stop = resolve));
  let failure: { error: unknown } | undefined;
  const fail = (error: unknown): void => {
    failure ??= { error };
    stop();
  };
  const out = new OutputWriter(() => stop(), fail);
  const notices = new RunNotices(s.json);
  const readers: EventReader[] = [];
  let pipe: TracePipe | undefined;
  const name =
    target.meta?.name ?? target.source.replace(/.*\//, '').replace(/\.(bpf\.o|o|json|bpfkit\.json)$/, '');
  // Decided before anything is loaded: a bad --event-type is a usage error with nothing to undo.
  const maps = eventMaps(spec);
  const choices = maps.map((m) => chooseEventType(spec, m, target.meta, s.eventType));
  const obj = BpfObject.open(spec, { name, btfPath: s.btfPath });
  const offSignal = onStopSignal(() => stop());
  let samplers: { stop(): void } | undefined;
  let aggregates: AggregatePrinter | undefined;
  let losses: { stop(): void } | undefined;
  try {
    // With --verbose the verifier log of a rejection already went out with libbpf's log.
    const report = stderrReporter(s.verbose);
    if (s.bufferSize !== undefined) sizeRingBuffers(obj, maps, s.programs, s.bufferSize);
    loadPrograms(obj, spec, target.meta, s.programs, report);
    const wantPipe = s.tracePipe || (maps.length === 0 && spec.callsHelper([6, 177]));
    // Opening the pipe before attaching drains what earlier runs left there.
    if (wantPipe) pipe = new TracePipe((line) => out.write(`${line}\n`));
    // Readers first: a perf ring must exist before the program runs, or its first records go nowhere.
    const sink = { out, notices, fail, json: s.json, verbose: s.verbose };
    for (const [i, m] of maps.entries())
      readers.push(openReader(obj, spec, m, choices[i], sink, s.bufferSize));
    const attach = {
      uprobe: s.uprobe,
      pid: s.uprobePid,
      frequency: s.frequency,
      ifname: s.ifname,
      netDefaults: netHookDefaults(target.meta),
    };
    attachPrograms(obj, attach, s.programs, report);
    for (const [i, m] of maps.entries()) process.stderr.write(hexNotice(spec, m, choices[i]) ?? '');
    losses = startLossReports(obj, spec, notices, fail);
    pipe?.start();
    const intervalMs = s.intervalSec !== undefined ? s.intervalSec * 1000 : undefined;
    samplers = startSamplers(obj, spec, target.meta, s.json, out, intervalMs);
    aggregates = startAggregates(obj, spec, target.meta, s.json, out, s.intervalSec);
    if (!wantPipe && maps.length === 0 && !samplers && !aggregates) {
      process.stderr.write(
        'bpfkit: the object has no ring buffer, perf event array, bpf_printk output or sampled map; running until stopped\n',
      );
    }
    const timer = s.durationSec !== undefined ? setTimeout(stop, s.durationSec * 1000) : undefined;
    await stopped;
    if (timer) clearTimeout(timer);
    aggregates?.print();
  } finally {
    offSignal();
    samplers?.stop();
    aggregates?.stop();
    losses?.stop();
    await Promise.all(readers.map((r) => r.close()));
    pipe?.close();
    obj.close();
    notices.close();
    await out.drain();
  }
  if (failure) throw failure.error;
}

/** A reader for event map `m`, printing its records (see records.ts). */
function openReader(
  obj: BpfObject,
  spec: ObjectSpec,
  m: MapSpec,
  choice: EventChoice,
  sink: RecordSink,
  bufferSize: number | undefined,
): EventReader {
  const fd = obj.map(m.name).fd;
  const pagesPerCpu = bufferSize !== undefined ? ringBytes(bufferSize, pageSize()) / pageSize() : undefined;
  const reader: EventReader =
    m.typeName === 'ringbuf' ? RingBufReader.open(fd) : PerfEventArrayReader.open(fd, { pagesPerCpu });
  printRecords(reader, spec, m, choice, sink);
  return reader;
}

/**
 * --buffer-size for the object's ring buffers that carry events, before load (max_entries); a map
 * sized with --max-entries keeps that size.
 */
function sizeRingBuffers(obj: BpfObject, maps: MapSpec[], p: ProgramSettings, bytes: number): void {
  const named = new Set(p.maxEntries.map((v) => v.split('=')[0]));
  for (const m of maps)
    if (m.typeName === 'ringbuf' && !named.has(m.name))
      obj.setMaxEntries(m.name, ringBytes(bytes, pageSize()));
}
