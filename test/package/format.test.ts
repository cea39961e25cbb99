// The .bpfkit.json package codec: round trip, determinism, standard-tool extraction, and refusals.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { deflateSync } from 'node:zlib';
import { decodePackage, encodePackage, PACKAGE_VERSION } from '../../src/package/format.js';
import { FormatError } from '../../src/errors/index.js';
import type { PackageMeta } from '../../src/package/types.js';

const object = new Uint8Array(Buffer.from('\x7fELF fake object bytes '.repeat(40), 'latin1'));
const meta: PackageMeta = {
  name: 'demo',
  description: 'a demo',
  programs: [{ name: 'p', section: 'tracepoint/a/b', attach: 'tracepoint' }],
  maps: [{ name: 'rb', type: 'ringbuf', exportType: 'event' }],
  globals: [
    { name: 'pid', section: '.rodata', type: 'int', cmdarg: { long: 'pid', short: 'p', default: 0 } },
  ],
  exportTypes: ['event'],
};

test('encode → decode gives back the object and meta', () => {
  const text = encodePackage(object, meta, { bpfkit: '0.1.0', source: 'demo.bpf.c' });
  const json = JSON.parse(text) as Record<string, unknown>;
  assert.equal(json.format, 'bpfkit-package');
  assert.equal(json.version, PACKAGE_VERSION);
  assert.equal(json.objectSize, object.length);
  const p = decodePackage(json, 'demo.bpfkit.json');
  assert.deepEqual(p.object, object);
  assert.deepEqual(p.meta, meta);
  assert.deepEqual(p.build, { bpfkit: '0.1.0', source: 'demo.bpf.c' });
});

test('encoding is deterministic', () => {
  assert.equal(encodePackage(object, meta), encodePackage(object, meta));
});

test('the object comes out with standard tools (jq-free: base64 -d | gunzip)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'bpfkit-fmt-'));
  const json = JSON.parse(encodePackage(object, meta)) as { object: string };
  writeFileSync(join(dir, 'obj.b64'), json.object);
  const out = execSync(`base64 -d ${join(dir, 'obj.b64')} | gunzip`);
  rmSync(dir, { recursive: true, force: true });
  assert.deepEqual(new Uint8Array(out), object);
});

test('zlib-compressed objects (as eunomia writes them) are read too', () => {
  const json = JSON.parse(encodePackage(object, meta)) as Record<string, unknown>;
  json.object = deflateSync(object).toString('base64');
  json.objectSha256 = undefined;
  assert.deepEqual(decodePackage(json, 'x').object, object);
});

test('refuses newer versions, wrong sizes, altered objects and missing meta', () => {
  const good = (): Record<string, unknown> =>
    JSON.parse(encodePackage(object, meta)) as Record<string, unknown>;
  assert.throws(
    () => decodePackage({ ...good(), version: 2 }, 'x.bpfkit.json'),
    /version 2 is newer than this bpfkit reads \(1\)/,
  );
  assert.throws(
    () => decodePackage({ ...good(), objectSize: 3 }, 'x'),
    /the package says 3 \(truncated or altered\?\)/,
  );
  assert.throws(() => decodePackage({ ...good(), objectSha256: '00' }, 'x'), /does not match its sha256/);
  assert.throws(() => decodePackage({ ...good(), meta: undefined }, 'x'), /no "meta" object/);
  assert.throws(() => decodePackage({ ...good(), object: 'bm90IGNvbXByZXNzZWQ=' }, 'x'), FormatError);
  assert.throws(() => decodePackage({ format: 'other' }, 'x'), /not a bpfkit package/);
});

test('missing lists in meta are filled (hand-written or older packages)', () => {
  const json = JSON.parse(encodePackage(object, meta)) as { meta: Record<string, unknown> };
  json.meta = { name: 'bare' };
  assert.deepEqual(decodePackage(json, 'x').meta, {
    name: 'bare',
    programs: [],
    maps: [],
    globals: [],
    exportTypes: [],
  });
});

test('groups of alternative programs round-trip; a malformed "alternatives" is refused', () => {
  const withGroups: PackageMeta = {
    ...meta,
    alternatives: [{ hook: 'sched_switch', rule: 'same-hook', choices: [['p_btf'], ['p_raw']] }],
  };
  const json = JSON.parse(encodePackage(object, withGroups)) as { meta: Record<string, unknown> };
  assert.deepEqual(decodePackage(json, 'x.bpfkit.json').meta.alternatives, withGroups.alternatives);
  json.meta.alternatives = [{ hook: 'sched_switch', choices: ['p_btf'] }];
  assert.throws(
    () => decodePackage(json, 'x.bpfkit.json'),
    (e: unknown) => e instanceof FormatError && /"alternatives" must be a list/.test(e.message),
  );
});
