/**
 * Histogram text must be byte-for-byte what libbpf-tools prints. Fixtures under test/fixtures/hist
 * are real output of /usr/sbin/runqlat and /usr/sbin/cpudist (the C implementation); the others are
 * derived by hand from the printf formats in trace_helpers.c.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { printLinearHist, printLog2Hist } from '../../src/maps/histogram.js';

const fixture = (name: string): string =>
  readFileSync(new URL(`../fixtures/hist/${name}`, import.meta.url), 'utf8');

/** Slot counts read back from a captured histogram (the count column). */
function countsOf(text: string): number[] {
  return text
    .split('\n')
    .slice(1)
    .filter(Boolean)
    .map((l) => Number(/: (\d+)\s+\|/.exec(l)?.[1]));
}

test('log2: reference example (vals 3,0,7,20,1 usecs)', () => {
  const expected =
    '     usecs               : count    distribution\n' +
    '         0 -> 1          : 3        |******                                  |\n' +
    '         2 -> 3          : 0        |                                        |\n' +
    '         4 -> 7          : 7        |**************                          |\n' +
    '         8 -> 15         : 20       |****************************************|\n' +
    '        16 -> 31         : 1        |**                                      |\n';
  assert.equal(printLog2Hist([3, 0, 7, 20, 1, 0, 0, 0], 'usecs'), expected);
});

for (const [file, unit] of [
  ['runqlat-usecs.txt', 'usecs'],
  ['cpudist-msecs.txt', 'msecs'],
  ['cpudist-pid0-usecs.txt', 'usecs'],
] as const) {
  test(`log2: identical to the C tool's real output (${file})`, () => {
    const real = fixture(file);
    const slots = [...countsOf(real), 0, 0, 0]; // trailing empty slots are not printed
    assert.equal(printLog2Hist(slots, unit), real);
  });
}

test('log2: nothing at all when every slot is empty', () => {
  assert.equal(printLog2Hist([0, 0, 0], 'usecs'), '');
  assert.equal(printLog2Hist([], 'usecs'), '');
});

test('log2: bigint slots and counts wider than the column', () => {
  const out = printLog2Hist([0n, 123456789n, 5n], 'nsecs');
  assert.equal(
    out,
    '     nsecs               : count    distribution\n' +
      '         0 -> 1          : 0        |                                        |\n' +
      '         2 -> 3          : 123456789 |****************************************|\n' +
      '         4 -> 7          : 5        |                                        |\n',
  );
});

test('log2: wide layout past slot 32 (15-space indent, 20-char columns, 20 stars)', () => {
  const slots = new Array<number>(34).fill(0);
  slots[0] = 1;
  slots[33] = 4;
  const lines = printLog2Hist(slots, 'nsecs').split('\n');
  assert.equal(lines.length, 36); // header + 34 rows + trailing ''
  assert.equal(lines[0], '               nsecs                         : count    distribution');
  assert.equal(lines[1], '                   0 -> 1                    : 1        |*****               |');
  assert.equal(lines[2], '                   2 -> 3                    : 0        |                    |');
  assert.equal(lines[34], '          8589934592 -> 17179869183          : 4        |********************|');
});

test('linear: only non-empty rows between first and last, 5 spaces before distribution', () => {
  const expected =
    '     runqlen       : count     distribution\n' +
    '        2          : 10       |****************************************|\n' +
    '        4          : 5        |********************                    |\n';
  assert.equal(printLinearHist([0, 0, 10, 0, 5, 0], 0, 1, 'runqlen'), expected);
});

test('linear: base and step label the rows', () => {
  const expected =
    '     MHz           : count     distribution\n' +
    '        1200       : 3        |****************************************|\n' +
    '        1600       : 1        |*************                           |\n';
  assert.equal(printLinearHist([0, 3, 0, 1], 1000, 200, 'MHz'), expected);
  assert.equal(printLinearHist([0, 0], 0, 1, 'x'), '');
});
