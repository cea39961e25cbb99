/**
 * The exporter's HTTP endpoint: `GET /metrics` (Prometheus text 0.0.4, or OpenMetrics 1.0 when the
 * Accept header asks for it, always with an explicit Content-Type) and `GET /healthz`. Binds
 * loopback unless told otherwise. No kernel.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { BpfkitError, UsageError } from '../errors/index.js';
import { CONTENT_TYPES, negotiate, type Format } from './exposition.js';

/** Where the exporter listens unless told otherwise (eunomia-exporter's address). */
export const DEFAULT_LISTEN = '127.0.0.1:8526';

/** The HTTP port could not be bound; `code` is the errno name (EADDRINUSE, EACCES, …). */
export class ListenError extends BpfkitError {
  constructor(
    readonly address: string,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/** What the server serves. */
export interface Endpoints {
  /** The exposition; undefined while the exporter is not ready (served as 503). */
  metrics(format: Format): Promise<string | undefined>;
  /** Status code and JSON body of /healthz. */
  health(): { status: number; body: string };
}

/** A listen address: `host:port`, `[v6]:port`, `:port` (every interface) or a bare port (loopback). */
export function parseListen(text: string): { host: string; port: number } {
  const m = /^(?:\[([^\]]+)\]|([^:[\]]*)):(\d+)$/.exec(text) ?? /^()()(\d+)$/.exec(text);
  const port = m ? Number(m[3]) : NaN;
  if (!m || !Number.isInteger(port) || port > 65535)
    throw new UsageError(
      `listen address '${text}' is not host:port (e.g. 127.0.0.1:8526, :8526, [::1]:8526)`,
    );
  const host = m[1] ?? m[2];
  const bare = /^\d+$/.test(text);
  return { host: bare ? '127.0.0.1' : host === '' ? '0.0.0.0' : host, port };
}

/** The URL of a bound address. */
export function urlOf(host: string, port: number): string {
  return `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
}

/** A listening server. */
export interface Listening {
  url: string;
  port: number;
  close(): Promise<void>;
}

/** Binds `address`; `origin` says where the address came from, for the error when it is taken. */
export function serve(address: string, origin: string, endpoints: Endpoints): Promise<Listening> {
  const { host, port } = parseListen(address);
  const server = createServer((req, res) => void handle(endpoints, req, res));
  server.keepAliveTimeout = 65_000;
  return new Promise((resolve, reject) => {
    server.once('error', (e: NodeJS.ErrnoException) => {
      const why =
        e.code === 'EADDRINUSE'
          ? 'address already in use'
          : e.code === 'EACCES'
            ? 'permission denied'
            : e.code === 'EADDRNOTAVAIL'
              ? 'no such local address'
              : (e.code ?? e.message);
      reject(
        new ListenError(address, e.code ?? 'unknown', `cannot listen on ${address} (${origin}): ${why}`),
      );
    });
    server.listen({ host, port, exclusive: true }, () => {
      const bound = (server.address() as AddressInfo).port;
      resolve({ url: urlOf(host, bound), port: bound, close: () => closeServer(server) });
    });
  });
}

function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve());
    // Keep-alive connections (Prometheus keeps one) would hold close() open.
    server.closeAllConnections();
  });
}

async function handle(endpoints: Endpoints, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const path = (req.url ?? '/').split('?')[0];
  if (req.method !== 'GET' && req.method !== 'HEAD')
    return reply(res, 405, 'text/plain', 'method not allowed\n', { allow: 'GET, HEAD' });
  try {
    if (path === '/metrics') {
      const format = negotiate(req.headers.accept);
      const body = await endpoints.metrics(format);
      if (body === undefined) return reply(res, 503, 'text/plain', 'not ready\n', { 'retry-after': '1' });
      return reply(res, 200, CONTENT_TYPES[format], body, {}, req.method === 'HEAD');
    }
    if (path === '/healthz') {
      const h = endpoints.health();
      return reply(res, h.status, 'application/json', `${h.body}\n`, {}, req.method === 'HEAD');
    }
    if (path === '/')
      return reply(res, 200, 'text/plain; charset=utf-8', 'bpfkit exporter: /metrics, /healthz\n');
    return reply(res, 404, 'text/plain', 'not found\n');
  } catch (e) {
    return reply(res, 500, 'text/plain', `${(e as Error).message}\n`);
  }
}

function reply(
  res: ServerResponse,
  status: number,
  type: string,
  body: string,
  headers: Record<string, string> = {},
  head = false,
): void {
  res.writeHead(status, { 'content-type': type, 'content-length': Buffer.byteLength(body), ...headers });
  res.end(head ? undefined : body);
}
