// Event types at build time, with real clang and no kernel: a header's struct that only a local
// variable holds, a header of macros only, records sent through wrapper functions (ring buffer or
// perf event array chosen by a global), and what the package says about each choice.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { build, dependsOn } from '../../src/build/index.js';
import { markedEventTypes } from '../../src/package/meta.js';
import { ObjectSpec } from '../../src/spec/object.js';
import { FIXTURES, ROOT, testEnv } from './helpers.js';

const REAL = join(ROOT, 'test/fixtures/real');
let out: string;

before(() => {
  out = mkdtempSync(join(tmpdir(), 'bpfkit-event-types-'));
  process.on('exit', () => rmSync(out, { recursive: true, force: true }));
});

function buildReal(source: string, header?: string) {
  return build({
    source: join(REAL, source),
    header: header && join(REAL, header),
    outDir: join(out, source),
    env: testEnv(),
  });
}

test('a header struct only a local variable holds is put into BTF and is the event type', async () => {
  const r = await buildReal('opensnoop.bpf.c', 'opensnoop.bpf.h');
  assert.deepEqual(r.meta.exportTypes, ['event']);
  const events = r.meta.maps.find((m) => m.name === 'events');
  assert.deepEqual(events, {
    name: 'events',
    type: 'perf_event_array',
    exportType: 'event',
    exportTypeReason: 'struct event is sent to events by real_open_enter() with bpf_perf_event_output()',
  });
  const spec = new ObjectSpec(r.object);
  const s = spec.struct('event');
  assert.ok(s && s.kind === 'struct');
  assert.deepEqual(
    s.members.map((m) => m.name),
    ['ts', 'pid', 'uid', 'flags', 'comm', 'fname'],
  );
  // The marker names the map, so the .bpf.o alone decodes too.
  assert.deepEqual(markedEventTypes(spec).get('events'), ['event']);
});

test('a header of macros only builds; the event type comes from what the program sends', async () => {
  const r = await buildReal('killsnoop.bpf.c', 'killsnoop.h');
  assert.deepEqual(r.meta.exportTypes, ['kill_event']);
  assert.equal(r.meta.maps.find((m) => m.name === 'kills')?.exportType, 'kill_event');
  assert.ok(r.notes.some((n) => /killsnoop\.h declares no named struct or union/.test(n)), r.notes.join('\n'));
  assert.deepEqual(r.warnings, []);
});

test('wrappers: reserve_buf()/submit_buf() are followed to both maps; the header order does not decide', async () => {
  const r = await buildReal('opencompat.bpf.c', 'opencompat.h');
  const byName = Object.fromEntries(r.meta.maps.map((m) => [m.name, m]));
  assert.equal(byName.rb.exportType, 'event');
  assert.equal(byName.rb.exportTypeReason, 'struct event is sent to rb by compat_open_enter() through reserve_buf()');
  assert.equal(byName.pb.exportType, 'event');
  assert.equal(byName.pb.exportTypeReason, 'struct event is sent to pb by compat_open_enter() through submit_buf()');
  assert.equal(byName.rb.exportTypeGuess, undefined);
  assert.equal(byName.scratch.exportType, undefined);
  // The header's other struct stays a candidate (for --event-type) and is in BTF.
  assert.deepEqual(r.meta.exportTypes, ['event', 'event', 'counts']);
  assert.ok(new ObjectSpec(r.object).struct('counts'));
});

test('wrappers without a header: the same types, found from the call sites', async () => {
  const r = await buildReal('opencompat.bpf.c');
  assert.deepEqual(
    r.meta.maps.filter((m) => m.exportType).map((m) => [m.name, m.exportType]),
    [
      ['rb', 'event'],
      ['pb', 'event'],
    ],
  );
});

test('a map passed as a parameter, a wrapper of a wrapper, `?:` in a reserve wrapper, an integer record', async () => {
  const r = await build({ source: join(FIXTURES, 'wrappers.bpf.c'), outDir: join(out, 'wrappers'), env: testEnv() });
  const byName = Object.fromEntries(r.meta.maps.map((m) => [m.name, m]));
  assert.equal(byName.ring.exportType, 'small');
  assert.equal(byName.ring.exportTypeReason, 'struct small is sent to ring by wrapped() through grab()');
  assert.equal(byName.other.exportType, 'big');
  assert.equal(byName.other.exportTypeReason, 'struct big is sent to other by emit() through send()');
  // `&pid` is a u32: no event type, and no error about a type missing from BTF.
  assert.equal(byName.counts.exportType, undefined);
  assert.ok(r.notes.includes('map counts: no event type found (records will show as hex unless --event-type is given)'));
});

test('header mode: the header comes first among the structs sent to one map; a guess says so', async () => {
  const dir = mkdtempSync(join(out, 'mixed-'));
  writeFileSync(join(dir, 'mixed.h'), 'struct hdr_first { __u32 a; };\nstruct hdr_second { __u64 b; };\n');
  writeFileSync(
    join(dir, 'mixed.bpf.c'),
    [
      '#include "vmlinux.h"',
      '#include <bpf/bpf_helpers.h>',
      '#include "mixed.h"',
      'struct local { __u16 c; };',
      'struct { __uint(type, BPF_MAP_TYPE_RINGBUF); __uint(max_entries, 4096); } one SEC(".maps");',
      'struct { __uint(type, BPF_MAP_TYPE_RINGBUF); __uint(max_entries, 4096); } two SEC(".maps");',
      'SEC("tracepoint/syscalls/sys_enter_openat")',
      'int mixed(void *ctx)',
      '{',
      '\tstruct local l = {};',
      '\tstruct hdr_second s = {};',
      '\tbpf_ringbuf_output(&one, &l, sizeof(l), 0);',
      '\tbpf_ringbuf_output(&one, &s, sizeof(s), 0);',
      '\treturn 0;',
      '}',
      'char LICENSE[] SEC("license") = "GPL";',
      '',
    ].join('\n'),
  );
  const r = await build({ source: join(dir, 'mixed.bpf.c'), header: join(dir, 'mixed.h'), env: testEnv() });
  const byName = Object.fromEntries(r.meta.maps.map((m) => [m.name, m]));
  assert.equal(byName.one.exportType, 'hdr_second');
  assert.match(byName.one.exportTypeReason ?? '', /; also sent there: local$/);
  assert.equal(byName.two.exportType, 'hdr_first');
  assert.equal(byName.two.exportTypeGuess, true);
  assert.equal(byName.two.exportTypeReason, 'the first struct of ' + join(dir, 'mixed.h') + '; nothing the program sends to two was recognised');
  const spec = new ObjectSpec(r.object);
  for (const s of ['hdr_first', 'hdr_second', 'local']) assert.ok(spec.struct(s), s);
});

test('dependsOn reads clang -MD output (continued lines, escaped blanks)', () => {
  const dir = mkdtempSync(join(out, 'deps-'));
  const deps = join(dir, 'x.d');
  writeFileSync(deps, `x.o: ${dir}/x.bpf.c \\\n  ${dir}/my\\ header.h /usr/include/bpf/bpf_helpers.h\n`);
  assert.equal(dependsOn(deps, join(dir, 'my header.h')), true);
  assert.equal(dependsOn(deps, join(dir, 'other.h')), false);
  assert.equal(dependsOn(undefined, join(dir, 'x.bpf.c')), false);
  assert.equal(dependsOn(join(dir, 'missing.d'), join(dir, 'x.bpf.c')), false);
});
