// End to end: examples/providers served by a Gateway started from its manifests (simulated vLLM pool,
// Bedrock, Anthropic and Azure OpenAI, each checking its provider's credential), driven by the official
// clients — openai, @anthropic-ai/sdk, @google/genai — on every client front. Usage numbers the clients
// get are compared with what the simulator behind the route counted (its vllm:* counters), mapped as
// Envoy AI Gateway maps them (prompt tokens include cached ones). Loopback only; no timing asserted.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, request as httpRequest } from 'node:http';
import type { IncomingHttpHeaders, Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import OpenAI, { AzureOpenAI } from 'openai';
import Anthropic from '@anthropic-ai/sdk';
import { GoogleGenAI } from '@google/genai';
import { Gateway } from '../../src/gateway.ts';
import { allProblems, dryCompile, loadConfig } from '../../src/controlplane/pipeline.ts';
import { formatProblem } from '../../src/config/problems.ts';
import { repoRoot } from '../support/paths.ts';

const EXAMPLE = join(repoRoot, 'examples', 'providers');

/** The keys the example's manifests read from the environment (`${VAR}`); the simulators check them. */
const KEYS = {
  VLLM_API_KEY: 'vllm-e2e-key',
  ANTHROPIC_API_KEY: 'sk-ant-e2e-provider-key',
  AWS_ACCESS_KEY_ID: 'AKIAE2EEXAMPLE',
  AWS_SECRET_ACCESS_KEY: 'e2e/secret/access/key',
  AZURE_OPENAI_API_KEY: 'azure-e2e-key',
} as const;

/** What clients send as their own key: never a provider's. */
const CLIENT_KEY = 'sk-client-e2e-not-a-provider-key';

const POOL_MODEL = 'llama-3.1-8b';
const BEDROCK_MODEL = 'anthropic.claude-3-5-haiku-20241022-v1:0';
const CLAUDE_MODEL = 'claude-3-5-haiku-20241022';
const AZURE_MODEL = 'gpt-4o-mini';
const AZURE_VERSION = '2024-10-21';

/** A prompt long enough (> 2 KV blocks of 16 tokens) that a repeat finds cached blocks. */
const LONG_PROMPT = 'The gateway forwards every request to the provider that serves its model, translating on the way. '.repeat(3);

const WEATHER_TOOL = {
  type: 'function' as const,
  function: {
    name: 'get_weather',
    description: 'Current weather for a city',
    parameters: { type: 'object', properties: { city: { type: 'string' }, unit: { type: 'string', enum: ['celsius', 'fahrenheit'] } }, required: ['city', 'unit'] },
  },
};

// ---------------------------------------------------------------------------------------------
// Simulator bookkeeping: their URLs come from the gateway's log, their counters from /metrics.

/** Deployment name → simulator URLs, from "started simulator pod NS/NAME-HASH-I (model) on URL". */
function simulatorUrls(lines: readonly string[]): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const line of lines) {
    const m = /^started simulator pod [^/]+\/(.+)-[0-9a-f]+-\d+ \(.*\) on (http:\/\/\S+)$/.exec(line);
    if (!m) continue;
    out.set(m[1]!, [...(out.get(m[1]!) ?? []), m[2]!]);
  }
  return out;
}

/** Sum of every series of `name` in Prometheus text. */
function metricSum(text: string, name: string): number {
  let sum = 0;
  for (const line of text.split('\n')) if (line.startsWith(name + '{') || line.startsWith(name + ' ')) sum += Number(line.slice(line.lastIndexOf(' ') + 1));
  return sum;
}

interface Counted {
  /** Prompt tokens of started sequences (cached ones included). */
  readonly prompt: number;
  readonly cached: number;
  readonly generated: number;
  readonly finished: number;
}

