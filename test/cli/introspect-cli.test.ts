/**
 * `bpfkit prog` / `bpfkit map` end to end (the CLI run as a child process) against bpftool 7.1:
 * map dumps byte-identical with and without BTF (plain and -j), several-map dumps, the lists carry
 * the same objects, and `prog show` adds the holders bpftool 7.1 cannot see.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { ROOT } from '../helpers/bpf.js';
import { mapCreate } from '../../src/sys/bpf.js';
import { BpfMap } from '../../src/maps/map.js';
import { formatMapDumpPlain } from '../../src/loaded/map-dump.js';
import { loadMapsFixture, type LoadedFixture } from '../loaded/fixture.js';

type J = Record<string, unknown>;
const bpftool = (...args: string[]): string => execFileSync('bpftool', args, { encoding: 'utf8' });
const bpfkit = (...args: string[]): string =>
  execFileSync(process.execPath, ['--import', 'tsx', join(ROOT, 'src/cli/bin.cts'), ...args], {
    encoding: 'utf8',
    cwd: ROOT,
  });

let fixtures: LoadedFixture[] = [];
const hexMaps: BpfMap[] = [];

/** No-BTF maps covering bpftool's hex layouts: single line, broken names, per-CPU, 0/1 elements. */
function makeHexMaps(): void {
  const specs = [
    { type: 1, keySize: 4, valueSize: 8, n: 3 }, // key and value on one line
    { type: 1, keySize: 8, valueSize: 16, n: 2 }, // 24 bytes: still one line
    { type: 1, keySize: 4, valueSize: 17, n: 2 }, // value > 16: names on their own lines
    { type: 1, keySize: 20, valueSize: 40, n: 2 }, // multi-line hex with 8/16-byte breaks
    { type: 5, keySize: 4, valueSize: 4, n: 2 }, // percpu_hash
    { type: 6, keySize: 4, valueSize: 20, n: 2 }, // percpu_array, value > 16
    { type: 1, keySize: 4, valueSize: 4, n: 1 }, // "Found 1 element"
    { type: 1, keySize: 4, valueSize: 4, n: 0 }, // "Found 0 elements"
  ];
  for (const s of specs) {
    const m = BpfMap.fromFd(mapCreate({ ...s, maxEntries: Math.max(s.n, 1) + 2, name: 'bpfkit_t_hex' }));
    hexMaps.push(m);
    for (let i = 0; i < s.n; i++) {
      const key = new Uint8Array(s.keySize).map((_, b) =>
        b === 0 ? i : s.type === 6 ? 0 : (b * 7 + i) & 0xff,
      );
      const one = (c: number): Uint8Array =>
        new Uint8Array(s.valueSize).map((_, b) => (b * 13 + i + c) & 0xff);
      m.update(key, m.perCpu ? Array.from({ length: m.nValues }, (_, c) => one(c)) : one(0));
    }
  }
}

before(async () => {
  fixtures = [await loadMapsFixture(), await loadMapsFixture()];
  makeHexMaps();
});
after(() => {
  for (const m of hexMaps) m.close();
  for (const f of fixtures) f.close();
});

test('map dump of a BTF hash map: plain and --json byte-identical to bpftool', () => {
  const id = String(fixtures[0].mapIds.get('kv'));
  assert.equal(bpfkit('map', 'dump', 'id', id), bpftool('map', 'dump', 'id', id));
  const lines = bpfkit('map', 'dump', 'id', id, '--json').trimEnd().split('\n');
  assert.equal(lines.length, 3);
  assert.equal(`[${lines.join(',')}]\n`, bpftool('-j', 'map', 'dump', 'id', id));
});

test('map dump of maps without BTF: hex layout identical to bpftool', () => {
  for (const m of hexMaps)
    assert.equal(formatMapDumpPlain(m), bpftool('map', 'dump', 'id', String(m.id)), `map ${m.id}`);
  assert.equal(bpfkit('map', 'dump', 'name', 'bpfkit_t_hex'), bpftool('map', 'dump', 'name', 'bpfkit_t_hex'));
});

test('map dump matching several BTF maps: per-map objects as bpftool prints them', () => {
  assert.equal(bpfkit('map', 'dump', 'name', 'kv'), bpftool('map', 'dump', 'name', 'kv'));
  const lines = bpfkit('map', 'dump', 'name', 'kv', '--json').trimEnd().split('\n');
  assert.equal(`[${lines.join(',')}]\n`, bpftool('-j', 'map', 'dump', 'name', 'kv'));
});

test('prog list / map list --json name the same objects as bpftool -j', () => {
  const peer = new Map((JSON.parse(bpftool('-j', 'prog', 'list')) as J[]).map((p) => [p.id, p]));
  const ours = bpfkit('prog', 'list', '--json')
    .trimEnd()
    .split('\n')
    .map((l) => JSON.parse(l) as J);
  for (const f of fixtures) {
    for (const id of f.progIds.values()) {
      const o = ours.find((p) => p.id === id)!;
      const p = peer.get(id)!;
      for (const k of ['type', 'name', 'tag', 'map_ids', 'btf_id', 'bytes_xlated'])
        assert.deepEqual(o[k], p[k], `prog ${id} ${k}`);
    }
  }
  const peerMaps = new Map((JSON.parse(bpftool('-j', 'map', 'list')) as J[]).map((m) => [m.id, m]));
  const ourMaps = bpfkit('map', 'list', '--json')
    .trimEnd()
    .split('\n')
    .map((l) => JSON.parse(l) as J);
  for (const m of hexMaps) {
    const o = ourMaps.find((x) => x.id === m.id)!;
    for (const k of ['type', 'name', 'flags', 'bytes_key', 'bytes_value', 'max_entries'])
      assert.deepEqual(o[k], peerMaps.get(m.id)![k], `map ${m.id} ${k}`);
    // This test process holds the map: bpfkit names it, bpftool 7.1 (no pid iterator) cannot.
    assert.deepEqual(o.pids, [{ pid: process.pid, comm: 'node' }]);
  }
});

test('prog show: bpftool text plus the holders line; dump xlated --legacy matches bpftool 7.1', () => {
  const id = String(fixtures[0].progIds.get('introspect_long_program_name'));
  const ours = bpfkit('prog', 'show', 'id', id);
  assert.ok(ours.includes(`\n\tpids node(${process.pid})\n`), ours);
  assert.equal(ours.replace(/\n\tpids [^\n]*/, ''), bpftool('prog', 'show', 'id', id));
  assert.equal(
    bpfkit('prog', 'dump', 'xlated', 'id', id, 'linum', '--legacy'),
    bpftool('prog', 'dump', 'xlated', 'id', id, 'linum'),
  );
});
