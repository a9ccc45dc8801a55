// The completion handler shared by /v1/chat/completions and /v1/completions: admission through the
// engine, token pacing from the latency model, and the OpenAI response (whole body or SSE stream).
//
// Timing headers (the simulator's own numbers, for tests and debugging; milliseconds with up to 3
// decimals):
//   x-sim-queue-ms      measured time spent waiting for a slot
//   x-sim-ttft-ms       computed time from getting a slot to the first token (prefill × load factor)
//   x-sim-load-factor   load factor when the request started running
//   x-sim-running       running sequences when it started, itself included
//   x-sim-prompt-tokens prompt tokens (≈ 4 characters each)
//   x-sim-cached-tokens prompt tokens served from the prefix cache (always 0 for now)
//   x-sim-decode-ms     computed decode time, the sum of inter-token waits (whole-body responses only:
//                       a stream's headers leave before decoding)
// A stream's headers are written together with its first token, so they can carry these values.

import { once } from 'node:events';
import type { IncomingMessage, OutgoingHttpHeaders, ServerResponse } from 'node:http';
import { performance } from 'node:perf_hooks';
import { QueueFullError } from './engine.ts';
import type { Engine } from './engine.ts';
import { maybeInjectFailure } from './failures.ts';
import { HttpError, sendJson } from './http-util.ts';
import type { LatencyModel } from './latency.ts';
import type { SimulatorMetrics } from './metrics.ts';
import type { ModelCatalog } from './models.ts';
import {
  chatChunk,
  chatCompletion,
  responseId,
  SSE_DONE,
  sseData,
  textChunk,
  textCompletion,
  unixSeconds,
  usage,
  usageChunk,
} from './openai-shapes.ts';
import type { ResponseMeta } from './openai-shapes.ts';
import type { SimulatorOptions } from './options.ts';
import { paceTokens } from './pacer.ts';
import type { Random } from './random.ts';
import type { GenerationRequest } from './requests.ts';
import { planOutput } from './textgen.ts';

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

/** Throws HttpError for anything refused before running; resolves when the response is over. */
export async function handleGeneration(
  ctx: GenerationContext,
  req: IncomingMessage,
  res: ServerResponse,
  g: GenerationRequest,
  arrivedAt: number,
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
  const injected = maybeInjectFailure(ctx.rng, options.failureInjectionRate, options.failureTypes, model.name);
  if (injected) throw injected;

  const plan = planOutput(ctx.rng, {
    mode: options.mode,
    echoText: g.echoText,
    maxTokens: g.maxTokens,
    contextLeft: options.maxModelLen - g.promptTokens,
    ignoreEos: g.ignoreEos,
  });

  const controller = new AbortController();
  const signal = controller.signal;
  const untrack = ctx.track(controller);
  // The client going away (or close()) aborts: a waiting request leaves the queue, a running one its slot.
  const onClose = (): void => {
    if (!res.writableFinished) controller.abort(new Error('client disconnected'));
  };
  res.on('close', onClose);

  const headers: OutgoingHttpHeaders = { ...ctx.identityHeaders() };
  if (options.enableRequestIdHeaders) {
    const incoming = req.headers['x-request-id'];
    headers['x-request-id'] = typeof incoming === 'string' && incoming !== '' ? incoming : responseId('cmpl').slice(5);
  }

  let seq;
  try {
    seq = await engine.admit({ adapter: model.adapter, promptText: g.promptText, promptTokens: g.promptTokens, signal });
  } catch (err) {
    untrack();
    res.off('close', onClose);
    if (err instanceof QueueFullError) {
      throw new HttpError(429, 'rate_limit_error', 'rate_limit_exceeded', `Too many requests: ${err.message}.`, null, {
        ...headers,
        'retry-after': '1',
      });
    }
    if (signal.aborted) return;
    throw err;
  }

  const meta: ResponseMeta = { id: responseId(g.endpoint === 'chat' ? 'chatcmpl' : 'cmpl'), created: unixSeconds(), model: model.name };
  const runningAtStart = engine.running;
  const ttftMs = latency.timeToFirstTokenMs(g.promptTokens, seq.cachedTokens, runningAtStart);
  Object.assign(headers, {
    'x-sim-queue-ms': ms(seq.queuedMs),
    'x-sim-ttft-ms': ms(ttftMs),
    'x-sim-load-factor': ms(latency.loadFactor(runningAtStart)),
    'x-sim-running': String(runningAtStart),
    'x-sim-prompt-tokens': String(g.promptTokens),
    'x-sim-cached-tokens': String(seq.cachedTokens),
  });

  const tokens = plan.tokens;
  const last = tokens.length - 1;
  let emitted = 0;
  let firstTokenAt = 0;
  const onToken = (i: number): void => {
    emitted = i + 1;
    if (i === 0) {
      firstTokenAt = performance.now();
      metrics.promptProcessed(g.promptTokens);
    }
  };

  try {
    if (g.stream) {
      await paceTokens({
        count: tokens.length,
        timeToFirstTokenMs: ttftMs,
        interTokenMs: () => latency.interTokenMs(engine.running),
        signal,
        emit: async (i) => {
          onToken(i);
          if (i === 0) {
            res.writeHead(200, { ...headers, 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
          }
          const finish = i === last ? plan.finishReason : null;
          const chunk =
            g.endpoint === 'chat'
              ? chatChunk(meta, i === 0 ? { role: 'assistant', content: tokens[i] as string } : { content: tokens[i] as string }, finish)
              : textChunk(meta, tokens[i] as string, finish);
          if (!res.write(sseData(chunk))) await once(res, 'drain', { signal });
        },
      });
      if (g.includeUsage) res.write(sseData(usageChunk(g.endpoint, meta, usage(g.promptTokens, tokens.length))));
      res.end(SSE_DONE);
    } else {
      const { decodeMs } = await paceTokens({
        count: tokens.length,
        timeToFirstTokenMs: ttftMs,
        interTokenMs: () => latency.interTokenMs(engine.running),
        signal,
        emit: onToken,
      });
      const text = tokens.join('');
      const u = usage(g.promptTokens, tokens.length);
      const body =
        g.endpoint === 'chat' ? chatCompletion(meta, text, plan.finishReason, u) : textCompletion(meta, text, plan.finishReason, u);
      sendJson(res, 200, body, { ...headers, 'x-sim-decode-ms': ms(decodeMs) });
    }
    const end = performance.now();
    metrics.requestFinished({
      finishReason: plan.finishReason,
      ttftSec: (firstTokenAt - arrivedAt) / 1000,
      e2eSec: (end - arrivedAt) / 1000,
      queueSec: seq.queuedMs / 1000,
      completionTokens: tokens.length,
    });
  } catch (err) {
    if (!signal.aborted) throw err;
    // Client gone or simulator closing: nothing more to send; make sure the socket is not left half-written.
    if (res.headersSent && !res.destroyed) res.destroy();
  } finally {
    seq.release();
    metrics.tokensGenerated(emitted);
    untrack();
    res.off('close', onClose);
  }
}
