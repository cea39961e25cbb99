/**
 * Alternatives among programs (spec layer, no kernel): tp_btf/raw_tp/tracepoint twins of one hook
 * in the shapes libbpf-tools write them, fentry/kprobe twins, the signal_generate vs kill-syscalls
 * overlap, and what must not be grouped.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { programAlternatives, programStem } from '../../src/spec/alternatives.js';
import { sectionInfo } from '../../src/spec/sections.js';
import type { ProgramSpec } from '../../src/spec/object.js';

/** A program as ObjectSpec would read it from `SEC(section) int name(...)`. */
function prog(name: string, section: string): ProgramSpec {
  return { name, section, insnOffset: 0, insnCount: 1, ...sectionInfo(section) };
}

test('runqlat: three tp_btf programs and their handle_* raw_tp twins make three groups, tp_btf first', () => {
  const groups = programAlternatives([
    prog('sched_wakeup', 'tp_btf/sched_wakeup'),
    prog('sched_wakeup_new', 'tp_btf/sched_wakeup_new'),
    prog('sched_switch', 'tp_btf/sched_switch'),
    prog('handle_sched_wakeup', 'raw_tp/sched_wakeup'),
    prog('handle_sched_wakeup_new', 'raw_tp/sched_wakeup_new'),
    prog('handle_sched_switch', 'raw_tp/sched_switch'),
  ]);
  assert.deepEqual(groups, [
    { hook: 'sched_wakeup', rule: 'same-hook', choices: [['sched_wakeup'], ['handle_sched_wakeup']] },
    {
      hook: 'sched_wakeup_new',
      rule: 'same-hook',
      choices: [['sched_wakeup_new'], ['handle_sched_wakeup_new']],
    },
    { hook: 'sched_switch', rule: 'same-hook', choices: [['sched_switch'], ['handle_sched_switch']] },
  ]);
});

test('hardirqs: *_btf and plain names; a classic tracepoint joins as the last choice', () => {
  const groups = programAlternatives([
    prog('irq_handler_entry', 'raw_tp/irq_handler_entry'),
    prog('irq_handler_entry_btf', 'tp_btf/irq_handler_entry'),
    prog('irq_entry_tp', 'tracepoint/irq/irq_handler_entry'),
    prog('irq_handler_exit_btf', 'tp_btf/irq_handler_exit'),
    prog('irq_handler_exit', 'raw_tp/irq_handler_exit'),
  ]);
  assert.deepEqual(
    groups.map((g) => g.choices),
    [
      [['irq_handler_entry_btf'], ['irq_handler_entry'], ['irq_entry_tp']],
      [['irq_handler_exit_btf'], ['irq_handler_exit']],
    ],
  );
});

test('fentry/kprobe and fexit/kretprobe twins of one function; a stem joins differently named targets', () => {
  const groups = programAlternatives([
    prog('vfs_read_entry', 'kprobe/vfs_read'),
    prog('fentry_vfs_read', 'fentry/vfs_read'),
    prog('vfs_read_ret', 'kretprobe/vfs_read'),
    prog('fexit_vfs_read', 'fexit/vfs_read'),
    prog('blk_account_io_start', 'kprobe/blk_account_io_start'),
    prog('blk_account_io_start_fentry', 'fentry/__blk_account_io_start'),
  ]);
  assert.deepEqual(groups, [
    { hook: 'vfs_read', rule: 'same-hook', choices: [['fentry_vfs_read'], ['vfs_read_entry']] },
    { hook: 'vfs_read', rule: 'same-hook', choices: [['fexit_vfs_read'], ['vfs_read_ret']] },
    {
      hook: 'blk_account_io_start, __blk_account_io_start',
      rule: 'same-stem',
      choices: [['blk_account_io_start_fentry'], ['blk_account_io_start']],
    },
  ]);
});

test('sigsnoop: signal_generate and the kill/tkill/tgkill syscall programs are two choices', () => {
  const groups = programAlternatives([
    prog('kill_entry', 'tracepoint/syscalls/sys_enter_kill'),
    prog('kill_exit', 'tracepoint/syscalls/sys_exit_kill'),
    prog('tkill_entry', 'tracepoint/syscalls/sys_enter_tkill'),
    prog('tkill_exit', 'tracepoint/syscalls/sys_exit_tkill'),
    prog('tgkill_entry', 'tracepoint/syscalls/sys_enter_tgkill'),
    prog('tgkill_exit', 'tracepoint/syscalls/sys_exit_tgkill'),
    prog('sig_trace', 'tracepoint/signal/signal_generate'),
  ]);
  assert.equal(groups.length, 1);
  assert.equal(groups[0].rule, 'overlap');
  assert.deepEqual(groups[0].choices, [
    ['sig_trace'],
    ['kill_entry', 'kill_exit', 'tkill_entry', 'tkill_exit', 'tgkill_entry', 'tgkill_exit'],
  ]);
  // Only one side present: nothing to choose.
  assert.deepEqual(programAlternatives([prog('kill_entry', 'tracepoint/syscalls/sys_enter_kill')]), []);
});

test('not alternatives: one kind twice on a hook, entry and exit, different hooks, uprobes', () => {
  assert.deepEqual(
    programAlternatives([
      prog('a', 'tracepoint/syscalls/sys_enter_openat'),
      prog('b', 'tracepoint/syscalls/sys_enter_openat'),
      prog('enter_open', 'tracepoint/syscalls/sys_enter_open'),
      prog('exit_open', 'tracepoint/syscalls/sys_exit_open'),
      prog('switch_btf', 'tp_btf/sched_switch'),
      prog('wakeup_raw', 'raw_tp/sched_wakeup'),
      prog('up', 'uprobe//bin/bash:readline'),
      prog('up_raw', 'uretprobe//bin/bash:readline'),
      prog('read_entry', 'kprobe/vfs_read'),
      prog('read_exit', 'fexit/vfs_read'),
    ]),
    [],
  );
});

test('programStem strips the attach kind from either end', () => {
  for (const [name, stem] of [
    ['handle_sched_switch', 'sched_switch'],
    ['handle__sched_switch', 'sched_switch'],
    ['irq_handler_entry_btf', 'irq_handler_entry'],
    ['sched_switch_tp', 'sched_switch'],
    ['tp_btf__block_rq_issue', 'block_rq_issue'],
    ['block_rq_issue_raw', 'block_rq_issue'],
    ['fentry_vfs_read', 'vfs_read'],
    ['btf', 'btf'],
  ])
    assert.equal(programStem(name), stem, name);
});
