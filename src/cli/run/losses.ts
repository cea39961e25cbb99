/**
 * Reports ring-buffer drops counted by bpfkit.h (see src/ringbuf/losses.ts) like perf losses: every
 * second while the run lasts, and once more when it stops. Objects without the counter get nothing.
 * Needs the loaded object (the fd of its .bss map).
 */
import type { BpfObject } from '../../object/collection.js';
import type { ObjectSpec } from '../../spec/object.js';
import { mapInfo } from '../../sys/objinfo.js';
import { RINGBUF_LOST_VAR, RingBufLossCounter } from '../../ringbuf/losses.js';
import type { RunNotices } from './notices.js';

const INTERVAL_MS = 1000;

/**
 * Starts reading the drop counter of `obj` when it has one. The notices name the object's ring
 * buffer when it has a single one (else the counter). stop() reports the last drops; it never
 * throws: a failed read goes to `fail` (which ends the run with it).
 */
export function startLossReports(
  obj: BpfObject,
  spec: ObjectSpec,
  notices: RunNotices,
  fail: (error: unknown) => void,
): { stop(): void } | undefined {
  const g = spec.globals.find((x) => x.name === RINGBUF_LOST_VAR && x.size === 8);
  const map = g && obj.maps.find((m) => m.spec.section === g.section && m.fd >= 0);
  if (!g || !map) return undefined;
  const rings = spec.maps.filter((m) => m.typeName === 'ringbuf');
  const name = rings.length === 1 ? rings[0].name : RINGBUF_LOST_VAR;
  const counter = new RingBufLossCounter(map.fd, g.offset, mapInfo(map.fd).valueSize);
  const report = (): void => {
    try {
      const n = counter.poll();
      if (n > 0) notices.lost(name, undefined, n);
    } catch (e) {
      clearInterval(timer);
      fail(e);
    }
  };
  const timer = setInterval(report, INTERVAL_MS);
  return {
    stop() {
      clearInterval(timer);
      report();
    },
  };
}
