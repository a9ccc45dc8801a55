// Sends one streaming chat completion through the gateway and measures it: time to the first content
// chunk (TTFT), the usage chunk (prompt, cached and completion tokens), the replica that answered
// (`x-inference-pod`), and the arrival time of every content chunk (for tokens/s per stage).
//
// Contract: `send` never throws; every outcome is classified — ok (200 and a usage chunk), shed (429),
// error (another status, a network error, a stream without usage) or unfinished (aborted by the run's
// deadline). Times are milliseconds from the run's origin (`performance.now()` at the run start).
import { Agent, request } from 'undici';
import type { PlannedRequest } from './workload.ts';

export type Kind = 'ok' | 'shed' | 'error' | 'unfinished';

export interface Outcome {
  readonly index: number;
  readonly stage: number;
  readonly group: number;
  readonly sheddable: boolean;
  readonly kind: Kind;
  readonly status: number;
  readonly sentMs: number;
  /** First content chunk − sent; NaN when none arrived. */
  readonly ttftMs: number;
  /** Last byte − sent (or abort − sent). */
  readonly e2eMs: number;
  readonly pod: string;
  readonly promptTokens: number;
  readonly cachedTokens: number;
  readonly completionTokens: number;
  readonly error?: string;
}

interface Usage {
  prompt_tokens?: number;
  completion_tokens?: number;
  prompt_tokens_details?: { cached_tokens?: number } | null;
}

interface Chunk {
  choices?: { delta?: { content?: string | null } }[];
  usage?: Usage | null;
}

export class StreamClient {
  readonly #agent: Agent;
  readonly #url: string;
  readonly #origin: number;
  readonly #timeoutMs: number;
  /** Arrival time of every content chunk (ms from the origin), in arrival order. */
  readonly tokenTimes: number[] = [];

  /** `origin` is the run's time zero (performance.now()); `timeoutMs` bounds headers and each body gap. */
  constructor(gatewayOrigin: string, origin: number, timeoutMs: number) {
    // Every stream holds its connection to the end; allow far more than the run can have in flight.
    this.#agent = new Agent({ connections: 4096, pipelining: 1, keepAliveTimeout: 30_000, headersTimeout: timeoutMs, bodyTimeout: timeoutMs });
    this.#url = `${gatewayOrigin}/v1/chat/completions`;
    this.#origin = origin;
    this.#timeoutMs = timeoutMs;
  }

  get timeoutMs(): number {
    return this.#timeoutMs;
  }

  async send(p: PlannedRequest, sheddableObjective: string, signal: AbortSignal): Promise<Outcome> {
    const sent = performance.now();
    const sentMs = sent - this.#origin;
    let ttftMs = Number.NaN;
    let status = 0;
    let pod = '';
    let usage: Usage | undefined;
    const base = { index: p.index, stage: p.stage, group: p.group, sheddable: p.sheddable, sentMs };
    const finish = (kind: Kind, error?: string): Outcome => ({
      ...base,
      kind,
      status,
      ttftMs,
      e2eMs: performance.now() - sent,
      pod,
      promptTokens: usage?.prompt_tokens ?? 0,
      cachedTokens: usage?.prompt_tokens_details?.cached_tokens ?? 0,
      completionTokens: usage?.completion_tokens ?? 0,
      ...(error !== undefined ? { error } : {}),
    });
    try {
      const headers: Record<string, string> = { 'content-type': 'application/json' };
      if (p.sheddable) headers['x-gateway-inference-objective'] = sheddableObjective;
      const res = await request(this.#url, { method: 'POST', headers, body: p.body, dispatcher: this.#agent, signal });
      status = res.statusCode;
      const podHeader = res.headers['x-inference-pod'];
      pod = typeof podHeader === 'string' ? podHeader : '';
      if (status !== 200) {
        const text = await res.body.text();
        return finish(status === 429 ? 'shed' : 'error', `${status} ${text.slice(0, 200)}`);
      }
      // SSE: events separated by a blank line, each `data: JSON` or `data: [DONE]`.
      let buffered = '';
      for await (const piece of res.body) {
        buffered += (piece as Buffer).toString('utf8');
        let cut = buffered.indexOf('\n\n');
        while (cut >= 0) {
          const event = buffered.slice(0, cut);
          buffered = buffered.slice(cut + 2);
          cut = buffered.indexOf('\n\n');
          if (!event.startsWith('data: ') || event === 'data: [DONE]') continue;
          const chunk = JSON.parse(event.slice(6)) as Chunk;
          const content = chunk.choices?.[0]?.delta?.content;
          if (typeof content === 'string' && content.length > 0) {
            const now = performance.now();
            if (Number.isNaN(ttftMs)) ttftMs = now - sent;
            this.tokenTimes.push(now - this.#origin);
          }
          if (chunk.usage) usage = chunk.usage;
        }
      }
      return usage ? finish('ok') : finish('error', 'the stream ended without a usage chunk');
    } catch (err) {
      if (signal.aborted) return finish('unfinished', 'aborted at the run deadline');
      return finish('error', err instanceof Error ? err.message : String(err));
    }
  }

  close(): Promise<void> {
    return this.#agent.destroy();
  }
}
