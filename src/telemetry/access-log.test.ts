// The access log on a started gateway (the quickstart: simulated vLLM pool and canned upstream) with
// the official openai client: one JSON line per request with the upstream AI fields and Sluice's, never
// a credential or the query string; file destinations through pino's asynchronous destination; and the
// record of a hand-built context for what the quickstart cannot show (identity, retries).
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import OpenAI from 'openai';
import { request } from 'undici';
import { Gateway } from '../gateway.ts';
import type { RequestContext } from '../runtime/context.ts';
import { events } from '../runtime/events.ts';
import { emptyUsage } from '../runtime/usage.ts';
import { GatewayError } from '../errors.ts';
import { quickstart } from '../../test/support/paths.ts';
import { accessLogRecord, attachAccessLog } from './access-log.ts';
import type { AccessLog } from './access-log.ts';

const MODEL = 'meta-llama/Llama-3.1-8B-Instruct';
const SECRET = 'sk-access-log-secret';

function nextEnd(owner: object): Promise<RequestContext> {
  return new Promise((resolve) => {
    const unsubscribe = events.end.subscribe((ctx) => {
      if (ctx.owner !== owner) return;
      unsubscribe();
      resolve(ctx);
    });
  });
}

/** A writable stream that keeps the lines written to it. */
function lineSink(): { stream: Writable; lines: string[] } {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, done) {
      for (const line of chunk.toString('utf8').split('\n')) if (line !== '') lines.push(line);
      done();
    },
  });
  return { stream, lines };
}

