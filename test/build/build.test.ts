// `bpfkit build` end to end with real clang: metadata, event types kept in BTF, the same object as a
// plain clang compile, and the error cases (no kernel needed).
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { build, bpfkitVersion, canCompileWithPch, markerInclude, type BuildResult } from '../../src/build/index.js';
import { baseFlags, findClang, includeFlags } from '../../src/build/clang.js';
import { ensureVmlinuxHeader } from '../../src/build/vmlinux.js';
import { MissingDependencyError } from '../../src/errors/index.js';
import { ObjectSpec } from '../../src/spec/object.js';
import { markedEventTypes } from '../../src/package/meta.js';
import { cli, scratch, testEnv } from './helpers.js';

let dir: string;
let snoop: BuildResult;
let vmDir: string | undefined;

before(async () => {
  dir = scratch();
  vmDir = (await ensureVmlinuxHeader({ version: bpfkitVersion(), env: testEnv() }))?.dir;
  snoop = await build({ source: join(dir, 'opensnoop.bpf.c'), env: testEnv() });
});

test('writes <name>.bpf.o and <name>.bpfkit.json next to the source', () => {
  assert.equal(snoop.objectPath, join(dir, 'opensnoop.bpf.o'));
  assert.equal(snoop.packagePath, join(dir, 'opensnoop.bpfkit.json'));
  assert.deepEqual(new Uint8Array(readFileSync(snoop.objectPath)), snoop.object);
  assert.equal(snoop.meta.name, 'opensnoop');
});

test('globals: descriptions, @cmdarg, defaults from the object, bpf_printk strings left out', () => {
  const g = Object.fromEntries(snoop.meta.globals.map((x) => [x.name, x]));
  assert.deepEqual(Object.keys(g), ['pid_target', 'uid_target', 'targ_failed']);
  assert.deepEqual(g.pid_target, {
    name: 'pid_target',
    section: '.rodata',
    type: 'int',
    description: 'Process ID to trace',
    cmdarg: { long: 'pid_target', default: 0 },
  });
  assert.equal(g.uid_target.type, 'uid_t');
  assert.equal(g.uid_target.cmdarg?.default, 4294967295);
  assert.deepEqual(g.targ_failed.cmdarg, { long: 'failed', short: 'f', default: false });
});

test('maps, programs and the program doc', () => {
  const m = Object.fromEntries(snoop.meta.maps.map((x) => [x.name, x]));
  assert.deepEqual(m.hists, {
    name: 'hists',
    type: 'hash',
    description: 'Latency histogram',
    sample: { interval: 1000, type: 'log2_hist', unit: 'usecs' },
  });
  assert.equal(m.rb.exportType, 'event');
  assert.equal(m.events.exportType, 'open_args');
  const p = snoop.meta.programs[0];
  assert.equal(p.attach, 'tracepoint');
  assert.equal(p.section, 'tracepoint/syscalls/sys_enter_openat');
  assert.equal(p.description, 'Trace openat entry');
  assert.deepEqual(p.tags, { flag: 'called on every openat' });
  assert.equal(snoop.meta.brief, 'opensnoop demo.');
  assert.equal(snoop.meta.details, 'It traces open calls.');
  assert.equal(snoop.meta.version, '0.1');
  assert.equal(snoop.meta.description, 'Trace open family syscalls.');
});

test('sent types are detected and kept in BTF (event-map order)', () => {
  assert.deepEqual(snoop.meta.exportTypes, ['event', 'open_args']);
  const spec = new ObjectSpec(snoop.object);
  assert.ok(spec.struct('event') && spec.struct('open_args'));
  // Both records live only in locals: without the markers clang would have left them out.
  const plain = plainCompile('opensnoop.bpf.c');
  assert.equal(new ObjectSpec(plain).struct('event'), undefined);
});

test('header mode: the header structs are the export types; the object is what plain clang makes', async () => {
  const r = await build({ source: join(dir, 'header.bpf.c'), header: join(dir, 'header.h'), env: testEnv() });
  assert.deepEqual(r.meta.exportTypes, ['hdr_event']);
  assert.equal(r.meta.maps.find((m) => m.name === 'events')?.exportType, 'hdr_event');
  assert.deepEqual(r.object, plainCompile('header.bpf.c'));
});

test('header mode: a header struct only a local variable holds is put into BTF by the build', async () => {
  const r = await build({
    source: join(dir, 'header.bpf.c'),
    header: join(dir, 'header.h'),
    cflags: ['-DNO_MARKER'],
    outDir: join(dir, 'no-marker'),
    env: testEnv(),
  });
  assert.deepEqual(r.meta.exportTypes, ['hdr_event']);
  const events = r.meta.maps.find((m) => m.name === 'events');
  assert.equal(events?.exportType, 'hdr_event');
  assert.match(events?.exportTypeReason ?? '', /struct hdr_event is sent to events by handle\(\) with bpf_ringbuf_output\(\)/);
  const spec = new ObjectSpec(r.object);
  assert.ok(spec.struct('hdr_event'));
  assert.equal(new ObjectSpec(plainCompile('header.bpf.c', ['-DNO_MARKER'])).struct('hdr_event'), undefined);
  assert.deepEqual(markedEventTypes(spec).get('events'), ['hdr_event']);
});