async function counted(urls: readonly string[]): Promise<Counted> {
  const texts = await Promise.all(urls.map(async (u) => (await fetch(`${u}/metrics`)).text()));
  const sum = (name: string) => texts.reduce((s, t) => s + metricSum(t, name), 0);
  return { prompt: sum('vllm:prompt_tokens_total'), cached: sum('vllm:prefix_cache_hits_total'), generated: sum('vllm:generation_tokens_total'), finished: sum('vllm:request_success_total') };
}

/** What the simulators behind `urls` counted while `fn` ran. */
async function countedDuring<T>(urls: readonly string[], fn: () => Promise<T>): Promise<{ result: T; counted: Counted }> {
  const a = await counted(urls);
  const result = await fn();
  const b = await counted(urls);
  return { result, counted: { prompt: b.prompt - a.prompt, cached: b.cached - a.cached, generated: b.generated - a.generated, finished: b.finished - a.finished } };
}

// ---------------------------------------------------------------------------------------------
// A recording proxy: what an upstream received (method, path, headers, body), forwarded as is.

interface Received {
  readonly method: string;
  readonly url: string;
  readonly headers: IncomingHttpHeaders;
  readonly body: string;
}

interface Recorder {
  readonly port: number;
  readonly seen: Received[];
  target: string;
  close(): Promise<void>;
}

