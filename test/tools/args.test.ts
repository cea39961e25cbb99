/**
 * The tools' command lines against libbpf-tools' (Debian 0.26 in /usr/sbin): --help lists the
 * peer's options with the same lines in the same order (bpfkit's own under a group of their own),
 * --usage has the same option clusters, and bad command lines get the same messages and exit
 * status 64. No BPF is loaded. Needs `npm run build` and the peers installed.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT, runCli } from '../helpers/bpf.js';

const TOOLS = ['opensnoop', 'execsnoop', 'exitsnoop', 'sigsnoop', 'killsnoop', 'syscount'];

function peer(args: string[]): { code: number; stdout: string; stderr: string } {
  const r = spawnSync(`/usr/sbin/${args[0]}`, args.slice(1), { encoding: 'utf8', timeout: 10000 });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

/** The option lines of an argp --help: from the first option line to the "Mandatory…" paragraph. */
function optionLines(help: string): string[] {
  const all = help.split('\n');
  const start = all.findIndex((l) => /^ {2}-|^ {6}--/.test(l));
  const end = all.findIndex((l) => l.startsWith('Mandatory or optional'));
  return all.slice(start, end).filter((l) => l.trim() !== '');
}

for (const tool of TOOLS) {
  test(`${tool} --help: the peer's option lines, in order`, async () => {
    const ours = await runCli([tool, '--help']);
    assert.equal(ours.code, 0, ours.stderr);
    assert.match(ours.stdout, new RegExp(`^Usage: bpfkit ${tool} \\[OPTION\\.\\.\\.\\]\n`));
    const mine = optionLines(ours.stdout);
    const additions = mine.indexOf(' bpfkit additions:');
    assert.ok(additions > 0, ours.stdout);
    // bpfkit's own options sit in their group, before the standard ones: drop them to compare.
    const standard = mine.findIndex((l, i) => i > additions && l.startsWith('  -?, --help'));
    const comparable = [...mine.slice(0, additions), ...mine.slice(standard)];
    const theirs = optionLines(peer([tool, '--help']).stdout);
    assert.deepEqual(comparable, theirs);
    for (const extra of ['--json'])
      assert.ok(
        mine.some((l) => l.includes(extra)),
        `${extra} listed`,
      );
    assert.match(ours.stdout, /^JSON fields \(--json, one object per line\):$/m);
    assert.match(
      ours.stdout,
      new RegExp(`^Compared with libbpf-tools' ${tool === 'killsnoop' ? 'sigsnoop' : tool}:$`, 'm'),
    );
  });
}

test('--usage: the same option clusters as the peers', async () => {
  for (const tool of TOOLS) {
    const ours = (await runCli([tool, '--usage'])).stdout.replace(/\s+/g, ' ');
    const theirs = peer([tool, '--usage']).stdout.replace(/\s+/g, ' ');
    const clusters = (s: string): string[] => s.match(/\[-[^-][^\]]*\]/g) ?? [];
    assert.deepEqual(clusters(ours), clusters(theirs), tool);
    const longs = (s: string): string[] =>
      (s.match(/\[--[^\]]+\]/g) ?? []).filter((l) => !/json|decode|buffer-size/.test(l));
    assert.deepEqual(longs(ours), longs(theirs), tool);
  }
});

/** A peer's error text in bpfkit's naming: `bpfkit <tool>` in usage lines, the bare name as prefix. */
function asOurs(tool: string, text: string): string {
  return text
    .replaceAll(`/usr/sbin/${tool}: `, `${tool}: `)
    .replaceAll(`Usage: ${tool} `, `Usage: bpfkit ${tool} `)
    .replaceAll(`\`${tool} --`, `\`bpfkit ${tool} --`);
}

for (const argv of [
  ['opensnoop', '-z'],
  ['opensnoop', '-Tz'],
  ['opensnoop', '--pid'],
  ['opensnoop', '-p'],
  ['opensnoop', '-p', 'abc'],
  ['opensnoop', '-p', '0'],
  ['opensnoop', '--t', '1'],
  ['opensnoop', '--nosuch'],
  ['opensnoop', '--version=3'],
  ['opensnoop', '-d', '0'],
  ['opensnoop', 'one', 'two'],
  ['opensnoop', '-u', '4294967295'],
  ['exitsnoop', 'extra'],
  ['exitsnoop', '-p', '-1'],
  ['execsnoop', '--max-args', '0'],
  ['execsnoop', '--max-args=61'],
  ['sigsnoop', '--sig'],
  ['syscount', '-p', '0'],
  ['syscount', '-i', 'x'],
  ['syscount', '-T', '0'],
  ['syscount', '-d', '0'],
  ['syscount', 'extra'],
  ['syscount', '-Lz'],
]) {
  test(`bad usage: ${argv.join(' ')}`, async () => {
    const ours = await runCli(argv);
    const theirs = peer(argv);
    assert.equal(theirs.code, 64, theirs.stderr);
    assert.equal(ours.code, 64, ours.stderr);
    assert.equal(ours.stderr, asOurs(argv[0], theirs.stderr));
    assert.equal(ours.stdout, '');
  });
}

test('abbreviated long options and clustered flags are accepted; -V and -h', async () => {
  const v = await runCli(['exitsnoop', '-V']);
  const { version } = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string };
  assert.deepEqual([v.code, v.stdout], [0, `exitsnoop (bpfkit) ${version}\n`]);
  for (const tool of ['opensnoop', 'exitsnoop']) {
    const h = await runCli([tool, '-h']);
    assert.equal(h.code, 0);
    assert.match(h.stdout, /^Usage: /);
  }
  // Help wins over the rest of the command line, as in argp.
  const help = await runCli(['execsnoop', '--max', '5', '-Tx', '--help']);
  assert.equal(help.code, 0, help.stderr);
});
