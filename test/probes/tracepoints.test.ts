import assert from 'node:assert/strict';
import { test } from 'node:test';
import { NotSupportedError } from '../../src/errors/index.js';
import {
  listTracepoints,
  parseTracepointFormat,
  splitDecl,
  tracepointExists,
  tracepointFormat,
} from '../../src/probes/tracepoints.js';

const SAMPLE = `name: sched_switch
ID: 372
format:
\tfield:unsigned short common_type;\toffset:0;\tsize:2;\tsigned:0;
\tfield:int common_pid;\toffset:4;\tsize:4;\tsigned:1;

\tfield:char prev_comm[16];\toffset:8;\tsize:16;\tsigned:0;
\tfield:__data_loc char[] filename;\toffset:24;\tsize:4;\tsigned:0;
\tfield:const char * name;\toffset:32;\tsize:8;\tsigned:0;

print fmt: "prev_comm=%s", REC->prev_comm
`;

test('format files parse into typed fields, common_* split off', () => {
  const f = parseTracepointFormat(SAMPLE, 'sched', 'sched_switch');
  assert.equal(f.id, 372);
  assert.deepEqual(
    f.common.map((c) => c.name),
    ['common_type', 'common_pid'],
  );
  assert.deepEqual(f.fields, [
    { type: 'char[16]', name: 'prev_comm', decl: 'char prev_comm[16]', offset: 8, size: 16, signed: false },
    {
      type: '__data_loc char[]',
      name: 'filename',
      decl: '__data_loc char[] filename',
      offset: 24,
      size: 4,
      signed: false,
    },
    { type: 'const char *', name: 'name', decl: 'const char * name', offset: 32, size: 8, signed: false },
  ]);
  assert.equal(f.printFmt, '"prev_comm=%s", REC->prev_comm');
  assert.deepEqual(splitDecl('unsigned long args[6]'), { type: 'unsigned long[6]', name: 'args' });
});

test('tracepoints of the running kernel: existence and layout', () => {
  assert.ok(tracepointExists('syscalls', 'sys_enter_openat'));
  assert.ok(tracepointExists('sched', 'sched_switch'));
  assert.ok(!tracepointExists('syscalls', 'sys_enter_foo'));
  assert.ok(!tracepointExists('..', 'sched'));
  assert.ok(!tracepointExists('sched/../sched', 'sched_switch'));
  assert.ok(!tracepointExists('ftrace', 'function'), 'ftrace events cannot carry BPF programs');

  const f = tracepointFormat('syscalls', 'sys_enter_openat');
  assert.ok(f.id > 0);
  assert.deepEqual(
    f.fields.map((x) => [x.type, x.name, x.offset, x.size, x.signed]),
    [
      ['int', '__syscall_nr', 8, 4, true],
      ['int', 'dfd', 16, 8, false],
      ['const char *', 'filename', 24, 8, false],
      ['int', 'flags', 32, 8, false],
      ['umode_t', 'mode', 40, 8, false],
    ],
  );
  assert.throws(
    () => tracepointFormat('syscalls', 'sys_enter_foo'),
    (e: unknown) =>
      e instanceof NotSupportedError &&
      e.message === 'tracepoint syscalls:sys_enter_foo does not exist in this kernel',
  );

  const all = listTracepoints();
  assert.ok(all.length > 500);
  assert.ok(all.some((t) => t.category === 'sched' && t.name === 'sched_switch'));
  assert.ok(!all.some((t) => t.category === 'ftrace'));
});
