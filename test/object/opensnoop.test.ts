/**
 * Must-show 1 and 2: the opensnoop-style object, loaded and attached on the real kernel, delivers
 * decoded events through a perf event array and through a ring buffer.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { BpfObject } from '../../src/object/collection.js';
import { RingBufReader } from '../../src/ringbuf/reader.js';
import { PerfEventArrayReader } from '../../src/perf/reader.js';
import { eventTypeFor } from '../../src/events/event-type.js';
import { decoderFor } from '../../src/btf/decode.js';
import type { EventReader } from '../../src/events/stream.js';
import { BUILD, ROOT, compileBpf, leftLoaded, waitFor } from '../helpers/bpf.js';

interface OpenEvent {
  ts: bigint;
  pid: number;
  uid: number;
  ret: number;
  flags: number;
  comm: string;
  fname: string;
}

const SRC = join(ROOT, 'examples/opensnoop/opensnoop.bpf.c');
const PROGS = ['tracepoint__syscalls__sys_enter_openat', 'tracepoint__syscalls__sys_exit_openat'];

async function traceOpens(ringbuf: boolean): Promise<void> {
  const objPath = await compileBpf(
    SRC,
    ringbuf ? 'opensnoop-ringbuf' : 'opensnoop-perf',
    ringbuf ? ['USE_RINGBUF'] : [],
  );
  const obj = BpfObject.open(objPath);
  const events: OpenEvent[] = [];
  let reader: EventReader | undefined;
  try {
    obj.load();
    obj.attachAll();
    const events_map = obj.map('events');
    assert.equal(events_map.spec.typeName, ringbuf ? 'ringbuf' : 'perf_event_array');
    const et = eventTypeFor(obj.spec, events_map.spec);
    assert.ok(et, 'the BPFKIT_EVENT marker names the event struct');
    assert.equal(et.name, 'event');
    const decode = decoderFor<OpenEvent>(obj.spec.btf!, et.typeId);
    reader = ringbuf ? RingBufReader.open(events_map.fd) : PerfEventArrayReader.open(events_map.fd);
    reader.onRecord((bytes) => events.push(decode(bytes)));

    const present = join(BUILD, `present-${process.pid}-${ringbuf}.txt`);
    writeFileSync(present, 'x');
    const missing = join(BUILD, `missing-${process.pid}-${ringbuf}-${Date.now()}.txt`);
    let pidOk = 0;
    let pidMissing = 0;
    const ok = await waitFor(
      () => events.find((e) => e.pid === pidOk && e.fname === present),
      () => {
        pidOk = spawnSync('cat', [present]).pid ?? 0;
      },
    );
    const bad = await waitFor(
      () => events.find((e) => e.pid === pidMissing && e.fname === missing),
      () => {
        pidMissing = spawnSync('cat', [missing]).pid ?? 0;
      },
    );
    assert.equal(ok.comm, 'cat');
    assert.ok(ok.ret >= 3, `an fd is returned (got ${ok.ret})`);
    assert.equal(ok.flags & 3, 0, 'O_RDONLY');
    assert.equal(ok.uid, 0);
    assert.equal(typeof ok.ts, 'bigint');
    assert.equal(bad.comm, 'cat');
    assert.equal(bad.ret, -2, '-ENOENT for a missing file');
  } finally {
    await reader?.close();
    obj.close();
  }
  assert.deepEqual(await leftLoaded(PROGS), [], 'nothing stays loaded after close()');
}

test('opensnoop through a perf event array decodes pid, comm, path, flags and ret', async () => {
  await traceOpens(false);
});

test('opensnoop through a ring buffer decodes the same events', async () => {
  await traceOpens(true);
});
