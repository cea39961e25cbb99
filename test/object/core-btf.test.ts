/**
 * The minimal CO-RE BTF gives libbpf the relocation results the whole kernel BTF gives: every
 * built-in tool and the opensnoop example, loaded once against /sys/kernel/btf/vmlinux and once
 * against its minimal BTF, get the same instructions from the verifier (map ids masked, since each
 * load makes new maps). And a cached start reads only the small file.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readPackage } from '../../src/package/load.js';
import { load } from '../../src/object/load.js';
import { minimalCoreBtfPath } from '../../src/object/core-btf.js';
import { fetchXlatedFd } from '../../src/loaded/xlated.js';
import type { ObjectSpec } from '../../src/spec/object.js';
import { ROOT, compileBpf } from '../helpers/bpf.js';

const VMLINUX = '/sys/kernel/btf/vmlinux';

/** Each loaded program's xlated code, with the ids of maps (ld_imm64 with a src_reg) zeroed. */
async function xlatedOf(spec: ObjectSpec, btf: string): Promise<Map<string, string>> {
  const obj = await load(spec, { btf });
  try {
    const out = new Map<string, string>();
    for (const p of spec.programs) {
      if (!obj.autoloadOf(p.name)) continue;
      const insns = Buffer.from(fetchXlatedFd(obj.programFd(p.name)).insns);
      for (let o = 0; o + 16 <= insns.length; o += 8) {
        if (insns[o] === 0x18 && insns[o + 1] >> 4 !== 0) {
          insns.writeUInt32LE(0, o + 4);
          insns.writeUInt32LE(0, o + 12);
          o += 8;
        }
      }
      out.set(p.name, insns.toString('hex'));
    }
    return out;
  } finally {
    obj.close();
  }
}

async function specs(): Promise<[string, ObjectSpec][]> {
  const out: [string, ObjectSpec][] = [];
  for (const tool of readdirSync(join(ROOT, 'tools'))) {
    const pkg = join(ROOT, 'tools', tool, `${tool}.bpfkit.json`);
    try {
      statSync(pkg);
    } catch {
      continue;
    }
    out.push([tool, (await readPackage(pkg)).spec]);
  }
  const o = await compileBpf(join(ROOT, 'examples/opensnoop/opensnoop.bpf.c'), 'core-btf-opensnoop');
  out.push(['examples/opensnoop', (await readPackage(o)).spec]);
  return out;
}

test('objects load to the same instructions with the minimal CO-RE BTF as with the kernel BTF', async () => {
  const cache = mkdtempSync(join(tmpdir(), 'bpfkit-core-btf-'));
  const env = { ...process.env, XDG_CACHE_HOME: cache };
  let compared = 0;
  try {
    for (const [name, spec] of await specs()) {
      const min = minimalCoreBtfPath(spec, env);
      if (!min) continue;
      assert.ok(statSync(min).size < 64 * 1024, `${name}: minimal BTF of ${statSync(min).size} bytes`);
      assert.equal(minimalCoreBtfPath(spec, env), min, `${name}: second call reuses the cache`);
      assert.deepEqual(await xlatedOf(spec, min), await xlatedOf(spec, VMLINUX), name);
      compared++;
    }
    // opensnoop and the other tracepoint tools at least; tp_btf tools need the kernel BTF anyway.
    assert.ok(compared >= 5, `only ${compared} objects had a minimal BTF`);
  } finally {
    rmSync(cache, { recursive: true, force: true });
  }
});

test('no minimal BTF when turned off', async () => {
  const o = await compileBpf(join(ROOT, 'examples/opensnoop/opensnoop.bpf.c'), 'core-btf-opensnoop');
  const spec = (await readPackage(o)).spec;
  assert.equal(minimalCoreBtfPath(spec, { ...process.env, BPFKIT_CORE_BTF_CACHE: '0' }), undefined);
});
