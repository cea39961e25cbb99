/**
 * The series cap without a kernel: label sets past the cap fold into the all-`other` series and are
 * counted, the overflow series does not take a place, a real all-`other` label set is the same
 * series (never a duplicate), and idle series expire and free their places.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { OTHER, SEP, SeriesTable } from '../../src/export/series.js';

const table = (max: number, ttlMs = 0) =>
  new SeriesTable<{ v: number }>(['a', 'b'], { maxSeries: max, ttlMs }, () => ({ v: 0 }));
const add = (t: ReturnType<typeof table>, a: string, b: string, now = 0): void => {
  t.get(`${a}${SEP}${b}`, [a, b], now).v++;
};

test('past the cap, new label sets fold into other and are counted', () => {
  const t = table(3);
  for (let i = 0; i < 10; i++) add(t, 'x', String(i));
  add(t, 'x', '0'); // an existing series still counts on its own
  assert.equal(t.size, 4);
  assert.equal(t.dropped, 7);
  const rows = [...t.entries()].map(([, e]) => [e.values.join(','), e.series.v]);
  assert.deepEqual(rows, [
    ['x,0', 2],
    ['x,1', 1],
    ['x,2', 1],
    [`${OTHER},${OTHER}`, 7],
  ]);
});

test('a real all-other label set and the overflow are one series', () => {
  const t = table(1);
  add(t, OTHER, OTHER);
  add(t, 'y', 'z');
  assert.equal(t.size, 1);
  assert.equal([...t.entries()][0][1].series.v, 2);
});

test('idle series expire and free their places', () => {
  const t = table(2, 1000);
  add(t, 'a', '1', 0);
  add(t, 'a', '2', 500);
  add(t, 'a', '3', 600); // folded
  assert.equal(t.expire(1200), 1, 'a,1 was idle for 1200 ms');
  add(t, 'a', '4', 1300);
  assert.deepEqual(
    [...t.entries()].map(([, e]) => e.values[1]),
    ['2', OTHER, '4'],
  );
  assert.equal(t.expire(5000), 3);
  assert.equal(t.size, 0);
});

test('a metric without labels has its one series whatever the cap', () => {
  const t = new SeriesTable<{ v: number }>([], { maxSeries: 1, ttlMs: 0 }, () => ({ v: 0 }));
  t.get('', [], 0).v++;
  t.get('', [], 0).v++;
  assert.equal(t.size, 1);
  assert.equal(t.dropped, 0);
});
