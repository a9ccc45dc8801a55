// A stand-in for an OpenTelemetry Collector's OTLP/HTTP receiver that is as cheap as it can be, for
// benchmarks: POST /v1/traces (JSON, gzip or identity) is answered 200 `{}` and its spans are counted
// by scanning for `"spanId"` keys, without parsing, so that the receiver (which shares the machine
// with the gateway) takes as little CPU as possible from what is measured. test/support/otlp-receiver.ts
// is the one that decodes spans, for assertions.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { gunzipSync } from 'node:zlib';

export interface OtlpSink {
  /** `http://127.0.0.1:PORT` (what OTEL_EXPORTER_OTLP_ENDPOINT would be). */
  readonly url: string;
  /** Spans received so far. */
  readonly spans: number;
  /** Export requests received so far. */
  readonly exports: number;
  /** Export requests refused (not POST /v1/traces, not JSON). */
  readonly refused: number;
  /** Resolves once no span arrived for `quietMs` (or `timeoutMs` passed); returns the count. */
  settle(quietMs: number, timeoutMs: number): Promise<number>;
  close(): Promise<void>;
}

const KEY = Buffer.from('"spanId"');

function countSpans(body: Buffer): number {
  let n = 0;
  for (let i = body.indexOf(KEY); i !== -1; i = body.indexOf(KEY, i + KEY.length)) n++;
  return n;
}

export async function startOtlpSink(): Promise<OtlpSink> {
  let spans = 0;
  let exports = 0;
  let refused = 0;
  let lastArrival = performance.now();
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const json = String(req.headers['content-type'] ?? '').includes('json');
      if (req.method !== 'POST' || (req.url ?? '').split('?')[0] !== '/v1/traces' || !json) {
        refused++;
        res.writeHead(json ? 404 : 415, { 'content-type': 'text/plain' }).end('POST /v1/traces with OTLP/HTTP JSON only\n');
        return;
      }
      let body = Buffer.concat(chunks);
      if (req.headers['content-encoding'] === 'gzip') body = gunzipSync(body);
      exports++;
      spans += countSpans(body);
      lastArrival = performance.now();
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  server.keepAliveTimeout = 30_000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    get spans() {
      return spans;
    },
    get exports() {
      return exports;
    },
    get refused() {
      return refused;
    },
    async settle(quietMs, timeoutMs) {
      const deadline = performance.now() + timeoutMs;
      lastArrival = Math.max(lastArrival, performance.now());
      while (performance.now() < deadline && performance.now() - lastArrival < quietMs) await new Promise((r) => setTimeout(r, 100));
      return spans;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
