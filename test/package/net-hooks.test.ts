/**
 * Where a package says its xdp and tc programs attach (no kernel): eunomia-bpf's @ifindex, @flags,
 * @tchook and @tcopts, bpfkit's @ifname, and one clear error per malformed tag.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { netHookDefaults } from '../../src/package/net-hooks.js';
import { FormatError } from '../../src/errors/index.js';
import type { JsonValue, PackageMeta } from '../../src/package/types.js';

function meta(programs: [string, string, Record<string, JsonValue>?][]): PackageMeta {
  return {
    name: 'p',
    programs: programs.map(([name, section, tags]) => ({
      name,
      section,
      attach: 'other',
      ...(tags ? { tags } : {}),
    })),
    maps: [],
    globals: [],
    exportTypes: [],
  };
}

test('eunomia tags and @ifname, by program; other programs and untagged ones are left out', () => {
  const d = netHookDefaults(
    meta([
      ['x', 'xdp', { ifindex: 3, flags: 2, xdpopts: { old_prog_fd: 0 } }],
      [
        't',
        'tc',
        { tchook: { ifindex: 1, attach_point: 'BPF_TC_EGRESS' }, tcopts: { handle: 7, priority: 3 } },
      ],
      ['n', 'tcx/ingress', { ifname: 'veth0' }],
      ['plain', 'tc'],
      ['trace', 'tracepoint/syscalls/sys_enter_kill', { ifindex: 4 }],
    ]),
  );
  assert.deepEqual(d, {
    x: { ifindex: 3, xdpFlags: 2 },
    t: { ifindex: 1, direction: 'egress', handle: 7, priority: 3 },
    n: { ifname: 'veth0' },
  });
  assert.deepEqual(netHookDefaults(undefined), {});
  // attach_point INGRESS, and a tag with only some fields.
  assert.deepEqual(netHookDefaults(meta([['t', 'tc', { tchook: { attach_point: 'BPF_TC_INGRESS' } }]])), {
    t: { direction: 'ingress' },
  });
});

test('malformed tags: a FormatError naming the program and the tag', () => {
  for (const [section, tags, tag] of [
    ['xdp', { ifindex: 'eth0' }, 'ifindex'],
    ['xdp', { ifindex: 0 }, 'ifindex'],
    ['xdp', { flags: -1 }, 'flags'],
    ['xdp', { ifname: 5 }, 'ifname'],
    ['tc', { tchook: 1 }, 'tchook'],
    ['tc', { tchook: { attach_point: 'BPF_TC_CUSTOM' } }, 'tchook'],
    ['tc', { tcopts: { priority: 70000 } }, 'tcopts'],
  ] as [string, Record<string, JsonValue>, string][]) {
    assert.throws(
      () => netHookDefaults(meta([['prog', section, tags]])),
      (e: unknown) => {
        assert.ok(e instanceof FormatError, String(e));
        assert.match(e.message, new RegExp(`^program 'prog': @${tag} must be `));
        return true;
      },
      JSON.stringify(tags),
    );
  }
});
