/** jsonErrorPosition: where a JSON text first goes wrong (no kernel, no root). */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { jsonErrorPosition } from '../../src/package/json-position.js';

test('valid JSON has no error position', () => {
  for (const t of ['{}', '[]', ' {"a": [1, -2.5e3, "x\\\\n\\\\u00e9", true, null]} ', '"s"', '0'])
    assert.equal(jsonErrorPosition(t), undefined, t);
});

test('the first bad character, 1-based line and column', () => {
  assert.deepEqual(jsonErrorPosition('{"a":\n  x}'), { line: 2, column: 3 });
  assert.deepEqual(jsonErrorPosition('{"a":1'), { line: 1, column: 7 });
  assert.deepEqual(jsonErrorPosition('[1,]'), { line: 1, column: 4 });
  assert.deepEqual(jsonErrorPosition('{"a":1} x'), { line: 1, column: 9 });
  assert.deepEqual(jsonErrorPosition('{"a\nb": 1}'), { line: 1, column: 4 });
  assert.deepEqual(jsonErrorPosition("{'a': 1}"), { line: 1, column: 2 });
});

test('agrees with JSON.parse on what is valid', () => {
  for (const t of ['{"a":01}', '[1 2]', '{"a" 1}', '"\\q"', 'tru', '{"a":1,}', '-', '1.']) {
    assert.throws(() => JSON.parse(t), SyntaxError, t);
    assert.notEqual(jsonErrorPosition(t), undefined, t);
  }
});
