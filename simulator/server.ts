// A vLLM-like model server over node:http: the OpenAI-compatible endpoints, health, readiness and vLLM
// metrics of one simulated replica. Many instances can live in one process (each has its own engine,
// metrics registry and random stream).
//
//   POST /v1/chat/completions, /v1/completions   generation through the engine (see generate.ts)
//   POST /v1/embeddings                           deterministic pseudo-embeddings, answered at once
//                                                 (they do not take an engine slot)
//   GET  /v1/models                               base model, served names, LoRA adapters
//   GET  /health                                  200 while the process serves
//   GET  /health/ready                            200, or 503 during --startup-duration / setReady(false)
//   GET  /metrics                                 Prometheus text, vLLM metric names
//
// Errors are OpenAI-shaped; nothing a client sends can crash the process. Connections are kept alive
// for 65 s so pooled clients (undici) reuse them.

import { createServer } from 'node:http';
import type { IncomingMessage, OutgoingHttpHeaders, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { performance } from 'node:perf_hooks';
import { parseEmbeddingRequest, pseudoEmbedding } from './embeddings.ts';
import { Engine } from './engine.ts';
import { handleGeneration } from './generate.ts';
import type { GenerationContext } from './generate.ts';
import { asHttpError, HttpError, parseJsonBody, pathOf, readBody, sendError, sendJson } from './http-util.ts';
import { LatencyModel } from './latency.ts';
import { SimulatorMetrics } from './metrics.ts';
import { ModelCatalog } from './models.ts';
import { embeddingList, modelList, unixSeconds } from './openai-shapes.ts';
import { defaultSimulatorOptions } from './options.ts';
import type { SimulatorOptions } from './options.ts';
import { createRandom } from './random.ts';
import { parseChatRequest, parseCompletionRequest } from './requests.ts';

export interface RunningSimulator {
  readonly url: string;
  readonly port: number;
  readonly host: string;
  readonly options: SimulatorOptions;
  /** Overrides readiness: false makes /health/ready answer 503 (in addition to --startup-duration). */
  setReady(ready: boolean): void;
  /** Stops listening, ends in-flight requests and closes every connection. */
  close(): Promise<void>;
}

const KEEP_ALIVE_MS = 65_000;

export async function startSimulator(partial: Partial<SimulatorOptions> & { model: string }): Promise<RunningSimulator> {
  const defined = Object.fromEntries(Object.entries(partial).filter(([, v]) => v !== undefined)) as Partial<SimulatorOptions>;
  const options: SimulatorOptions = { ...defaultSimulatorOptions(), ...defined };
  if (options.model.trim() === '') throw new Error('startSimulator: options.model is required');
  if (!(options.maxNumSeqs >= 1)) throw new Error(`startSimulator: maxNumSeqs must be ≥ 1, got ${options.maxNumSeqs}`);

  const rng = createRandom(options.seed);
  const engine = new Engine({
    maxNumSeqs: options.maxNumSeqs,
    maxWaitingQueueLength: options.maxWaitingQueueLength,
    maxLoras: options.maxLoras,
  });
  const catalog = new ModelCatalog(options);
  const metrics = new SimulatorMetrics(engine, {
    modelName: catalog.metricsName,
    maxLoras: options.maxLoras,
    blockSize: options.blockSize,
    kvCacheSize: options.kvCacheSize,
  });
  const createdSec = unixSeconds();
  const readyAt = performance.now() + options.startupDurationMs;
  let readyOverride = true;
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

  async function route(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const arrivedAt = performance.now();
    const path = pathOf(req);
    const method = req.method ?? 'GET';
    const post = (): void => {
      if (method !== 'POST') throw new HttpError(405, 'invalid_request_error', 'method_not_allowed', `${method} is not allowed on ${path}`);
    };
    const get = (): void => {
      if (method !== 'GET' && method !== 'HEAD') {
        throw new HttpError(405, 'invalid_request_error', 'method_not_allowed', `${method} is not allowed on ${path}`);
      }
    };
    switch (path) {
      case '/v1/chat/completions': {
        post();
        const body = parseJsonBody(await readBody(req, bodyLimit));
        return handleGeneration(ctx, req, res, parseChatRequest(body), arrivedAt);
      }
      case '/v1/completions': {
        post();
        const body = parseJsonBody(await readBody(req, bodyLimit));
        return handleGeneration(ctx, req, res, parseCompletionRequest(body), arrivedAt);
      }
      case '/v1/embeddings': {
        post();
        const e = parseEmbeddingRequest(parseJsonBody(await readBody(req, bodyLimit)), options.defaultEmbeddingDimensions);
        const model = catalog.resolve(e.model);
        if (!model) throw new HttpError(404, 'invalid_request_error', 'model_not_found', `The model \`${e.model}\` does not exist.`, 'model');
        metrics.promptProcessed(e.promptTokens);
        const vectors = e.inputs.map((text) => pseudoEmbedding(text, e.dimensions));
        return sendJson(res, 200, embeddingList(model.name, vectors, e.encoding, e.promptTokens), ctx.identityHeaders());
      }
      case '/v1/models':
        get();
        return sendJson(res, 200, modelList(catalog.cards(createdSec, options.maxModelLen)));
      case '/health':
        get();
        res.writeHead(200, { 'content-length': 0 }).end();
        return;
      case '/health/ready': {
        get();
        const ready = readyOverride && performance.now() >= readyAt;
        res.writeHead(ready ? 200 : 503, { 'content-length': 0 }).end();
        return;
      }
      case '/metrics': {
        get();
        const text = await metrics.render();
        res.writeHead(200, { 'content-type': metrics.contentType, 'content-length': Buffer.byteLength(text) }).end(text);
        return;
      }
      default:
        throw new HttpError(404, 'invalid_request_error', 'not_found', `no route for ${method} ${path}`);
    }
  }

  const server = createServer({ keepAliveTimeout: KEEP_ALIVE_MS, headersTimeout: KEEP_ALIVE_MS + 1000 }, (req, res) => {
    route(req, res).catch((err: unknown) => {
      if (res.destroyed || req.socket.destroyed) return; // the client went away (e.g. mid-body): nobody to answer
      const httpErr = asHttpError(err);
      if (httpErr.status === 500) console.error('[simulator] unexpected error:', err);
      sendError(res, httpErr);
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
  const urlHost = options.host.includes(':') ? `[${options.host}]` : options.host;

  let closing: Promise<void> | undefined;
  return {
    url: `http://${urlHost}:${listenPort}`,
    port: listenPort,
    host: options.host,
    options: { ...options, port: listenPort },
    setReady: (ready) => {
      readyOverride = ready;
    },
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
