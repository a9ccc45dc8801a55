// Scenario `providers`: what translating costs. OpenAI chat streams through one Sluice process to one
// upstream that speaks every dialect from canned bytes — OpenAI SSE (pass-through, the reference),
// Anthropic Messages SSE (OpenAI → Anthropic) and Bedrock ConverseStream event-stream frames (OpenAI →
// Bedrock) — so the gateway's translation is the only difference between the targets. Each dialect's
// stream carries the same content (a role, --chunks text pieces, a stop, usage), written event by
// event on successive turns of the upstream's event loop. Requests/s at 50 connections and time to
// first byte at 1 connection, measured in the same run, interleaved (one round = every target once),
// medians reported; a ratio is the median of the per-round ratios. The upstream answered directly in
// each dialect is measured too, to show what the upstream itself costs per dialect, and the translators
// alone are timed in process (µs per stream and to the first client bytes), which load hardly moves.
//
// The upstream is this file run as a child process (`--serve-upstream`), so nothing else in bench/
// changes: node [--import tsx] bench/scenarios/providers.{ts,js} --serve-upstream --port 0 --chunks 20
import { createServer } from 'node:http';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { armDeadline, spawnChild } from '../lib/children.ts';
import type { LoadConfig } from '../lib/load-types.ts';
import { measureOnce, Remeasure } from '../lib/measure.ts';
import type { RunRecord } from '../lib/measure.ts';
import { pinToCpus } from '../lib/procstat.ts';
import { describeMachine, fmt, machine, markdownTable, ratio, signed, table, writeResults } from '../lib/report.ts';
import { median } from '../lib/stats.ts';
import { LoadGenerator, PROJECT_ROOT, prepareRuntime, startSluice, TSX } from '../lib/targets.ts';
import type { Runtime } from '../lib/targets.ts';
import { encodeEventStreamMessage } from '../../src/providers/streaming/aws-event-stream.ts';
import { selectTranslator } from '../../src/providers/select.ts';
import type { BackendSchema } from '../../src/runtime/translator.ts';
import type { Scenario } from './types.ts';

// ---------------------------------------------------------------------------------------------
// The canned upstream (child process).

const PROMPT_TOKENS = 12;
const BEDROCK_MODEL = 'anthropic.claude-3-5-haiku-20241022-v1:0';

interface Dialects {
  readonly openai: readonly Buffer[];
  readonly anthropic: readonly Buffer[];
  readonly bedrock: readonly Buffer[];
}

/** One stream per dialect, event by event, with the same content: a role, `chunks` words, a stop, usage. */
export function cannedStreams(chunks: number): Dialects {
  const words = Array.from({ length: chunks }, (_, i) => `token${i} `);
  const created = 1_700_000_000;
  const oa = (choices: unknown[], usage: unknown = null) => Buffer.from(`data: ${JSON.stringify({ id: 'chatcmpl-bench', object: 'chat.completion.chunk', created, model: 'bench-openai', choices, usage })}\n\n`);
  const openai = [
    oa([{ index: 0, delta: { role: 'assistant', content: '' }, logprobs: null, finish_reason: null }]),
    ...words.map((w) => oa([{ index: 0, delta: { content: w }, logprobs: null, finish_reason: null }])),
    oa([{ index: 0, delta: {}, logprobs: null, finish_reason: 'stop' }]),
    oa([], { prompt_tokens: PROMPT_TOKENS, completion_tokens: chunks, total_tokens: PROMPT_TOKENS + chunks }),
    Buffer.from('data: [DONE]\n\n'),
  ];
  const an = (type: string, body: Record<string, unknown>) => Buffer.from(`event: ${type}\ndata: ${JSON.stringify({ type, ...body })}\n\n`);
  const anthropic = [
    an('message_start', { message: { id: 'msg_bench', type: 'message', role: 'assistant', model: 'claude-bench', content: [], stop_reason: null, stop_sequence: null, usage: { input_tokens: PROMPT_TOKENS, output_tokens: 1, cache_read_input_tokens: 0, cache_creation_input_tokens: 0 } } }),
    an('content_block_start', { index: 0, content_block: { type: 'text', text: '' } }),
    an('ping', {}),
    ...words.map((w) => an('content_block_delta', { index: 0, delta: { type: 'text_delta', text: w } })),
    an('content_block_stop', { index: 0 }),
    an('message_delta', { delta: { stop_reason: 'end_turn', stop_sequence: null }, usage: { output_tokens: chunks } }),
    an('message_stop', {}),
  ];
  const br = (type: string, body: unknown) => encodeEventStreamMessage({ ':event-type': type, ':content-type': 'application/json', ':message-type': 'event' }, JSON.stringify(body));
  const bedrock = [
    br('messageStart', { role: 'assistant' }),
    ...words.map((w) => br('contentBlockDelta', { contentBlockIndex: 0, delta: { text: w } })),
    br('contentBlockStop', { contentBlockIndex: 0 }),
    br('messageStop', { stopReason: 'end_turn' }),
    br('metadata', { usage: { inputTokens: PROMPT_TOKENS, outputTokens: chunks, totalTokens: PROMPT_TOKENS + chunks }, metrics: { latencyMs: 1 } }),
  ];
  return { openai, anthropic, bedrock };
}

