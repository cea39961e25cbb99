/**
 * The pieces the tools print with, without the kernel: the printf subset (against C's printf
 * results for the formats libbpf-tools use), errno and signal names and descriptions (against
 * Python's, which are glibc's), and open flags by name.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { sprintf } from '../../src/tools/printf.js';
import { errnoSymbol } from '../../src/tools/decode/errno.js';
import { parseSignal, signalDescription, signalName } from '../../src/tools/decode/signals.js';
import { openFlagNames } from '../../src/tools/decode/open-flags.js';
import { headerLine, rowLine } from '../../src/tools/table.js';

test('sprintf: the formats of the tools, as C prints them', () => {
  const cases: [string, (string | number | bigint)[], string][] = [
    ['%-6d %-16s %3d %3d ', [1234, 'cat', -1, 2], '1234   cat               -1   2 '],
    ['%08o ', [0o2000000], '02000000 '],
    ['%08o', [-1], '37777777777'],
    ['%-8.3f', [1.23456], '1.235   '],
    ['%-7.2f ', [0.005], '0.01    '],
    ['%8s ', ['12:00:00'], '12:00:00 '],
    ['%-s', ['EXIT_CODE'], 'EXIT_CODE'],
    ['%05d|%-5d|%5s|%.2s', [-42, 7, 'ab', 'xyz'], '-0042|7    |   ab|xy'],
    ['%u %x %*d %%', [-1, 255, 4, 3], '4294967295 ff    3 %'],
    ['%d', [12345678901234567890n], '12345678901234567890'],
    ['100%% %d%%', [5], '100% 5%'],
    ['%u %x', [-5000000000, -1n], '18446744068709551616 ffffffff'],
  ];
  for (const [fmt, args, want] of cases) assert.equal(sprintf(fmt, ...args), want, fmt);
});

test('errno names: every Linux errno Python knows, plus kernel-internal ones', () => {
  const py = spawnSync('python3', ['-c', 'import errno,json;print(json.dumps(errno.errorcode))'], {
    encoding: 'utf8',
  });
  const codes = JSON.parse(py.stdout) as Record<string, string>;
  // Python keeps the last alias of a number; the kernel's headers name these first.
  const aliases: Record<string, string> = {
    EDEADLOCK: 'EDEADLK',
    ENOTSUP: 'EOPNOTSUPP',
    EWOULDBLOCK: 'EAGAIN',
  };
  for (const [n, name] of Object.entries(codes))
    assert.equal(errnoSymbol(Number(n)), aliases[name] ?? name, n);
  assert.equal(errnoSymbol(-2), 'ENOENT');
  assert.equal(errnoSymbol(512), 'ERESTARTSYS');
  assert.equal(errnoSymbol(9999), undefined);
});

test("signals: names as kill -l gives them, descriptions as glibc's strsignal", () => {
  const py = spawnSync(
    'python3',
    [
      '-c',
      'import signal,json;print(json.dumps({n: signal.strsignal(n) for n in range(1,65) if signal.strsignal(n)}))',
    ],
    { encoding: 'utf8' },
  );
  for (const [n, text] of Object.entries(JSON.parse(py.stdout) as Record<string, string>))
    assert.equal(signalDescription(Number(n)), text, n);
  const bash = spawnSync('bash', ['-c', 'for i in $(seq 1 31) $(seq 34 64); do kill -l $i; done'], {
    encoding: 'utf8',
  });
  const names = bash.stdout.trim().split('\n');
  const numbers = [
    ...Array.from({ length: 31 }, (_, i) => i + 1),
    ...Array.from({ length: 31 }, (_, i) => i + 34),
  ];
  assert.deepEqual(
    numbers.map((n) => signalName(n)),
    names.map((s) => `SIG${s}`),
  );
  assert.deepEqual([signalName(32), signalName(0), signalName(65)], ['SIG32', undefined, undefined]);
  assert.deepEqual(['9', 'term', 'SIGUSR1', 'rtmin+2', '0', '65', 'NOPE'].map(parseSignal), [
    9,
    15,
    10,
    36,
    undefined,
    undefined,
    undefined,
  ]);
});

test('open flags by name (x86-64 and arm64 values)', () => {
  assert.equal(openFlagNames(0, 'x64'), 'O_RDONLY');
  assert.equal(openFlagNames(0o2001101, 'x64'), 'O_WRONLY|O_CREAT|O_TRUNC|O_CLOEXEC');
  assert.equal(openFlagNames(0o20200002, 'x64'), 'O_RDWR|O_TMPFILE');
  assert.equal(openFlagNames(0o200000, 'x64'), 'O_RDONLY|O_DIRECTORY');
  assert.equal(openFlagNames(0o4010000, 'x64'), 'O_RDONLY|O_SYNC');
  assert.equal(openFlagNames(0o10000, 'x64'), 'O_RDONLY|O_DSYNC');
  assert.equal(openFlagNames(0o40000, 'arm64'), 'O_RDONLY|O_DIRECTORY');
  assert.equal(openFlagNames(0o100000000, 'x64'), 'O_RDONLY|0100000000');
});

test('columns: header and row cells by their own formats, shown when their option is set', () => {
  const columns = [
    {
      when: (o: { t?: boolean }) => !!o.t,
      header: ['%-9s', 'TIME'] as [string, string],
      cell: ['%-8s ', () => 'hh:mm:ss'] as [string, () => string],
    },
    {
      header: ['%-6s ', 'PID'] as [string, string],
      cell: ['%-6d ', (e: { pid: number }) => e.pid] as [string, (e: { pid: number }) => number],
    },
    { header: ['%s', 'ARGS'] as [string, string], cell: ['%s', () => 'a b'] as [string, () => string] },
  ];
  assert.equal(headerLine(columns, {}), 'PID    ARGS');
  assert.equal(headerLine(columns, { t: true }), 'TIME     PID    ARGS');
  assert.equal(rowLine(columns, { pid: 42 }, { t: true }), 'hh:mm:ss 42     a b');
});
