// A fast OpenAI-compatible responder for benchmarks, run in its own process:
//   node --import tsx bench/upstream.ts [--port 0] [--chunks 20] [--chunk-delay-ms 0] [--paced-delay-ms 10]
// POST …/chat/completions answers a chat.completion with usage, or with "stream": true an SSE stream
// (a role chunk, --chunks content chunks, a finish chunk, a usage chunk, then `data: [DONE]`). With a
// chunk delay of 0 the next chunk is written on setImmediate, so chunks leave as separate writes.
// A model whose name ends in "-paced" streams with --paced-delay-ms between chunks instead, like a
// model server producing tokens: the gateways forward the model name unchanged, so it selects pacing.
// Prints {"ready":true,"port":N} on stdout once listening on 127.0.0.1.
import { createServer } from 'node:http';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { parseArgs } from 'node:util';

const { values } = parseArgs({
  options: {
    port: { type: 'string', default: '0' },
    chunks: { type: 'string', default: '20' },
    'chunk-delay-ms': { type: 'string', default: '0' },
    'paced-delay-ms': { type: 'string', default: '10' },
  },
});
const PORT = Number(values.port);
const CHUNKS = Math.max(1, Number(values.chunks));
const DELAY_MS = Math.max(0, Number(values['chunk-delay-ms']));
const PACED_DELAY_MS = Math.max(0, Number(values['paced-delay-ms']));
const CREATED = Math.floor(Date.now() / 1000);
const PROMPT_TOKENS = 12;

interface Canned {
  readonly json: Buffer;
  readonly events: readonly Buffer[];
}
const canned = new Map<string, Canned>();
/** Streams open now and the most open at once since the last reset (GET /stats, POST /stats/reset). */
let openStreams = 0;
let maxOpenStreams = 0;

function cannedFor(model: string): Canned {
  let c = canned.get(model);
  if (c) return c;
  const id = 'chatcmpl-bench';
  const words = Array.from({ length: CHUNKS }, (_, i) => `token${i} `);
  const json = Buffer.from(
    JSON.stringify({
      id,
      object: 'chat.completion',
      created: CREATED,
      model,
      choices: [{ index: 0, message: { role: 'assistant', content: words.join('') }, logprobs: null, finish_reason: 'stop' }],
      usage: { prompt_tokens: PROMPT_TOKENS, completion_tokens: CHUNKS, total_tokens: PROMPT_TOKENS + CHUNKS },
    }),
  );
  const chunk = (choices: unknown[], usage: unknown = null) => Buffer.from(`data: ${JSON.stringify({ id, object: 'chat.completion.chunk', created: CREATED, model, choices, usage })}\n\n`);
  const events = [
    chunk([{ index: 0, delta: { role: 'assistant', content: '' }, logprobs: null, finish_reason: null }]),
    ...words.map((w) => chunk([{ index: 0, delta: { content: w }, logprobs: null, finish_reason: null }])),
    chunk([{ index: 0, delta: {}, logprobs: null, finish_reason: 'stop' }]),
    chunk([], { prompt_tokens: PROMPT_TOKENS, completion_tokens: CHUNKS, total_tokens: PROMPT_TOKENS + CHUNKS }),
    Buffer.from('data: [DONE]\n\n'),
  ];
  c = { json, events };
  if (canned.size < 64) canned.set(model, c);
  return c;
}

function sendJSON(res: ServerResponse, status: number, body: Buffer | string): void {
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
  res.end(body);
}

function stream(res: ServerResponse, events: readonly Buffer[], delayMs: number): void {
  res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
  let i = 0;
  let closed = false;
  openStreams++;
  if (openStreams > maxOpenStreams) maxOpenStreams = openStreams;
  res.once('close', () => {
    closed = true;
    openStreams--;
  });
  const next = () => {
    if (closed) return;
    const ev = events[i++]!;
    if (i === events.length) {
      res.end(ev);
      return;
    }
    res.write(ev);
    if (delayMs > 0) setTimeout(next, delayMs);
    else setImmediate(next);
  };
  next();
}

function handle(req: IncomingMessage, res: ServerResponse): void {
  const url = req.url ?? '/';
  if (req.method === 'GET' && (url === '/healthz' || url === '/health')) {
    sendJSON(res, 200, '{"status":"ok"}');
    return;
  }
  if (url === '/stats' || url === '/stats/reset') {
    req.resume();
    if (req.method === 'POST' && url === '/stats/reset') maxOpenStreams = openStreams;
    sendJSON(res, 200, JSON.stringify({ openStreams, maxOpenStreams }));
    return;
  }
  if (req.method !== 'POST' || !url.endsWith('/chat/completions')) {
    req.resume();
    sendJSON(res, 404, JSON.stringify({ error: { message: `no route for ${req.method} ${url}`, type: 'invalid_request_error', param: null, code: 'not_found' } }));
    return;
  }
  const chunks: Buffer[] = [];
  req.on('data', (c: Buffer) => chunks.push(c));
  req.on('end', () => {
    let body: { model?: unknown; stream?: unknown };
    try {
      body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { model?: unknown; stream?: unknown };
    } catch {
      sendJSON(res, 400, '{"error":{"message":"invalid JSON","type":"invalid_request_error","param":null,"code":"invalid_json"}}');
      return;
    }
    const model = typeof body.model === 'string' ? body.model : 'bench-model';
    const c = cannedFor(model);
    if (body.stream === true) stream(res, c.events, model.endsWith('-paced') ? PACED_DELAY_MS : DELAY_MS);
    else sendJSON(res, 200, c.json);
  });
}

const server = createServer({ keepAliveTimeout: 120_000, requestTimeout: 0, headersTimeout: 60_000 }, handle);
server.listen(PORT, '127.0.0.1', () => {
  process.stdout.write(JSON.stringify({ ready: true, port: (server.address() as AddressInfo).port }) + '\n');
});
const stop = () => {
  server.close();
  server.closeAllConnections();
  process.exit(0);
};
process.once('SIGTERM', stop);
process.once('SIGINT', stop);
