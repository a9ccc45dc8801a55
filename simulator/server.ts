// A vLLM-like model server over node:http: the OpenAI-compatible endpoints, the Anthropic and Bedrock
// dialects, health, readiness, LoRA management, runtime configuration and vLLM metrics of one
// simulated replica. Many instances can live in one process (each has its own engine, KV cache,
// metrics registry and random stream); startSimulators runs N replicas on consecutive ports.
//
//   POST /v1/chat/completions, /v1/completions   generation through the engine (see generate.ts)
//   POST /v1/messages                             Anthropic Messages (anthropic.ts)
//   POST /v1/messages/count_tokens                Anthropic token count
//   POST /model/{id}/converse, …/converse-stream  Bedrock Converse / ConverseStream (bedrock.ts)
//   POST /model/{id}/invoke, …/invoke-with-response-stream   Claude on Bedrock (bedrock-invoke.ts)
//   POST /model/{id}/count-tokens                 Bedrock CountTokens (bedrock.ts countTokensOf)
//   POST /openai/deployments/{d}/chat/completions | completions | embeddings   Azure OpenAI (providers.ts)
//   POST /v1beta/models/{m}:generateContent | :streamGenerateContent   Gemini Developer API (gemini.ts)
//   POST /v1/projects/{p}/locations/{l}/publishers/google/models/{m}:generateContent | …   Vertex AI Gemini
//   POST /v1/projects/{p}/locations/{l}/publishers/anthropic/models/{m}:rawPredict | :streamRawPredict
//                                                 Claude on Vertex AI (anthropic.ts)
//   POST /v1/embeddings                           deterministic pseudo-embeddings, answered at once
//                                                 (they do not take an engine slot)
//   POST /v1/load_lora_adapter, /v1/unload_lora_adapter   register / forget an adapter (vLLM's API)
//   GET  /v1/models                               base model, served names, LoRA adapters
//   GET  /health                                  200 while the process serves
//   GET  /health/ready                            200, or 503 during --startup-duration / when not ready
//   GET  /metrics                                 Prometheus text, vLLM metric names
//   GET|POST /admin/config                        read / change latency and faults at runtime
//   GET  /admin/state                             engine snapshot (SimulatorState) as JSON
//
// Credentials are checked per provider when the credential flags are set (auth.ts, sigv4.ts). Errors
// are shaped per provider (OpenAI, Anthropic, Bedrock, Google); nothing a client sends can crash the
// process. Connections are kept alive for 65 s so pooled clients (undici) reuse them.

