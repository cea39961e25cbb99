/**
 * Scratch maps found from object code (src/objfile/map-use.ts), and the maps `bpfkit run` prints at
 * exit because of it (src/cli/run/aggregates.ts aggregateMaps), on objects we compile. No kernel
 * needed.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT, compileBpf, fixture } from '../helpers/bpf.js';
import { ObjectSpec } from '../../src/spec/object.js';
import { mapsDeletedFrom } from '../../src/objfile/map-use.js';
import { aggregateMaps } from '../../src/cli/run/aggregates.js';

async function spec(src: string, name: string): Promise<ObjectSpec> {
  return new ObjectSpec(readFileSync(await compileBpf(src, name)));
}

test('maps a program deletes entries from', async () => {
  assert.deepEqual(
    [...mapsDeletedFrom(await spec(fixture('aggregate/aggregate.bpf.c'), 'aggregate'))],
    ['start'],
  );
  assert.deepEqual([...mapsDeletedFrom(await spec(fixture('killsnoop.bpf.c'), 'killsnoop'))], ['inflight']);
  assert.deepEqual(
    [...mapsDeletedFrom(await spec(join(ROOT, 'examples/runqlat/runqlat.bpf.c'), 'runqlat'))],
    ['start'],
  );
  assert.deepEqual([...mapsDeletedFrom(await spec(fixture('sample/killcount.bpf.c'), 'killcount'))], []);
});

test('printed at exit: result maps, not scratch, event, data or @sample maps', async () => {
  const names = (s: ObjectSpec): string[] => aggregateMaps(s).map((m) => m.name);
  // start: deleted from; heap: a one-entry per-CPU buffer; .rodata: data.
  assert.deepEqual(names(await spec(fixture('aggregate/aggregate.bpf.c'), 'aggregate')), [
    'sizes',
    'kills',
    'marks',
  ]);
  assert.deepEqual(names(await spec(fixture('aggregate/netconn.bpf.c'), 'netconn')), []);
  assert.deepEqual(names(await spec(fixture('killsnoop.bpf.c'), 'killsnoop')), []);
  const killcount = await spec(fixture('sample/killcount.bpf.c'), 'killcount');
  assert.deepEqual(names(killcount), ['calls']);
  const sampled = { name: 'calls', type: 'hash', sample: { interval: 300, type: 'default_kv' as const } };
  const meta = { name: 'killcount', programs: [], maps: [sampled], globals: [], exportTypes: [] };
  assert.deepEqual(
    aggregateMaps(killcount, meta).map((m) => m.name),
    [],
  );
});
