/**
 * Introspection against bpftool, the peer: program and map lists carry the same ids, types, names,
 * tags, map ids and sizes; the plain text of `show` and of xlated dumps is byte-identical for the
 * fixture's objects; BTF objects list the same users. Other tests may load and unload objects
 * meanwhile, so whole-list comparisons use ids seen by bpftool both before and after our listing.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { formatProgPlain, listProgs, progJson } from '../../src/loaded/prog.js';
import { formatMapPlain, listMaps, mapJson } from '../../src/loaded/map.js';
import { listBtf } from '../../src/loaded/btf.js';
import { fetchXlated, callResolverFor } from '../../src/loaded/xlated.js';
import { formatXlated } from '../../src/asm/xlated.js';
import { loadMapsFixture, type LoadedFixture } from './fixture.js';

type J = Record<string, unknown>;
const bpftool = (...args: string[]): string => execFileSync('bpftool', args, { encoding: 'utf8' });
const bpftoolJson = (...args: string[]): J[] => JSON.parse(bpftool('-j', ...args)) as J[];

let f: LoadedFixture;
before(async () => {
  f = await loadMapsFixture();
});
after(() => f?.close());

/** Objects bpftool lists in two snapshots around `ours`, by id. */
function stable<T>(list: () => J[], ours: () => T): { peer: Map<number, J>; ours: T; maybe: Set<number> } {
  const a = list();
  const o = ours();
  const b = list();
  const ids = new Set(b.map((x) => x.id as number));
  const peer = new Map(a.filter((x) => ids.has(x.id as number)).map((x) => [x.id as number, x]));
  const maybe = new Set([...a, ...b].map((x) => x.id as number));
  return { peer, ours: o, maybe };
}

test('prog list: same ids, types, names, tags, map ids, sizes and btf ids as bpftool -j prog list', () => {
  const { peer, ours, maybe } = stable(
    () => bpftoolJson('prog', 'list'),
    () => listProgs().map(progJson),
  );
  for (const id of peer.keys())
    assert.ok(
      ours.some((o) => o.id === id),
      `bpftool lists prog ${id}, we do not`,
    );
  for (const o of ours)
    assert.ok(maybe.has(o.id as number), `we list prog ${String(o.id)}, bpftool does not`);
  for (const o of ours) {
    const p = peer.get(o.id as number);
    if (!p) continue;
    for (const k of [
      'type',
      'name',
      'tag',
      'gpl_compatible',
      'uid',
      'bytes_xlated',
      'jited',
      'bytes_jited',
      'bytes_memlock',
      'map_ids',
      'btf_id',
    ])
      assert.deepEqual(o[k], p[k], `prog ${String(o.id)} ${k}`);
    assert.ok(Math.abs(Number(o.loaded_at) - Number(p.loaded_at)) <= 1, `prog ${String(o.id)} loaded_at`);
  }
  assert.ok(
    ours.some((o) => o.name === 'introspect_long_program_name'),
    'full name from BTF func_info',
  );
});

test('map list: same ids, types, names, flags, sizes, frozen and btf ids as bpftool -j map list', () => {
  const { peer, ours, maybe } = stable(
    () => bpftoolJson('map', 'list'),
    () => listMaps().map(mapJson),
  );
  for (const id of peer.keys())
    assert.ok(
      ours.some((o) => o.id === id),
      `bpftool lists map ${id}, we do not`,
    );
  for (const o of ours) assert.ok(maybe.has(o.id as number), `we list map ${String(o.id)}, bpftool does not`);
  for (const o of ours) {
    const p = peer.get(o.id as number);
    if (!p) continue;
    for (const k of [
      'name',
      'flags',
      'bytes_key',
      'bytes_value',
      'max_entries',
      'bytes_memlock',
      'frozen',
      'btf_id',
    ])
      assert.deepEqual(o[k], p[k], `map ${String(o.id)} ${k}`);
    // bpftool 7.1 (libbpf 1.1) prints newer map types as numbers.
    if (typeof p.type === 'string') assert.equal(o.type, p.type, `map ${String(o.id)} type`);
  }
});

test('prog show / map show: plain text identical to bpftool for the fixture objects', () => {
  for (const id of f.progIds.values()) {
    const [s] = listProgs({ id });
    assert.equal(formatProgPlain(s), bpftool('prog', 'show', 'id', String(id)));
  }
  for (const id of f.mapIds.values()) {
    const [s] = listMaps({ id });
    assert.equal(formatMapPlain(s), bpftool('map', 'show', 'id', String(id)));
  }
  const [long] = listProgs({ name: 'introspect_long_program_name' });
  assert.equal(long.info.name, 'introspect_long');
  assert.deepEqual(
    long.metadata.map((m) => [m.name, m.plain]),
    [
      ['owner', '"bpfkit"'],
      ['level', '7'],
    ],
  );
});

test('btf list: the fixture BTF has the same size and users as bpftool reports', () => {
  const btfId = (bpftoolJson('prog', 'show', 'id', String(f.progIds.get('maps_touch'))) as unknown as J)
    .btf_id as number;
  const peer = bpftoolJson('btf', 'list').find((b) => b.id === btfId)!;
  const [ours] = listBtf(btfId);
  assert.equal(ours.size, peer.size);
  assert.equal(ours.kernel, false);
  assert.deepEqual([...ours.progIds].sort(), [...(peer.prog_ids as number[])].sort());
  assert.deepEqual([...ours.mapIds].sort(), [...(peer.map_ids as number[])].sort());
  const vmlinux = listBtf().find((b) => b.name === 'vmlinux')!;
  assert.equal(vmlinux.kernel, true);
});

test('fetchXlated: formatted as bpftool 7.1 prints `prog dump xlated` (plain, linum, opcodes)', () => {
  for (const id of f.progIds.values()) {
    const prog = fetchXlated(id);
    assert.ok(prog.btf && prog.funcInfo?.length && prog.lineInfo?.length);
    const resolveCall = callResolverFor(prog);
    for (const extra of [[], ['linum'], ['opcodes']]) {
      const ours = formatXlated(prog, {
        legacy: true,
        resolveCall,
        linum: extra.includes('linum'),
        opcodes: extra.includes('opcodes'),
      });
      assert.equal(
        ours,
        bpftool('prog', 'dump', 'xlated', 'id', String(id), ...extra),
        `prog ${id} ${extra.join(' ')}`,
      );
    }
  }
});
