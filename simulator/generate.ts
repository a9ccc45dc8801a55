// The generation handler shared by every dialect (OpenAI chat and text completions, Anthropic
// Messages, Bedrock Converse): faults, admission through the engine, token pacing from the latency
// model, and the answer as a whole body or a stream in the dialect's format.
//
// Each of the `n` choices is its own sequence in the engine (a slot, KV blocks, its own queue wait and
// timings), as vLLM runs parallel sampling; later choices find the prompt in the prefix cache.
//
// Timing headers (the simulator's own numbers, for tests and debugging; milliseconds with up to 3
// decimals). They describe the first choice of a whole-body answer, or the choice whose token opened
// a stream:
//   x-sim-queue-ms       measured time spent waiting to start (slot, adapter slot or KV blocks)
//   x-sim-ttft-ms        computed time from starting to the first token = lora-load + prefill
//   x-sim-prefill-ms     computed prefill time: the latency formula × load factor
//   x-sim-lora-load-ms   computed adapter load wait (0 when loaded or for the base model)
//   x-sim-load-factor    load factor when the sequence started
//   x-sim-running        running sequences when it started, itself included
//   x-sim-prompt-tokens  prompt tokens (tokenizer approximation)
//   x-sim-cached-tokens  prompt tokens served from the prefix cache
//   x-sim-fault-delay-ms injected delay before processing (only when there was one)
//   x-sim-decode-ms      computed decode time, the sum of inter-token waits (whole-body answers only:
//                        a stream's headers leave with its first token)

import { once } from 'node:events';
import type { IncomingMessage, OutgoingHttpHeaders, ServerResponse } from 'node:http';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { openAIDialect } from './dialect.ts';
import type { ChoiceResult, Chunk, Dialect, ResponseMeta } from './dialect.ts';
import { KvCapacityError, QueueFullError } from './engine.ts';
import type { Engine, Sequence } from './engine.ts';
import { planFaults } from './failures.ts';
import { HttpError } from './http-util.ts';
import type { LatencyModel } from './latency.ts';
import type { SimulatorMetrics } from './metrics.ts';
import type { ModelCatalog } from './models.ts';
import { responseId, unixSeconds } from './openai-shapes.ts';
import type { SimulatorOptions } from './options.ts';
import { paceTokens } from './pacer.ts';
import type { Random } from './random.ts';
import type { GenerationRequest } from './requests.ts';
import { planOutput } from './textgen.ts';
import type { OutputPlan } from './textgen.ts';
import { planJsonText, planToolCall } from './tools.ts';

export interface GenerationContext {
  readonly options: SimulatorOptions;
  readonly engine: Engine;
  readonly latency: LatencyModel;
  readonly metrics: SimulatorMetrics;
  readonly catalog: ModelCatalog;
  readonly rng: Random;
  /** Pod identity headers sent on every completion response. */
  identityHeaders(): OutgoingHttpHeaders;
  /** Registers an in-flight request so close() can end it; returns the unregister function. */
  track(controller: AbortController): () => void;
}

function ms(x: number): string {
  return String(Math.round(x * 1000) / 1000);
}

/** The same error with more headers. */
function withHeaders(err: HttpError, headers: OutgoingHttpHeaders): HttpError {
  return new HttpError(err.status, err.type, err.code, err.message, err.param, { ...headers, ...err.headers });
}

interface ChoiceRun {
  readonly plan: OutputPlan;
  seq?: Sequence;
  prefillMs: number;
  ttftMs: number;
  decodeMs: number;
  emitted: number;
}

function result(index: number, r: ChoiceRun): ChoiceResult {
  const c: ChoiceResult = {
    index,
    text: r.plan.toolCalls ? '' : r.plan.tokens.join(''),
    completionTokens: r.plan.tokens.length,
    finishReason: r.plan.finishReason,
    stopReason: r.plan.stopReason,
  };
  if (r.plan.toolCalls) c.toolCalls = r.plan.toolCalls;
  return c;
}

/** The answer of one choice: a tool call, JSON text, or text (textgen.ts). */
function plan(ctx: GenerationContext, g: GenerationRequest): OutputPlan {
  const contextLeft = ctx.options.maxModelLen - g.promptTokens;
  const limit = Math.min(g.maxTokens ?? contextLeft, contextLeft);
  if (g.toolCall) return planToolCall(ctx.rng, g.toolCall, limit);
  if (g.jsonSchema !== undefined) return planJsonText(ctx.rng, g.jsonSchema, limit);
  return planOutput(ctx.rng, {
    mode: ctx.options.mode,
    echoText: g.echoText,
    maxTokens: g.maxTokens,
    contextLeft,
    ignoreEos: g.ignoreEos,
    stop: g.stop,
  });
}

