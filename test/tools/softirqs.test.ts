/**
 * softirqs on the real kernel: loopback TCP traffic raises net_rx, the tick raises timer; both
 * must show up by name, and the counts must not exceed what /proc/softirqs counted meanwhile
 * (each softirq once, though tp_btf and raw_tp twins exist); -d histograms, --json, raw_tp, usage
 * errors. Needs root and `npm run build`.
 */
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, connect } from 'node:net';
import { runCli } from '../helpers/bpf.js';
import { lines, mountTracing, startTool, stopTool, withTool } from './helpers.js';
import { total, waitForHist } from './hist.js';
import { delta, softIrqCounts } from './irqs.js';

before(mountTracing);

/** Sends 32 MiB over a loopback TCP connection. */
async function loopbackTraffic(): Promise<void> {
  const server = createServer((s) => s.resume());
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as { port: number }).port;
  const c = connect(port, '127.0.0.1');
  const chunk = Buffer.alloc(64 << 10);
  for (let i = 0; i < 512; i++) if (!c.write(chunk)) await new Promise((r) => c.once('drain', r));
  await new Promise<void>((r) => c.end(r));
  await new Promise((r) => server.close(r));
}

test('--json: net_rx and timer by name, each softirq counted once', async () => {
  const before = softIrqCounts();
  const run = await startTool(['softirqs', '--json', '1']);
  await loopbackTraffic();
  await new Promise((r) => setTimeout(r, 1200));
  await stopTool(run);
  const grown = delta(before, softIrqCounts());
  const objs = lines(run).map((l) => JSON.parse(l) as { softirq: string; count: number; total: number });
  assert.deepEqual(Object.keys(objs[0]), ['time', 'softirq', 'count', 'unit', 'total']);
  const seen = new Map<string, number>();
  for (const o of objs) seen.set(o.softirq, (seen.get(o.softirq) ?? 0) + o.count);
  assert.ok((seen.get('net_rx') ?? 0) > 0, JSON.stringify([...seen]));
  assert.ok((seen.get('timer') ?? 0) > 0, JSON.stringify([...seen]));
  for (const [n, c] of seen) assert.ok(c <= (grown.get(n) ?? 0), `${n}: ${c} > ${grown.get(n)}`);
});

test('table: the header and named rows', async () => {
  await withTool(['softirqs', '-T', '1'], async (run) => {
    assert.equal(lines(run)[0], 'Tracing soft irq event time... Hit Ctrl-C to end.');
    await loopbackTraffic();
    for (let i = 0; i < 100 && !/^net_rx +\d+$/m.test(run.stdout()); i++)
      await new Promise((r) => setTimeout(r, 100));
    assert.match(run.stdout(), /^\d\d:\d\d:\d\d\nSOFTIRQ {10}TOTAL_usecs\n/m);
    assert.match(run.stdout(), /^net_rx {10} [ \d]{10}\d$/m);
  });
});

test('-d -N on raw_tp: a net_rx histogram in nsecs', async () => {
  await withTool(
    ['softirqs', '-d', '-N', '1'],
    async (run) => {
      await loopbackTraffic();
      const h = await waitForHist(run, (x) => x.label === 'softirq = net_rx');
      assert.equal(h.unit, 'nsecs');
      assert.ok(total(h) > 0);
    },
    { env: { BPFKIT_NO_TP_BTF: '1' } },
  );
});

test('bad usage: unknown option 64, -c is not an option here', async () => {
  assert.equal((await runCli(['softirqs', '-z'])).code, 64);
  const c = await runCli(['softirqs', '-c', '0']);
  assert.equal(c.code, 64);
  assert.match(c.stderr, /invalid option -- 'c'/);
});
