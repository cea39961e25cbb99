/**
 * The stderr notices of `bpfkit run` (cli/run/notices.ts): lost records and malformed ones, as plain
 * lines or JSON objects, with later malformed records summed instead of told one by one.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RunNotices } from '../../src/cli/run/notices.js';
import { ShortRecordError } from '../../src/errors/index.js';

function capture(json: boolean): { notices: RunNotices; lines: string[] } {
  const lines: string[] = [];
  return { notices: new RunNotices(json, (l) => lines.push(l)), lines };
}

test('lost records: the perf-style line, per CPU for perf rings, as JSON with --json', () => {
  const text = capture(false);
  text.notices.lost('events', 1, 3);
  text.notices.lost('rb', undefined, 5);
  assert.deepEqual(text.lines, ['lost 3 events on CPU #1\n', 'lost 5 events\n']);
  const json = capture(true);
  json.notices.lost('events', 1, 3);
  json.notices.lost('rb', undefined, 5);
  assert.deepEqual(
    json.lines.map((l) => JSON.parse(l) as unknown),
    [
      { notice: 'lost', map: 'events', cpu: 1, count: 3 },
      { notice: 'lost', map: 'rb', count: 5 },
    ],
  );
});

test('malformed records: the first of a map with its reason, the next ones summed at close()', () => {
  const err = new ShortRecordError(4, 16, 80);
  const text = capture(false);
  for (let i = 0; i < 5; i++) text.notices.malformed('events', 4, err);
  text.notices.malformed('other', 2, new Error('bad'));
  text.notices.close();
  assert.deepEqual(text.lines, [
    "bpfkit: map 'events': skipped a malformed record: record of 4 bytes ends inside the fixed part of its type (16 of 80 bytes)\n",
    "bpfkit: map 'other': skipped a malformed record: bad\n",
    "bpfkit: map 'events': skipped 4 more malformed records\n",
  ]);
  const json = capture(true);
  json.notices.malformed('events', 4, err);
  json.notices.malformed('events', 4, err);
  json.notices.close();
  json.notices.close();
  assert.deepEqual(
    json.lines.map((l) => JSON.parse(l) as unknown),
    [
      { notice: 'malformed', map: 'events', count: 1, bytes: 4, error: err.message },
      { notice: 'malformed', map: 'events', count: 1 },
    ],
  );
});

test('later malformed records are told within about a second while the run goes on', async () => {
  const { notices, lines } = capture(false);
  notices.malformed('events', 4, new Error('x'));
  notices.malformed('events', 4, new Error('x'));
  notices.malformed('events', 4, new Error('x'));
  assert.equal(lines.length, 1);
  await new Promise((r) => setTimeout(r, 1100));
  assert.deepEqual(lines.slice(1), ["bpfkit: map 'events': skipped 2 more malformed records\n"]);
  notices.close();
  assert.equal(lines.length, 2);
});
