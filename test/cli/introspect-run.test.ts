/**
 * Issue #4, must-show 1: with our opensnoop object running under `bpfkit run`, `bpfkit prog list` and
 * `bpfkit map list` name the same programs and maps as bpftool, field by field (plain text and JSON).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { ROOT, compileBpf, leftLoaded, loadedPrograms, runCli, startCli, waitFor } from '../helpers/bpf.js';

type J = Record<string, unknown>;
const PROGS = ['tracepoint__syscalls__sys_enter_openat', 'tracepoint__syscalls__sys_exit_openat'];
const bpftoolJson = (...args: string[]): J[] =>
  JSON.parse(execFileSync('bpftool', ['-j', ...args], { encoding: 'utf8' })) as J[];

async function bpfkitJson(...args: string[]): Promise<J[]> {
  const r = await runCli([...args, '--json']);
  assert.equal(r.code, 0, r.stderr);
  return r.stdout
    .trimEnd()
    .split('\n')
    .map((l) => JSON.parse(l) as J);
}

/**
 * bpftool's and bpfkit's lists taken while the kernel's set of ids stays the same (programs of earlier
 * tests may still be on their way out), so that a difference is ours, not a race.
 */
async function stableLists(kind: 'prog' | 'map'): Promise<[J[], J[]]> {
  const ids = (l: J[]): string => l.map((x) => String(x.id)).join(',');
  for (let i = 0; ; i++) {
    const before = bpftoolJson(kind, 'list');
    const ours = await bpfkitJson(kind, 'list');
    const after = bpftoolJson(kind, 'list');
    if (ids(before) === ids(after) || i === 5) return [after, ours];
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** The `<id>: <type>  name <name>  tag <tag>` heads of a plain prog/map list, by id. */
function heads(text: string): Map<number, string> {
  const out = new Map<number, string>();
  for (const l of text.split('\n')) {
    const m = /^(\d+): (.*)$/.exec(l);
    if (m) out.set(Number(m[1]), m[2].replace(/\s+flags 0x[0-9a-f]+$/, ''));
  }
  return out;
}

test('prog list and map list match bpftool while bpfkit run holds an opensnoop object', async () => {
  const obj = await compileBpf(join(ROOT, 'examples/opensnoop/opensnoop.bpf.c'), 'opensnoop-introspect');
  const run = startCli(['run', obj, '--duration', '60']);
  try {
    await waitFor(() => (run.stdout().includes('FNAME') ? true : undefined));
    const ours = loadedPrograms(PROGS);
    assert.equal(ours.length, 2, 'both programs are loaded');

    const [peerProgs, ourProgs] = await stableLists('prog');
    assert.deepEqual(
      ourProgs.map((p) => p.id),
      peerProgs.map((p) => p.id),
      'the same program ids, in the same order',
    );
    for (const p of peerProgs) {
      const o = ourProgs.find((x) => x.id === p.id)!;
      for (const k of ['type', 'name', 'tag', 'gpl_compatible', 'map_ids', 'btf_id'])
        assert.deepEqual(o[k], p[k], `prog ${String(p.id)} ${k}`);
    }
    // The plain text lists agree line for line on each object's first line (id, type, name, tag).
    const plainPeer = heads(execFileSync('bpftool', ['prog', 'list'], { encoding: 'utf8' }));
    const plainOurs = heads((await runCli(['prog', 'list'])).stdout);
    for (const id of ours) assert.equal(plainOurs.get(id), plainPeer.get(id), `prog ${id} head line`);

    const [peerMaps, ourMaps] = await stableLists('map');
    assert.deepEqual(
      ourMaps.map((m) => m.id),
      peerMaps.map((m) => m.id),
    );
    for (const m of peerMaps) {
      const o = ourMaps.find((x) => x.id === m.id)!;
      for (const k of ['type', 'name', 'flags', 'bytes_key', 'bytes_value', 'max_entries'])
        assert.deepEqual(o[k], m[k], `map ${String(m.id)} ${k}`);
    }
    // bpftool 7.1's `map list` carries btf_id over from the previous map when a map has none (a perf
    // event array after a map with BTF), so btf_id is compared with `map show id N`, which is right.
    for (const o of ourMaps.filter((m) => mapIdsOf(ourProgs, ours).has(m.id as number))) {
      const shown = bpftoolJson('map', 'show', 'id', String(o.id)) as unknown as J;
      assert.equal(o.btf_id, shown.btf_id, `map ${String(o.id)} btf_id`);
    }
    // Our programs' maps (start, events, .rodata) are among them.
    const mapIds = new Set(
      ourProgs.filter((p) => ours.includes(p.id as number)).flatMap((p) => p.map_ids as number[]),
    );
    assert.ok(mapIds.size >= 2, 'the programs use their maps');
    for (const id of mapIds)
      assert.ok(
        ourMaps.some((m) => m.id === id),
        `map ${id} listed`,
      );
  } finally {
    run.child.kill('SIGINT');
  }
  assert.equal(await run.exited, 0, run.stderr());
  assert.deepEqual(await leftLoaded(PROGS), []);
});

/** The map ids the programs `ids` use. */
function mapIdsOf(progs: J[], ids: number[]): Set<number> {
  return new Set(progs.filter((p) => ids.includes(p.id as number)).flatMap((p) => p.map_ids as number[]));
}
