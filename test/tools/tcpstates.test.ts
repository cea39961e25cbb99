/**
 * `bpfkit tcpstates` on the real kernel: a child listens on loopback and connects to itself over
 * IPv4 and IPv6; the rows of its sockets carry its pid and comm, the addresses and ports, the state
 * transitions of both ends and the MS column, as a table (-T, -w) and --json; -4/-6 and -L/-D
 * filter. Needs root and `npm run build`.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runCli } from '../helpers/bpf.js';
import { fields, lines, linesWhen, objectsWhen, withTool } from './helpers.js';
import { freePort, TCP_COMM, tcpExchange } from './net.js';

const HEADER =
  'SKADDR           PID     COMM       LADDR           LPORT RADDR           RPORT OLDSTATE    -> NEWSTATE    MS';

/** Row cells: SKADDR PID COMM LADDR LPORT RADDR RPORT OLD -> NEW MS. */
const row = (l: string): string[] => fields(l, 11);

/** The transitions of the client socket and of the accepted one, in order. */
const CLIENT = [
  'CLOSE>SYN_SENT',
  'SYN_SENT>ESTABLISHED',
  'ESTABLISHED>FIN_WAIT1',
  'FIN_WAIT1>FIN_WAIT2',
  'FIN_WAIT2>CLOSE',
];
const SERVER = [
  'LISTEN>SYN_RECV',
  'SYN_RECV>ESTABLISHED',
  'ESTABLISHED>CLOSE_WAIT',
  'CLOSE_WAIT>LAST_ACK',
  'LAST_ACK>CLOSE',
];

test('table: IPv4 and IPv6 loopback connections, both ends, with pid, comm, ports and MS', async () => {
  await withTool(['tcpstates'], async (run) => {
    assert.equal(lines(run)[0], HEADER);
    for (const [host, any] of [
      ['127.0.0.1', '0.0.0.0'],
      ['::1', '::'],
    ]) {
      const x = await tcpExchange(host);
      const mine = (r: string[]): boolean => [r[4], r[6]].includes(String(x.port));
      await linesWhen(run, (l) => mine(row(l)) && row(l)[9] === 'CLOSE' && row(l)[7] === 'LISTEN');
      const rows = lines(run).slice(1).map(row).filter(mine);
      const listen = rows.find((r) => r[9] === 'LISTEN')!;
      assert.deepEqual(listen.slice(1, 10), [
        String(x.pid),
        TCP_COMM,
        host,
        String(x.port),
        any,
        '0',
        'CLOSE',
        '->',
        'LISTEN',
      ]);
      assert.equal(listen[10], '0.000');
      const syn = rows.find((r) => r[9] === 'SYN_SENT')!;
      assert.deepEqual(syn.slice(1, 7), [String(x.pid), TCP_COMM, host, '0', host, String(x.port)]);
      const client = rows.filter((r) => r[0] === syn[0]);
      assert.deepEqual(
        client.map((r) => `${r[7]}>${r[9]}`),
        CLIENT,
      );
      for (const r of client.slice(1))
        assert.deepEqual(r.slice(3, 7), [host, String(x.clientPort), host, String(x.port)]);
      const server = rows.filter(
        (r) => r[3] === host && r[4] === String(x.port) && r[6] === String(x.clientPort),
      );
      assert.deepEqual(
        server.map((r) => `${r[7]}>${r[9]}`),
        SERVER,
      );
      for (const r of rows) assert.match(r[10], /^\d+\.\d{3}$/);
      assert.ok(Number(client[1][10]) > 0, 'SYN_SENT lasted some time');
    }
  });
});

test('-T -w -6: time and IP columns, wide addresses, IPv6 only', async () => {
  await withTool(['tcpstates', '-T', '-w', '-6'], async (run) => {
    assert.equal(
      lines(run)[0],
      'TIME(s)  SKADDR           PID     COMM             IP LADDR                      LPORT RADDR                      RPORT OLDSTATE    -> NEWSTATE    MS',
    );
    const v4 = await tcpExchange('127.0.0.1');
    const v6 = await tcpExchange('::1');
    const [r] = await linesWhen(
      run,
      (l) => fields(l, 13)[6] === String(v6.port) && fields(l, 13)[11] === 'LISTEN',
    );
    const f = fields(r, 13);
    assert.match(f[0], /^\d\d:\d\d:\d\d$/);
    assert.deepEqual(f.slice(2, 6), [String(v6.pid), TCP_COMM, '6', '::1']);
    assert.equal(r.indexOf(' 6  ::1') + 4 + 27, r.indexOf(String(v6.port)), 'LADDR is 26 wide');
    assert.ok(!lines(run).some((l) => l.includes(`${v4.port}`) && l.includes('127.0.0.1')), 'no IPv4');
  });
});

test('--json: one object per change with the documented fields', async () => {
  await withTool(['tcpstates', '--json', '-4'], async (run) => {
    const x = await tcpExchange('127.0.0.1');
    const [o] = await objectsWhen(run, (o) => o.sport === x.port && o.newstate === 'LISTEN');
    assert.deepEqual(Object.keys(o), [
      'time',
      'skaddr',
      'pid',
      'comm',
      'ip',
      'saddr',
      'sport',
      'daddr',
      'dport',
      'oldstate',
      'newstate',
      'ms',
    ]);
    assert.deepEqual(
      { ...o, time: 0, skaddr: 0 },
      {
        time: 0,
        skaddr: 0,
        pid: x.pid,
        comm: TCP_COMM,
        ip: 4,
        saddr: '127.0.0.1',
        sport: x.port,
        daddr: '0.0.0.0',
        dport: 0,
        oldstate: 'CLOSE',
        newstate: 'LISTEN',
        ms: 0,
      },
    );
    assert.match(o.skaddr as string, /^[0-9a-f]{16}$/);
    const [fin] = await objectsWhen(run, (o) => o.sport === x.clientPort && o.newstate === 'FIN_WAIT1');
    assert.equal(fin.dport, x.port);
    assert.ok((fin.ms as number) > 0);
  });
});

test('-L and -D: only the local or remote ports given', async () => {
  for (const [flag, side] of [
    ['-L', 'server'],
    ['-D', 'client'],
  ]) {
    const port = await freePort();
    await withTool(['tcpstates', flag, `1,${port}`], async (run) => {
      const x = await tcpExchange('127.0.0.1', { port });
      await linesWhen(
        run,
        (l) => row(l)[9] === 'CLOSE' && row(l)[4] === String(side === 'server' ? port : x.clientPort),
      );
      await new Promise((r) => setTimeout(r, 200));
      const rows = lines(run).slice(1).map(row);
      const sports = new Set(rows.map((r) => r[4]));
      if (side === 'server') assert.deepEqual([...sports], [String(port)]);
      else assert.deepEqual([...sports], ['0', String(x.clientPort)]);
      assert.ok(rows.every((r) => r[1] === String(x.pid) || r[2] !== TCP_COMM));
    });
  }
});

test('bad port list: one line, exit 64', async () => {
  const r = await runCli(['tcpstates', '-L', '80,x']);
  assert.equal(r.code, 64);
  assert.equal(r.stderr.split('\n')[0], 'Invalid ports: 80,x');
});
