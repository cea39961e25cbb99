/**
 * A config may name a built-in tool instead of a package: `tool: opensnoop` runs the tool's own
 * shipped package with its globals as options, and its events feed metrics like any program's.
 * Needs root and `npm run build`.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { closeSync, openSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  parseExposition,
  progIdsOf,
  scratchDir,
  scrape,
  sleep,
  startExporter,
  stillLoaded,
  valueOf,
} from './helpers.js';
import { runCli } from '../helpers/bpf.js';

test('tool: opensnoop, with an option, counts the opens of one process by file', async () => {
  const [dir, clean] = scratchDir('tool');
  const config = join(dir, 'metrics.yaml');
  writeFileSync(
    config,
    `programs:
  - name: opens
    tool: opensnoop
    options:
      targ_failed: false
    metrics:
      counters:
        - name: tool_opens_total
          help: openat(2) calls by file
          labels:
            - name: filename
              from: path
`,
  );
  const exporter = await startExporter(config);
  try {
    const ids = progIdsOf(exporter.pid);
    assert.ok(ids.length >= 2, `the tool's programs are loaded: ${ids.join(', ')}`);
    const file = join(dir, `tool-${process.pid}-${Date.now()}`);
    for (let i = 0; i < 4; i++) closeSync(openSync(file, 'w'));
    let n: number | undefined;
    for (const end = Date.now() + 10_000; Date.now() < end && n !== 4; await sleep(100))
      n = valueOf(parseExposition((await scrape(exporter.url)).text).samples, 'tool_opens_total', {
        filename: file,
      });
    assert.equal(n, 4);
    assert.equal(await exporter.stop('SIGTERM'), 0);
    assert.deepEqual(await stillLoaded(ids), []);
  } finally {
    await exporter.stop('SIGKILL');
    clean();
  }
});

test('tool: with a name that is no tool fails at start-up with one line', async () => {
  const [dir, clean] = scratchDir('notool');
  const config = join(dir, 'metrics.yaml');
  writeFileSync(
    config,
    'programs:\n  - name: x\n    tool: nosuchtool\n    metrics:\n      counters:\n        - name: x_total\n',
  );
  try {
    const r = await runCli(['export', '-c', config, '--listen', '127.0.0.1:0']);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /^bpfkit: .*no built-in tool 'nosuchtool'.*\n$/);
  } finally {
    clean();
  }
});
