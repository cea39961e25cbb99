/**
 * biolatency on the real kernel: O_DIRECT writes and reads on a loop device set up for the test
 * (and detached after it) must show up in its own histogram (-D, -d, -F, -Q), with counts in
 * buckets; --json, raw_tp fallback, usage errors. Needs root, losetup and `npm run build`.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from '../helpers/bpf.js';
import { child, lines, mountTracing, objectsWhen, withTool } from './helpers.js';
import { assertLog2Rows, histograms, total, waitForHist } from './hist.js';

const dir = mkdtempSync(join(tmpdir(), 'bpfkit-biolatency-'));
let dev = '';
let name = '';

before(() => {
  mountTracing();
  const img = join(dir, 'disk.img');
  writeFileSync(img, Buffer.alloc(4 << 20));
  dev = execFileSync('losetup', ['-f', '--show', img], { encoding: 'utf8' }).trim();
  name = dev.replace('/dev/', '');
});

after(() => {
  if (dev) execFileSync('losetup', ['-d', dev]);
  rmSync(dir, { recursive: true, force: true });
});

/** 64 direct 4 KiB writes, then 64 direct reads, on the loop device. */
async function io(): Promise<void> {
  await child('dd', ['if=/dev/zero', `of=${dev}`, 'bs=4k', 'count=64', 'oflag=direct']).done;
  await child('dd', [`if=${dev}`, 'of=/dev/null', 'bs=4k', 'count=64', 'iflag=direct']).done;
}

test('-D -d: the loop device has its histogram with the I/O counted', async () => {
  await withTool(['biolatency', '-D', '-d', name, '1'], async (run) => {
    assert.equal(lines(run)[0], 'Tracing block device I/O... Hit Ctrl-C to end.');
    await io();
    const h = await waitForHist(run, (x) => x.label === `disk = ${name}\t` && total(x) >= 128);
    assert.equal(h.unit, 'usecs');
    assertLog2Rows(h);
    assert.ok(
      histograms(run.stdout()).every((x) => x.label === `disk = ${name}\t`),
      'only the disk given to -d',
    );
  });
});

test('-F -d: one histogram per set of flags, the writes and the reads apart', async () => {
  await withTool(['biolatency', '-F', '-d', name, '1'], async (run) => {
    await io();
    const w = await waitForHist(run, (x) => /^flags = .*Sync-Write$/.test(x.label));
    const r = await waitForHist(run, (x) => /^flags = .*Read$/.test(x.label));
    assert.ok(total(w) >= 64 && total(r) >= 64, run.stdout());
  });
});

test("-Q -m --json on raw_tp: the disk's object", async () => {
  await withTool(
    ['biolatency', '-Q', '-m', '-D', '-d', name, '--json', '1'],
    async (run) => {
      await io();
      const [o] = await objectsWhen(run, (x) => (x.key as { disk?: string }).disk === name);
      assert.deepEqual(Object.keys(o), ['time', 'key', 'unit', 'buckets']);
      assert.equal(o.unit, 'msecs');
      assert.ok((o.buckets as { count: number }[]).reduce((n, b) => n + b.count, 0) > 0);
    },
    { env: { BPFKIT_NO_TP_BTF: '1' } },
  );
});

test('bad usage: unknown option 64, unknown disk 1', async () => {
  const bad = await runCli(['biolatency', '-z']);
  assert.equal(bad.code, 64);
  const disk = await runCli(['biolatency', '-d', 'nosuchdisk']);
  assert.equal(disk.code, 1);
  assert.equal(disk.stderr, 'biolatency: invalid partition name: not exist\n');
});
