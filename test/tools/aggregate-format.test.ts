/**
 * The aggregators' pure parts, without root: interval/count operands, histogram blocks and their
 * JSON buckets, biolatency's flag names and /proc/partitions numbering.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ToolUsageError } from '../../src/errors/index.js';
import { defaultReportHeader, intervalCount } from '../../src/tools/aggregate.js';
import { log2Block, log2Buckets } from '../../src/tools/hist.js';
import { blockFlagsText } from '../../src/tools/decode/block-flags.js';
import { mkdev, partitions } from '../../src/tools/decode/partitions.js';

test('intervalCount: optional positive interval and count, usage errors otherwise', () => {
  assert.deepEqual(intervalCount([]), { interval: undefined, count: undefined });
  assert.deepEqual(intervalCount(['2', '5']), { interval: 2, count: 5 });
  assert.throws(
    () => intervalCount(['0']),
    (e) => e instanceof ToolUsageError && e.message === 'invalid interval: 0',
  );
  assert.throws(() => intervalCount(['1', 'x']), /invalid count: x/);
});

test('report header: a blank line, with -T the time padded to 8', () => {
  assert.equal(defaultReportHeader({}, new Date()), '\n');
  assert.match(defaultReportHeader({ timestamp: true }, new Date()), /^\n\d\d:\d\d:\d\d\n$/);
});

test('log2 blocks: label and print_log2_hist text; JSON buckets up to the last non-empty slot', () => {
  assert.deepEqual(log2Buckets([3, 0, 7, 0, 0]), [
    { low: 0, high: 1, count: 3 },
    { low: 2, high: 3, count: 0 },
    { low: 4, high: 7, count: 7 },
  ]);
  const b = log2Block('pid = 1 init\n', { pid: 1, comm: 'init' }, 'usecs', [0, 2]);
  assert.equal(
    b.text,
    'pid = 1 init\n' +
      '     usecs               : count    distribution\n' +
      '         0 -> 1          : 0        |                                        |\n' +
      '         2 -> 3          : 2        |****************************************|\n',
  );
  assert.deepEqual(b.json, {
    key: { pid: 1, comm: 'init' },
    unit: 'usecs',
    buckets: [
      { low: 0, high: 1, count: 0 },
      { low: 2, high: 3, count: 2 },
    ],
  });
  assert.equal(log2Block('x\n', {}, 'usecs', [0, 0]).text, '');
});

test('block flags: set flags in libbpf-tools order, then the operation', () => {
  assert.equal(blockFlagsText(0), 'Read');
  assert.equal(blockFlagsText(1 | (1 << 11) | (1 << 15)), 'Idle-Sync-Write');
  assert.equal(blockFlagsText(0 | (1 << 19)), 'ReadAhead-Read');
  assert.equal(blockFlagsText(4), 'Unknown');
});

test('partitions: names and major << 20 | minor numbers', () => {
  const text = 'major minor  #blocks  name\n\n 253        0  268435456 vda\n   7        0       4096 loop0\n';
  assert.deepEqual(partitions(text), [
    { name: 'vda', dev: mkdev(253, 0) },
    { name: 'loop0', dev: mkdev(7, 0) },
  ]);
  assert.equal(mkdev(253, 1), 265289729);
});
