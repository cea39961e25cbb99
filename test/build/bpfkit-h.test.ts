// bpf/include/bpfkit.h against the real loader: objects with BPFKIT_EVENT markers (written by hand
// or added by `bpfkit build`) load with libbpf 1.1 and keep their event structs in BTF, and the
// ring-buffer helpers' drop counter exists only where they are used. Needs root.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { build } from '../../src/build/index.js';
import { BpfObject } from '../../src/object/collection.js';
import { markedEventTypes } from '../../src/package/meta.js';
import { ObjectSpec } from '../../src/spec/object.js';
import { scratch, testEnv } from './helpers.js';
import { compileBpf, fixture } from '../helpers/bpf.js';
import { bpffsTempDir } from '../helpers/bpffs.js';

let dir: string;
before(() => {
  dir = scratch();
});

for (const [file, header, marker, struct] of [
  ['header.bpf.c', 'header.h', '__bpfkit_event_0', 'hdr_event'],
  ['opensnoop.bpf.c', undefined, '__bpfkit_event__rb', 'event'],
] as const) {
  test(`${file}: marker ${marker} keeps struct ${struct} in BTF, and libbpf loads the object`, async () => {
    const r = await build({ source: join(dir, file), header: header && join(dir, header), env: testEnv() });
    const dump = execFileSync('bpftool', ['btf', 'dump', 'file', r.objectPath], { encoding: 'utf8' });
    assert.match(dump, new RegExp(`STRUCT '${struct}' size=\\d+`));
    assert.match(dump, new RegExp(`VAR '${marker}'`));
    assert.match(dump, /DATASEC '\.bpfkit\.events'/);
    const marked = markedEventTypes(new ObjectSpec(r.object));
    assert.ok([...marked.values()].some((l) => l.includes(struct)));

    const obj = BpfObject.open(r.object, { name: 'bpfkit_h_test' });
    try {
      obj.load();
      assert.ok(obj.programs.every((p) => p.fd > 0));
    } finally {
      obj.close();
    }
  });
}

test('bpfkit_ringbuf_reserve: its drop counter is a static .bss u64 only in objects using it; libbpf and bpftool load them', async () => {
  const burst = await compileBpf(fixture('records/burst.bpf.c'), 'burst');
  const dump = execFileSync('bpftool', ['btf', 'dump', 'file', burst], { encoding: 'utf8' });
  assert.match(dump, /VAR 'bpfkit_rb_lost' type_id=\d+, linkage=static/);
  assert.match(dump, /DATASEC '\.bss' size=0 vlen=\d+\n(\t.*\n)*\ttype_id=\d+ offset=0 size=8 \(VAR 'bpfkit_rb_lost'\)/);
  const counter = new ObjectSpec(readFileSync(burst)).globals.find((g) => g.name === 'bpfkit_rb_lost');
  assert.deepEqual(counter && [counter.section, counter.size], ['.bss', 8]);
  const obj = BpfObject.open(burst, { name: 'bpfkit_h_test' });
  try {
    obj.load();
  } finally {
    obj.close();
  }
  const pin = bpffsTempDir('bpfkit-h-test-');
  try {
    execFileSync('bpftool', ['prog', 'loadall', burst, pin], { stdio: 'ignore' });
  } finally {
    rmSync(pin, { recursive: true, force: true });
  }
  // opensnoop includes bpfkit.h for BPFKIT_EVENT only: no counter.
  const r = await build({ source: join(dir, 'opensnoop.bpf.c'), env: testEnv() });
  assert.equal(new ObjectSpec(r.object).globals.find((g) => g.name === 'bpfkit_rb_lost'), undefined);
});
