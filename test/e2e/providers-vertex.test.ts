// End to end: Vertex AI (Gemini and Claude) behind the gateway, from manifests: a simulator Deployment
// that wants a Google access token (--gcp-access-token), an AIServiceBackend of schema GCPVertexAI or
// GCPAnthropic, and a GCPCredentials policy whose service-account key (a key generated here) names a
// token endpoint on loopback in its `token_uri`, as Google's own key files name theirs.
//
// Sluice asks the token endpoint the key names. As a guard that nothing leaves the machine, HTTPS_PROXY
// points any request to Google at a local proxy that refuses every tunnel.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { createServer } from 'node:http';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import OpenAI from 'openai';
import Anthropic from '@anthropic-ai/sdk';
import { GoogleGenAI } from '@google/genai';
import { startTokenServer } from '../../src/providers/auth/testing.ts';
import type { TokenServer } from '../../src/providers/auth/testing.ts';
import { startTestGateway, TEST_GATEWAY_YAML } from '../support/gateway.ts';
import type { TestGateway } from '../support/gateway.ts';

const SIM_IMAGE = 'ghcr.io/llm-d/llm-d-inference-sim:v0.4.0';
const ACCESS_TOKEN = 'ya29.e2e-vertex-access-token';
const PROJECT = 'e2e-project';
const REGION = 'us-central1';
const GEMINI = 'gemini-2.5-flash';
const CLAUDE = 'claude-3-5-haiku@20241022';


function serviceAccount(tokenUri: string): string {
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  return JSON.stringify({
    type: 'service_account',
    project_id: PROJECT,
    private_key_id: 'e2e-key-1',
    private_key: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
    client_email: `sluice-e2e@${PROJECT}.iam.gserviceaccount.com`,
    client_id: '100000000000000000001',
    token_uri: tokenUri,
  });
}

function manifests(key: string): string {
  const vertex = (name: string, schema: string) => `apiVersion: aigateway.envoyproxy.io/v1beta1
kind: AIServiceBackend
metadata: {name: ${name}}
spec:
  schema: {name: ${schema}}
  backendRef: {name: vertex, kind: Backend, group: gateway.envoyproxy.io}
---
apiVersion: aigateway.envoyproxy.io/v1beta1
kind: BackendSecurityPolicy
metadata: {name: ${name}}
spec:
  targetRefs: [{group: aigateway.envoyproxy.io, kind: AIServiceBackend, name: ${name}}]
  type: GCPCredentials
  gcpCredentials:
    projectName: ${PROJECT}
    region: ${REGION}
    credentialsFile: {secretRef: {name: gcp-service-account}}
---
`;
  return (
    TEST_GATEWAY_YAML +
    `apiVersion: apps/v1
kind: Deployment
metadata: {name: vertex}
spec:
  replicas: 1
  selector: {matchLabels: {app: vertex}}
  template:
    metadata: {labels: {app: vertex}}
    spec:
      containers:
        - name: sim
          image: ${SIM_IMAGE}
          args: ["--model", "${GEMINI}", "--served-model-name", "${GEMINI}", "${CLAUDE}", "--port", "8000", "--gcp-access-token", "${ACCESS_TOKEN}"]
          ports: [{containerPort: 8000}]
---
apiVersion: v1
kind: Service
metadata: {name: vertex}
spec:
  selector: {app: vertex}
  ports: [{port: 80, targetPort: 8000}]
---
apiVersion: gateway.envoyproxy.io/v1alpha1
kind: Backend
metadata: {name: vertex}
spec:
  endpoints: [{fqdn: {hostname: vertex.default.svc.cluster.local, port: 80}}]
---
apiVersion: v1
kind: Secret
metadata: {name: gcp-service-account}
stringData: {"service_account.json": ${JSON.stringify(key)}}
---
` +
    vertex('vertex-gemini', 'GCPVertexAI') +
    vertex('vertex-claude', 'GCPAnthropic') +
    `apiVersion: aigateway.envoyproxy.io/v1beta1
kind: AIGatewayRoute
metadata: {name: vertex}
spec:
  parentRefs: [{name: gw}]
  rules:
    - matches: [{headers: [{type: Exact, name: x-ai-eg-model, value: ${GEMINI}}]}]
      backendRefs: [{name: vertex-gemini}]
    - matches: [{headers: [{type: Exact, name: x-ai-eg-model, value: "${CLAUDE}"}]}]
      backendRefs: [{name: vertex-claude}]
`
  );
}

