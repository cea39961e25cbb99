/**
 * Section names to program types and attach kinds (no kernel): the xdp and tc spellings of libbpf
 * 1.1 and 1.3, and the XDP sections that run from a map rather than an interface.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { sectionInfo } from '../../src/spec/sections.js';

test('xdp sections attach to an interface; devmap/cpumap ones do not', () => {
  assert.deepEqual(sectionInfo('xdp'), { progType: 'xdp', attach: 'xdp', target: '' });
  assert.deepEqual(sectionInfo('xdp.frags'), { progType: 'xdp', attach: 'xdp', target: '' });
  for (const s of ['xdp/devmap', 'xdp/cpumap', 'xdp.frags/devmap', 'xdp.frags/cpumap'])
    assert.deepEqual(sectionInfo(s), { progType: 'xdp', attach: 'other', target: '' }, s);
});

test('tc sections: the direction when the section names one, else none', () => {
  for (const [section, target] of [
    ['tc', ''],
    ['classifier', ''],
    ['tcx/ingress', 'ingress'],
    ['tcx/egress', 'egress'],
    ['tc/ingress', 'ingress'],
    ['tc/egress', 'egress'],
  ])
    assert.deepEqual(sectionInfo(section), { progType: 'sched_cls', attach: 'tc', target }, section);
  // Prefixes that only start like tc are not tc.
  assert.equal(sectionInfo('tp/syscalls/sys_enter_kill').attach, 'tracepoint');
  assert.equal(sectionInfo('tp_btf/sched_switch').attach, 'tp_btf');
});