import { createServer } from 'node:http';
import type { IncomingMessage, OutgoingHttpHeaders, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { performance } from 'node:perf_hooks';
import { anthropicDialect, countAnthropicTokens, parseAnthropicRequest, sendAnthropicError } from './anthropic.ts';
import { checkCredentials } from './auth.ts';
import type { AuthFailure } from './auth.ts';
import { sendBedrockError } from './bedrock.ts';
import { familyOf, matchVertexAnthropicPath } from './cloud-paths.ts';
import { answerEmbeddings } from './embeddings.ts';
import { Engine } from './engine.ts';
import { handleGeneration } from './generate.ts';
import type { GenerationContext } from './generate.ts';
import { asHttpError, badRequest, HttpError, parseJsonBody, pathOf, readBody, sendError, sendJson } from './http-util.ts';
import { NoKvCache, PrefixKvCache } from './kvcache.ts';
import { LatencyModel } from './latency.ts';
import { SimulatorMetrics } from './metrics.ts';
import { ModelCatalog } from './models.ts';
import { modelList, unixSeconds } from './openai-shapes.ts';
import { applyLatencyDefaults, applyRuntimeConfig, defaultSimulatorOptions, describeRuntimeConfig } from './options.ts';
import type { SimulatorOptions } from './options.ts';
import { routeProviderPath } from './providers.ts';
import { createRandom } from './random.ts';
import { parseChatRequest, parseCompletionRequest } from './requests.ts';
import { verifySigV4 } from './sigv4.ts';
import { sendGoogleError } from './gemini.ts';

/** A snapshot of the engine, for tools and tests (the same numbers /metrics reports). */
export interface SimulatorState {
  running: number;
  waiting: number;
  kvCacheUsage: number;
  /** Hashed KV blocks in the cache, held or unused. */
  cachedBlocks: number;
  runningAdapters: string[];
  waitingAdapters: string[];
  loadedAdapters: string[];
  prefixCacheQueriedTokens: number;
  prefixCacheHitTokens: number;
}

export interface RunningSimulator {
  readonly url: string;
  readonly port: number;
  readonly host: string;
  /** The options the replica runs with (a live view: runtime configuration changes show here). */
  readonly options: SimulatorOptions;
  /** false makes /health/ready answer 503 (same as POST /admin/config {"ready": false}). */
  setReady(ready: boolean): void;
  /** Applies a runtime configuration patch, as POST /admin/config does; returns warnings. */
  updateConfig(patch: Record<string, unknown>): string[];
  state(): SimulatorState;
  /** Stops listening, ends in-flight requests and closes every connection. */
  close(): Promise<void>;
}

const KEEP_ALIVE_MS = 65_000;

type ErrorWriter = (res: ServerResponse, err: HttpError) => void;
const openAIErrors: ErrorWriter = (res, err) => sendError(res, err);
const anthropicErrors: ErrorWriter = (res, err) => sendAnthropicError(res, err);
const bedrockErrors: ErrorWriter = (res, err) => sendBedrockError(res, err);
const googleErrors: ErrorWriter = (res, err) => sendGoogleError(res, err);

function errorWriterFor(path: string): ErrorWriter {
  switch (familyOf(path)) {
    case 'anthropic':
      return anthropicErrors;
    case 'bedrock':
      return bedrockErrors;
    case 'gemini':
      return googleErrors;
    case 'vertex':
      return matchVertexAnthropicPath(path) ? anthropicErrors : googleErrors;
    default:
      return openAIErrors; // OpenAI, Azure OpenAI (its inference errors are OpenAI-shaped), health, admin
  }
}

function sendAuthFailure(res: ServerResponse, f: AuthFailure): void {
  sendJson(res, f.status, f.body, f.headers);
}

function asRecord(body: unknown): Record<string, unknown> {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw badRequest('request body must be a JSON object');
  return body as Record<string, unknown>;
}

function sendText(res: ServerResponse, status: number, text: string): void {
  res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8', 'content-length': Buffer.byteLength(text) }).end(text);
}

export async function startSimulator(partial: Partial<SimulatorOptions> & { model: string }): Promise<RunningSimulator> {
  const defined = Object.fromEntries(Object.entries(partial).filter(([, v]) => v !== undefined)) as Partial<SimulatorOptions>;
  const options: SimulatorOptions = { ...defaultSimulatorOptions(), ...defined };
  applyLatencyDefaults(options, new Set(Object.keys(defined)));
  if (options.model.trim() === '') throw new Error('startSimulator: options.model is required');
  if (!(options.maxNumSeqs >= 1)) throw new Error(`startSimulator: maxNumSeqs must be ≥ 1, got ${options.maxNumSeqs}`);
  if ((options.awsAccessKeyId === undefined) !== (options.awsSecretAccessKey === undefined)) {
    throw new Error('startSimulator: awsAccessKeyId and awsSecretAccessKey must be given together');
  }

  const rng = createRandom(options.seed);
  const kvCache = options.enableKvCache
    ? new PrefixKvCache(options.kvCacheSize, options.blockSize)
    : new NoKvCache(options.kvCacheSize, options.blockSize);
  const engine = new Engine(
    {
      maxNumSeqs: options.maxNumSeqs,
      maxWaitingQueueLength: options.maxWaitingQueueLength,
      maxLoras: options.maxLoras,
      get loraLoadTimeMs() {
        return options.loraLoadTimeMs; // runtime-changeable
      },
    },
    kvCache,
  );
  const catalog = new ModelCatalog(options);
  const metrics = new SimulatorMetrics(engine, {
    modelName: catalog.metricsName,
    maxLoras: options.maxLoras,
    blockSize: options.blockSize,
    kvCacheSize: options.kvCacheSize,
  });
  const createdSec = unixSeconds();
  const readyAt = performance.now() + options.startupDurationMs;
  const inFlight = new Set<AbortController>();
  let listenPort = options.port;

  const ctx: GenerationContext = {
    options,
    engine,
    latency: new LatencyModel(options, rng),
    metrics,
    catalog,
    rng,
    identityHeaders: () => {
      const h: OutgoingHttpHeaders = { 'x-inference-port': String(listenPort) };
      if (options.podName !== undefined) h['x-inference-pod'] = options.podName;
      if (options.namespace !== undefined) h['x-inference-namespace'] = options.namespace;
      return h;
    },
    track: (controller) => {
      inFlight.add(controller);
      return () => inFlight.delete(controller);
    },
  };
  const bodyLimit = options.maxRequestBodySizeMb * 1024 * 1024;

  const isReady = (): boolean => !options.faultNotReady && performance.now() >= readyAt;
  const adminConfig = (warnings: string[] = []): object => ({
    ...describeRuntimeConfig(options),
    ready: isReady(),
    ...(warnings.length > 0 ? { warnings } : {}),
  });
  const updateConfig = (patch: Record<string, unknown>): string[] => {
    const { ready, ...rest } = patch;
    if (ready !== undefined && typeof ready !== 'boolean') throw new Error('"ready" must be true or false');
    const warnings = applyRuntimeConfig(options, rest);
    if (ready !== undefined) options.faultNotReady = !ready;
    return warnings;
  };

  const state = (): SimulatorState => ({
    running: engine.running,
    waiting: engine.waiting,
    kvCacheUsage: kvCache.usage(),
    cachedBlocks: kvCache instanceof PrefixKvCache ? kvCache.cachedBlocks : 0,
    runningAdapters: engine.runningAdapters(),
    waitingAdapters: engine.waitingAdapters(),
    loadedAdapters: engine.loadedAdapters(),
    prefixCacheQueriedTokens: kvCache.queriedTokens,
    prefixCacheHitTokens: kvCache.hitTokens,
  });

  async function route(req: IncomingMessage, res: ServerResponse, path: string, query: URLSearchParams): Promise<void> {
    const arrivedAt = performance.now();
    const method = req.method ?? 'GET';
    const post = (): void => {
      if (method !== 'POST') throw new HttpError(405, 'invalid_request_error', 'method_not_allowed', `${method} is not allowed on ${path}`);
    };
    const get = (): void => {
      if (method !== 'GET' && method !== 'HEAD') {
        throw new HttpError(405, 'invalid_request_error', 'method_not_allowed', `${method} is not allowed on ${path}`);
      }
    };
    let body: Buffer | undefined;
    const raw = async (): Promise<Buffer> => (body ??= await readBody(req, bodyLimit));
    const json = async (): Promise<unknown> => parseJsonBody(await raw());

    // Credentials, as the provider checks them, before anything else about the request.
    const family = familyOf(path);
    const denied = checkCredentials(family, req.headers, query, options);
    if (denied) return sendAuthFailure(res, denied);
    if (family === 'bedrock' && options.awsAccessKeyId !== undefined && options.awsSecretAccessKey !== undefined) {
      const refused = await verifySigV4(req, await raw(), {
        accessKeyId: options.awsAccessKeyId,
        secretAccessKey: options.awsSecretAccessKey,
        region: options.awsRegion,
      });
      if (refused) return sendAuthFailure(res, refused);
    }

    switch (path) {
      case '/v1/chat/completions':
        post();
        return handleGeneration(ctx, req, res, parseChatRequest(await json()), arrivedAt);
      case '/v1/completions':
        post();
        return handleGeneration(ctx, req, res, parseCompletionRequest(await json()), arrivedAt);
      case '/v1/messages':
        post();
        return handleGeneration(ctx, req, res, parseAnthropicRequest(await json()), arrivedAt, anthropicDialect);
      case '/v1/messages/count_tokens': {
        post();
        const { model, inputTokens } = countAnthropicTokens(await json());
        if (!catalog.resolve(model)) throw new HttpError(404, 'not_found_error', 'model_not_found', `model: ${model}`, 'model');
        return sendJson(res, 200, { input_tokens: inputTokens });
      }
      case '/v1/embeddings':
        post();
        return answerEmbeddings(ctx, res, await json());
      case '/v1/load_lora_adapter': {
        post();
        const b = asRecord(await json());
        const name = b['lora_name'];
        const lpath = b['lora_path'];
        if (typeof name !== 'string' || name === '') throw badRequest('"lora_name" is required', 'lora_name');
        if (lpath !== undefined && typeof lpath !== 'string') throw badRequest('"lora_path" must be a string', 'lora_path');
        const added = catalog.addAdapter(typeof lpath === 'string' ? { name, path: lpath } : { name });
        if (!added) throw new HttpError(400, 'invalid_request_error', 'lora_already_loaded', `The lora adapter '${name}' has already been loaded.`, 'lora_name');
        return sendText(res, 200, `Success: LoRA adapter '${name}' added successfully.`);
      }
      case '/v1/unload_lora_adapter': {
        post();
        const b = asRecord(await json());
        const name = b['lora_name'];
        if (typeof name !== 'string' || name === '') throw badRequest('"lora_name" is required', 'lora_name');
        if (!catalog.removeAdapter(name)) throw new HttpError(404, 'not_found_error', 'lora_not_found', `The lora adapter '${name}' cannot be found.`, 'lora_name');
        engine.unloadAdapter(name);
        return sendText(res, 200, `Success: LoRA adapter '${name}' removed successfully.`);
      }
      case '/v1/models':
        get();
        return sendJson(res, 200, modelList(catalog.cards(createdSec, options.maxModelLen)));
      case '/health':
        get();
        res.writeHead(200, { 'content-length': 0 }).end();
        return;
      case '/health/ready':
        get();
        res.writeHead(isReady() ? 200 : 503, { 'content-length': 0 }).end();
        return;
      case '/metrics': {
        get();
        const text = await metrics.render();
        res.writeHead(200, { 'content-type': metrics.contentType, 'content-length': Buffer.byteLength(text) }).end(text);
        return;
      }
      case '/admin/state':
        get();
        return sendJson(res, 200, state());
      case '/admin/config': {
        if (method === 'POST') {
          let warnings: string[];
          try {
            warnings = updateConfig(asRecord(await json()));
          } catch (err) {
            if (err instanceof HttpError) throw err;
            throw badRequest((err as Error).message);
          }
          return sendJson(res, 200, adminConfig(warnings));
        }
        get();
        return sendJson(res, 200, adminConfig());
      }
      default: {
        if (await routeProviderPath(ctx, { req, res, path, query, arrivedAt, post, json })) return;
        throw new HttpError(404, 'invalid_request_error', 'not_found', `no route for ${method} ${path}`);
      }
    }
  }

  const server = createServer({ keepAliveTimeout: KEEP_ALIVE_MS, headersTimeout: KEEP_ALIVE_MS + 1000 }, (req, res) => {
    const path = pathOf(req);
    const url = req.url ?? '/';
    const q = url.indexOf('?');
    route(req, res, path, new URLSearchParams(q >= 0 ? url.slice(q + 1) : '')).catch((err: unknown) => {
      if (res.destroyed || req.socket.destroyed) return; // the client went away (e.g. mid-body): nobody to answer
      const httpErr = asHttpError(err);
      if (httpErr.status === 500 && !(err instanceof HttpError)) console.error('[simulator] unexpected error:', err);
      errorWriterFor(path)(res, httpErr);
    });
  });
  // Malformed HTTP: answer 400 when possible, never throw.
  server.on('clientError', (_err, socket) => {
    if (socket.writable) socket.end('HTTP/1.1 400 Bad Request\r\nconnection: close\r\ncontent-length: 0\r\n\r\n');
    else socket.destroy();
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  listenPort = (server.address() as AddressInfo).port;
  options.port = listenPort;
  const urlHost = options.host.includes(':') ? `[${options.host}]` : options.host;

  let closing: Promise<void> | undefined;
  return {
    url: `http://${urlHost}:${listenPort}`,
    port: listenPort,
    host: options.host,
    options,
    setReady: (ready) => {
      options.faultNotReady = !ready;
    },
    updateConfig,
    state,
    close: () => {
      closing ??= new Promise<void>((resolve) => {
        server.close(() => resolve());
        for (const c of inFlight) c.abort(new Error('simulator closing'));
        server.closeAllConnections();
      });
      return closing;
    },
  };
}

export interface SimulatorFleet {
  readonly replicas: readonly RunningSimulator[];
  readonly urls: readonly string[];
  close(): Promise<void>;
}

/**
 * Starts `replicas` simulators (default 1) with the same options on consecutive ports from
 * `options.port` (port 0: each gets an ephemeral port). With more than one replica, replica i is named
 * `<podName or "sim">-<i>` (its x-inference-pod header) and, when a seed is given, seeded seed + i so
 * replicas do not answer in lockstep. If any replica fails to start, the started ones are closed and
 * the error is thrown.
 *
 * The CLI: `const { options, warnings, replicas } = parseSimulatorArgs(argv);
 *           const fleet = await startSimulators({ ...options, replicas });`
 */
export async function startSimulators(
  opts: Partial<SimulatorOptions> & { model: string; replicas?: number },
): Promise<SimulatorFleet> {
  const { replicas: n = 1, ...options } = opts;
  if (!Number.isInteger(n) || n < 1) throw new Error(`startSimulators: replicas must be an integer ≥ 1, got ${n}`);
  const base = options.port ?? defaultSimulatorOptions().port;
  const started: RunningSimulator[] = [];
  try {
    for (let i = 0; i < n; i++) {
      const replica: Partial<SimulatorOptions> & { model: string } = { ...options, port: base === 0 ? 0 : base + i };
      if (n > 1) {
        replica.podName = `${options.podName ?? 'sim'}-${i}`;
        if (options.seed !== undefined) replica.seed = options.seed + i;
      }
      started.push(await startSimulator(replica));
    }
  } catch (err) {
    await Promise.all(started.map((s) => s.close()));
    throw err;
  }
  return {
    replicas: started,
    urls: started.map((s) => s.url),
    close: async () => {
      await Promise.all(started.map((s) => s.close()));
    },
  };
}
