/**
 * Planning which programs load (spec layer, no kernel): the best alternative the kernel has,
 * --program / --no-program, programs for missing hooks left out while others remain, load failures
 * moving a group to its next choice, and the errors for contradictory or empty choices.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { planPrograms } from '../../src/spec/program-plan.js';
import { programAlternatives } from '../../src/spec/alternatives.js';
import { sectionInfo } from '../../src/spec/sections.js';
import type { ProgramSpec } from '../../src/spec/object.js';
import { BadValueError, NotFoundError, NotSupportedError } from '../../src/errors/index.js';

function prog(name: string, section: string): ProgramSpec {
  return { name, section, insnOffset: 0, insnCount: 1, ...sectionInfo(section) };
}

const PROGS = [
  prog('exec_btf', 'tp_btf/sched_process_exec'),
  prog('exec_raw', 'raw_tp/sched_process_exec'),
  prog('exec_tp', 'tracepoint/sched/sched_process_exec'),
  prog('on_getppid', 'tracepoint/syscalls/sys_enter_getppid'),
  prog('no_such', 'tracepoint/syscalls/sys_enter_no_such'),
];
const GROUPS = programAlternatives(PROGS);
const gone = new NotSupportedError(
  'tracepoint syscalls:sys_enter_no_such does not exist in this kernel',
  'x',
);
const noMissing = (): undefined => undefined;
const missingOnly =
  (...names: string[]) =>
  (p: ProgramSpec): Error | undefined =>
    names.includes(p.name) ? new NotSupportedError(`${p.name} is missing`, p.name) : undefined;

test('the best alternative loads; the others are left out as alternatives', () => {
  const plan = planPrograms(PROGS, GROUPS, {}, noMissing);
  assert.deepEqual(plan.load, ['exec_btf', 'on_getppid', 'no_such']);
  assert.deepEqual(
    plan.skipped.map((s) => [s.program, s.why]),
    [
      ['exec_raw', 'alternative'],
      ['exec_tp', 'alternative'],
    ],
  );
  assert.equal(plan.picks[0].choice, 0);
});

test('a missing hook: its alternative is taken; a lone program is left out with the reason', () => {
  const plan = planPrograms(PROGS, GROUPS, {}, (p) =>
    p.name === 'no_such' ? gone : missingOnly('exec_btf')(p),
  );
  assert.deepEqual(plan.load, ['exec_raw', 'on_getppid']);
  const skipped = Object.fromEntries(plan.skipped.map((s) => [s.program, s]));
  assert.equal(skipped.exec_btf.why, 'alternative');
  assert.match(skipped.exec_btf.reason!.message, /exec_btf is missing/, 'the passed-over choice says why');
  assert.equal(skipped.exec_tp.reason, undefined);
  assert.equal(skipped.no_such.why, 'missing');
  assert.equal(skipped.no_such.reason, gone);
});

test('--no-program moves to the next choice; --program picks one by hand', () => {
  assert.deepEqual(planPrograms(PROGS, GROUPS, { exclude: ['exec_btf'] }, noMissing).load.slice(0, 1), [
    'exec_raw',
  ]);
  assert.deepEqual(
    planPrograms(PROGS, GROUPS, { exclude: ['exec_btf', 'exec_raw'] }, noMissing).load.slice(0, 1),
    ['exec_tp'],
  );
  const byHand = planPrograms(PROGS, GROUPS, { include: ['exec_tp'], exclude: ['no_such'] }, noMissing);
  assert.deepEqual(byHand.load, ['exec_tp', 'on_getppid']);
  // A program chosen by hand loads even when its hook looks missing (the error then says so).
  assert.deepEqual(planPrograms(PROGS, GROUPS, { include: ['no_such'] }, () => gone).load, ['no_such']);
});

test('a failed load moves its group to the next choice', () => {
  const failed = new Map([['exec_btf', new Error('verifier rejected program')]]);
  const plan = planPrograms(PROGS, GROUPS, {}, noMissing, failed);
  assert.deepEqual(plan.load, ['exec_raw', 'on_getppid', 'no_such']);
  assert.equal(plan.picks[0].choice, 1);
});

test('bad choices: unknown names, two alternatives by hand, one name both ways', () => {
  assert.throws(
    () => planPrograms(PROGS, GROUPS, { include: ['nope'] }, noMissing),
    (e: unknown) =>
      e instanceof NotFoundError &&
      e.message ===
        "--program: no program 'nope' (programs: exec_btf, exec_raw, exec_tp, on_getppid, no_such)",
  );
  assert.throws(
    () => planPrograms(PROGS, GROUPS, { exclude: ['nope'] }, noMissing),
    /^NotFoundError: --no-program: no program 'nope'/,
  );
  assert.throws(
    () => planPrograms(PROGS, GROUPS, { include: ['exec_btf', 'exec_raw'] }, noMissing),
    /--program exec_btf and --program exec_raw: they are alternatives for sched_process_exec; pick one/,
  );
  assert.throws(
    () => planPrograms(PROGS, GROUPS, { include: ['exec_tp'], exclude: ['exec_tp'] }, noMissing),
    /--program exec_tp and --no-program exec_tp contradict each other/,
  );
});

test('nothing left: the first missing hook is the error; all turned off is a usage error', () => {
  const two = [PROGS[4], prog('also_gone', 'raw_tp/bpfkit_nothing')];
  assert.throws(
    () => planPrograms(two, [], {}, (p) => (p.name === 'no_such' ? gone : new Error('second'))),
    (e: unknown) => e === gone,
  );
  assert.throws(
    () => planPrograms(PROGS.slice(3), [], { exclude: ['on_getppid', 'no_such'] }, noMissing),
    (e: unknown) => e instanceof BadValueError && /no program left to load/.test(e.message),
  );
});
