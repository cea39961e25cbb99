/**
 * `bpfkit tcpconnect` on the real kernel: a child connects to its own loopback listener; the row
 * carries its pid, comm, addresses and destination port (and uid with -U, source port with -s,
 * relative time with -t), in a table and --json; -P, -p and -u filter; -c counts per address pair
 * and port and prints the totals when stopped. Needs root and `npm run build`.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runCli, startCli, waitFor } from '../helpers/bpf.js';
import { fields, hasLinks, lines, linesWhen, objectsWhen, withTool } from './helpers.js';
import { freePort, TCP_COMM, tcpExchange } from './net.js';

test('table: pid, comm, addresses and destination port of IPv4 and IPv6 connects', async () => {
  await withTool(['tcpconnect'], async (run) => {
    assert.equal(lines(run)[0], 'PID    COMM         IP SADDR            DADDR            DPORT');
    for (const [host, ip] of [
      ['127.0.0.1', '4'],
      ['::1', '6'],
    ]) {
      const x = await tcpExchange(host);
      const [r] = await linesWhen(run, (l) => fields(l, 6)[5] === String(x.port));
      assert.deepEqual(fields(r, 6), [String(x.pid), TCP_COMM, ip, host, host, String(x.port)]);
    }
  });
});

test('-t -U -s: relative time, uid and source port columns', async () => {
  await withTool(['tcpconnect', '-t', '-U', '-s'], async (run) => {
    assert.equal(
      lines(run)[0],
      'TIME(s)  UID   PID    COMM         IP SADDR            DADDR            SPORT DPORT',
    );
    const x = await tcpExchange('127.0.0.1');
    const [r] = await linesWhen(run, (l) => fields(l, 9)[8] === String(x.port));
    const f = fields(r, 9);
    assert.match(f[0], /^\d+\.\d{3}$/);
    assert.deepEqual(f.slice(1), [
      '0',
      String(x.pid),
      TCP_COMM,
      '4',
      '127.0.0.1',
      '127.0.0.1',
      String(x.clientPort),
      String(x.port),
    ]);
  });
});

test('--json, -P and -u: only the destination ports and user given', async () => {
  const port = await freePort();
  await withTool(['tcpconnect', '--json', '-P', `1,${port}`, '-u', '0'], async (run) => {
    const other = await tcpExchange('::1');
    const x = await tcpExchange('::1', { port });
    const [o] = await objectsWhen(run, (o) => o.pid === x.pid);
    assert.deepEqual(o, {
      ...o,
      pid: x.pid,
      uid: 0,
      comm: TCP_COMM,
      ip: 6,
      saddr: '::1',
      daddr: '::1',
      dport: port,
    });
    assert.deepEqual(Object.keys(o), ['time', 'pid', 'uid', 'comm', 'ip', 'saddr', 'daddr', 'dport']);
    assert.ok(!lines(run).some((l) => (JSON.parse(l) as { pid: number }).pid === other.pid), '-P');
  });
  await withTool(['tcpconnect', '--json', '-u', '65534'], async (run) => {
    const x = await tcpExchange('127.0.0.1');
    await new Promise((r) => setTimeout(r, 300));
    assert.ok(!lines(run).some((l) => (JSON.parse(l) as { pid: number }).pid === x.pid), '-u');
  });
});

test('-c: connects counted per address pair and port, printed once stopped', async () => {
  const port = await freePort();
  const run = startCli(['tcpconnect', '-c', '-P', String(port)]);
  await waitFor(
    () => hasLinks(run.child.pid!) || undefined,
    () => {},
    20000,
    50,
  );
  for (let i = 0; i < 3; i++) await tcpExchange('127.0.0.1', { port });
  await tcpExchange('::1', { port });
  await new Promise((r) => setTimeout(r, 200));
  assert.equal(run.stdout(), '', 'nothing before the end');
  run.child.kill('SIGINT');
  assert.equal(await run.exited, 0, run.stderr());
  const pad = (s: string | number, n: number): string => String(s).padEnd(n);
  assert.equal(
    run.stdout(),
    `\n${pad('LADDR', 25)} ${pad('RADDR', 25)} ${pad('RPORT', 20)} ${pad('CONNECTS', 10)}\n` +
      `${pad('127.0.0.1', 25)} ${pad('127.0.0.1', 25)} ${pad(port, 20)} ${pad(3, 10)}\n` +
      `${pad('::1', 25)} ${pad('::1', 25)} ${pad(port, 20)} ${pad(1, 10)}\n`,
  );
});

test('-c --json: one object per address pair and port', async () => {
  const port = await freePort();
  const run = await withTool(['tcpconnect', '-c', '--json', '-P', String(port)], async () => {
    for (let i = 0; i < 2; i++) await tcpExchange('::1', { port });
    await new Promise((r) => setTimeout(r, 200));
  });
  assert.deepEqual(
    lines(run).map((l) => JSON.parse(l) as unknown),
    [{ ip: 6, saddr: '::1', daddr: '::1', dport: port, connects: 2 }],
  );
});

test('bad option values: one line, exit 64', async () => {
  for (const [args, msg] of [
    [['-P', '70000'], 'invalid PORT_LIST: 70000'],
    [['-p', '0'], 'invalid PID: 0'],
    [['-u', '-1'], 'invalid UID: -1'],
  ] as const) {
    const r = await runCli(['tcpconnect', ...args]);
    assert.equal(r.code, 64);
    assert.equal(r.stderr.split('\n')[0], msg);
  }
});