function serveUpstream(argv: string[]): void {
  const { values } = parseArgs({ args: argv, options: { 'serve-upstream': { type: 'boolean' }, port: { type: 'string', default: '0' }, chunks: { type: 'string', default: '20' } } });
  const streams = cannedStreams(Math.max(1, Number(values.chunks)));
  const write = (res: ServerResponse, contentType: string, events: readonly Buffer[], headers: Record<string, string> = {}) => {
    res.writeHead(200, { 'content-type': contentType, ...headers });
    let i = 0;
    let closed = false;
    res.once('close', () => (closed = true));
    const next = () => {
      if (closed) return;
      const ev = events[i++]!;
      if (i === events.length) {
        res.end(ev);
        return;
      }
      res.write(ev);
      setImmediate(next);
    };
    next();
  };
  const handle = (req: IncomingMessage, res: ServerResponse) => {
    const url = req.url ?? '/';
    if (req.method === 'GET') {
      req.resume();
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"status":"ok"}');
      return;
    }
    // The body is read (as any server does) but not parsed: the path says which dialect to speak.
    req.resume();
    req.on('end', () => {
      if (url.endsWith('/chat/completions')) write(res, 'text/event-stream', streams.openai);
      else if (url.endsWith('/messages')) write(res, 'text/event-stream', streams.anthropic, { 'request-id': 'req_bench' });
      else if (url.endsWith('/converse-stream')) write(res, 'application/vnd.amazon.eventstream', streams.bedrock, { 'x-amzn-requestid': '00000000-0000-4000-8000-000000000000' });
      else res.writeHead(404, { 'content-type': 'application/json' }).end(`{"error":{"message":"no route for ${req.method} ${url}"}}`);
    });
  };
  const server = createServer({ keepAliveTimeout: 120_000, requestTimeout: 0, headersTimeout: 60_000 }, handle);
  server.listen(Number(values.port), '127.0.0.1', () => process.stdout.write(JSON.stringify({ ready: true, port: (server.address() as AddressInfo).port }) + '\n'));
  const stop = () => {
    server.close();
    server.closeAllConnections();
    process.exit(0);
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}

const SELF = fileURLToPath(import.meta.url);
if (process.argv.includes('--serve-upstream') && process.argv[1] !== undefined && resolve(process.argv[1]) === SELF) serveUpstream(process.argv.slice(2));

// ---------------------------------------------------------------------------------------------
// The benchmark.

type TargetName = 'passthrough' | 'anthropic' | 'bedrock' | 'bedrock-sigv4' | 'direct-openai' | 'direct-anthropic' | 'direct-bedrock';
const TARGETS: readonly TargetName[] = ['passthrough', 'anthropic', 'bedrock', 'bedrock-sigv4', 'direct-openai', 'direct-anthropic', 'direct-bedrock'];
const LABEL: Record<TargetName, string> = {
  passthrough: 'OpenAI → OpenAI (pass-through)',
  anthropic: 'OpenAI → Anthropic',
  bedrock: 'OpenAI → Bedrock',
  'bedrock-sigv4': 'OpenAI → Bedrock + SigV4',
  'direct-openai': 'upstream direct, OpenAI',
  'direct-anthropic': 'upstream direct, Anthropic',
  'direct-bedrock': 'upstream direct, Bedrock',
};
const MODEL: Partial<Record<TargetName, string>> = { passthrough: 'bench-openai', anthropic: 'bench-anthropic', bedrock: 'bench-bedrock', 'bedrock-sigv4': 'bench-bedrock-sigv4' };

