/**
 * One `bpfkit run`: open the object, set globals, load, attach, stream its event maps (and/or
 * bpf_printk output), sample maps marked in the package, and stop cleanly on --duration, Ctrl-C or
 * SIGTERM with nothing left in the kernel. A record that does not decode is skipped and told; a
 * failure to print ends the run with that error, after the same cleanup. Needs root (or CAP_BPF +
 * CAP_PERFMON).
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
import { VerifierError } from '../../errors/index.js';
import type { Encodable } from '../../btf/encode.js';
import type { RunTarget } from '../../package/types.js';
import type { ObjectSpec, MapSpec } from '../../spec/object.js';
import { TableWriter, columnsFor, hexRows, clock } from '../output/table.js';
import { OutputWriter } from '../output/writer.js';
import { startSamplers } from './sample.js';
import { RunNotices } from './notices.js';
import { startLossReports } from './losses.js';

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
  const obj = BpfObject.open(target.object, { name, btfPath: s.btfPath });
  const offSignal = onStopSignal(() => stop());
  let samplers: { stop(): void } | undefined;
  let losses: { stop(): void } | undefined;
  try {
    for (const [g, v] of s.globals) obj.setGlobal(g, v);
    try {
      obj.load();
    } catch (e) {
      if (e instanceof VerifierError && s.verbose) process.stderr.write(`${e.log}\n`);
      throw e;
    }
    const maps = eventMaps(spec);
    const wantPipe = s.tracePipe || (maps.length === 0 && spec.callsHelper([6, 177]));
    // Opening the pipe before attaching drains what earlier runs left there.
    if (wantPipe) pipe = new TracePipe((line) => out.write(`${line}\n`));
    obj.attachAll({ uprobe: s.uprobe, pid: s.uprobePid, frequency: s.frequency });
    const sink = { out, notices, fail };
    for (const m of maps) readers.push(openReader(obj, spec, m, target, s, sink));
    losses = startLossReports(obj, spec, notices, fail);
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
    losses?.stop();
    await Promise.all(readers.map((r) => r.close()));
    pipe?.close();
    obj.close();
    notices.close();
    await out.drain();
  }
  if (failure) throw failure.error;
}

/** Where a reader's records and troubles go. */
interface RecordSink {
  out: OutputWriter;
  notices: RunNotices;
  /** Ends the run with `error` (printing failed). */
  fail: (error: unknown) => void;
}

function openReader(
  obj: BpfObject,
  spec: ObjectSpec,
  m: MapSpec,
  target: RunTarget,
  s: RunSettings,
  { out, notices, fail }: RecordSink,
): EventReader {
  const fd = obj.map(m.name).fd;
  const reader: EventReader =
    m.typeName === 'ringbuf' ? RingBufReader.open(fd) : PerfEventArrayReader.open(fd);
  reader.onLost((cpu, count) => notices.lost(m.name, cpu, count));
  const et = eventTypeFor(spec, m, target.meta?.exportTypes, s.eventType);
  if (!et || !spec.btf) {
    process.stderr.write(
      `bpfkit: no event type known for map '${m.name}': showing records as hex (add BPFKIT_EVENT(struct …) from bpfkit.h, or pass --event-type <struct>)\n`,
    );
    reader.onRecord(
      guarded(fail, (bytes) => {
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
      }),
    );
    return reader;
  }
  const decoder = decoderFor<Decoded>(spec.btf, et.typeId);
  const decode = (bytes: Uint8Array): Decoded | undefined => {
    try {
      return decoder(bytes);
    } catch (e) {
      notices.malformed(m.name, bytes.length, e);
      return undefined;
    }
  };
  if (s.json) {
    reader.onRecord(
      guarded(fail, (bytes) => {
        const v = decode(bytes);
        if (v !== undefined) out.write(`${toJson(v)}\n`);
      }),
    );
  } else {
    const table = new TableWriter(columnsFor(spec.btf, et.typeId), out.write);
    table.header();
    reader.onRecord(
      guarded(fail, (bytes) => {
        const v = decode(bytes) as { [k: string]: Decoded } | undefined;
        if (v !== undefined) table.row(Object.values(v));
      }),
    );
  }
  return reader;
}

/**
 * `handler`, but a throw ends the run through `fail` instead of escaping into the poller (where it
 * would become an uncaught exception); records after it are ignored.
 */
function guarded(
  fail: (error: unknown) => void,
  handler: (bytes: Uint8Array) => void,
): (bytes: Uint8Array) => void {
  let failed = false;
  return (bytes) => {
    if (failed) return;
    try {
      handler(bytes);
    } catch (e) {
      failed = true;
      fail(e);
    }
  };
}