/** Throws HttpError for anything refused before the answer starts; resolves when the response is over. */
export async function handleGeneration(
  ctx: GenerationContext,
  req: IncomingMessage,
  res: ServerResponse,
  g: GenerationRequest,
  arrivedAt: number,
  dialect: Dialect = openAIDialect(g.endpoint),
): Promise<void> {
  const { options, engine, latency, metrics } = ctx;
  const model = ctx.catalog.resolve(g.model);
  if (!model) {
    throw new HttpError(404, 'invalid_request_error', 'model_not_found', `The model \`${g.model}\` does not exist.`, 'model');
  }
  const requested = g.promptTokens + (g.maxTokens ?? 0);
  if (g.promptTokens >= options.maxModelLen || requested > options.maxModelLen) {
    throw new HttpError(
      400,
      'invalid_request_error',
      'context_length_exceeded',
      `This model's maximum context length is ${options.maxModelLen} tokens; the request has ${g.promptTokens} prompt tokens` +
        (g.maxTokens !== undefined ? ` and asks for up to ${g.maxTokens} completion tokens.` : ' and leaves no room for a completion.'),
      g.endpoint === 'chat' ? 'messages' : 'prompt',
    );
  }
  const faults = planFaults(ctx.rng, options, req.headers, model.name);
  const meta: ResponseMeta = {
    id: dialect.newId(),
    created: unixSeconds(),
    model: g.reportServingModel ? ctx.catalog.servingModel(model) : model.name,
  };

  const controller = new AbortController();
  const signal = controller.signal;
  const untrack = ctx.track(controller);
  // The client going away (or close()) aborts: a waiting request leaves the queue, a running one its slot.
  const onClose = (): void => {
    if (!res.writableFinished) controller.abort(new Error('client disconnected'));
  };
  res.on('close', onClose);
  const cleanup = (): void => {
    untrack();
    res.off('close', onClose);
  };

  const headers: OutgoingHttpHeaders = { ...ctx.identityHeaders(), ...dialect.headers(meta) };
  if (options.enableRequestIdHeaders) {
    const incoming = req.headers['x-request-id'];
    headers['x-request-id'] = typeof incoming === 'string' && incoming !== '' ? incoming : responseId('cmpl').slice(5);
  }

  // Faults decided before the engine sees the request.
  try {
    if (faults.delayMs > 0) {
      headers['x-sim-fault-delay-ms'] = ms(faults.delayMs);
      await sleep(faults.delayMs, undefined, { signal });
    }
    if (faults.reset) {
      req.socket.resetAndDestroy();
      cleanup();
      return;
    }
    if (faults.hang) {
      await new Promise<void>((resolve) => {
        if (signal.aborted) resolve();
        else signal.addEventListener('abort', () => resolve(), { once: true });
      });
      cleanup();
      return;
    }
    if (faults.error) throw withHeaders(faults.error, headers);
  } catch (err) {
    cleanup();
    if (signal.aborted) return;
    throw err;
  }

  const runs: ChoiceRun[] = Array.from({ length: g.n }, () => ({
    plan: plan(ctx, g),
    prefillMs: 0,
    ttftMs: 0,
    decodeMs: 0,
    emitted: 0,
  }));

  const timingHeaders = (r: ChoiceRun): OutgoingHttpHeaders => {
    const seq = r.seq as Sequence;
    return {
      'x-sim-queue-ms': ms(seq.queuedMs),
      'x-sim-ttft-ms': ms(r.ttftMs),
      'x-sim-prefill-ms': ms(r.prefillMs),
      'x-sim-lora-load-ms': ms(seq.adapterLoadMs),
      'x-sim-load-factor': ms(latency.loadFactor(seq.runningAtStart)),
      'x-sim-running': String(seq.runningAtStart),
      'x-sim-prompt-tokens': String(g.promptTokens),
      'x-sim-cached-tokens': String(seq.cachedTokens),
    };
  };

  let firstTokenAt = 0;
  let chunks = 0;
  let failure: unknown;
  let cut = false;
  /** Injected abort: writes `last`, then cuts the connection once it has left (not before, or it would be lost). */
  const cutConnection = (last: Chunk): void => {
    cut = true;
    controller.abort(new Error('injected fault: connection cut'));
    const fallback = setTimeout(() => res.destroy(), 1000); // a client that does not read
    fallback.unref();
    res.write(last, () => {
      clearTimeout(fallback);
      res.destroy();
    });
  };
  const write = async (data: Chunk | undefined): Promise<void> => {
    if (data === undefined || data.length === 0) return;
    if (!res.write(data)) await once(res, 'drain', { signal });
  };

  const runChoice = async (index: number, r: ChoiceRun): Promise<void> => {
    const seq = await engine.admit({
      adapter: model.adapter,
      promptText: g.promptText,
      promptTokens: g.promptTokens,
      promptTokenIds: g.promptTokenIds,
      outputTokens: r.plan.tokens.length,
      signal,
    });
    r.seq = seq;
    try {
      r.prefillMs = latency.timeToFirstTokenMs(g.promptTokens, seq.cachedTokens, seq.runningAtStart);
      r.ttftMs = seq.adapterLoadMs + r.prefillMs;
      const tokens = r.plan.tokens;
      const last = tokens.length - 1;
      const { decodeMs } = await paceTokens({
        count: tokens.length,
        timeToFirstTokenMs: r.ttftMs,
        interTokenMs: () => {
          const wait = latency.interTokenMs(engine.running);
          metrics.interToken(wait / 1000);
          return wait;
        },
        signal,
        emit: async (i) => {
          r.emitted = i + 1;
          seq.generated(i + 1);
          if (firstTokenAt === 0) {
            firstTokenAt = performance.now();
            metrics.promptProcessed(g.promptTokens);
          }
          if (!g.stream) return;
          if (!res.headersSent) {
            res.writeHead(200, { ...headers, ...timingHeaders(r), 'content-type': dialect.streamContentType, 'cache-control': 'no-cache' });
            const open = dialect.streamOpen(meta, { promptTokens: g.promptTokens, cachedTokens: seq.cachedTokens, toolCall: r.plan.toolCalls !== undefined }) ?? '';
            if (faults.abortAfterChunks === 0) return cutConnection(open);
            if (open.length > 0) res.write(open);
          }
          const step = r.plan.steps?.[i];
          const call = step ? r.plan.toolCalls?.[step.call] : undefined;
          const tool = step && call ? { ...step, id: call.id, name: call.name } : undefined;
          const data = dialect.streamToken(meta, index, i, tokens[i] as string, i === last ? result(index, r) : undefined, tool);
          if (data === undefined) return;
          if (faults.abortAfterChunks !== undefined && ++chunks >= faults.abortAfterChunks) return cutConnection(data);
          await write(data);
        },
      });
      r.decodeMs = decodeMs;
    } finally {
      seq.release();
    }
  };

  await Promise.all(
    runs.map((r, i) =>
      runChoice(i, r).catch((err: unknown) => {
        if (signal.aborted) return;
        failure = err; // e.g. the queue filled up before a later choice got in: end every choice
        controller.abort(err);
      }),
    ),
  );

  const emitted = runs.reduce((s, r) => s + r.emitted, 0);
  metrics.tokensGenerated(emitted);
  cleanup();

  if (failure !== undefined) {
    if (res.headersSent) {
      res.destroy();
      return;
    }
    if (failure instanceof QueueFullError) {
      throw new HttpError(429, 'rate_limit_error', 'rate_limit_exceeded', `Too many requests: ${failure.message}.`, null, {
        ...headers,
        'retry-after': '1',
      });
    }
    if (failure instanceof KvCapacityError) {
      throw new HttpError(400, 'invalid_request_error', 'context_length_exceeded', `${failure.message}.`, g.endpoint === 'chat' ? 'messages' : 'prompt', headers);
    }
    throw failure;
  }
  if (signal.aborted) {
    // Client gone, simulator closing or an injected cut: nothing more to send; never leave a socket half-written.
    if (!cut && res.headersSent && !res.destroyed) res.destroy();
    return;
  }

  const first = runs[0] as ChoiceRun;
  const choices = runs.map((r, i) => result(i, r));
  const usage = {
    promptTokens: g.promptTokens,
    completionTokens: choices.reduce((s, c) => s + c.completionTokens, 0),
    cachedTokens: (first.seq as Sequence).cachedTokens,
    latencyMs: performance.now() - arrivedAt,
  };
  if (g.stream) {
    res.end(dialect.streamClose(meta, choices, usage, g.includeUsage));
  } else {
    const body = Buffer.from(JSON.stringify(dialect.body(meta, choices, usage)), 'utf8');
    res.writeHead(200, {
      ...headers,
      ...dialect.bodyHeaders?.(usage),
      ...timingHeaders(first),
      'x-sim-decode-ms': ms(first.decodeMs),
      'content-type': 'application/json',
      'content-length': body.length,
    });
    if (faults.abortAfterChunks !== undefined) {
      cutConnection(body.subarray(0, body.length >> 1));
      return;
    }
    res.end(body);
  }
  const end = performance.now();
  metrics.requestFinished({
    finishReason: first.plan.finishReason,
    ttftSec: (firstTokenAt - arrivedAt) / 1000,
    e2eSec: (end - arrivedAt) / 1000,
    queueSec: (first.seq as Sequence).queuedMs / 1000,
    completionTokens: first.plan.tokens.length,
  });
}