async function startRecorder(): Promise<Recorder> {
  const seen: Received[] = [];
  const rec: { target: string } = { target: '' };
  const server: Server = createServer((req, res) => {
    const parts: Buffer[] = [];
    req.on('data', (c: Buffer) => parts.push(c));
    req.on('end', () => {
      const body = Buffer.concat(parts);
      seen.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body: body.toString('utf8') });
      const target = new URL(rec.target);
      const out = httpRequest({ host: target.hostname, port: target.port, method: req.method, path: req.url, headers: { ...req.headers, host: target.host } }, (up) => {
        res.writeHead(up.statusCode ?? 502, up.headers);
        up.pipe(res);
      });
      out.on('error', () => res.destroy());
      out.end(body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    seen,
    get target() {
      return rec.target;
    },
    set target(v: string) {
      rec.target = v;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** A second route to the example's Azure deployment through a recording proxy (same credential policy type). */
function recordedAzureYaml(port: number): string {
  return `apiVersion: gateway.envoyproxy.io/v1alpha1
kind: Backend
metadata: {name: azure-recorded, namespace: default}
spec:
  endpoints: [{ip: {address: 127.0.0.1, port: ${port}}}]
---
apiVersion: aigateway.envoyproxy.io/v1beta1
kind: AIServiceBackend
metadata: {name: azure-recorded, namespace: default}
spec:
  schema: {name: AzureOpenAI, version: "${AZURE_VERSION}"}
  backendRef: {name: azure-recorded, kind: Backend, group: gateway.envoyproxy.io}
---
apiVersion: aigateway.envoyproxy.io/v1beta1
kind: BackendSecurityPolicy
metadata: {name: azure-recorded, namespace: default}
spec:
  targetRefs: [{group: aigateway.envoyproxy.io, kind: AIServiceBackend, name: azure-recorded}]
  type: AzureAPIKey
  azureAPIKey: {secretRef: {name: azure-openai-api-key}}
---
apiVersion: aigateway.envoyproxy.io/v1beta1
kind: AIGatewayRoute
metadata: {name: azure-recorded, namespace: default}
spec:
  parentRefs: [{name: providers}]
  rules:
    - matches: [{headers: [{type: Exact, name: x-ai-eg-model, value: azure-recorded}]}]
      backendRefs: [{name: azure-recorded, modelNameOverride: ${AZURE_MODEL}}]
`;
}

// ---------------------------------------------------------------------------------------------

describe('examples/providers end to end with the official clients', () => {
  let gw: Gateway;
  let base: string;
  let sims: Map<string, string[]>;
  let azureRecorder: Recorder;
  let extraDir: string;
  const saved = new Map<string, string | undefined>();
  const sim = (deployment: string): string[] => {
    const urls = sims.get(deployment);
    assert.ok(urls && urls.length > 0, `no simulator pod of Deployment ${deployment} started`);
    return urls;
  };
  const openai = () => new OpenAI({ baseURL: `${base}/v1`, apiKey: CLIENT_KEY, maxRetries: 0 });
  const anthropic = (prefix: '' | '/anthropic') => new Anthropic({ baseURL: base + prefix, apiKey: CLIENT_KEY, maxRetries: 0 });
  const gemini = () => new GoogleGenAI({ apiKey: CLIENT_KEY, httpOptions: { baseUrl: base, retryOptions: { attempts: 1 } } });

  before(async () => {
    for (const [k, v] of Object.entries(KEYS)) {
      saved.set(k, process.env[k]);
      process.env[k] = v;
    }
    azureRecorder = await startRecorder();
    extraDir = mkdtempSync(join(tmpdir(), 'sluice-e2e-providers-'));
    writeFileSync(join(extraDir, 'azure-recorded.yaml'), recordedAzureYaml(azureRecorder.port));
    const lines: string[] = [];
    gw = await Gateway.start({
      files: [EXAMPLE, extraDir],
      port: 0,
      adminPort: false,
      watch: false,
      log: (l) => lines.push(l),
      simulatorDefaults: { prefillOverheadMs: 0, prefillTimePerTokenMs: 0, interTokenLatencyMs: 0, timeToFirstTokenMs: 0 },
    });
    base = `http://127.0.0.1:${gw.listenerPort(0)}`;
    sims = simulatorUrls(lines);
    azureRecorder.target = sim('azure-openai')[0]!;
  });

  after(async () => {
    await gw?.close();
    await azureRecorder?.close();
    if (extraDir) rmSync(extraDir, { recursive: true, force: true });
    for (const [k, v] of saved) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  });

  it('starts every simulated provider of the example', () => {
    assert.deepEqual([...sims.keys()].sort(), ['anthropic', 'azure-openai', 'bedrock', 'llama']);
    assert.equal(sim('llama').length, 2);
  });

  describe('openai client on /v1/chat/completions', () => {
    for (const [label, model, deployment] of [
      ['the vLLM pool (pass-through)', POOL_MODEL, 'llama'],
      ['Bedrock (Converse)', BEDROCK_MODEL, 'bedrock'],
      ['Anthropic (Messages)', CLAUDE_MODEL, 'anthropic'],
      ['Azure OpenAI', AZURE_MODEL, 'azure-openai'],
    ] as const) {
      it(`${label}: a whole completion, usage as the provider counted it (cached tokens on a repeat)`, async () => {
        const ask = () => openai().chat.completions.create({ model, messages: [{ role: 'system', content: 'Be brief.' }, { role: 'user', content: LONG_PROMPT }], max_tokens: 12 });
        await ask();
        const { result: c, counted: n } = await countedDuring(sim(deployment), ask);
        assert.equal(c.object, 'chat.completion');
        assert.equal(c.choices[0]?.message.role, 'assistant');
        assert.ok((c.choices[0]?.message.content ?? '').length > 0);
        assert.ok(c.choices[0]?.finish_reason === 'stop' || c.choices[0]?.finish_reason === 'length');
        assert.equal(c.model, model);
        assert.equal(n.finished, 1, 'one request reached the provider');
        assert.equal(c.usage?.prompt_tokens, n.prompt, 'prompt_tokens = every prompt token the provider counted');
        assert.equal(c.usage?.prompt_tokens_details?.cached_tokens, n.cached);
        assert.ok(n.cached > 0, 'the repeat found cached blocks');
        assert.equal(c.usage?.completion_tokens, n.generated);
        assert.equal(c.usage?.total_tokens, n.prompt + n.generated);
      });

      it(`${label}: a stream, with the usage chunk asked for`, async () => {
        const { result, counted: n } = await countedDuring(sim(deployment), async () => {
          const stream = await openai().chat.completions.create({ model, messages: [{ role: 'user', content: 'Stream a short answer.' }], max_tokens: 10, stream: true, stream_options: { include_usage: true } });
          let text = '';
          let finish: string | null | undefined;
          let usage: OpenAI.CompletionUsage | null | undefined;
          let chunks = 0;
          for await (const chunk of stream) {
            chunks++;
            assert.equal(chunk.object, 'chat.completion.chunk');
            text += chunk.choices[0]?.delta.content ?? '';
            finish = chunk.choices[0]?.finish_reason ?? finish;
            if (chunk.usage) usage = chunk.usage;
          }
          return { text, finish, usage, chunks };
        });
        assert.ok(result.chunks >= 2, 'at least the content chunk and the usage chunk');
        assert.ok(result.text.length > 0);
        assert.ok(result.finish === 'stop' || result.finish === 'length');
        assert.equal(result.usage?.prompt_tokens, n.prompt);
        assert.equal(result.usage?.completion_tokens, n.generated);
      });

      it(`${label}: a stream without include_usage shows no usage chunk`, async () => {
        const stream = await openai().chat.completions.create({ model, messages: [{ role: 'user', content: 'Stream a short answer.' }], max_tokens: 6, stream: true });
        let usageChunks = 0;
        let emptyChoices = 0;
        for await (const chunk of stream) {
          if (chunk.usage) usageChunks++;
          if (chunk.choices.length === 0) emptyChoices++;
        }
        assert.equal(usageChunks, 0);
        assert.equal(emptyChoices, 0);
      });

      it(`${label}: tools round trip (call → result → answer)`, async () => {
        const client = openai();
        const messages: OpenAI.ChatCompletionMessageParam[] = [{ role: 'user', content: 'What is the weather in Paris? Use get_weather.' }];
        const first = await client.chat.completions.create({ model, messages, tools: [WEATHER_TOOL], max_tokens: 64 });
        assert.equal(first.choices[0]?.finish_reason, 'tool_calls');
        const call = first.choices[0]?.message.tool_calls?.[0];
        assert.ok(call && call.type === 'function');
        assert.equal(call.function.name, 'get_weather');
        const args = JSON.parse(call.function.arguments) as { city?: unknown; unit?: unknown };
        assert.equal(typeof args.city, 'string');
        assert.ok(args.unit === 'celsius' || args.unit === 'fahrenheit');
        assert.ok(call.id.length > 0);
        messages.push(first.choices[0]!.message, { role: 'tool', tool_call_id: call.id, content: '{"temperature": 21, "sky": "clear"}' });
        const second = await client.chat.completions.create({ model, messages, tools: [WEATHER_TOOL], max_tokens: 12 });
        assert.ok(second.choices[0]?.finish_reason === 'stop' || second.choices[0]?.finish_reason === 'length');
        assert.ok((second.choices[0]?.message.content ?? '').length > 0);
        assert.equal(second.choices[0]?.message.tool_calls?.length ?? 0, 0, 'after the tool result, an answer rather than another call');
      });

      it(`${label}: a streamed tool call arrives whole through the stream helper`, async () => {
        const runner = openai().chat.completions.stream({ model, messages: [{ role: 'user', content: 'Weather in Oslo?' }], tools: [WEATHER_TOOL], tool_choice: 'required', max_tokens: 64 });
        const final = await runner.finalChatCompletion();
        const call = final.choices[0]?.message.tool_calls?.[0];
        assert.ok(call && call.type === 'function');
        assert.equal(call.function.name, 'get_weather');
        assert.doesNotThrow(() => JSON.parse(call.function.arguments));
        assert.equal(final.choices[0]?.finish_reason, 'tool_calls');
      });
    }

    it('the fallback chain "assistant" is served by its first tier (the vLLM Service) when it is healthy', async () => {
      const { result: c, counted: n } = await countedDuring(sim('llama'), () => openai().chat.completions.create({ model: 'assistant', messages: [{ role: 'user', content: 'hello' }], max_tokens: 4 }));
      assert.equal(n.finished, 1);
      assert.equal(c.model, POOL_MODEL, 'the model is the backendRef modelNameOverride');
      assert.equal(c.usage?.prompt_tokens, n.prompt);
    });
  });

  describe('openai client: embeddings', () => {
    it('from the vLLM pool: the provider vectors and usage, unchanged', async () => {
      const input = ['Sluice translates requests.', 'A second input'];
      const e = await openai().embeddings.create({ model: POOL_MODEL, input, dimensions: 16, encoding_format: 'float' });
      const direct = (await (await fetch(`${sim('llama')[0]}/v1/embeddings`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${KEYS.VLLM_API_KEY}` }, body: JSON.stringify({ model: POOL_MODEL, input, dimensions: 16, encoding_format: 'float' }) })).json()) as OpenAI.CreateEmbeddingResponse;
      assert.equal(e.data.length, 2);
      assert.deepEqual(e.data.map((d) => d.embedding), direct.data.map((d) => d.embedding));
      assert.deepEqual(e.usage, direct.usage);
    });

    it('from Azure OpenAI: the deployment embeddings path', async () => {
      azureRecorder.seen.length = 0;
      const e = await openai().embeddings.create({ model: 'azure-recorded', input: 'Embed me', encoding_format: 'float' });
      assert.equal(e.data.length, 1);
      assert.ok(e.data[0]!.embedding.length > 0);
      assert.equal(azureRecorder.seen.length, 1);
      assert.equal(azureRecorder.seen[0]?.url, `/openai/deployments/${AZURE_MODEL}/embeddings?api-version=${AZURE_VERSION}`);
    });
  });

  describe('Azure OpenAI', () => {
    it('openai client → Azure schema: deployment and api-version in the path, the key in api-key, not the client key', async () => {
      azureRecorder.seen.length = 0;
      const c = await openai().chat.completions.create({ model: 'azure-recorded', messages: [{ role: 'user', content: 'hi' }], max_tokens: 4 });
      assert.equal(c.object, 'chat.completion');
      assert.equal(azureRecorder.seen.length, 1);
      const got = azureRecorder.seen[0]!;
      assert.equal(got.url, `/openai/deployments/${AZURE_MODEL}/chat/completions?api-version=${AZURE_VERSION}`);
      assert.equal(got.headers['api-key'], KEYS.AZURE_OPENAI_API_KEY);
      assert.equal(got.headers['authorization'], undefined);
      assert.ok(!JSON.stringify(got.headers).includes(CLIENT_KEY));
    });

    it('the AzureOpenAI class against the gateway (its /openai/deployments/{d}/chat/completions?api-version= path)', async () => {
      azureRecorder.seen.length = 0;
      const client = new AzureOpenAI({ endpoint: base, apiKey: CLIENT_KEY, apiVersion: '2025-01-01-preview', maxRetries: 0 });
      const c = await client.chat.completions.create({ model: 'azure-recorded', messages: [{ role: 'user', content: 'hi' }], max_tokens: 4 });
      assert.equal(c.object, 'chat.completion');
      // The backend's schema.version decides what reaches the provider, whatever the client asked for.
      assert.equal(azureRecorder.seen[0]?.url, `/openai/deployments/${AZURE_MODEL}/chat/completions?api-version=${AZURE_VERSION}`);
      assert.equal(azureRecorder.seen[0]?.headers['api-key'], KEYS.AZURE_OPENAI_API_KEY);
      // The deployment in the path is the model, whatever the body says; the pool gets no api-version.
      const other = await client.chat.completions.create({ model: POOL_MODEL, messages: [{ role: 'user', content: 'hi' }], max_tokens: 4 });
      assert.equal(other.object, 'chat.completion');
      const embedded = await client.embeddings.create({ model: 'azure-recorded', input: 'hello' });
      assert.ok(embedded.data[0]!.embedding.length > 0);
      assert.equal(azureRecorder.seen.at(-1)?.url, `/openai/deployments/${AZURE_MODEL}/embeddings?api-version=${AZURE_VERSION}`);
    });
  });

  describe('@anthropic-ai/sdk on /v1/messages and /anthropic/v1/messages', () => {
    for (const prefix of ['', '/anthropic'] as const) {
      for (const [label, model, deployment] of [
        ['Anthropic (pass-through)', CLAUDE_MODEL, 'anthropic'],
        ['Bedrock (Converse)', BEDROCK_MODEL, 'bedrock'],
        ['the vLLM pool (OpenAI chat)', POOL_MODEL, 'llama'],
      ] as const) {
        const where = `${prefix}/v1/messages → ${label}`;

        it(`${where}: a whole message, usage as the provider counted it`, async () => {
          const ask = () => anthropic(prefix).messages.create({ model, max_tokens: 12, system: 'Be brief.', messages: [{ role: 'user', content: LONG_PROMPT }] });
          await ask();
          const { result: m, counted: n } = await countedDuring(sim(deployment), ask);
          assert.equal(m.type, 'message');
          assert.equal(m.role, 'assistant');
          assert.equal(m.content[0]?.type, 'text');
          assert.ok(m.stop_reason === 'end_turn' || m.stop_reason === 'max_tokens');
          assert.equal(n.finished, 1);
          // Anthropic's input_tokens leave out cached tokens; the two together are the prompt.
          assert.equal(m.usage.input_tokens + (m.usage.cache_read_input_tokens ?? 0) + (m.usage.cache_creation_input_tokens ?? 0), n.prompt);
          assert.equal(m.usage.cache_read_input_tokens ?? 0, n.cached);
          assert.ok(n.cached > 0);
          assert.equal(m.usage.output_tokens, n.generated);
        });

        it(`${where}: a stream through messages.stream()`, async () => {
          const { result, counted: n } = await countedDuring(sim(deployment), async () => {
            const stream = anthropic(prefix).messages.stream({ model, max_tokens: 10, messages: [{ role: 'user', content: 'Stream something.' }] });
            const types: string[] = [];
            stream.on('streamEvent', (e) => types.push(e.type));
            const final = await stream.finalMessage();
            return { final, types };
          });
          assert.equal(result.types[0], 'message_start');
          assert.equal(result.types.at(-1), 'message_stop');
          assert.ok(result.types.includes('content_block_delta'));
          assert.ok(result.final.content[0]?.type === 'text' && result.final.content[0].text.length > 0);
          assert.equal(result.final.usage.output_tokens, n.generated);
          assert.equal(result.final.usage.input_tokens + (result.final.usage.cache_read_input_tokens ?? 0), n.prompt);
        });

        it(`${where}: tools round trip, the call streamed`, async () => {
          const client = anthropic(prefix);
          const tools: Anthropic.Tool[] = [{ name: 'get_weather', description: 'Current weather for a city', input_schema: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] } }];
          const messages: Anthropic.MessageParam[] = [{ role: 'user', content: 'What is the weather in Lisbon?' }];
          const first = await client.messages.stream({ model, max_tokens: 64, tools, messages }).finalMessage();
          assert.equal(first.stop_reason, 'tool_use');
          const use = first.content.find((b) => b.type === 'tool_use');
          assert.ok(use && use.type === 'tool_use');
          assert.equal(use.name, 'get_weather');
          assert.equal(typeof (use.input as { city?: unknown }).city, 'string');
          messages.push({ role: 'assistant', content: first.content }, { role: 'user', content: [{ type: 'tool_result', tool_use_id: use.id, content: 'Sunny, 24 °C' }] });
          const second = await client.messages.create({ model, max_tokens: 12, tools, messages });
          assert.ok(second.stop_reason === 'end_turn' || second.stop_reason === 'max_tokens');
          assert.equal(second.content[0]?.type, 'text');
        });
      }

      it(`${prefix}/v1/messages/count_tokens → Anthropic: the provider's count`, async () => {
        const params = { model: CLAUDE_MODEL, system: 'Be brief.', messages: [{ role: 'user' as const, content: LONG_PROMPT }] };
        const counted = await anthropic(prefix).messages.countTokens(params);
        const direct = (await (await fetch(`${sim('anthropic')[0]}/v1/messages/count_tokens`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-api-key': KEYS.ANTHROPIC_API_KEY, 'anthropic-version': '2023-06-01' }, body: JSON.stringify(params) })).json()) as { input_tokens: number };
        assert.equal(counted.input_tokens, direct.input_tokens);
        assert.ok(counted.input_tokens > 0);
      });

      it(`${prefix}/v1/messages/count_tokens → the vLLM pool: refused with 422 (OpenAI has no token count)`, async () => {
        await assert.rejects(anthropic(prefix).messages.countTokens({ model: POOL_MODEL, messages: [{ role: 'user', content: 'hi' }] }), (e: unknown) => {
          assert.ok(e instanceof Anthropic.APIError);
          assert.equal(e.status, 422);
          assert.equal((e.error as { type?: string } | undefined)?.type, 'error');
          assert.match(e.message, /count_tokens/);
          return true;
        });
      });

      it(`${prefix}/v1/messages/count_tokens → Bedrock (CountTokens)`, async () => {
        const counted = await anthropic(prefix).messages.countTokens({ model: BEDROCK_MODEL, messages: [{ role: 'user', content: LONG_PROMPT }] });
        assert.ok(counted.input_tokens > 0);
        // The same count as the provider's own answer to the same messages.
        const converse = await anthropic(prefix).messages.create({ model: BEDROCK_MODEL, max_tokens: 1, messages: [{ role: 'user', content: LONG_PROMPT }] });
        assert.equal(counted.input_tokens, converse.usage.input_tokens + (converse.usage.cache_read_input_tokens ?? 0) + (converse.usage.cache_creation_input_tokens ?? 0));
      });
    }
  });

  describe('@google/genai on /v1beta/models/{model}:generateContent', () => {
    it('→ the vLLM pool: generateContent, usage as the provider counted it', async () => {
      const ai = gemini();
      const ask = () => ai.models.generateContent({ model: POOL_MODEL, contents: LONG_PROMPT, config: { maxOutputTokens: 12, systemInstruction: 'Be brief.' } });
      await ask();
      const { result: r, counted: n } = await countedDuring(sim('llama'), ask);
      assert.ok((r.text ?? '').length > 0);
      assert.ok(r.candidates?.[0]?.finishReason === 'STOP' || r.candidates?.[0]?.finishReason === 'MAX_TOKENS');
      assert.equal(r.usageMetadata?.promptTokenCount, n.prompt);
      assert.equal(r.usageMetadata?.candidatesTokenCount, n.generated);
      assert.equal(r.usageMetadata?.cachedContentTokenCount ?? 0, n.cached);
      assert.ok(n.cached > 0);
      assert.equal(r.usageMetadata?.totalTokenCount, n.prompt + n.generated);
    });

    it('→ the vLLM pool: generateContentStream', async () => {
      const { result, counted: n } = await countedDuring(sim('llama'), async () => {
        const stream = await gemini().models.generateContentStream({ model: POOL_MODEL, contents: 'Stream please', config: { maxOutputTokens: 10 } });
        let text = '';
        let chunks = 0;
        let usage: { promptTokenCount?: number | undefined; candidatesTokenCount?: number | undefined } | undefined;
        let finish: string | undefined;
        for await (const chunk of stream) {
          chunks++;
          text += chunk.text ?? '';
          if (chunk.usageMetadata) usage = chunk.usageMetadata;
          finish = chunk.candidates?.[0]?.finishReason ?? finish;
        }
        return { text, chunks, usage, finish };
      });
      assert.ok(result.chunks > 1);
      assert.ok(result.text.length > 0);
      assert.ok(result.finish === 'STOP' || result.finish === 'MAX_TOKENS');
      assert.equal(result.usage?.promptTokenCount, n.prompt);
      assert.equal(result.usage?.candidatesTokenCount, n.generated);
    });

    it('→ the vLLM pool: function calling round trip', async () => {
      const ai = gemini();
      const tools = [{ functionDeclarations: [{ name: 'get_weather', description: 'Current weather for a city', parametersJsonSchema: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] } }] }];
      const first = await ai.models.generateContent({ model: POOL_MODEL, contents: 'What is the weather in Rome?', config: { tools, maxOutputTokens: 64 } });
      const call = first.functionCalls?.[0];
      assert.equal(call?.name, 'get_weather');
      assert.equal(typeof call?.args?.['city'], 'string');
      const second = await ai.models.generateContent({
        model: POOL_MODEL,
        contents: [
          { role: 'user', parts: [{ text: 'What is the weather in Rome?' }] },
          { role: 'model', parts: [{ functionCall: { name: 'get_weather', args: call?.args ?? {} } }] },
          { role: 'user', parts: [{ functionResponse: { name: 'get_weather', response: { sky: 'clear' } } }] },
        ],
        config: { tools, maxOutputTokens: 12 },
      });
      assert.ok((second.text ?? '').length > 0);
      assert.equal(second.functionCalls, undefined);
    });

    it('→ an Anthropic model: refused with 422 in Google\'s error shape (no Gemini → Anthropic translator)', async () => {
      await assert.rejects(gemini().models.generateContent({ model: CLAUDE_MODEL, contents: 'hi' }), (e: unknown) => {
        const err = e as { status?: number; message?: string };
        assert.equal(err.status, 422);
        assert.match(String(err.message), /AIServiceBackend default\/anthropic/);
        return true;
      });
    });
  });
});

describe('examples/providers as `sluice validate` sees it', () => {
  const saved = new Map<string, string | undefined>();
  const setEnv = (k: string, v: string | undefined) => {
    if (!saved.has(k)) saved.set(k, process.env[k]);
    if (v === undefined) delete process.env[k];
    else process.env[k] = v;
  };
  after(() => {
    for (const [k, v] of saved) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  });

  const problemsOf = (paths: string[]) => {
    const config = loadConfig(paths);
    return allProblems(config, config.problems.some((p) => p.severity === 'error') ? undefined : dryCompile(config));
  };

  it('with the variables exported: no problem at all, the vertex/ files included', () => {
    for (const [k, v] of Object.entries(KEYS)) setEnv(k, v);
    const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    setEnv('GCP_PROJECT', 'my-project');
    setEnv('GCP_SERVICE_ACCOUNT_JSON', JSON.stringify({ type: 'service_account', project_id: 'my-project', private_key: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(), client_email: 'sluice@my-project.iam.gserviceaccount.com' }));
    assert.deepEqual(problemsOf([EXAMPLE]).map(formatProblem), []);
    assert.deepEqual(problemsOf([EXAMPLE, join(EXAMPLE, 'vertex')]).map(formatProblem), []);
  });

  it('without them: one error per use, naming the file and the variable, never a value', () => {
    for (const k of Object.keys(KEYS)) setEnv(k, undefined);
    const problems = problemsOf([EXAMPLE]);
    assert.ok(problems.length > 0 && problems.every((p) => p.severity === 'error'));
    for (const k of Object.keys(KEYS)) {
      const mine = problems.filter((p) => p.message.startsWith(`environment variable ${k} is not set`));
      assert.ok(mine.length >= 1, `no problem names ${k}`);
      for (const p of mine) assert.match(p.location?.file ?? '', /examples\/providers\/[a-z-]+\.yaml$/);
    }
  });
});
