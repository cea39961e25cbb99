/**
 * The tools' packages are reproducible: rebuilding every tool from a copy of tools/ in two
 * unrelated directories gives byte-identical packages, equal to the committed ones, with no path of
 * the build machine inside. Also checks each package against its tool's declaration (every program
 * belongs to a hook, every hook section has a program, the events struct and the lost counter are
 * there). Needs clang, not the kernel.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ObjectSpec } from '../../src/spec/object.js';
import { buildToolPackages } from '../../src/tools/build.js';
import { loadToolPackage, toolPackagePath, TOOLS_DIR } from '../../src/tools/package.js';
import { allTools, TOOL_NAMES } from '../../src/tools/registry.js';

/** Copies the sources (not the packages) of tools/ under `dir`/`sub`; returns the copy's tools dir. */
function copySources(dir: string, sub: string): string {
  const dest = join(dir, sub, 'tools');
  mkdirSync(dest, { recursive: true });
  cpSync(TOOLS_DIR, dest, { recursive: true, filter: (src) => !src.endsWith('.bpfkit.json') });
  return dest;
}

test('rebuilding every tool in two other directories gives the committed packages, byte for byte', async () => {
  const a = mkdtempSync(join(tmpdir(), 'bpfkit-tools-a-'));
  const b = mkdtempSync(join(tmpdir(), 'bpfkit-tools-bb-'));
  try {
    const dirs = [copySources(a, '.'), copySources(b, 'some/deeper/checkout')];
    const built = await Promise.all(
      dirs.map((toolsDir) => buildToolPackages({ toolsDir, names: TOOL_NAMES })),
    );
    for (const [i, name] of TOOL_NAMES.entries()) {
      const committed = readFileSync(toolPackagePath(name));
      const first = readFileSync(built[0][i]);
      const second = readFileSync(built[1][i]);
      assert.ok(first.equals(second), `${name}: the two rebuilds differ`);
      assert.ok(
        first.equals(committed),
        `${name}: the committed package is stale (run scripts/build-tools.sh)`,
      );
      const object = Buffer.from(loadToolPackage(name).object);
      for (const leak of [a, b, TOOLS_DIR, tmpdir() + '/'])
        assert.equal(object.indexOf(leak), -1, `${name}: the object holds ${leak}`);
    }
  } finally {
    rmSync(a, { recursive: true, force: true });
    rmSync(b, { recursive: true, force: true });
  }
});

test('each package matches its tool: programs and hooks, event type, lost counter (aggregators: none)', async () => {
  for (const tool of await allTools()) {
    const pkg = loadToolPackage(tool.name);
    const spec = new ObjectSpec(pkg.object);
    const sections = spec.programs.map((p) => p.section).sort();
    const hooked = [...new Set(tool.hooks.flatMap((h) => h.use.flat()))].sort();
    assert.deepEqual(sections, hooked, `${tool.name}: programs and hooks`);
    const events = spec.maps.find((m) => m.name === 'events');
    assert.equal(pkg.meta.name, tool.name);
    if (tool.kind !== 'events') {
      assert.equal(events, undefined, `${tool.name}: an aggregator or collector has no event ring`);
      continue;
    }
    assert.equal(events?.typeName, 'ringbuf', tool.name);
    assert.equal(
      pkg.meta.maps.find((m) => m.name === 'events')?.exportType?.endsWith('_event'),
      true,
      tool.name,
    );
    assert.ok(
      spec.globals.some((g) => g.name === 'lost_events' && g.section === '.bss'),
      tool.name,
    );
  }
});
