// The reference floor: a minimal node:http + keep-alive pass-through proxy, in its own process:
//   node --import tsx bench/bare-proxy.ts --upstream http://127.0.0.1:PORT [--port 0]
// It reads the body once, JSON-parses it for the model (as an AI gateway must, DESIGN.md §4), and
// forwards through an undici Pool, streaming the response back. No routing, metrics or error mapping.
// Prints {"ready":true,"port":N} on stdout once listening on 127.0.0.1.
import { createServer } from 'node:http';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { parseArgs } from 'node:util';
import { Pool } from 'undici';
import type { Dispatcher } from 'undici';

const { values } = parseArgs({ options: { port: { type: 'string', default: '0' }, upstream: { type: 'string' } } });
if (!values.upstream) throw new Error('--upstream URL is required');
// No cap on upstream connections (like http.Agent's default): every client stream gets its own.
const pool = new Pool(values.upstream, { connections: null, pipelining: 1, keepAliveTimeout: 30_000, headersTimeout: 0, bodyTimeout: 0 });

const HOP_REQUEST = new Set(['connection', 'keep-alive', 'proxy-connection', 'transfer-encoding', 'te', 'trailer', 'upgrade', 'host', 'content-length']);
const HOP_RESPONSE = new Set(['connection', 'keep-alive', 'proxy-connection', 'transfer-encoding', 'te', 'trailer', 'upgrade']);

function fail(res: ServerResponse, status: number, message: string): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  const text = JSON.stringify({ error: { message, type: 'bare_proxy', param: null, code: null } });
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

function handle(req: IncomingMessage, res: ServerResponse): void {
  const chunks: Buffer[] = [];
  req.on('data', (c: Buffer) => chunks.push(c));
  req.on('end', () => {
    const body = chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks);
    const headers: Record<string, string | string[]> = {};
    for (const name in req.headers) {
      const v = req.headers[name];
      if (v !== undefined && !HOP_REQUEST.has(name)) headers[name] = v;
    }
    if (body.length > 0) {
      let model: unknown;
      try {
        model = (JSON.parse(body.toString('utf8')) as { model?: unknown }).model;
      } catch {
        fail(res, 400, 'invalid JSON');
        return;
      }
      if (typeof model === 'string') headers['x-ai-eg-model'] = model;
    }
    headers['content-length'] = String(body.length);
    pool.request({ path: req.url ?? '/', method: (req.method ?? 'GET') as Dispatcher.HttpMethod, headers, body }).then(
      (up) => {
        const out: Record<string, string | string[]> = {};
        for (const name in up.headers) {
          const v = up.headers[name];
          if (v !== undefined && !HOP_RESPONSE.has(name)) out[name] = v;
        }
        // No flushHeaders(): the head leaves with the first body chunk (one write for a JSON answer).
        res.writeHead(up.statusCode, out);
        up.body.on('error', () => res.destroy());
        up.body.pipe(res);
      },
      (err: unknown) => fail(res, 502, (err as Error).message),
    );
  });
}

const server = createServer({ keepAliveTimeout: 120_000, requestTimeout: 0, headersTimeout: 60_000 }, handle);
server.listen(Number(values.port), '127.0.0.1', () => {
  process.stdout.write(JSON.stringify({ ready: true, port: (server.address() as AddressInfo).port }) + '\n');
});
const stop = () => {
  server.close();
  server.closeAllConnections();
  void pool.destroy();
  process.exit(0);
};
process.once('SIGTERM', stop);
process.once('SIGINT', stop);
