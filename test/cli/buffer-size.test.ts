/**
 * `--buffer-size`: the perf rings per CPU and the ring buffer of `bpfkit run`, and a built-in tool's
 * `events` ring, get the size asked for (rounded up to a power-of-two number of pages), read from the
 * running process (/proc/<pid>/fdinfo of its BPF map fds, /proc/<pid>/maps of its perf rings); a bad
 * size is one line and exit 2 (64 for a tool, as its other usage errors).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { compileBpf, fixture, runCli, startCli, waitFor, type CliRun } from '../helpers/bpf.js';

const RB_OBJ = await compileBpf(fixture('records/execvar.bpf.c'), 'execvar-rb', ['USE_RINGBUF']);
const PERF_OBJ = await compileBpf(fixture('records/execvar.bpf.c'), 'execvar-perf');

/** max_entries of the ring buffer maps (map_type 27) the process holds, each size once (a map has several fds). */
function ringBufSizes(pid: number): number[] {
  const sizes: number[] = [];
  for (const fd of readdirSync(`/proc/${pid}/fdinfo`)) {
    let info: string;
    try {
      info = readFileSync(`/proc/${pid}/fdinfo/${fd}`, 'utf8');
    } catch {
      continue;
    }
    if (/^map_type:\s+27$/m.test(info)) sizes.push(Number(/^max_entries:\s+(\d+)$/m.exec(info)?.[1]));
  }
  return [...new Set(sizes)];
}

/** Lengths of the process's perf ring mappings. */
function perfRingLengths(pid: number): number[] {
  return readFileSync(`/proc/${pid}/maps`, 'utf8')
    .split('\n')
    .filter((l) => l.includes('[perf_event]'))
    .map((l) => {
      const [a, b] = l.split(' ')[0].split('-');
      return parseInt(b, 16) - parseInt(a, 16);
    });
}

/** Starts the CLI, waits for `probe` to see something in it, stops it, and returns what it saw. */
async function observe<T>(args: string[], probe: (pid: number) => T[]): Promise<T[]> {
  const run: CliRun = startCli(args);
  try {
    return await waitFor(() => {
      const seen = probe(run.child.pid!);
      return seen.length ? seen : undefined;
    });
  } finally {
    run.child.kill('SIGTERM');
    assert.equal(await run.exited, 0, run.stderr());
  }
}

test('run: --buffer-size sizes the ring buffer map (rounded up to a power of two)', async () => {
  assert.deepEqual(await observe(['run', RB_OBJ, '--buffer-size', '600K'], ringBufSizes), [1 << 20]);
  // Without it, the size the program declares.
  assert.deepEqual(await observe(['run', RB_OBJ], ringBufSizes), [256 * 1024]);
});

test('run: --buffer-size sizes every perf ring; 256 KiB per CPU by default', async () => {
  const sized = await observe(['run', PERF_OBJ, '--buffer-size', '1M'], perfRingLengths);
  assert.ok(
    sized.every((n) => n === (1 << 20) + 4096),
    String(sized),
  );
  const byDefault = await observe(['run', PERF_OBJ], perfRingLengths);
  assert.ok(
    byDefault.every((n) => n === 256 * 1024 + 4096),
    String(byDefault),
  );
});

test('a tool: --buffer-size sizes its events ring buffer', async () => {
  assert.deepEqual(await observe(['opensnoop', '--buffer-size', '4M'], ringBufSizes), [4 << 20]);
});

test('bad sizes: one line on stderr, exit 2 (64 for a tool)', async () => {
  for (const bad of ['12Q', '0', '5G']) {
    const r = await runCli(['run', RB_OBJ, '--buffer-size', bad]);
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, /^bpfkit: --buffer-size: .*\n$/);
  }
  const t = await runCli(['opensnoop', '--buffer-size', 'lots']);
  assert.equal(t.code, 64, t.stderr);
  assert.match(t.stderr, /--buffer-size: 'lots'/);
});
