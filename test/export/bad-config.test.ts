/**
 * Must-show 7: a bad config (unknown key, a label from a field the event lacks, malformed YAML, a
 * histogram on a map without slots), a port in use and a program that fails to attach each stop
 * `bpfkit export` at start-up with one clear line naming what and where, exit 1, nothing left
 * loaded. A program that fails later is reported by bpfkit_program_attached 0 while the others keep
 * exporting. Needs root and `npm run build`.
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { compileBpf, fixture, leftLoaded, runCli } from '../helpers/bpf.js';
import { parseConfig } from '../../src/export/config.js';
import { Exporter } from '../../src/export/exporter.js';
import { freePort, parseExposition, pkg, scratchDir, sleep, valueOf } from './helpers.js';

const [dir, clean] = scratchDir('bad');
after(clean);

/** Runs `bpfkit export` on `yaml` and checks it fails at start-up with exactly one matching line. */
async function expectOneLine(yaml: string, message: RegExp, extra: string[] = []): Promise<void> {
  const file = join(dir, 'metrics.yaml');
  writeFileSync(file, yaml);
  const port = extra.length ? [] : ['--listen', `127.0.0.1:${await freePort()}`];
  const r = await runCli(['export', '-c', file, ...port, ...extra]);
  assert.equal(r.code, 1, `exit status: ${r.stderr}`);
  assert.equal(r.stdout, '', 'nothing on stdout');
  const lines = r.stderr.trimEnd().split('\n');
  assert.equal(lines.length, 1, `one line:\n${r.stderr}`);
  assert.match(lines[0], message);
}

const opensnoop = async (metrics: string): Promise<string> =>
  `programs:\n  - name: opensnoop\n    package: ${await pkg('opensnoop')}\n    metrics:\n${metrics}`;

test('an unknown key: file, line, column, key, and the key meant', async () => {
  await expectOneLine(
    await opensnoop('      counters:\n        - name: opens_total\n          lables: [{ name: comm }]\n'),
    /^bpfkit: \S+metrics\.yaml:7:11: programs\[0\]\.metrics\.counters\[0\]\.lables: unknown key \(did you mean 'labels'\?\)$/,
  );
});

test('a label from a field the event lacks names the fields it has', async () => {
  await expectOneLine(
    await opensnoop(
      '      counters:\n        - name: opens_total\n          labels:\n            - name: file\n              from: fnam\n',
    ),
    /^bpfkit: \S+metrics\.yaml:9:15: programs\[0\]\.metrics\.counters\[0\]\.labels\[0\]\.from: struct event of map 'events': struct event has no field 'fnam' \(fields: ts, pid, uid, ret, flags, comm, fname\)$/,
  );
});

test('malformed YAML', async () => {
  await expectOneLine(
    'programs:\n  - name: x\n    package: [a, b\n',
    /^bpfkit: \S+metrics\.yaml:\d+:\d+: malformed YAML: /,
  );
});

test('a histogram on a map without slots', async () => {
  await expectOneLine(
    `programs:\n  - name: runqlat\n    package: ${await pkg('runqlat')}\n    metrics:\n      maps:\n        - { map: start, type: histogram, name: x_seconds, help: x }\n`,
    /^bpfkit: \S+metrics\.yaml:6:13: programs\[0\]\.metrics\.maps\[0\]\.map: map 'start' value \(u64\) is not a struct with a 'slots' array of counts$/,
  );
});

test('a port in use', async () => {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const port = (server.address() as { port: number }).port;
  try {
    await expectOneLine(
      await opensnoop('      counters: [{ name: opens_total }]\n'),
      new RegExp(`^bpfkit: cannot listen on 127\\.0\\.0\\.1:${port} \\(--listen\\): address already in use$`),
      ['--listen', `127.0.0.1:${port}`],
    );
  } finally {
    server.close();
  }
});

test('a program that fails to attach, beside one that attached: nothing stays loaded', async () => {
  const obj = await compileBpf(fixture('missing-tracepoint.bpf.c'), 'missing-tracepoint');
  await expectOneLine(
    `${await opensnoop('      counters: [{ name: opens_total }]\n')}  - name: broken\n    object: ${obj}\n`,
    /^bpfkit: \S+metrics\.yaml:6:5: programs\[1\]: program 'broken': tracepoint syscalls:sys_enter_no_such_call does not exist in this kernel$/,
  );
  assert.deepEqual(await leftLoaded(['no_such']), []);
});

test('a program that fails later reports attached 0 while the others keep exporting', async () => {
  const yaml = `programs:
  - name: kinds
    package: ${await pkg('kinds')}
    options: { target_pid: ${process.pid} }
    metrics:
      maps: [{ map: hits, type: counter, name: getppid_hits_total, help: Calls }]
  - name: runqlat
    package: ${await pkg('runqlat')}
    metrics:
      maps: [{ map: hists, type: histogram, name: runq_latency_seconds, help: Latency, multiplier: 0.000001 }]
`;
  const warnings: string[] = [];
  const exporter = await Exporter.start(parseConfig(yaml, join(dir, 'late.yaml')), {
    listen: `127.0.0.1:${await freePort()}`,
    log: (line, level) => level === 'warn' && warnings.push(line),
  });
  try {
    const read = async (): Promise<ReturnType<typeof parseExposition>['samples']> =>
      parseExposition((await exporter.scrape('prometheus'))!).samples;
    assert.equal(valueOf(await read(), 'bpfkit_program_attached', { program: 'kinds' }), 1);
    // The kinds program goes away under the exporter (its links and maps are released).
    await exporter.running[0].handle.close();
    const before = await read();
    assert.equal(valueOf(before, 'bpfkit_program_attached', { program: 'kinds' }), 0);
    assert.equal(valueOf(before, 'bpfkit_program_attached', { program: 'runqlat' }), 1);
    assert.equal(valueOf(before, 'bpfkit_map_read_errors_total', { program: 'kinds', map: 'hits' }), 1);
    assert.match(warnings.join('\n'), /^program 'kinds' failed: reading map 'hits': /);
    await sleep(300);
    const later = await read();
    const count = (s: typeof later): number => valueOf(s, 'runq_latency_seconds_count')!;
    assert.ok(count(later) > count(before), `runqlat keeps counting: ${count(before)} -> ${count(later)}`);
    assert.equal(warnings.length, 1, 'the failure is reported once');
  } finally {
    await exporter.stop();
  }
});