/** One listener, one AIGatewayRoute: a model per backend schema, all on the same upstream. */
export function providersManifests(upstreamPort: number): string {
  const backend = (name: string, schema: string) => `---
apiVersion: gateway.envoyproxy.io/v1alpha1
kind: Backend
metadata: {name: ${name}}
spec:
  endpoints: [{ip: {address: 127.0.0.1, port: ${upstreamPort}}}]
---
apiVersion: aigateway.envoyproxy.io/v1beta1
kind: AIServiceBackend
metadata: {name: ${name}}
spec:
  schema: {name: ${schema}}
  backendRef: {name: ${name}, kind: Backend, group: gateway.envoyproxy.io}
`;
  const rule = (model: string, backendName: string, override?: string) => `    - matches: [{headers: [{type: Exact, name: x-ai-eg-model, value: ${model}}]}]
      backendRefs: [{name: ${backendName}${override ? `, modelNameOverride: "${override}"` : ''}}]
`;
  return `apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata: {name: bench}
spec:
  gatewayClassName: sluice
  listeners: [{name: http, protocol: HTTP, port: 8080}]
${backend('openai', 'OpenAI')}${backend('anthropic', 'Anthropic')}${backend('bedrock', 'AWSBedrock')}${backend('bedrock-signed', 'AWSBedrock')}---
apiVersion: v1
kind: Secret
metadata: {name: bench-aws}
stringData:
  credentials: |
    [default]
    aws_access_key_id = AKIABENCHEXAMPLE
    aws_secret_access_key = bench/secret/key
---
apiVersion: aigateway.envoyproxy.io/v1beta1
kind: BackendSecurityPolicy
metadata: {name: bedrock-signed}
spec:
  targetRefs: [{group: aigateway.envoyproxy.io, kind: AIServiceBackend, name: bedrock-signed}]
  type: AWSCredentials
  awsCredentials: {region: us-east-1, credentialsFile: {secretRef: {name: bench-aws}}}
---
apiVersion: aigateway.envoyproxy.io/v1beta1
kind: AIGatewayRoute
metadata: {name: bench}
spec:
  parentRefs: [{name: bench}]
  rules:
${rule(MODEL.passthrough!, 'openai')}${rule(MODEL.anthropic!, 'anthropic', 'claude-bench')}${rule(MODEL.bedrock!, 'bedrock', BEDROCK_MODEL)}${rule(MODEL['bedrock-sigv4']!, 'bedrock-signed', BEDROCK_MODEL)}`;
}

const MESSAGES = [
  { role: 'system', content: 'You are a helpful assistant.' },
  { role: 'user', content: 'Say this is a benchmark, in twenty tokens or so.' },
];

/** The request each target gets: path and body (OpenAI chat through the gateway; each dialect direct). */
function requestFor(t: TargetName): { path: string; body: string } {
  if (t === 'direct-anthropic') return { path: '/v1/messages', body: JSON.stringify({ model: 'claude-bench', max_tokens: 64, stream: true, system: MESSAGES[0]!.content, messages: [MESSAGES[1]] }) };
  if (t === 'direct-bedrock') return { path: `/model/${encodeURIComponent(BEDROCK_MODEL)}/converse-stream`, body: JSON.stringify({ system: [{ text: MESSAGES[0]!.content }], messages: [{ role: 'user', content: [{ text: MESSAGES[1]!.content }] }], inferenceConfig: { maxTokens: 64 } }) };
  return { path: '/v1/chat/completions', body: JSON.stringify({ model: MODEL[t] ?? 'bench-openai', messages: MESSAGES, max_tokens: 64, stream: true, stream_options: { include_usage: true } }) };
}

const isDirect = (t: TargetName) => t.startsWith('direct-');

