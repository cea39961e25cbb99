/**
 * `bpfkit tools` / `bpfkit list` and the hook choice behind it, on the real kernel: every tool is
 * listed with its hooks and runs here; a tool needing a hook this kernel lacks is marked with the
 * reason, an optional one is skipped, and tp_btf falls back to raw_tp when unavailable. Needs root
 * (the tp_btf probe) and `npm run build`.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { NotSupportedError } from '../../src/errors/index.js';
import type { ToolEntry } from '../../src/tools/define.js';
import { planHooks } from '../../src/tools/hooks.js';
import { formatToolList, listTools, type ListedTool } from '../../src/tools/list.js';
import { TOOL_NAMES } from '../../src/tools/registry.js';
import type { ProgramSpec } from '../../src/spec/object.js';
import { runCli } from '../helpers/bpf.js';

test('bpfkit tools: every tool, its hooks, runnable here; --json; list is an alias', async () => {
  const text = await runCli(['tools']);
  assert.equal(text.code, 0, text.stderr);
  for (const name of TOOL_NAMES) assert.match(text.stdout, new RegExp(`^${name} +\\S`, 'm'));
  assert.match(text.stdout, /^sigsnoop +Trace standard and real-time signals\. \(also: killsnoop\)$/m);
  assert.match(
    text.stdout,
    /process exits: tp_btf\/sched_process_exit \| raw_tp\/sched_process_exit {2}\[uses tp_btf\/sched_process_exit\]/,
  );
  assert.doesNotMatch(text.stdout, /CANNOT RUN/);
  const json = await runCli(['list', '--json']);
  assert.equal(json.code, 0, json.stderr);
  const list = JSON.parse(json.stdout) as ListedTool[];
  assert.deepEqual(
    list.map((t) => t.name),
    [...TOOL_NAMES],
  );
  assert.ok(list.every((t) => t.runnable && t.description && t.hooks.length));
  const exit = list.find((t) => t.name === 'exitsnoop')!;
  assert.deepEqual(exit.hooks[0].chosen, 'tp_btf/sched_process_exit');
});

test('with tp_btf unavailable the listing shows the raw_tp fallback', async () => {
  const r = await runCli(['tools'], { env: { ...process.env, BPFKIT_NO_TP_BTF: '1' } });
  assert.match(r.stdout, /process exits: .*\[uses raw_tp\/sched_process_exit\]/);
  assert.match(r.stdout, /signals \(without -k\): .*\[uses raw_tp\/signal_generate\]/);
});

/** A tool entry with the given hooks, for the listing. */
function fake(hooks: ToolEntry['hooks']): ToolEntry {
  return {
    name: 'faketool',
    kind: 'events',
    summary: 'A tool for the test',
    aliases: {},
    hooks,
    main: () => Promise.resolve(0),
  };
}

test('a missing required hook marks the tool, with the reason; optional ones do not', () => {
  const missing = 'tracepoint/syscalls/sys_enter_nonesuch';
  const [t] = listTools([
    fake([
      { what: 'nothing', use: [[missing, 'tracepoint/syscalls/sys_exit_openat']] },
      { what: 'maybe', use: [['raw_tp/nonesuch_tp']], optional: true },
      { what: 'exits', use: [['tp_btf/sched_process_exit'], ['raw_tp/sched_process_exit']] },
    ]),
  ]);
  assert.equal(t.runnable, false);
  assert.equal(t.reason, 'nothing: tracepoint syscalls:sys_enter_nonesuch does not exist');
  assert.deepEqual(
    t.hooks.map((h) => h.chosen),
    [null, null, 'tp_btf/sched_process_exit'],
  );
  const text = formatToolList([t]);
  assert.match(text, /CANNOT RUN HERE: nothing: tracepoint syscalls:sys_enter_nonesuch does not exist/);
  assert.match(
    text,
    /maybe \(optional\): raw_tp\/nonesuch_tp {2}\[missing: tracepoint nonesuch_tp is not in the kernel's BTF\]/,
  );

  const [ok] = listTools([fake([{ what: 'maybe', use: [['raw_tp/nonesuch_tp']], optional: true }])]);
  assert.equal(ok.runnable, true);
});

test('planHooks: the programs of the chosen alternatives, optional ones skipped, required ones fail', () => {
  const progs = ['tp_btf/sched_process_exit', 'raw_tp/sched_process_exit', 'raw_tp/nonesuch_tp'].map(
    (section, i) => ({ name: `p${i}`, section }) as ProgramSpec,
  );
  const plan = planHooks(
    [
      { what: 'exits', use: [['tp_btf/sched_process_exit'], ['raw_tp/sched_process_exit']] },
      { what: 'maybe', use: [['raw_tp/nonesuch_tp']], optional: true },
      { what: 'never', use: [['raw_tp/nonesuch_tp']], when: () => false },
    ],
    progs,
    {},
  );
  assert.deepEqual([...plan.programs], ['p0']);
  assert.deepEqual(plan.lines, [
    'exits: tp_btf/sched_process_exit',
    "maybe: skipped (tracepoint nonesuch_tp is not in the kernel's BTF)",
  ]);
  assert.throws(
    () => planHooks([{ what: 'needed', use: [['raw_tp/nonesuch_tp']] }], progs, {}),
    (e) =>
      e instanceof NotSupportedError &&
      /^cannot trace needed on this kernel: tracepoint nonesuch_tp/.test(e.message),
  );
});
