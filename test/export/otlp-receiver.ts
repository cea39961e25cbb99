/**
 * A loopback OTLP/HTTP metrics receiver for the tests: accepts POST /v1/metrics with the JSON
 * encoding the OpenTelemetry JS OTLP/HTTP exporter sends, keeps every request body, and answers 200.
 */
import { createServer, type Server } from 'node:http';

/** An OTLP JSON attribute. */
export interface OtlpAttribute {
  key: string;
  value: { stringValue?: string; intValue?: string | number; doubleValue?: number; boolValue?: boolean };
}

/** The parts of an OTLP JSON metrics request the tests read. */
export interface OtlpRequest {
  resourceMetrics: {
    resource: { attributes: OtlpAttribute[] };
    scopeMetrics: {
      scope: { name: string };
      metrics: OtlpMetric[];
    }[];
  }[];
}

/** One metric of a request. */
export interface OtlpMetric {
  name: string;
  sum?: { aggregationTemporality: number; isMonotonic: boolean; dataPoints: OtlpPoint[] };
  gauge?: { dataPoints: OtlpPoint[] };
  histogram?: { aggregationTemporality: number; dataPoints: OtlpHistogramPoint[] };
}

/** A number data point. */
export interface OtlpPoint {
  attributes: OtlpAttribute[];
  asDouble?: number;
  asInt?: string | number;
  startTimeUnixNano: string;
  timeUnixNano: string;
}

/** A histogram data point. */
export interface OtlpHistogramPoint {
  attributes: OtlpAttribute[];
  count: string | number;
  sum?: number;
  bucketCounts: (string | number)[];
  explicitBounds: number[];
}

/** Attributes as a plain object. */
export function attrs(list: OtlpAttribute[]): Record<string, string | number | boolean | undefined> {
  return Object.fromEntries(
    list.map((a) => [
      a.key,
      a.value.stringValue ?? a.value.doubleValue ?? a.value.boolValue ?? Number(a.value.intValue),
    ]),
  );
}

/** A running receiver. */
export interface Receiver {
  url: string;
  requests: OtlpRequest[];
  close(): Promise<void>;
}

/** Starts a receiver on a free loopback port. */
export function startReceiver(): Promise<Receiver> {
  const requests: OtlpRequest[] = [];
  const server: Server = createServer((req, res) => {
    let body = '';
    req.on('data', (d: Buffer) => (body += d.toString()));
    req.on('end', () => {
      if (
        req.method === 'POST' &&
        req.url === '/v1/metrics' &&
        /json/.test(req.headers['content-type'] ?? '')
      )
        requests.push(JSON.parse(body) as OtlpRequest);
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end('{}');
    });
  });
  return new Promise((resolve) => {
    server.listen(0, '127.0.0.1', () => {
      const port = (server.address() as { port: number }).port;
      resolve({
        url: `http://127.0.0.1:${port}`,
        requests,
        close: () =>
          new Promise((r) => {
            server.close(() => r());
            server.closeAllConnections();
          }),
      });
    });
  });
}