test('header mode: a header the source does not include is an error', async () => {
  await assert.rejects(
    build({ source: join(dir, 'opensnoop.bpf.c'), header: join(dir, 'header.h'), outDir: join(dir, 'o2'), env: testEnv() }),
    /header\.h is not included by .*opensnoop\.bpf\.c/,
  );
});

test('an object without programs is an error', async () => {
  await assert.rejects(build({ source: join(dir, 'noprog.bpf.c'), env: testEnv() }), /noprog\.bpf\.c defines no BPF programs/);
});

test('CLI: compile errors pass clang diagnostics through (file:line) and exit 1', () => {
  const r = cli(['build', join(dir, 'broken.bpf.c')]);
  assert.equal(r.status, 1);
  assert.match(r.stderr, /broken\.bpf\.c:7:\d+: error: use of undeclared identifier 'undeclared_thing'/);
  assert.match(r.stderr, /bpfkit: .*broken\.bpf\.c: compilation failed \(1 error\)\n$/);
});

// (A build that is fast says nothing on stderr: see 'CLI: -o and --json'.)
test('CLI: steps over a second say so on stderr (generating vmlinux.h, compiling)', () => {
  // An empty cache makes the header; a clang that takes 1.2 s to start makes the compile slow.
  const cache = join(dir, 'fresh-cache');
  const slowClang = join(dir, 'slow-clang');
  writeFileSync(slowClang, `#!/bin/sh\nsleep 1.2\nexec '${findClang().path}' "$@"\n`, { mode: 0o755 });
  const src = join(dir, 'opensnoop.bpf.c');
  const slow = cli(['build', src, '-o', join(dir, 'slow-out')], {
    env: testEnv({ XDG_CACHE_HOME: cache, BPFKIT_CLANG: slowClang }),
  });
  assert.equal(slow.status, 0, slow.stderr);
  assert.match(slow.stderr, /^generating vmlinux\.h…$/m);
  assert.match(slow.stderr, new RegExp(`^compiling ${src.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}…$`, 'm'));
});

test('CLI: clang missing says how to install it and exits 1', () => {
  assert.throws(() => findClang({ PATH: '/nonexistent' }), MissingDependencyError);
  const bin = join(dir, 'noclang-bin');
  mkdirSync(bin);
  symlinkSync(process.execPath, join(bin, 'node'));
  const r = cli(['build', join(dir, 'opensnoop.bpf.c')], { env: testEnv({ PATH: bin }) });
  assert.equal(r.status, 1);
  assert.match(r.stderr, /^bpfkit: clang is not installed .*apt-get install clang/);
});

test('CLI: -o and --json', () => {
  const out = join(dir, 'out');
  const r = cli(['build', join(dir, 'header.bpf.c'), join(dir, 'header.h'), '-o', out, '--json']);
  assert.equal(r.status, 0, r.stderr);
  assert.deepEqual(JSON.parse(r.stdout), {
    object: join(out, 'header.bpf.o'),
    package: join(out, 'header.bpfkit.json'),
    name: 'header',
    programs: ['handle'],
    maps: ['events'],
    options: [],
    exportTypes: ['hdr_event'],
  });
  assert.equal(r.stderr, '');
});

function plainCompile(file: string, flags: string[] = []): Uint8Array {
  const out = join(dir, `${file}.plain.o`);
  execFileSync(findClang().path, [...baseFlags(), ...flags, ...includeFlags(vmDir), '-c', join(dir, file), '-o', out]);
  return new Uint8Array(readFileSync(out));
}


test('the precompiled vmlinux.h is used for the compile only when it cannot change the object', () => {
  const src = join(dir, 'header.bpf.c');
  assert.equal(canCompileWithPch(src, []), true);
  assert.equal(canCompileWithPch(src, ['-DBPF_NO_PRESERVE_ACCESS_INDEX']), false);
  const other = join(dir, 'defines-first.bpf.c');
  writeFileSync(other, '/* x */\n#define BPF_NO_PRESERVE_ACCESS_INDEX\n#include "vmlinux.h"\n');
  assert.equal(canCompileWithPch(other, []), false);
  const mine = join(dir, 'own-vmlinux');
  mkdirSync(mine);
  writeFileSync(join(mine, 'vmlinux.h'), '');
  writeFileSync(join(mine, 'x.bpf.c'), '#include "vmlinux.h"\n');
  assert.equal(canCompileWithPch(join(mine, 'x.bpf.c'), []), false);
});

test('markers are added only for types the source does not mark already', () => {
  const uses = [
    { helper: 'bpf_ringbuf_reserve', map: 'rb', record: { tag: 'struct', name: 'event' }, function: 'f', file: 'x', line: 1 },
    { helper: 'bpf_perf_event_output', map: 'pe', record: { tag: 'struct', name: 'other' }, function: 'f', file: 'x', line: 2 },
  ];
  const docs = {
    vars: new Map(),
    functions: new Map(),
    records: [],
    files: new Set<string>(),
    varTypes: new Map([['__bpfkit_event_0', { qualType: 'struct event *' }]]),
  };
  assert.equal(
    markerInclude(uses, docs),
    '/* bpfkit build: keeps the types sent to user space in the object\'s BTF (see bpfkit.h) */\n' +
      'struct other;\nstruct other *__bpfkit_event__pe __attribute__((section(".bpfkit.events"), used));\n',
  );
  docs.varTypes.set('__bpfkit_event_1', { qualType: 'struct other *' });
  assert.equal(markerInclude(uses, docs), '');
});