const USAGE = `  --duration SEC        measured time per run (default 1.5)
  --warmup SEC          warm-up before each run (default 0.5)
  --runs N              repetitions; medians are reported (default 3)
  --connections LIST    connection counts (default 1,50): TTFB is judged at 1, req/s at the largest
  --targets LIST        ${TARGETS.join(',')} (default: all but bedrock-sigv4)
  --chunks N            text pieces per stream (default 20)
  --timeout-ms MS       per-request limit (default 10000)
  --pin                 pin Sluice to the last CPU and the upstream and load generator to the others
  --max-foreign CORES   measure a run again when other processes used more CPU than this (default 0.2)
  --retries N           at most this many times (default 2)
  --sluice HOW          build (default: compile the checkout into .tmp/bench-dist), dist or source
  --micro-iterations N  streams per batch of the in-process translator timing (default 2000; 0 skips it)
  --out NAME            results file bench/results/NAME.json (default providers)
  --verbose             echo the children's output`;

interface Summary {
  readonly case: string;
  readonly target: TargetName;
  readonly runs: number;
  readonly cleanRuns: number;
  readonly rps: number;
  readonly p50: number;
  readonly p99: number;
  readonly ttfbP50: number;
  readonly ttfbP99: number;
  readonly gatewayCpuMsPerRequest: number;
  readonly upstreamCpuMsPerRequest: number;
  readonly responseBytes: number;
  readonly errors: number;
  readonly foreignCores: number;
  readonly firstError?: string;
}

function list(s: string): string[] {
  return s
    .split(',')
    .map((x) => x.trim())
    .filter((x) => x.length > 0);
}

/** Node arguments that run this file as the canned upstream (compiled when the runtime is compiled). */
function upstreamCommand(rt: Runtime): string[] {
  const compiled = join(PROJECT_ROOT, '.tmp', 'bench-dist', 'bench', 'scenarios', 'providers.js');
  if (rt.entry === 'build' && existsSync(compiled)) return [compiled];
  return ['--import', TSX, join(PROJECT_ROOT, 'bench', 'scenarios', 'providers.ts')];
}

function readyPort(line: string): number | undefined {
  if (!line.startsWith('{')) return undefined;
  try {
    const j = JSON.parse(line) as { ready?: boolean; port?: number };
    return j.ready === true && typeof j.port === 'number' ? j.port : undefined;
  } catch {
    return undefined;
  }
}