/** An HTTPS proxy that refuses every CONNECT: what would have left the machine stops here. */
async function startRefusingProxy(): Promise<{ server: Server; url: string; tunnels: string[] }> {
  const tunnels: string[] = [];
  const server = createServer((req, res) => {
    tunnels.push(`${req.method} ${req.url}`);
    res.writeHead(403).end();
  });
  server.on('connect', (req, socket) => {
    tunnels.push(`CONNECT ${req.url}`);
    socket.end('HTTP/1.1 403 Forbidden\r\ncontent-length: 0\r\n\r\n');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, tunnels };
}

describe('Vertex AI behind the gateway (token endpoint from the service-account key)', () => {
  let tg: TestGateway;
  let tokens: TokenServer;
  let proxy: Awaited<ReturnType<typeof startRefusingProxy>>;
  const saved = new Map<string, string | undefined>();

  before(async () => {
    proxy = await startRefusingProxy();
    for (const [k, v] of [
      ['HTTPS_PROXY', proxy.url],
      ['HTTP_PROXY', proxy.url],
      ['NO_PROXY', '127.0.0.1,localhost'],
      ['GOOGLE_APPLICATION_CREDENTIALS', undefined],
    ] as const) {
      saved.set(k, process.env[k]);
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
    tokens = await startTokenServer(() => ({ status: 200, body: { access_token: ACCESS_TOKEN, expires_in: 3600, token_type: 'Bearer' } }));
    tg = await startTestGateway(manifests(serviceAccount(`${tokens.url}/token`)), { simulatorDefaults: { prefillOverheadMs: 0, prefillTimePerTokenMs: 0, interTokenLatencyMs: 0, timeToFirstTokenMs: 0 } });
  });

  after(async () => {
    await tg?.close();
    await tokens?.close();
    if (proxy) {
      proxy.server.closeAllConnections();
      await new Promise<void>((resolve) => proxy.server.close(() => resolve()));
    }
    for (const [k, v] of saved) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  });

  it('@google/genai on the Gemini front → Vertex Gemini: generateContent and a stream', async () => {
    const ai = new GoogleGenAI({ apiKey: 'client-key', httpOptions: { baseUrl: tg.base, retryOptions: { attempts: 1 } } });
    const r = await ai.models.generateContent({ model: GEMINI, contents: 'Say hello', config: { maxOutputTokens: 8 } });
    assert.ok((r.text ?? '').length > 0);
    assert.ok((r.usageMetadata?.promptTokenCount ?? 0) > 0);
    let text = '';
    for await (const chunk of await ai.models.generateContentStream({ model: GEMINI, contents: 'Stream hello', config: { maxOutputTokens: 8 } })) text += chunk.text ?? '';
    assert.ok(text.length > 0);
    assert.ok(tokens.requests.length >= 1, 'the token came from the key file\'s token_uri');
    assert.equal(tokens.requests[0]?.form.get('grant_type'), 'urn:ietf:params:oauth:grant-type:jwt-bearer');
  });

  it('openai client → Vertex Gemini (OpenAI → Gemini translation)', async () => {
    const client = new OpenAI({ baseURL: `${tg.base}/v1`, apiKey: 'client-key', maxRetries: 0 });
    const c = await client.chat.completions.create({ model: GEMINI, messages: [{ role: 'user', content: 'hello' }], max_tokens: 8 });
    assert.ok((c.choices[0]?.message.content ?? '').length > 0);
    assert.ok((c.usage?.prompt_tokens ?? 0) > 0);
  });

  it('@anthropic-ai/sdk → Claude on Vertex (rawPredict / streamRawPredict)', async () => {
    const client = new Anthropic({ baseURL: tg.base, apiKey: 'client-key', maxRetries: 0 });
    const m = await client.messages.create({ model: CLAUDE, max_tokens: 8, messages: [{ role: 'user', content: 'hello' }] });
    assert.equal(m.type, 'message');
    const s = await client.messages.stream({ model: CLAUDE, max_tokens: 8, messages: [{ role: 'user', content: 'hello' }] }).finalMessage();
    assert.equal(s.type, 'message');
  });

  it('nothing was sent off the machine', () => {
    // The token came from the key's token_uri on loopback: not even a tunnel was asked for.
    assert.deepEqual(proxy.tunnels, []);
  });
});

describe('a Vertex backend without GCPCredentials', () => {
  it(
    'is a configuration error naming the AIServiceBackend (the policy supplies the project and region of the path)',
    async () => {
      const yaml =
        TEST_GATEWAY_YAML +
        `apiVersion: gateway.envoyproxy.io/v1alpha1
kind: Backend
metadata: {name: vertex}
spec:
  endpoints: [{ip: {address: 127.0.0.1, port: 9}}]
---
apiVersion: aigateway.envoyproxy.io/v1beta1
kind: AIServiceBackend
metadata: {name: vertex}
spec:
  schema: {name: GCPVertexAI}
  backendRef: {name: vertex, kind: Backend, group: gateway.envoyproxy.io}
---
apiVersion: aigateway.envoyproxy.io/v1beta1
kind: AIGatewayRoute
metadata: {name: vertex}
spec:
  parentRefs: [{name: gw}]
  rules:
    - matches: [{headers: [{type: Exact, name: x-ai-eg-model, value: ${GEMINI}}]}]
      backendRefs: [{name: vertex}]
`;
      let started: TestGateway | undefined;
      try {
        started = await startTestGateway(yaml);
      } catch (e) {
        const problems = (e as { problems?: readonly { resource?: string; message: string }[] }).problems ?? [];
        assert.ok(problems.some((p) => p.resource?.includes('vertex') && /GCPCredentials/.test(p.message)), String(e));
        return;
      }
      await started.close();
      assert.fail('the configuration was accepted');
    },
  );
});
