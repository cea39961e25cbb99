/**
 * `bpfkit tcplife` on the real kernel: a child connects to itself on loopback, sends 3000 bytes
 * after 300 ms and gets 1000 back; both ends' sessions show its pid and comm, the ports, the bytes
 * each way and a lifespan of at least 300 ms, as a table (-T, -w) and --json; -p and -4/-6 filter.
 * Needs root and `npm run build`.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runCli } from '../helpers/bpf.js';
import { fields, lines, linesWhen, objectsWhen, withTool } from './helpers.js';
import { TCP_COMM, tcpExchange } from './net.js';

const EXCHANGE = { send: 3000, reply: 1000, holdMs: 300 };

test('table: both ends of an IPv4 session with bytes and lifespan', async () => {
  await withTool(['tcplife'], async (run) => {
    assert.equal(
      lines(run)[0],
      'PID     COMM             LADDR           LPORT RADDR           RPORT TX_KB  RX_KB  MS',
    );
    const x = await tcpExchange('127.0.0.1', EXCHANGE);
    const rows = (await linesWhen(run, (l) => l.includes(` ${x.port} `), 2)).map((l) => fields(l, 10));
    const client = rows.find((r) => r[3] === String(x.clientPort))!;
    const server = rows.find((r) => r[3] === String(x.port))!;
    const ends = [String(x.pid), TCP_COMM, '127.0.0.1'];
    assert.deepEqual(client.slice(0, 8), [
      ...ends,
      String(x.clientPort),
      '127.0.0.1',
      String(x.port),
      '2.93',
      '0.98',
    ]);
    assert.deepEqual(server.slice(0, 8), [
      ...ends,
      String(x.port),
      '127.0.0.1',
      String(x.clientPort),
      '0.98',
      '2.93',
    ]);
    for (const r of [client, server]) {
      assert.match(r[8], /^\d+\.\d\d$/);
      assert.ok(Number(r[8]) >= 300 && Number(r[8]) < 10000, `MS ${r[8]}`);
    }
  });
});

test('-T -w -6 and --json: IPv6 sessions only, exact byte counts', async () => {
  await withTool(['tcplife', '-T', '-w', '-6'], async (run) => {
    assert.equal(
      lines(run)[0],
      'TIME(s)  PID     COMM             LADDR                      LPORT RADDR                      RPORT TX_KB  RX_KB  MS',
    );
    const v4 = await tcpExchange('127.0.0.1');
    const v6 = await tcpExchange('::1');
    const [r] = await linesWhen(run, (l) => fields(l, 11)[4] === String(v6.clientPort));
    assert.match(r, /^\d\d:\d\d:\d\d /);
    assert.equal(r.indexOf('::1') + 27, r.indexOf(String(v6.clientPort)), 'LADDR is 26 wide');
    assert.ok(!lines(run).some((l) => l.includes(` ${v4.port} `)), 'no IPv4');
  });
  await withTool(['tcplife', '--json'], async (run) => {
    const x = await tcpExchange('::1', EXCHANGE);
    const [o] = await objectsWhen(run, (o) => o.sport === x.clientPort);
    assert.deepEqual(Object.keys(o), [
      'time',
      'pid',
      'comm',
      'ip',
      'saddr',
      'sport',
      'daddr',
      'dport',
      'tx_bytes',
      'rx_bytes',
      'ms',
    ]);
    assert.deepEqual(
      { ...o, time: 0, ms: 0 },
      // The kernel counts the SYN and the FIN it sent as acknowledged bytes, and the FIN received.
      {
        time: 0,
        pid: x.pid,
        comm: TCP_COMM,
        ip: 6,
        saddr: '::1',
        sport: x.clientPort,
        daddr: '::1',
        dport: x.port,
        tx_bytes: 3002,
        rx_bytes: 1001,
        ms: 0,
      },
    );
    assert.ok((o.ms as number) >= 300);
  });
});

test('-p: only the given process', async () => {
  const keep = await tcpExchange('127.0.0.1');
  await withTool(['tcplife', '--json', '-p', String(keep.pid)], async (run) => {
    const x = await tcpExchange('127.0.0.1');
    await new Promise((r) => setTimeout(r, 300));
    assert.ok(!lines(run).some((l) => (JSON.parse(l) as { pid: number }).pid === x.pid));
  });
});

test('bad option values: one line, exit 64', async () => {
  const r = await runCli(['tcplife', '-p', '0']);
  assert.equal(r.code, 64);
  assert.equal(r.stderr.split('\n')[0], 'Invalid PID: 0');
});
