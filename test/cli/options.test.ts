/**
 * Options generated from globals (src/cli/run/options.ts): which unsigned options take `-1` for all
 * ones. No kernel needed.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT, compileBpf, fixture } from '../helpers/bpf.js';
import { ObjectSpec } from '../../src/spec/object.js';
import { globalOptions, globalValue, type GlobalOption } from '../../src/cli/run/options.js';
import type { PackageMeta } from '../../src/package/types.js';

const aggregate = new ObjectSpec(
  readFileSync(await compileBpf(fixture('aggregate/aggregate.bpf.c'), 'aggregate')),
);

function option(spec: ObjectSpec, name: string, meta?: PackageMeta): GlobalOption {
  const o = globalOptions(spec, meta).find((x) => x.global.name === name);
  assert.ok(o, name);
  return o;
}

test('-1 is all ones for an unsigned global initialized to -1, as (uid_t)-1 in C', async () => {
  const uid = option(aggregate, 'targ_uid');
  assert.equal(uid.allOnes, 0xffffffffn);
  assert.equal(uid.defaultText, '-1', '--help shows the default the way the option takes it');
  assert.equal(globalValue(uid, '-1'), 0xffffffffn);
  assert.equal(globalValue(uid, -1), 0xffffffffn);
  assert.equal(globalValue(uid, '-2'), '-2');
  assert.equal(globalValue(uid, '7'), '7');
  const opensnoop = new ObjectSpec(
    readFileSync(await compileBpf(join(ROOT, 'examples/opensnoop/opensnoop.bpf.c'), 'opensnoop-options')),
  );
  assert.equal(option(opensnoop, 'uid_target').allOnes, 0xffffffffn);
});

test('other unsigned globals and signed ones keep -1 as it is (refused, or a plain -1)', () => {
  const pid = option(aggregate, 'targ_pid');
  assert.equal(pid.allOnes, undefined);
  assert.equal(pid.defaultText, '0');
  assert.equal(globalValue(pid, '-1'), '-1');
  assert.equal(option(aggregate, 'targ_fd').allOnes, undefined);
});

test('a help text or @cmdarg default that speaks of -1 also allows it', () => {
  const cmdarg = (help: string, def?: number): PackageMeta => ({
    name: 'aggregate',
    programs: [],
    maps: [],
    exportTypes: [],
    globals: [
      {
        name: 'targ_pid',
        section: '.rodata',
        type: '__u32',
        cmdarg: { long: 'pid', help, ...(def !== undefined ? { default: def } : {}) },
      },
    ],
  });
  assert.equal(option(aggregate, 'targ_pid', cmdarg('process to trace (-1: all)')).allOnes, 0xffffffffn);
  assert.equal(option(aggregate, 'targ_pid', cmdarg('process to trace', -1)).allOnes, 0xffffffffn);
  assert.equal(option(aggregate, 'targ_pid', cmdarg('process to trace', 4294967295)).allOnes, 0xffffffffn);
  assert.equal(option(aggregate, 'targ_pid', cmdarg('process to trace (0: all)')).allOnes, undefined);
  assert.equal(option(aggregate, 'targ_pid', cmdarg('pages 1-10')).allOnes, undefined);
});
