/**
 * Triggers of the TCP tools' tests: a child process (comm `bpfkit-tcp`) that listens on a loopback
 * address, connects to itself, sends a known number of bytes each way and closes both ends.
 */
import { spawn } from 'node:child_process';
import { createServer, type AddressInfo } from 'node:net';

/** The comm of the child (set through process.title, which Linux node applies with prctl). */
export const TCP_COMM = 'bpfkit-tcp';

/** What one exchange was: the child's pid, the listening port and the client's port. */
export interface Exchange {
  pid: number;
  port: number;
  clientPort: number;
}

const SCRIPT = `
process.title = ${JSON.stringify(TCP_COMM)};
const net = require('net');
const [host, send, reply, hold, port] = process.argv.slice(1);
const srv = net.createServer((s) => {
  s.on('data', () => {});
  s.on('end', () => s.end(Buffer.alloc(Number(reply))));
});
srv.listen(Number(port), host, () => {
  const c = net.connect(srv.address().port, host, () => {
    console.log(JSON.stringify({ pid: process.pid, port: srv.address().port, clientPort: c.localPort }));
    setTimeout(() => c.end(Buffer.alloc(Number(send))), Number(hold));
  });
  c.on('data', () => {});
  c.on('close', () => setTimeout(() => srv.close(), 50));
});
`;

/**
 * Runs one exchange on `host` (127.0.0.1 or ::1), listening on `port` (0: any): the client sends
 * `send` bytes `holdMs` after connecting, the server answers `reply` bytes once the client has
 * closed its side. Resolves when the child has exited.
 */
export async function tcpExchange(
  host: string,
  { send = 3000, reply = 1000, holdMs = 0, port = 0 } = {},
): Promise<Exchange> {
  const args = [host, send, reply, holdMs, port].map(String);
  const c = spawn(process.execPath, ['-e', SCRIPT, ...args], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let out = '';
  c.stdout.on('data', (d: Buffer) => (out += d.toString()));
  const code = await new Promise<number | null>((res) => c.on('close', res));
  if (code !== 0) throw new Error(`tcp exchange on ${host} exited ${code}`);
  return JSON.parse(out) as Exchange;
}

/** A local TCP port free at the time of the call. */
export async function freePort(): Promise<number> {
  const srv = createServer();
  await new Promise<void>((res) => srv.listen(0, '127.0.0.1', res));
  const { port } = srv.address() as AddressInfo;
  await new Promise((res) => srv.close(res));
  return port;
}
