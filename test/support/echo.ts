// An echo backend for tests, shaped like the Gateway API conformance echo server's answer: it reports
// the request it received (path with query, host, method, headers) and its pod name.
import { createServer } from 'node:http';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface EchoAnswer {
  path: string;
  host: string;
  method: string;
  headers: Record<string, string | string[] | undefined>;
  pod: string;
}

export interface EchoServer {
  readonly server: Server;
  readonly port: number;
  /** Every request received, in order. */
  readonly received: EchoAnswer[];
  close(): Promise<void>;
}

/** `status(n)` gives the status of the n-th request (1-based); default 200. */
export async function startEcho(pod: string, options: { status?: (n: number) => number } = {}): Promise<EchoServer> {
  const received: EchoAnswer[] = [];
  const server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      const answer: EchoAnswer = { path: req.url ?? '', host: req.headers.host ?? '', method: req.method ?? '', headers: req.headers, pod };
      received.push(answer);
      const text = JSON.stringify(answer);
      res.writeHead(options.status?.(received.length) ?? 200, { 'content-type': 'application/json', 'x-echo-pod': pod, 'x-upstream-header': 'from-echo' });
      res.end(text);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  return {
    server,
    port: (server.address() as AddressInfo).port,
    received,
    close: () =>
      new Promise<void>((r) => {
        server.close(() => r());
        server.closeAllConnections();
      }),
  };
}
