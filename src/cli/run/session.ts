/**
 * One `bpfkit run`: open the object, set globals, load, attach, stream its event maps (and/or
 * bpf_printk output), sample maps marked in the package, and stop cleanly on --duration, Ctrl-C or
 * SIGTERM, printing the maps the program aggregates into, with nothing left in the kernel. Needs
 * root (or CAP_BPF + CAP_PERFMON).
 */
import { BpfObject } from '../../object/collection.js';
import { setLibbpfLog } from '../../object/log.js';
import { onStopSignal } from '../../object/cleanup.js';
import {
  chooseEventType,
  describeChoice,
  eventMaps,
  settleEventType,
  type EventChoice,
  type EventType,
} from '../../events/event-type.js';
import { RingBufReader } from '../../ringbuf/reader.js';
import { PerfEventArrayReader } from '../../perf/reader.js';
import type { EventReader } from '../../events/stream.js';
import { toJson, type Decoded } from '../../btf/decode.js';
import { TracePipe } from '../../trace/pipe.js';
import { VerifierError } from '../../errors/index.js';
import type { Encodable } from '../../btf/encode.js';
import type { RunTarget } from '../../package/types.js';
import type { ObjectSpec, MapSpec } from '../../spec/object.js';
import { TableWriter, columnsFor, hexRows, clock } from '../output/table.js';
import { OutputWriter } from '../output/writer.js';
import { startSamplers } from './sample.js';
import { startAggregates, type AggregatePrinter } from './aggregates.js';
import { addressDecoder } from '../../btf/addresses.js';
import { netHookDefaults } from '../../package/net-hooks.js';

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
  /** Globals to set, by name, with the values as given. */
  globals: [string, Encodable][];
}

/** Runs until stopped; resolves when everything is detached and closed. */
export async function runSession(target: RunTarget, spec: ObjectSpec, s: RunSettings): Promise<void> {
  if (s.verbose) setLibbpfLog((_level, line) => process.stderr.write(line));
  let stop!: () => void;
  const stopped = new Promise<void>((resolve) => (stop = resolve));
  const out = new OutputWriter(() => stop());
  const readers: EventReader[] = [];
  let pipe: TracePipe | undefined;
  const name =
    target.meta?.name ?? target.source.replace(/.*\//, '').replace(/\.(bpf\.o|o|json|bpfkit\.json)$/, '');
  // Decided before anything is loaded: a bad --event-type is a usage error with nothing to undo.
  const maps = eventMaps(spec);
  const choices = maps.map((m) => chooseEventType(spec, m, target.meta, s.eventType));
  const obj = BpfObject.open(target.object, { name, btfPath: s.btfPath });
  const offSignal = onStopSignal(() => stop());
  let samplers: { stop(): void } | undefined;
  let aggregates: AggregatePrinter | undefined;
  try {
    for (const [g, v] of s.globals) obj.setGlobal(g, v);
    try {
      obj.load();
    } catch (e) {
      if (e instanceof VerifierError && s.verbose) process.stderr.write(`${e.log}\n`);
      throw e;
    }
    const wantPipe = s.tracePipe || (maps.length === 0 && spec.callsHelper([6, 177]));
    // Opening the pipe before attaching drains what earlier runs left there.
    if (wantPipe) pipe = new TracePipe((line) => out.write(`${line}\n`));
    obj.attachAll({
      uprobe: s.uprobe,
      pid: s.uprobePid,
      frequency: s.frequency,
      ifname: s.ifname,
      netDefaults: netHookDefaults(target.meta),
    });
    for (const [i, m] of maps.entries()) readers.push(openReader(obj, spec, m, choices[i], s, out));
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
    await Promise.all(readers.map((r) => r.close()));
    pipe?.close();
    obj.close();
    await out.drain();
  }
}

function openReader(
  obj: BpfObject,
  spec: ObjectSpec,
  m: MapSpec,
  choice: EventChoice,
  s: RunSettings,
  out: OutputWriter,
): EventReader {
  const fd = obj.map(m.name).fd;
  const reader: EventReader =
    m.typeName === 'ringbuf' ? RingBufReader.open(fd) : PerfEventArrayReader.open(fd);
  reader.onLost((cpu, count) => process.stderr.write(`lost ${count} events on CPU #${cpu}\n`));
  const hex = (bytes: Uint8Array): void => {
    if (s.json)
      out.write(
        `{"map":${JSON.stringify(m.name)},"size":${bytes.length},"hex":"${Buffer.from(bytes).toString('hex')}"}\n`,
      );
    else
      out.write(
        `${clock()} ${m.name} ${bytes.length} bytes\n${hexRows(bytes)
          .map((r) => `  ${r}\n`)
          .join('')}`,
      );
  };
  const btf = spec.btf;
  if ((!choice.type && !choice.candidates.length) || !btf) {
    process.stderr.write(
      `bpfkit: no event type known for map '${m.name}': showing records as hex (add BPFKIT_EVENT(struct …) from bpfkit.h, or pass --event-type <struct>)\n`,
    );
    reader.onRecord(hex);
    return reader;
  }
  const start = (et: EventType): ((bytes: Uint8Array) => void) => {
    const decode = addressDecoder(btf, et.typeId);
    if (s.json) return (bytes) => out.write(`${toJson(decode(bytes))}\n`);
    const table = new TableWriter(columnsFor(btf, et.typeId), out.write);
    table.header();
    return (bytes) => table.row(Object.values(decode(bytes) as { [k: string]: Decoded }));
  };
  const about = describeChoice(choice);
  if (about && s.verbose) process.stderr.write(`bpfkit: ${about}\n`);
  // With several candidates the first record's size decides; a type that does not fit is reported.
  let sink = choice.type && start(choice.type);
  let first = true;
  reader.onRecord((bytes) => {
    if (first) {
      first = false;
      const r = settleEventType(choice, bytes.length, m.typeName);
      if (r.message && (r.warning || s.verbose)) process.stderr.write(`bpfkit: ${r.message}\n`);
      if (r.type !== choice.type) sink = r.type ? start(r.type) : hex;
      else if (!r.type) sink = hex;
    }
    (sink || hex)(bytes);
  });
  return reader;
}
