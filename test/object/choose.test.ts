/**
 * Choosing, loading and attaching programs through the library on the real kernel: loadChosen takes
 * the best twin, falls back when the load of one fails, goes on without a program whose hook is
 * missing; attachChosen skips a hook found missing at attach time; a failed load() leaves the object
 * loadable again; setMaxEntries reaches the kernel's map. Leaves none of its programs loaded.
 */
import { afterEach, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { BpfObject } from '../../src/object/collection.js';
import { attachChosen, loadChosen } from '../../src/object/choose.js';
import { mapInfo } from '../../src/sys/objinfo.js';
import { NotFoundError, NotSupportedError, VerifierError } from '../../src/errors/index.js';
import { compileBpf, fixture, leftLoaded } from '../helpers/bpf.js';

const PROGS = [
  'exec_btf',
  'exec_raw',
  'exec_tp',
  'on_getppid',
  'absent_call',
  'absent_event',
  'count_getppid',
];
let twins = '';
let broken = '';
let missing = '';
let sized = '';

before(async () => {
  twins = await compileBpf(fixture('programs/twins.bpf.c'), 'choose-twins');
  broken = await compileBpf(fixture('programs/twins.bpf.c'), 'choose-twins-broken', ['BROKEN_BTF']);
  missing = await compileBpf(fixture('programs/missing.bpf.c'), 'choose-missing');
  sized = await compileBpf(fixture('programs/sized.bpf.c'), 'choose-sized');
});

afterEach(async () => assert.deepEqual(await leftLoaded(PROGS), []));

/** Opens `path`, runs `fn`, closes. */
async function using<T>(path: string, fn: (obj: BpfObject) => T): Promise<T> {
  const obj = BpfObject.open(path);
  try {
    return fn(obj);
  } finally {
    obj.close();
  }
}

test('loadChosen: the best twin loads, the others stay unloaded, and the choice is reported', async () => {
  await using(twins, (obj) => {
    const lines: string[] = [];
    const plan = loadChosen(obj, { report: (level, m) => lines.push(`${level}: ${m}`) });
    assert.deepEqual(plan.load, ['exec_btf']);
    assert.ok(obj.program('exec_btf').fd >= 0);
    assert.ok(obj.program('exec_raw').fd < 0 && obj.program('exec_tp').fd < 0);
    assert.deepEqual(lines, [
      "info: sched_process_exec: loading 'exec_btf' (tp_btf); not 'exec_raw' (raw_tracepoint), 'exec_tp' (tracepoint)",
    ]);
  });
  await using(twins, (obj) => {
    // A kernel without tp_btf for this hook: the raw_tp twin is taken before anything loads.
    const gone = new NotSupportedError('no tp_btf here', 'tp_btf:sched_process_exec');
    const plan = loadChosen(obj, { missing: (p) => (p.attach === 'tp_btf' ? gone : undefined) });
    assert.deepEqual(plan.load, ['exec_raw']);
  });
});

test('a failed load() reopens the object: change the choice and load again', async () => {
  await using(broken, (obj) => {
    assert.throws(() => obj.load(), VerifierError);
    assert.equal(obj.isLoaded, false);
    obj.setAutoload('exec_btf', false);
    obj.setAutoload('exec_tp', false);
    obj.load();
    assert.ok(obj.program('exec_raw').fd >= 0);
    assert.equal(obj.program('exec_btf').autoload, false, 'the choice survived the reopen');
  });
});

test('loadChosen falls back to the next twin when one fails to load', async () => {
  await using(broken, (obj) => {
    const info: string[] = [];
    const plan = loadChosen(obj, { report: (_l, m) => info.push(m) });
    assert.deepEqual(plan.load, ['exec_raw']);
    assert.match(
      info[0],
      /^program 'exec_btf' failed to load \(verifier rejected program 'exec_btf'.*\); trying 'exec_raw' instead$/,
    );
    assert.match(
      info[1],
      /loading 'exec_raw' \(raw_tracepoint\); not 'exec_btf' \(tp_btf: failed to load\), 'exec_tp'/,
    );
  });
  await using(broken, (obj) => {
    assert.throws(
      () => loadChosen(obj, { include: ['exec_btf'] }),
      VerifierError,
      'chosen by hand: no fallback',
    );
  });
});

test('hooks found missing only at load or attach: left out with a warning while others run', async () => {
  await using(missing, (obj) => {
    const lines: string[] = [];
    const report = (level: string, m: string): number => lines.push(`${level}: ${m}`);
    // Pretend nothing can be told before loading: tp_btf fails at load, the others at attach.
    loadChosen(obj, { missing: () => undefined, report });
    assert.match(
      lines[0],
      /^info: program 'absent_target' failed to load \(program 'absent_target' attaches to tp_btf:bpfkit_absent_target_tracepoint, which this kernel does not have .*\); going on without it$/,
    );
    const links = attachChosen(obj, { report });
    assert.deepEqual(
      links.map((l) => l.description),
      ['tracepoint:syscalls:sys_enter_getppid'],
    );
    assert.deepEqual(lines.slice(-2), [
      "warn: program 'absent_call' skipped: tracepoint syscalls:sys_enter_bpfkit_no_such_call does not exist in this kernel",
      "warn: program 'absent_event' skipped: raw tracepoint bpfkit_no_such_tracepoint does not exist in this kernel",
    ]);
  });
  await using(missing, (obj) => {
    loadChosen(obj, { missing: () => undefined, include: ['absent_call'], exclude: ['absent_target'] });
    assert.throws(() => attachChosen(obj, { include: ['absent_call'] }), NotSupportedError);
  });
});

test('setMaxEntries and the defaults reach the kernel; unknown maps are refused', async () => {
  await using(sized, (obj) => {
    obj.setMaxEntries('start', 2048);
    assert.throws(() => obj.setMaxEntries('nope', 1), NotFoundError);
    obj.load();
    assert.equal(mapInfo(obj.map('start').fd).maxEntries, 2048);
    assert.equal(mapInfo(obj.map('stacks').fd).maxEntries, 1024);
    assert.equal(mapInfo(obj.map('stacks').fd).valueSize, 1016);
    assert.equal(mapInfo(obj.map('events').fd).maxEntries, 262144);
    assert.throws(() => obj.setMaxEntries('start', 1), /already loaded/);
  });
});
