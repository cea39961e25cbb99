/**
 * `bpfkit drsnoop` on the real kernel. Direct (global) reclaim needs the whole machine short of
 * memory, which a test cannot cause safely, so the default run is checked for its banner, header
 * and clean stop only; with --memcg a child copying a 94 MiB file in a cgroup limited to 16 MiB
 * reclaims its page cache, and the rows (table, -e, --json) carry its tid, comm, latency and
 * pages. Needs root and `npm run build`.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from '../helpers/bpf.js';
import { child, fields, lines, linesWhen, objectsWhen, withTool } from './helpers.js';
import { memoryCgroup } from './memcg.js';

const dir = mkdtempSync(join(tmpdir(), 'bpfkit-drsnoop-'));
process.on('exit', () => rmSync(dir, { recursive: true, force: true }));

const BANNER = 'Tracing direct reclaim events... Hit Ctrl-C to end.';

/** A child, waiting for a line on stdin, that copies node's binary (page cache) within 16 MiB. */
async function withReclaimer(body: (pid: number, go: () => Promise<void>) => Promise<void>): Promise<void> {
  const cg = memoryCgroup(`bpfkit-drsnoop-${process.pid}-${Date.now()}`, 16 << 20);
  const dd = child(
    'sh',
    ['-c', `read go; exec dd if=${process.execPath} of=${join(dir, 'copy')} bs=1M status=none`],
    { stdin: true },
  );
  try {
    cg.add(dd.pid!);
    await body(dd.pid!, async () => {
      dd.stdin!.end('go\n');
      assert.equal(await dd.done, 0);
    });
  } finally {
    dd.kill('SIGKILL');
    await dd.done;
    cg.remove();
  }
}

test('banner and header; attaches and stops cleanly (no direct reclaim is caused)', async () => {
  await withTool(['drsnoop'], async (run) => {
    await linesWhen(run, () => true, 2);
    assert.deepEqual(lines(run).slice(0, 2), [BANNER, 'TIME     COMM             TID     LAT(ms) PAGES']);
  });
});

test('--memcg -e -p: rows of a child reclaiming at its cgroup limit', async () => {
  await withReclaimer(async (pid, go) => {
    await withTool(['drsnoop', '--memcg', '-e', '-p', String(pid)], async (run) => {
      await linesWhen(run, () => true, 2);
      assert.equal(lines(run)[1], 'TIME     COMM             TID     LAT(ms) PAGES FREE(KB)');
      await go();
      const rows = (await linesWhen(run, (l) => fields(l, 6)[2] === String(pid))).map((l) => fields(l, 6));
      for (const [time, comm, , lat, pages, free] of rows) {
        assert.match(time, /^\d\d:\d\d:\d\d$/);
        assert.equal(comm, 'dd');
        assert.match(lat, /^\d+\.\d{3}$/);
        assert.ok(Number(pages) >= 0 && Number(free) > 0, `${pages} ${free}`);
      }
      assert.ok(
        rows.some((r) => Number(r[4]) > 0),
        'some pages reclaimed',
      );
      assert.ok(
        lines(run)
          .slice(2)
          .every((l) => fields(l, 6)[2] === String(pid)),
      );
    });
  });
});

test('--json --memcg: the fields of a reclaim', async () => {
  await withReclaimer(async (pid, go) => {
    await withTool(['drsnoop', '--json', '--memcg', '-t', String(pid)], async (run) => {
      await go();
      const [o] = await objectsWhen(run, (x) => x.tid === pid && Number(x.pages) > 0);
      assert.deepEqual(Object.keys(o), [
        'time',
        'pid',
        'tid',
        'comm',
        'kind',
        'latency_ms',
        'pages',
        'free_kb',
      ]);
      assert.deepEqual([o.pid, o.comm, o.kind, o.free_kb], [pid, 'dd', 'memcg', null]);
      assert.ok(typeof o.latency_ms === 'number' && o.latency_ms >= 0);
    });
  });
});

test('-d 1: stops by itself after a second, exit 0; bad -d: usage error', async () => {
  const t0 = Date.now();
  const r = await runCli(['drsnoop', '-d', '1']);
  assert.equal(r.code, 0, r.stderr);
  assert.ok(Date.now() - t0 < 8000);
  assert.equal(r.stdout.split('\n')[0], 'Tracing direct reclaim events for 1 secs.');
  const bad = await runCli(['drsnoop', '-d', '0']);
  assert.equal(bad.code, 64);
  assert.match(bad.stderr, /^Invalid duration: 0\n/);
});