describe('access log on a started gateway', () => {
  let gw: Gateway;
  let base: string;
  let client: OpenAI;
  let log: AccessLog;
  const sink = lineSink();

  before(async () => {
    gw = await Gateway.start({ files: [quickstart], port: 0, adminPort: false, watch: false, log: () => undefined, simulatorDefaults: { timeToFirstTokenMs: 1, interTokenLatencyMs: 1 } });
    base = `http://127.0.0.1:${gw.listenerPort(0) ?? gw.listenerPort(8080)}`;
    client = new OpenAI({ baseURL: `${base}/v1`, apiKey: SECRET, maxRetries: 0, timeout: 10_000 });
    log = attachAccessLog(gw, { destination: sink.stream });
  });
  after(async () => {
    await log?.close();
    await gw?.close();
  });

  /** The line of the next request `fn` makes. */
  async function lineOf(fn: () => Promise<unknown>): Promise<{ ctx: RequestContext; line: string; record: Record<string, unknown> }> {
    const ended = nextEnd(gw);
    await fn().catch(() => undefined);
    const ctx = await ended;
    const line = sink.lines.find((l) => l.includes(`"request_id":"${ctx.id}"`));
    assert.ok(line !== undefined, `a line for request ${ctx.id}`);
    return { ctx, line, record: JSON.parse(line) as Record<string, unknown> };
  }

  it('a non-streamed chat on the pool: request, routing, pick, usage and session fields; no secrets', async () => {
    let reply: OpenAI.ChatCompletion | undefined;
    const { ctx, line, record } = await lineOf(async () => {
      reply = await client.chat.completions.create({ model: MODEL, messages: [{ role: 'user', content: 'private words' }], max_tokens: 4 }, { headers: { 'agent-session-id': 'sess-42' }, query: { key: 'query-secret' } });
    });
    assert.equal(record['log'], 'access');
    assert.equal(record['method'], 'POST');
    assert.equal(record['path'], '/v1/chat/completions');
    assert.equal(record['protocol'], 'HTTP/1.1');
    assert.equal(record['response_code'], 200);
    assert.ok((record['duration_ms'] as number) > 0, 'a positive duration');
    assert.ok((record['bytes_sent'] as number) > 0, 'bytes sent');
    assert.equal(record['route'], 'default/quickstart');
    assert.equal(record['backend'], 'InferencePool default/llama');
    assert.equal(record['endpoint'], ctx.endpoint!.podName);
    assert.equal(record['attempts'], 1);
    assert.equal(record['retries'], 0);
    assert.equal(record['upstream_status'], 200);
    assert.equal(record['verdict'], 'FORWARDED');
    const pick = record['pick'] as Record<string, unknown>;
    assert.equal(pick['pool'], ctx.decision!.pool);
    assert.equal(pick['endpoint'], ctx.endpoint!.podName);
    assert.equal(typeof pick['score'], 'number');
    assert.equal(record['gen_ai.operation.name'], 'chat');
    assert.equal(record['gen_ai.provider.name'], 'openai');
    assert.equal(record['gen_ai.request.model'], MODEL);
    assert.equal(record['gen_ai.request.model_override'], MODEL);
    assert.equal(record['gen_ai.response.model'], reply!.model);
    assert.equal(record['gen_ai.usage.input_tokens'], reply!.usage!.prompt_tokens);
    assert.equal(record['gen_ai.usage.output_tokens'], reply!.usage!.completion_tokens);
    assert.equal(record['gen_ai.usage.total_tokens'], reply!.usage!.total_tokens);
    assert.equal(record['stream'], false);
    assert.equal(record['ttft_ms'], undefined);
    assert.equal(record['session.id'], 'sess-42');
    assert.ok(!line.includes(SECRET), 'never the client credential');
    assert.ok(!line.includes('query-secret'), 'never the query string');
    assert.ok(!line.includes('private words'), 'never the body');
  });

  it('a streamed chat: time to first token and per output token', async () => {
    const { record } = await lineOf(async () => {
      const stream = await client.chat.completions.create({ model: MODEL, messages: [{ role: 'user', content: 'stream' }], max_tokens: 5, stream: true, ignore_eos: true } as OpenAI.ChatCompletionCreateParamsStreaming);
      for await (const chunk of stream) void chunk;
    });
    assert.equal(record['stream'], true);
    assert.ok((record['ttft_ms'] as number) > 0, 'TTFT');
    assert.ok((record['tpot_ms'] as number) > 0, 'TPOT');
    assert.ok((record['ttft_ms'] as number) < (record['duration_ms'] as number), 'the first token comes before the end');
  });

  it('a refused request: verdict, drop reason and error code, no attempt', async () => {
    const { record } = await lineOf(() => client.chat.completions.create({ model: 'no-such-model', messages: [{ role: 'user', content: 'x' }] }));
    assert.equal(record['response_code'], 404);
    assert.equal(record['verdict'], 'DROPPED');
    assert.equal(record['drop_reason'], 'model-not-found');
    assert.equal(record['error'], 'model_not_found');
    assert.equal(record['attempts'], 0);
    assert.equal(record['backend'], undefined);
    assert.equal(record['route'], '');
  });

  it('plain requests are logged too, without GenAI fields', async () => {
    const { record } = await lineOf(() => request(`${base}/nothing-here`).then((r) => r.body.dump()));
    assert.equal(record['response_code'], 404);
    assert.equal(record['gen_ai.operation.name'], undefined);
  });

  it('other gateways’ requests are not in this log', async () => {
    const other = lineSink();
    const foreign = attachAccessLog({}, { destination: other.stream });
    try {
      const ended = nextEnd(gw);
      await client.models.list();
      await ended;
      assert.equal(other.lines.length, 0);
    } finally {
      await foreign.close();
    }
  });

  it('writes to a file through the asynchronous destination, flushed on close', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sluice-access-'));
    const path = join(dir, 'nested', 'access.log');
    const fileLog = attachAccessLog(gw, { destination: path });
    try {
      for (let i = 0; i < 2; i++) {
        const ended = nextEnd(gw);
        await client.chat.completions.create({ model: 'canned-test-model', messages: [{ role: 'user', content: 'x' }] });
        await ended;
      }
      await fileLog.close();
      const lines = readFileSync(path, 'utf8').trim().split('\n');
      assert.equal(lines.length, 2);
      for (const l of lines) {
        const r = JSON.parse(l) as Record<string, unknown>;
        assert.equal(r['gen_ai.request.model'], 'canned-test-model');
        assert.match(String(r['backend']), /default\/canned$/);
      }
    } finally {
      await fileLog.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('access log destinations', () => {
  it('a destination that cannot be opened is reported once and the log stops', async () => {
    // A regular file where the log's directory should be: the directory cannot be created.
    const dir = mkdtempSync(join(tmpdir(), 'sluice-access-'));
    writeFileSync(join(dir, 'not-a-dir'), 'x');
    const path = join(dir, 'not-a-dir', 'access.log');
    let report!: (line: string) => void;
    const reported = new Promise<string>((resolve) => (report = resolve));
    const lines: string[] = [];
    const log = attachAccessLog({}, { destination: path, log: (l) => (lines.push(l), report(l)) });
    try {
      assert.ok((await reported).startsWith(`access log: writing to ${path} failed, the access log stops: `), 'the failure is reported');
      await log.flush();
      assert.equal(lines.length, 1);
    } finally {
      await log.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('accessLogRecord', () => {
  it('identity, retries, override and error of a hand-built context', () => {
    const attempts = [
      { n: 1, backend: 'AIServiceBackend default/a', endpoint: '10.0.0.1:8000', startedAt: 0, headersAt: 1, endedAt: 2, status: 503, error: undefined, retried: true, retryOn: undefined, retryStatus: 503, traceparent: undefined },
      { n: 2, backend: 'AIServiceBackend default/b', endpoint: 'https://api.example.com:443', startedAt: 3, headersAt: 4, endedAt: 9, status: 200, error: 'upstream_error', retried: false, retryOn: undefined, retryStatus: 0, traceparent: undefined },
    ];
    const ctx = {
      id: 'req-1',
      startedAtWall: Date.UTC(2025, 0, 2, 3, 4, 5),
      startedAt: 100,
      endedAt: 350.5,
      firstByteAt: 150,
      method: 'POST',
      path: '/v1/chat/completions',
      host: 'gw.example',
      status: 200,
      bytesOut: 10,
      clientAddress: '127.0.0.1',
      req: { httpVersion: '2.0', headers: { authorization: `Bearer ${SECRET}`, 'user-agent': 'test/1' } },
      route: 'team-a/chat',
      rule: { routeKey: 'team-a/chat' },
      clientSchema: 'OpenAI',
      operation: 'chat',
      principal: { kind: 'virtual-key', id: 'alice-key', team: 'team-a' },
      priority: -1,
      objective: 'batch',
      backend: { target: { kind: 'endpoints', id: 'AIServiceBackend default/b', schema: { name: 'AWSBedrock', prefix: '' } } },
      originalModel: 'claude',
      requestModel: 'anthropic.claude-3',
      responseModel: 'anthropic.claude-3',
      stream: true,
      usage: { ...emptyUsage(), inputTokens: 10, outputTokens: 6, totalTokens: 16, reasoningTokens: 2 },
      attempts,
      decision: undefined,
      endpoint: undefined,
      error: new GatewayError('upstream_error', 'AIServiceBackend default/b failed mid-response: ECONNRESET'),
      verdict: 'ERROR',
    } as unknown as RequestContext;
    const r = accessLogRecord(ctx);
    assert.equal(r['start_time'], '2025-01-02T03:04:05.000Z');
    assert.equal(r['protocol'], 'HTTP/2.0');
    assert.equal(r['duration_ms'], 250.5);
    assert.equal(r['principal'], 'alice-key');
    assert.equal(r['principal_kind'], 'virtual-key');
    assert.equal(r['team'], 'team-a');
    assert.equal(r['priority'], -1);
    assert.equal(r['objective'], 'batch');
    assert.equal(r['attempts'], 2);
    assert.equal(r['retries'], 1);
    assert.equal(r['backend'], 'AIServiceBackend default/b');
    assert.equal(r['endpoint'], 'api.example.com:443');
    assert.equal(r['verdict'], 'ERROR');
    assert.equal(r['error'], 'upstream_error');
    assert.equal(r['drop_reason'], undefined);
    assert.equal(r['gen_ai.provider.name'], 'aws.bedrock');
    assert.equal(r['gen_ai.request.model'], 'claude');
    assert.equal(r['gen_ai.request.model_override'], 'anthropic.claude-3');
    assert.equal(r['gen_ai.usage.reasoning_tokens'], 2);
    assert.equal(r['ttft_ms'], 50);
    assert.equal(r['tpot_ms'], undefined, 'a failed stream has no TPOT');
    assert.equal(r['user_agent'], 'test/1');
    assert.ok(!JSON.stringify(r).includes(SECRET), 'never the Authorization header');
  });
});
