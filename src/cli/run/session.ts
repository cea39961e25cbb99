/**
 * One `bpfkit run`: open the object, set globals, load, attach, stream its event maps (and/or
 * bpf_printk output), sample maps marked in the package, and stop cleanly on --duration, Ctrl-C or
 * SIGTERM with nothing left in the kernel. Needs root (or CAP_BPF + CAP_PERFMON).
 */
import { BpfObject } from '../../object/collection.js';
import { setLibbpfLog } from '../../object/log.js';
import { onStopSignal } from '../../object/cleanup.js';
import { eventMaps, eventTypeFor } from '../../events/event-type.js';
import { RingBufReader } from '../../ringbuf/reader.js';
import { PerfEventArrayReader } from '../../perf/reader.js';
import type { EventReader } from '../../events/stream.js';
import { decoderFor, toJson, type Decoded } from '../../btf/decode.js';
import { TracePipe } from '../../trace/pipe.js';
import type { Encodable } from '../../btf/encode.js';
import type { RunTarget } from '../../package/types.js';
import type { ObjectSpec, MapSpec } from '../../spec/object.js';
import { TableWriter, columnsFor, hexRows, clock } from '../output/table.js';
import { OutputWriter } from '../output/writer.js';
import { startSamplers } from './sample.js';
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
  /** Globals to set, by name, with the values as given. */
  globals: [string, Encodable][];
  /** --program, --no-program, --max-entries. */
  programs: ProgramSettings;
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
  const obj = BpfObject.open(target.object, { name, btfPath: s.btfPath });
  const offSignal = onStopSignal(() => stop());
  let samplers: { stop(): void } | undefined;
  try {
    for (const [g, v] of s.globals) obj.setGlobal(g, v);
    // With --verbose the verifier log of a rejection already went out with libbpf's log.
    const report = stderrReporter(s.verbose);
    loadPrograms(obj, spec, target.meta, s.programs, report);
    const maps = eventMaps(spec);
    const wantPipe = s.tracePipe || (maps.length === 0 && spec.callsHelper([6, 177]));
    // Opening the pipe before attaching drains what earlier runs left there.
    if (wantPipe) pipe = new TracePipe((line) => out.write(`${line}\n`));
    attachPrograms(obj, { uprobe: s.uprobe, pid: s.uprobePid, frequency: s.frequency }, s.programs, report);
    for (const m of maps) readers.push(openReader(obj, spec, m, target, s, out));
    pipe?.start();
    samplers = startSamplers(obj, spec, target.meta, s.json, out);
    if (!wantPipe && maps.length === 0 && !samplers) {
      process.stderr.write(
        'bpfkit: the object has no ring buffer, perf event array, bpf_printk output or sampled map; running until stopped\n',
      );
    }
    const timer = s.durationSec !== undefined ? setTimeout(stop, s.durationSec * 1000) : undefined;
    await stopped;
    if (timer) clearTimeout(timer);
  } finally {
    offSignal();
    samplers?.stop();
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
  target: RunTarget,
  s: RunSettings,
  out: OutputWriter,
): EventReader {
  const fd = obj.map(m.name).fd;
  const reader: EventReader =
    m.typeName === 'ringbuf' ? RingBufReader.open(fd) : PerfEventArrayReader.open(fd);
  reader.onLost((cpu, count) => process.stderr.write(`lost ${count} events on CPU #${cpu}\n`));
  const et = eventTypeFor(spec, m, target.meta?.exportTypes, s.eventType);
  if (!et || !spec.btf) {
    process.stderr.write(
      `bpfkit: no event type known for map '${m.name}': showing records as hex (add BPFKIT_EVENT(struct …) from bpfkit.h, or pass --event-type <struct>)\n`,
    );
    reader.onRecord((bytes) => {
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
    });
    return reader;
  }
  const decode = decoderFor<Decoded>(spec.btf, et.typeId);
  if (s.json) {
    reader.onRecord((bytes) => out.write(`${toJson(decode(bytes))}\n`));
  } else {
    const table = new TableWriter(columnsFor(spec.btf, et.typeId), out.write);
    table.header();
    reader.onRecord((bytes) => {
      const v = decode(bytes) as { [k: string]: Decoded };
      table.row(Object.values(v));
    });
  }
  return reader;
}
