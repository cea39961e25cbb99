// Choosing the struct an event map's records are decoded with (no kernel: the object is only
// parsed): --event-type first, then the package, then markers, then candidates settled by the size
// of the first record.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { build } from '../../src/build/index.js';
import {
  chooseEventType,
  describeChoice,
  eventTypeFor,
  recordFits,
  settleEventType,
} from '../../src/events/event-type.js';
import { NotFoundError } from '../../src/errors/index.js';
import { objectMeta } from '../../src/package/meta.js';
import type { PackageMeta } from '../../src/package/types.js';
import { ObjectSpec, type MapSpec } from '../../src/spec/object.js';
import { FIXTURES, ROOT, testEnv } from '../build/helpers.js';

let spec: ObjectSpec;
let meta: PackageMeta;
let rb: MapSpec;
let pb: MapSpec;
let wrappers: ObjectSpec;
let wrappersMeta: PackageMeta;

before(async () => {
  const out = mkdtempSync(join(tmpdir(), 'bpfkit-event-type-'));
  process.on('exit', () => rmSync(out, { recursive: true, force: true }));
  const real = join(ROOT, 'test/fixtures/real');
  const r = await build({
    source: join(real, 'opencompat.bpf.c'),
    header: join(real, 'opencompat.h'),
    outDir: out,
    env: testEnv(),
  });
  spec = new ObjectSpec(r.object);
  meta = r.meta;
  rb = spec.maps.find((m) => m.name === 'rb')!;
  const w = await build({ source: join(FIXTURES, 'wrappers.bpf.c'), outDir: out, env: testEnv() });
  wrappers = new ObjectSpec(w.object);
  wrappersMeta = w.meta;
  pb = spec.maps.find((m) => m.name === 'pb')!;
});

/** A copy of the package meta with the rb map's entry changed. */
function withRb(change: Partial<PackageMeta['maps'][number]> | undefined): PackageMeta {
  const m = structuredClone(meta);
  const i = m.maps.findIndex((x) => x.name === 'rb');
  if (change === undefined) m.maps.splice(i, 1);
  else {
    const e = { ...m.maps[i], ...change };
    for (const k of Object.keys(e) as (keyof typeof e)[]) if (e[k] === undefined) delete e[k];
    m.maps[i] = e;
  }
  return m;
}

test('the package decides, with the reason bpfkit build gave', () => {
  const c = chooseEventType(spec, rb, meta);
  assert.equal(c.type?.name, 'event');
  assert.equal(c.type?.source, 'package');
  assert.equal(c.type?.guess, false);
  assert.deepEqual(c.candidates, []);
  assert.equal(
    describeChoice(c),
    "map 'rb': struct event (struct event is sent to rb by compat_open_enter() through reserve_buf())",
  );
});

test('--event-type wins over the package, as `counts` or `struct counts`', () => {
  for (const o of ['counts', 'struct counts']) {
    const c = chooseEventType(spec, rb, meta, o);
    assert.equal(c.type?.name, 'counts');
    assert.equal(c.type?.source, 'option');
    assert.equal(c.type?.size, 16);
    assert.equal(describeChoice(c), undefined, 'nothing to explain');
  }
  assert.equal(eventTypeFor(spec, rb, ['event'], 'counts')?.name, 'counts');
});

test('an unknown --event-type is a NotFoundError naming it and listing the candidates', () => {
  assert.throws(
    () => chooseEventType(spec, rb, meta, 'nosuch'),
    (e: unknown) =>
      e instanceof NotFoundError &&
      e.what === 'struct' &&
      e.key === 'nosuch' &&
      e.message ===
        "--event-type: no struct 'nosuch' in the object's BTF (event types: event, counts; other structs: trace_event_raw_sys_enter, trace_entry)",
  );
  // Also for a bare object, whose markers name the types.
  assert.throws(
    () => chooseEventType(spec, rb, objectMeta(spec, 'x'), 'nosuch'),
    /no struct 'nosuch'.*event types: event, counts/,
  );
});

test('a bare object: the marker for the map', () => {
  const c = chooseEventType(spec, pb, objectMeta(spec, 'opencompat'));
  assert.equal(c.type?.name, 'event');
  assert.equal(c.type?.reason, 'a BPFKIT_MAP_EVENT marker for pb in the object');
  assert.equal(chooseEventType(spec, pb).type?.source, 'marker');
});

