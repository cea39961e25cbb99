/**
 * How `bpfkit run` prints the records of one event map: decoded through the chosen BTF struct (a
 * table, or JSON lines), IP address members as text, or hex when no type is known. With several
 * candidate structs the first record's size decides. A record that does not decode is skipped and
 * told through RunNotices; an error while printing ends the run through `fail`.
 */
import type { EventReader } from '../../events/stream.js';
import {
  describeChoice,
  settleEventType,
  type EventChoice,
  type EventType,
} from '../../events/event-type.js';
import { toJson, type Decoded } from '../../btf/decode.js';
import { addressDecoder } from '../../btf/addresses.js';
import type { MapSpec, ObjectSpec } from '../../spec/object.js';
import { TableWriter, columnsFor, hexRows, clock } from '../output/table.js';
import type { OutputWriter } from '../output/writer.js';
import type { RunNotices } from './notices.js';

/** Where a reader's records and troubles go. */
export interface RecordSink {
  out: OutputWriter;
  notices: RunNotices;
  /** Ends the run with `error` (printing failed). */
  fail: (error: unknown) => void;
  json: boolean;
  verbose: boolean;
}

type Printer = (bytes: Uint8Array) => void;

/** Sets `reader`'s record and lost handlers for event map `m`, decoded as `choice` says. */
export function printRecords(
  reader: EventReader,
  spec: ObjectSpec,
  m: MapSpec,
  choice: EventChoice,
  sink: RecordSink,
): void {
  const { out, notices, fail, json } = sink;
  reader.onLost((cpu, count) => notices.lost(m.name, cpu, count));
  const hex: Printer = (bytes) =>
    out.write(
      json
        ? `{"map":${JSON.stringify(m.name)},"size":${bytes.length},"hex":"${Buffer.from(bytes).toString('hex')}"}\n`
        : `${clock()} ${m.name} ${bytes.length} bytes\n${hexRows(bytes)
            .map((r) => `  ${r}\n`)
            .join('')}`,
    );
  const btf = spec.btf;
  if (!btf || !hasType(spec, choice)) {
    reader.onRecord(guarded(fail, hex));
    return;
  }
  const start = (et: EventType): Printer => {
    const decoder = addressDecoder(btf, et.typeId);
    const decode = (bytes: Uint8Array): Decoded | undefined => {
      try {
        return decoder(bytes);
      } catch (e) {
        notices.malformed(m.name, bytes.length, e);
        return undefined;
      }
    };
    if (json)
      return (bytes) => {
        const v = decode(bytes);
        if (v !== undefined) out.write(`${toJson(v)}\n`);
      };
    const table = new TableWriter(columnsFor(btf, et.typeId), out.write);
    table.header();
    return (bytes) => {
      const v = decode(bytes) as { [k: string]: Decoded } | undefined;
      if (v !== undefined) table.row(Object.values(v));
    };
  };
  const about = describeChoice(choice);
  if (about && sink.verbose) process.stderr.write(`bpfkit: ${about}\n`);
  let print = choice.type && start(choice.type);
  let first = true;
  reader.onRecord(
    guarded(fail, (bytes) => {
      if (first) {
        first = false;
        const r = settleEventType(choice, bytes.length, m.typeName);
        if (r.message && (r.warning || sink.verbose)) process.stderr.write(`bpfkit: ${r.message}\n`);
        if (r.type !== choice.type) print = r.type ? start(r.type) : hex;
        else if (!r.type) print = hex;
      }
      (print || hex)(bytes);
    }),
  );
}

function hasType(spec: ObjectSpec, choice: EventChoice): boolean {
  return !!spec.btf && (!!choice.type || choice.candidates.length > 0);
}

/** The line telling that map `m`'s records will show as hex, when no type is known for them. */
export function hexNotice(spec: ObjectSpec, m: MapSpec, choice: EventChoice): string | undefined {
  if (hasType(spec, choice)) return undefined;
  return `bpfkit: no event type known for map '${m.name}': showing records as hex (add BPFKIT_EVENT(struct …) from bpfkit.h, or pass --event-type <struct>)\n`;
}

/** `handler`, but its first exception ends the run (through `fail`) and later records are dropped. */
function guarded(fail: (error: unknown) => void, handler: Printer): Printer {
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
