/**
 * Conformance of the aggregator tools with libbpf-tools (Debian's 0.26 in /usr/sbin): each tool and
 * its peer run side by side with the same options for one interval while the same activity goes
 * on; their banners, the lines around each report (blank lines, -T time), histogram headers and
 * table headers must be equal, every bucket label laid out as the peer's, and named rows (irq and
 * softirq names) in the peer's columns. Counts differ (two programs sample at different moments)
 * and are not compared. Needs root and `npm run build`.
 */
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { startCli, type CliRun } from '../helpers/bpf.js';
import { child, mountTracing } from './helpers.js';

before(mountTracing);

/** A libbpf-tools binary with line-buffered stdout, started like startCli. */
function startPeer(name: string, args: string[]): CliRun {
  const c = spawn('stdbuf', ['-oL', `/usr/sbin/${name}`, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  c.stdout.on('data', (d: Buffer) => (out += d.toString()));
  c.stderr.on('data', (d: Buffer) => (err += d.toString()));
  const exited = new Promise<number | string>((res) => c.on('close', (code, sig) => res(code ?? sig ?? -1)));
  return { child: c, stdout: () => out, stderr: () => err, exited };
}

/**
 * A report with its numbers masked: counts, star bars and times become placeholders, so what is
 * left is the layout (bucket labels stay: their digits are the layout's).
 */
export function layout(text: string): string[] {
  return text
    .split('\n')
    .map((l) =>
      l
        .replace(/^(\s*\d+ -> \d+\s*: )\d+(\s*)\|[* ]*\|$/, (_m, lab: string) => `${lab}N|bar|`)
        .replace(/^\d\d:\d\d:\d\d$/, 'HH:MM:SS'),
    );
}

/** Runs `tool args 1 1` on both sides during `activity`; returns both outputs. */
async function bothOnce(
  tool: string,
  args: string[],
  activity: () => Promise<void>,
): Promise<[string, string]> {
  const peer = startPeer(tool, [...args, '2', '1']);
  const ours = startCli([tool, ...args, '2', '1']);
  try {
    await activity();
    const [a, b] = await Promise.all([ours.exited, peer.exited]);
    assert.equal(a, 0, ours.stderr());
    assert.equal(b, 0, peer.stderr());
    return [ours.stdout(), peer.stdout()];
  } finally {
    ours.child.kill('SIGKILL');
    peer.child.kill('SIGKILL');
  }
}

/** Sleeps and wakes for about two seconds. */
async function wakeups(): Promise<void> {
  await child('perl', ['-e', 'select(undef, undef, undef, 0.002) for 1..700']).done;
}

/** Lines of `text` that are not histogram rows, counts masked. */
const frame = (text: string): string[] => layout(text).filter((l) => !/ -> /.test(l));

/** Histogram rows' labels (`         0 -> 1          : `) of `text`, in order. */
const labels = (text: string): string[] =>
  text
    .split('\n')
    .map((l) => /^(\s*\d+ -> \d+\s*: )/.exec(l)?.[1])
    .filter((l): l is string => l !== undefined);

for (const args of [[], ['-m', '-T']]) {
  test(`runqlat ${args.join(' ')}`, async () => {
    const [ours, peer] = await bothOnce('runqlat', args, wakeups);
    assert.deepEqual(frame(ours), frame(peer));
    assert.equal(frame(ours)[0], 'Tracing run queue latency... Hit Ctrl-C to end.');
    const unit = args.includes('-m') ? 'msecs' : 'usecs';
    assert.ok(ours.includes(`     ${unit}               : count    distribution\n`), ours);
    const [a, b] = [labels(ours), labels(peer)];
    const n = Math.min(a.length, b.length);
    assert.ok(n > 0);
    assert.deepEqual(a.slice(0, n), b.slice(0, n));
  });
}

for (const args of [[], ['-O']]) {
  test(`cpudist ${args.join(' ')}`, async () => {
    const [ours, peer] = await bothOnce('cpudist', args, wakeups);
    assert.deepEqual(frame(ours), frame(peer));
    const [a, b] = [labels(ours), labels(peer)];
    const n = Math.min(a.length, b.length);
    assert.ok(n > 0);
    assert.deepEqual(a.slice(0, n), b.slice(0, n));
  });
}

/** Direct, synced writes to a file on disk (a block request and the disk's interrupt each). */
async function diskWrites(): Promise<void> {
  await new Promise((r) => setTimeout(r, 500));
  await child('dd', [
    'if=/dev/zero',
    'of=/var/tmp/bpfkit-conform-agg',
    'bs=4k',
    'count=100',
    'oflag=direct,sync',
  ]).done;
  await child('rm', ['-f', '/var/tmp/bpfkit-conform-agg']).done;
}

test('biolatency -T: banner, time, blank lines and histogram header', async () => {
  const [ours, peer] = await bothOnce('biolatency', ['-T'], diskWrites);
  assert.deepEqual(frame(ours), frame(peer));
  assert.match(ours, /\n\n\d\d:\d\d:\d\d\n\n {5}usecs {15}: count/);
  const [a, b] = [labels(ours), labels(peer)];
  assert.deepEqual(a.slice(0, Math.min(a.length, b.length)), b.slice(0, Math.min(a.length, b.length)));
});

/** Table rows' names, and the lines that are not rows (banner, blank lines, header). */
function table(text: string): { names: Set<string>; rest: string[] } {
  const all = layout(text);
  const isRow = (l: string): boolean => /^\S+ +\d+$/.test(l);
  return {
    names: new Set(all.filter(isRow).map((l) => l.split(/ +/)[0])),
    rest: all.filter((l) => !isRow(l)),
  };
}

for (const [tool, args] of [
  ['hardirqs', []],
  ['hardirqs', ['-C', '-T']],
  ['softirqs', ['-N']],
] as const) {
  test(`${tool} ${args.join(' ')}: banner, header, row layout`, async () => {
    const [ours, peer] = await bothOnce(tool, [...args], diskWrites);
    const [a, b] = [table(ours), table(peer)];
    assert.deepEqual(a.rest, b.rest);
    // Rows: names padded as the peer pads them, numbers right-aligned in the same column.
    const col = (text: string): Set<number> =>
      new Set(
        text
          .split('\n')
          .filter((l) => /^\S+ +\d+$/.test(l))
          .map((l) => l.length),
      );
    assert.deepEqual(
      [...col(ours)].every((n) => n === (tool === 'hardirqs' ? 38 : 28)),
      true,
      ours,
    );
    assert.deepEqual(
      [...col(peer)].every((n) => n === (tool === 'hardirqs' ? 38 : 28)),
      true,
      peer,
    );
    const common = [...a.names].filter((n) => b.names.has(n));
    assert.ok(common.length > 0, `${[...a.names]} / ${[...b.names]}`);
  });
}
