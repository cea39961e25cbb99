import assert from 'node:assert/strict';
import { test } from 'node:test';
import { UsageError } from '../../src/errors/index.js';
import { globMatch, parsePattern } from '../../src/probes/pattern.js';

test('globs: * spans anything (colons too), the rest is literal', () => {
  assert.ok(globMatch('sys_enter_open*', 'sys_enter_openat'));
  assert.ok(globMatch('*open*', 'sys_enter_fsopen'));
  assert.ok(globMatch('*openat', 'syscalls:sys_enter_openat'));
  assert.ok(globMatch('a.b', 'a.b'));
  assert.ok(!globMatch('a.b', 'axb'));
  assert.ok(!globMatch('read?', 'reads'));
  assert.ok(globMatch('read?', 'read?'));
  assert.ok(!globMatch('read', 'readline'));
  assert.ok(globMatch('*', ''));
});

test('patterns: providers, aliases, wildcards', () => {
  assert.deepEqual(parsePattern('tracepoint:syscalls:sys_enter_open*'), {
    providers: ['tracepoint'],
    explicit: true,
    rest: 'syscalls:sys_enter_open*',
  });
  assert.deepEqual(parsePattern('t:sched:*').providers, ['tracepoint']);
  assert.deepEqual(parsePattern('kfunc:vfs_read').providers, ['fentry']);
  assert.deepEqual(parsePattern('kretfunc:vfs_read').providers, ['fexit']);
  assert.deepEqual(parsePattern('rt:sched_switch').providers, ['rawtracepoint']);
  assert.deepEqual(parsePattern('u:/bin/bash:read*'), {
    providers: ['uprobe'],
    explicit: true,
    rest: '/bin/bash:read*',
  });
  assert.equal(parsePattern('tracepoint:*').rest, undefined);
  const all = parsePattern(undefined);
  assert.equal(all.explicit, false);
  assert.ok(all.providers.includes('tracepoint') && !all.providers.includes('uprobe'));
  assert.deepEqual(parsePattern('trace*:syscalls:x').providers, ['tracepoint']);
  assert.equal(parsePattern('*sys_enter_openat').whole, '*sys_enter_openat');
  assert.equal(parsePattern('sys_enter_openat').whole, '*:sys_enter_openat');
  assert.deepEqual(parsePattern('tracepoint'), { providers: ['tracepoint'], explicit: true });
  assert.throws(() => parsePattern('foo:bar'), UsageError);
  assert.throws(() => parsePattern('usdt:/bin/x:*'), /not supported/);
});