test('a guessed package type with candidates of other sizes waits for the first record', () => {
  const m = withRb({
    exportType: 'counts',
    exportTypeGuess: true,
    exportTypeReason: 'the first struct of x.h',
  });
  const c = chooseEventType(spec, rb, m);
  assert.equal(c.type, undefined);
  assert.deepEqual(
    c.candidates.map((t) => t.name),
    ['counts', 'event'],
  );
  const fits = settleEventType(c, 152, 'ringbuf');
  assert.equal(fits.type?.name, 'event');
  assert.equal(fits.type?.source, 'size');
  assert.equal(fits.warning, undefined);
  assert.equal(
    fits.message,
    "map 'rb': guessed struct event (one of the package's event types): its 152 bytes fit the 152-byte records (not: counts 16 bytes)",
  );
  assert.equal(settleEventType(c, 16, 'ringbuf').type?.name, 'counts');
});

test("a map the package lists without a type falls back to the object's marker for it", () => {
  const c = chooseEventType(spec, rb, withRb({ exportType: undefined, exportTypeReason: undefined }));
  assert.equal(c.type?.name, 'event');
  assert.equal(c.type?.source, 'marker');
});

test('no type and no marker for the map: the candidates decide by size; none fitting is a warning', () => {
  const c = chooseEventType(
    wrappers,
    wrappers.maps.find((m) => m.name === 'counts')!,
    wrappersMeta,
  );
  assert.equal(c.type, undefined);
  assert.deepEqual(
    c.candidates.map((t) => [t.name, t.size]),
    [
      ['big', 24],
      ['small', 4],
    ],
  );
  const fits = settleEventType(c, 4, 'perf_event_array');
  assert.equal(fits.type?.name, 'small');
  assert.equal(fits.warning, undefined);
  // 12 bytes: not small's size, but big with its trailing comm[16] cut short (a variable-length record).
  const cut = settleEventType(c, 12, 'perf_event_array');
  assert.equal(cut.type?.name, 'big');
  assert.equal(cut.warning, undefined);
  const odd = settleEventType(c, 6, 'ringbuf');
  assert.equal(odd.type?.name, 'small', 'the first struct the record can hold');
  assert.equal(odd.warning, true);
  assert.equal(
    odd.message,
    "map 'counts': records are 6 bytes but big is 24, small is 4 bytes: decoding as struct small (choose with --event-type <struct>)",
  );
  const tiny = settleEventType(c, 2, 'ringbuf');
  assert.equal(tiny.type, undefined);
  assert.match(tiny.message ?? '', /showing them as hex/);
});

test('a package without an entry for the map: exportTypes by event-map order', () => {
  const c = chooseEventType(spec, rb, withRb(undefined));
  assert.equal(c.type?.name, 'event');
  assert.equal(c.type?.reason, "the package's metadata");
});

test('a type tied to the map is kept whatever the record size (the decoder tells malformed ones)', () => {
  const c = chooseEventType(spec, rb, meta);
  assert.deepEqual(settleEventType(c, 152, 'ringbuf'), { type: c.type });
  assert.deepEqual(settleEventType(c, 100, 'ringbuf'), { type: c.type });
  assert.deepEqual(settleEventType(c, 3, 'ringbuf'), { type: c.type });
  const opt = chooseEventType(spec, rb, meta, 'counts');
  assert.deepEqual(settleEventType(opt, 152, 'ringbuf'), { type: opt.type });
});

test('record sizes: exact for ring buffers, up to 7 bytes of padding for perf event arrays', () => {
  const fixed = (size: number) => ({ size, minSize: size });
  assert.equal(recordFits(fixed(152), 152, 'ringbuf'), true);
  assert.equal(recordFits(fixed(152), 156, 'ringbuf'), false);
  assert.equal(recordFits(fixed(150), 156, 'perf_event_array'), true);
  assert.equal(recordFits(fixed(150), 158, 'perf_event_array'), false);
  assert.equal(recordFits(fixed(150), 149, 'perf_event_array'), false);
  // A struct ending in an array: records from the array's offset to the full size fit.
  assert.equal(recordFits({ size: 544, minSize: 32 }, 50, 'ringbuf'), true);
  assert.equal(recordFits({ size: 544, minSize: 32 }, 12, 'ringbuf'), false);
});