/** One request through `origin`: the translated stream must be a whole OpenAI stream with usage. */
async function checkStream(origin: string, t: TargetName, chunks: number): Promise<void> {
  const { path, body } = requestFor(t);
  const res = await fetch(origin + path, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
  const text = await res.text();
  if (res.status !== 200) throw new Error(`${LABEL[t]}: status ${res.status}: ${text.slice(0, 300)}`);
  if (isDirect(t)) return;
  const data = text
    .split('\n\n')
    .filter((b) => b.startsWith('data: '))
    .map((b) => b.slice(6));
  const content = data.filter((d) => d !== '[DONE]').map((d) => JSON.parse(d) as { choices: { delta?: { content?: string } }[]; usage?: { completion_tokens?: number } | null });
  const pieces = content.filter((c) => (c.choices[0]?.delta?.content ?? '') !== '').length;
  const usage = content.find((c) => c.usage)?.usage;
  if (data.at(-1) !== '[DONE]' || pieces !== chunks || usage?.completion_tokens !== chunks) throw new Error(`${LABEL[t]}: not the expected stream (${pieces} content chunks, usage ${JSON.stringify(usage)}): ${text.slice(0, 300)}`);
}

// ---------------------------------------------------------------------------------------------
// In process: the translators alone, on the same canned streams (no network, no event loop turns).

interface Micro {
  readonly translator: string;
  /** Request translation, response head, every upstream event and the end, per stream (µs). */
  readonly streamUs: number;
  /** Request translation, response head and the upstream events up to the first client bytes (µs). */
  readonly firstBytesUs: number;
  readonly clientBytes: number;
}

const MICRO: readonly { target: 'passthrough' | 'anthropic' | 'bedrock'; backend: BackendSchema; model: string; events: keyof Dialects; headers: Record<string, string> }[] = [
  { target: 'passthrough', backend: { name: 'OpenAI', prefix: '/v1' }, model: 'bench-openai', events: 'openai', headers: { 'content-type': 'text/event-stream' } },
  { target: 'anthropic', backend: { name: 'Anthropic', prefix: '/v1' }, model: 'claude-bench', events: 'anthropic', headers: { 'content-type': 'text/event-stream' } },
  { target: 'bedrock', backend: { name: 'AWSBedrock', prefix: '' }, model: BEDROCK_MODEL, events: 'bedrock', headers: { 'content-type': 'application/vnd.amazon.eventstream', 'x-amzn-requestid': '00000000-0000-4000-8000-000000000000' } },
];

export function microTranslators(chunks: number, iterations: number, batches: number): Micro[] {
  const streams = cannedStreams(chunks);
  const body = { model: 'bench', messages: MESSAGES, max_tokens: 64, stream: true, stream_options: { include_usage: true } };
  const raw = Buffer.from(JSON.stringify(body));
  const out: Micro[] = [];
  for (const m of MICRO) {
    const translator = selectTranslator('OpenAI', m.backend.name);
    if (!translator) throw new Error(`no translator for OpenAI → ${m.backend.name}`);
    const events = streams[m.events];
    const one = (untilFirst: boolean): number => {
      translator.request({ operation: 'chat', body, raw, model: m.model, modelChanged: m.model !== 'bench', stream: true, backend: m.backend, wantUsage: true, query: '' });
      const rt = translator.response({ operation: 'chat', stream: true, requestModel: m.model, hideUsageChunk: false, body });
      rt.head(200, m.headers);
      let bytes = 0;
      for (const ev of events) {
        const piece = rt.push(ev);
        bytes += piece?.length ?? 0;
        if (untilFirst && bytes > 0) return bytes;
      }
      return bytes + (rt.end()?.length ?? 0);
    };
    const clientBytes = one(false);
    const time = (untilFirst: boolean): number => {
      for (let i = 0; i < Math.min(iterations, 500); i++) one(untilFirst);
      const per: number[] = [];
      for (let b = 0; b < batches; b++) {
        const t0 = performance.now();
        for (let i = 0; i < iterations; i++) one(untilFirst);
        per.push(((performance.now() - t0) * 1000) / iterations);
      }
      return median(per);
    };
    out.push({ translator: translator.name, streamUs: time(false), firstBytesUs: time(true), clientBytes });
  }
  return out;
}

async function runProviders(argv: string[]): Promise<void> {
  const { values } = parseArgs({
    args: argv,
    options: {
      duration: { type: 'string', default: '1.5' },
      warmup: { type: 'string', default: '0.5' },
      runs: { type: 'string', default: '3' },
      connections: { type: 'string', default: '1,50' },
      targets: { type: 'string', default: TARGETS.filter((t) => t !== 'bedrock-sigv4').join(',') },
      chunks: { type: 'string', default: '20' },
      'timeout-ms': { type: 'string', default: '10000' },
      'max-foreign': { type: 'string', default: '0.2' },
      pin: { type: 'boolean', default: false },
      retries: { type: 'string', default: '2' },
      sluice: { type: 'string', default: 'build' },
      'micro-iterations': { type: 'string', default: '2000' },
      out: { type: 'string', default: 'providers' },
      verbose: { type: 'boolean', default: false },
    },
  });
  const durationMs = Math.round(Number(values.duration) * 1000);
  const warmupMs = Math.round(Number(values.warmup) * 1000);
  const runs = Math.max(1, Math.floor(Number(values.runs)));
  const connections = list(values.connections).map(Number);
  const chunks = Math.max(1, Math.floor(Number(values.chunks)));
  const timeoutMs = Number(values['timeout-ms']);
  const maxForeign = Number(values['max-foreign']);
  const maxRetries = Math.max(0, Math.floor(Number(values.retries)));
  const echo = values.verbose;
  if (!connections.every((c) => Number.isInteger(c) && c > 0 && c <= 1000)) throw new Error('--connections: integers from 1 to 1000');
  if (!(durationMs > 0 && durationMs <= 600_000) || !(warmupMs >= 0 && warmupMs <= 60_000)) throw new Error('--duration up to 600 s, --warmup up to 60 s');
  const wanted = list(values.targets) as TargetName[];
  for (const t of wanted) if (!TARGETS.includes(t)) throw new Error(`--targets: unknown target "${t}" (${TARGETS.join(', ')})`);
  if (!wanted.includes('passthrough')) throw new Error('--targets must include passthrough: every figure is a ratio to it');
  const entry = values.sluice;
  if (entry !== 'build' && entry !== 'dist' && entry !== 'source') throw new Error('--sluice: build, dist or source');

  const estimateMs = runs * connections.length * wanted.length * (durationMs + warmupMs + 150) + wanted.length * 1500 + 30_000;
  armDeadline(estimateMs * 2 + 300_000, 'the providers benchmark');
  const m = machine();
  const log = (s: string) => process.stdout.write(s + '\n');
  log(`bench providers: ${describeMachine(m)}`);
  log(`  ${runs} run(s) × ${connections.length} connection count(s) × ${wanted.length} target(s), ${durationMs / 1000} s each after ${warmupMs / 1000} s warm-up; about ${Math.round(estimateMs / 1000)} s`);

  // The translators alone, in this process, before any child runs: what translation costs per stream.
  const microIterations = Math.max(0, Math.floor(Number(values['micro-iterations'])));
  const micro = microIterations > 0 ? microTranslators(chunks, microIterations, 7) : [];

  const rt = await prepareRuntime(entry, log);
  const upstreamChild = spawnChild('provider upstream', process.execPath, [...upstreamCommand(rt), '--serve-upstream', '--port', '0', '--chunks', String(chunks)], { echo });
  const upstreamPort = await upstreamChild.waitForLine(readyPort, 20_000);
  const upstreamOrigin = `http://127.0.0.1:${upstreamPort}`;
  const sluice = await startSluice({ upstreamPort, command: rt.sluice, manifests: providersManifests(upstreamPort), echo });
  const loadgen = await LoadGenerator.start(rt, echo);
  const originOf = (t: TargetName) => (isDirect(t) ? upstreamOrigin : sluice.origin);
  const gatewayPidOf = (t: TargetName) => (isDirect(t) ? undefined : sluice.child.pid);

  if (values.pin) {
    const n = m.cpus;
    if (n < 2) throw new Error('--pin needs at least 2 CPUs');
    const rest = n === 2 ? '0' : `0-${n - 2}`;
    const ok = [pinToCpus(sluice.child.pid, String(n - 1)), pinToCpus(upstreamChild.pid, rest), pinToCpus(loadgen.child.pid, rest)];
    if (ok.some((x) => !x)) throw new Error('--pin: taskset failed (is util-linux installed?)');
    log(`  pinned: Sluice on CPU ${n - 1}, upstream and load generator on CPU ${rest}`);
  }

  // Every target answers a whole, correct stream before anything is measured.
  for (const t of wanted) await checkStream(originOf(t), t, chunks);

  const config = (t: TargetName, c: number, warm: number, duration: number): LoadConfig => {
    const { path, body } = requestFor(t);
    return { origin: originOf(t), path, headers: {}, body, connections: c, warmupMs: warm, rampMs: Math.min(warm / 2, 250), durationMs: duration, timeoutMs };
  };
  // Prime (JIT, connection pools) at the largest connection count.
  for (const t of wanted) {
    const r = await loadgen.run(config(t, Math.max(...connections), 0, 1000));
    if (r.requests === 0) throw new Error(`${LABEL[t]} answered no request successfully while priming (${r.firstError ?? 'no error recorded'})`);
  }

  const remeasure = new Remeasure(maxForeign, maxRetries, Math.max(4, Math.ceil((runs * connections.length * wanted.length) / 3)));
  const records = new Map<string, RunRecord[]>();
  const caseKey = (c: number) => `stream c=${c}`;
  const started = Date.now();
  for (let run = 1; run <= runs; run++) {
    for (const c of connections) {
      for (const t of wanted) {
        const rec = await remeasure.run(() => measureOnce(loadgen, config(t, c, warmupMs, durationMs), { gateway: gatewayPidOf(t), upstream: upstreamChild.pid }));
        const k = `${caseKey(c)}|${t}`;
        records.set(k, [...(records.get(k) ?? []), rec]);
        if (process.stdout.isTTY) process.stdout.write(`\r  run ${run}/${runs}  ${caseKey(c).padEnd(12)} ${LABEL[t].padEnd(32)} ${fmt(rec.load.rps, 0).padStart(7)} req/s  TTFB p50 ${fmt(rec.load.ttfbMs.p50, 3)} ms   `);
      }
    }
  }
  if (process.stdout.isTTY) process.stdout.write(`\r${' '.repeat(110)}\r`);
  const elapsedS = (Date.now() - started) / 1000;

  const summaries: Summary[] = [];
  for (const c of connections) {
    for (const t of wanted) {
      const all = records.get(`${caseKey(c)}|${t}`) ?? [];
      // Every run counts: on a shared machine the undisturbed runs may be one target's only, and the
      // comparison between targets is what matters (the ratios below pair runs of the same round).
      const rs = all;
      const med = (f: (r: RunRecord) => number) => median(rs.map(f));
      const firstError = rs.find((r) => r.load.firstError !== undefined)?.load.firstError;
      summaries.push({
        case: caseKey(c),
        target: t,
        runs: all.length,
        cleanRuns: all.filter((r) => !(r.foreignCores > maxForeign)).length,
        rps: med((r) => r.load.rps),
        p50: med((r) => r.load.latencyMs.p50),
        p99: med((r) => r.load.latencyMs.p99),
        ttfbP50: med((r) => r.load.ttfbMs.p50),
        ttfbP99: med((r) => r.load.ttfbMs.p99),
        gatewayCpuMsPerRequest: med((r) => r.gatewayCpuMsPerRequest),
        upstreamCpuMsPerRequest: med((r) => r.upstreamCpuMsPerRequest),
        responseBytes: med((r) => r.load.responseBytes),
        errors: rs.reduce((n, r) => n + r.load.errors, 0),
        foreignCores: med((r) => r.foreignCores),
        ...(firstError !== undefined ? { firstError } : {}),
      });
    }
  }
  const get = (cs: string, t: TargetName) => summaries.find((s) => s.case === cs && s.target === t);

  const rows: string[][] = [['case', 'target', 'req/s', 'p50 ms', 'p99 ms', 'TTFB p50', 'TTFB p99', 'gw CPU ms/req', 'up CPU ms/req', 'bytes', 'errors']];
  for (const s of summaries) {
    rows.push([s.case, LABEL[s.target], fmt(s.rps, 0), fmt(s.p50, 3), fmt(s.p99, 3), fmt(s.ttfbP50, 3), fmt(s.ttfbP99, 3), isDirect(s.target) ? '—' : fmt(s.gatewayCpuMsPerRequest, 3), fmt(s.upstreamCpuMsPerRequest, 3), fmt(s.responseBytes, 0), String(s.errors)]);
  }

  // Translation against pass-through, per case.
  const translated = wanted.filter((t) => !isDirect(t) && t !== 'passthrough');
  const ratioRows: string[][] = [['case', 'translation', 'req/s vs pass-through', 'TTFB p50 added ms', 'gateway CPU vs pass-through', 'upstream direct req/s vs OpenAI direct']];
  const ratios: Record<string, Record<string, { rpsRatio: number; addedTtfbP50Ms: number; cpuRatio: number; upstreamDirectRpsRatio: number }>> = {};
  for (const c of connections) {
    const k = caseKey(c);
    const pass = get(k, 'passthrough');
    ratios[k] = {};
    // Each ratio is the median over rounds of (this target ÷ pass-through in the same round): the two
    // were measured seconds apart, so load that drifts over the run cancels out.
    const paired = (t: TargetName, ref: TargetName, f: (a: RunRecord, b: RunRecord) => number): number => {
      const a = records.get(`${k}|${t}`) ?? [];
      const b = records.get(`${k}|${ref}`) ?? [];
      return median(a.map((x, i) => (b[i] ? f(x, b[i]) : Number.NaN)));
    };
    for (const t of translated) {
      const direct: TargetName = t === 'anthropic' ? 'direct-anthropic' : 'direct-bedrock';
      const r = {
        rpsRatio: pass ? paired(t, 'passthrough', (a, b) => a.load.rps / b.load.rps) : Number.NaN,
        addedTtfbP50Ms: pass ? paired(t, 'passthrough', (a, b) => a.load.ttfbMs.p50 - b.load.ttfbMs.p50) : Number.NaN,
        cpuRatio: pass ? paired(t, 'passthrough', (a, b) => a.gatewayCpuMsPerRequest / b.gatewayCpuMsPerRequest) : Number.NaN,
        upstreamDirectRpsRatio: wanted.includes(direct) && wanted.includes('direct-openai') ? paired(direct, 'direct-openai', (a, b) => a.load.rps / b.load.rps) : Number.NaN,
      };
      ratios[k][t] = r;
      ratioRows.push([k, LABEL[t], ratio(r.rpsRatio), signed(r.addedTtfbP50Ms, 3), ratio(r.cpuRatio), ratio(r.upstreamDirectRpsRatio)]);
    }
  }

  // The issue's targets: ≥ 0.8x pass-through req/s (at the most connections), ≤ 0.3 ms added TTFB p50 (at 1).
  const goals: { goal: string; value: string; met: boolean | undefined }[] = [];
  const top = Math.max(...connections);
  for (const t of ['anthropic', 'bedrock'] as const) {
    if (!translated.includes(t)) continue;
    const rTop = ratios[caseKey(top)]?.[t];
    if (rTop) goals.push({ goal: `${LABEL[t]} streams at ${top} connection(s): ≥ 0.8x pass-through req/s`, value: ratio(rTop.rpsRatio), met: Number.isFinite(rTop.rpsRatio) ? rTop.rpsRatio >= 0.8 : undefined });
    const r1 = ratios[caseKey(1)]?.[t];
    if (r1) goals.push({ goal: `${LABEL[t]} streams at 1 connection: ≤ 0.3 ms added TTFB at p50`, value: `${signed(r1.addedTtfbP50Ms, 3)} ms`, met: Number.isFinite(r1.addedTtfbP50Ms) ? r1.addedTtfbP50Ms <= 0.3 : undefined });
  }

  const pass = micro.find((x) => x.translator === 'openai-to-openai');
  const microRows: string[][] = [['translator (in process)', 'µs per stream', 'µs to first client bytes', 'added µs to first bytes', 'client bytes']];
  for (const x of micro) microRows.push([x.translator, fmt(x.streamUs, 1), fmt(x.firstBytesUs, 1), pass && x !== pass ? signed(x.firstBytesUs - pass.firstBytesUs, 1) : '—', fmt(x.clientBytes, 0)]);

  log('');
  log(table(rows));
  log('');
  log(table(ratioRows));
  if (micro.length > 0) {
    log('');
    log(table(microRows));
  }
  log('');
  for (const g of goals) log(`  ${g.met === undefined ? '    ' : g.met ? 'met ' : 'MISS'}  ${g.goal}: ${g.value}`);
  for (const s of summaries.filter((x) => x.errors > 0)) log(`  errors: ${LABEL[s.target]} ${s.case}: ${s.errors} (${s.firstError ?? ''})`);
  const foreign = median(summaries.map((s) => s.foreignCores));
  log(`  measured in ${fmt(elapsedS, 0)} s; other processes used ${fmt(foreign, 2)} cores (median per run)${remeasure.count > 0 ? `; ${remeasure.count} run(s) measured again because of that load` : ''}`);
  const disturbed = summaries.filter((s) => s.cleanRuns < s.runs);
  if (disturbed.length > 0) log(`  ${disturbed.length} of ${summaries.length} figures include runs with more than ${maxForeign} cores of other load (${disturbed.filter((s) => s.cleanRuns === 0).length} had no undisturbed run): compare targets by the paired ratios and the in-process timings`);

  const file = writeResults(values.out, {
    scenario: 'providers',
    date: new Date().toISOString(),
    machine: m,
    options: { pin: values.pin, durationMs, warmupMs, runs, connections, targets: wanted, chunks, sluice: entry },
    summaries,
    ratios,
    goals,
    micro,
    table: markdownTable(rows),
    ratioTable: markdownTable(ratioRows),
    microTable: markdownTable(microRows),
    runs: Object.fromEntries(records),
  });
  log(`  results: ${file}`);
}

export const providers: Scenario = {
  description: 'translation overhead: OpenAI → Anthropic and OpenAI → Bedrock streams vs OpenAI pass-through to the same canned upstream (req/s, TTFB)',
  usage: USAGE,
  run: runProviders,
};
