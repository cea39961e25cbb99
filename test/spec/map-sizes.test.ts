/**
 * Sizes of maps left to user space (spec layer, no kernel): the defaults by map type and the
 * checks of `--max-entries name=N`.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { defaultMapSize, parseMaxEntries } from '../../src/spec/map-sizes.js';
import { MAP_TYPES, type MapSpec } from '../../src/spec/object.js';
import { BadValueError, NotFoundError } from '../../src/errors/index.js';

function map(name: string, typeName: (typeof MAP_TYPES)[number], maxEntries = 0, valueSize = 8): MapSpec {
  return {
    name,
    type: MAP_TYPES.indexOf(typeName),
    typeName,
    keySize: 4,
    valueSize,
    maxEntries,
    flags: 0,
    keyType: 0,
    valueType: 0,
    section: '.maps',
  };
}

test('defaults for sizes left at 0: 10240 entries, 1024 stacks of 127 frames, 256 KiB rings', () => {
  for (const t of ['hash', 'lru_hash', 'percpu_hash', 'array', 'percpu_array', 'lpm_trie', 'queue'] as const)
    assert.deepEqual(defaultMapSize(map('m', t)), { maxEntries: 10240 }, t);
  assert.deepEqual(defaultMapSize(map('s', 'stack_trace', 0, 0)), { maxEntries: 1024, valueSize: 1016 });
  assert.deepEqual(defaultMapSize(map('s', 'stack_trace', 64, 0)), { valueSize: 1016 });
  assert.deepEqual(defaultMapSize(map('r', 'ringbuf', 0, 0)), { maxEntries: 262144 });
});

test('no default where the source sized the map, or where 0 is right or left to libbpf', () => {
  assert.equal(defaultMapSize(map('m', 'hash', 16)), undefined);
  assert.equal(defaultMapSize(map('p', 'perf_event_array', 0, 4)), undefined, 'libbpf: one slot per CPU');
  assert.equal(defaultMapSize(map('t', 'task_storage', 0)), undefined, 'local storage must be 0');
  assert.equal(defaultMapSize(map('o', 'array_of_maps', 0, 4)), undefined);
});

test('--max-entries name=N: known maps, 1..2^32-1', () => {
  const maps = [
    map('start', 'hash'),
    map('events', 'ringbuf'),
    { ...map('.bss', 'array', 1), section: '.bss' },
  ];
  assert.deepEqual(
    [...parseMaxEntries(['start=4096', 'events=65536', 'start=8192'], maps)],
    [
      ['start', 8192],
      ['events', 65536],
    ],
  );
  for (const [arg, msg] of [
    ['start', /--max-entries expects name=N, got 'start'/],
    ['start=-1', /expects name=N/],
    ['start=0', /--max-entries start: 0 is not between 1 and 4294967295/],
    ['start=4294967296', /not between/],
    ['nope=1', /--max-entries: no map 'nope' \(maps: start, events\)/],
    ['.bss=1', /no map '\.bss'/],
  ] as const)
    assert.throws(
      () => parseMaxEntries([arg], maps),
      (e: unknown) => (e instanceof BadValueError || e instanceof NotFoundError) && msg.test(e.message),
      arg,
    );
});
