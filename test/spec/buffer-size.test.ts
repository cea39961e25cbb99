/** --buffer-size values: units, rounding to a power-of-two number of pages, and what is refused. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BadValueError } from '../../src/errors/index.js';
import { parseBufferSize, ringBytes } from '../../src/spec/buffer-size.js';

test('sizes take K, M and G suffixes (binary) or plain bytes', () => {
  assert.equal(parseBufferSize('256K'), 256 * 1024);
  assert.equal(parseBufferSize('4M'), 4 * 1024 * 1024);
  assert.equal(parseBufferSize('1g'), 1024 ** 3);
  assert.equal(parseBufferSize('64KiB'), 65536);
  assert.equal(parseBufferSize('8192'), 8192);
});

test('bad sizes are one-line BadValueErrors naming the option', () => {
  for (const bad of ['', '0', '-4K', '4X', '1.5M', '3G', 'K', '4M4'])
    assert.throws(
      () => parseBufferSize(bad),
      (e: unknown) =>
        e instanceof BadValueError && /^--buffer-size: /.test(e.message) && !e.message.includes('\n'),
      bad,
    );
});

test('rings round up to a power-of-two multiple of the page', () => {
  assert.equal(ringBytes(1, 4096), 4096);
  assert.equal(ringBytes(4096, 4096), 4096);
  assert.equal(ringBytes(4097, 4096), 8192);
  assert.equal(ringBytes(600 * 1024, 4096), 1024 * 1024);
  assert.equal(ringBytes(4 * 1024 * 1024, 4096), 4 * 1024 * 1024);
});
