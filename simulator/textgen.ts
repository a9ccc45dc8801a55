// Output planning: how many tokens a request generates, why it stops, and the text of each token.

import type { Random } from './random.ts';
import { tokenize } from './tokenizer.ts';

export type FinishReason = 'stop' | 'length';

export interface OutputPlan {
  /** One string per generated token; joined they are the completion text (not for tool calls, see below). */
  tokens: string[];
  finishReason: FinishReason;
  /** The stop string that ended the output, if one did (vLLM's `stop_reason`). */
  stopReason?: string;
  /**
   * Set when the model calls tools instead of answering with text (tools.ts): the answer's text is
   * empty, `tokens` are the tool calls' tokens (name, then arguments) and `steps` says, token by
   * token, which call it belongs to and what piece of the arguments it carries.
   */
  toolCalls?: PlannedToolCall[];
  steps?: ToolStep[];
}

/** One tool call of an answer. `arguments` is JSON text (cut short only when the token limit hit). */
export interface PlannedToolCall {
  id: string;
  name: string;
  arguments: string;
}

/** What one generated token of a tool-call answer carries, for the stream writers. */
export interface ToolStep {
  /** Index of the call in `toolCalls`. */
  call: number;
  /** The call's first token: a stream announces the call (id and name) here. */
  header: boolean;
  /** The piece of the call's arguments this token adds ('' for the name's tokens). */
  args: string;
}

// Bucket probabilities for the length of a random answer when max_tokens is given (upstream behaviour):
// most answers are short or medium, some run to the limit.
const BUCKET_WEIGHTS = [0.2, 0.3, 0.2, 0.05, 0.1, 0.15] as const;
const FIXED_BUCKET_WIDTH = 20;

/**
 * Samples an output length in [1, maxTokens]. For maxTokens ≤ 120 the range is cut in six equal buckets;
 * above, buckets 1–3, 5 and 6 are 20 tokens wide and bucket 4 spans the middle. A length equal to
 * maxTokens finishes with "length".
 */
export function sampleLengthWithLimit(rng: Random, maxTokens: number): number {
  const r = rng.next();
  let bucket = 0;
  let acc = 0;
  for (; bucket < BUCKET_WEIGHTS.length - 1; bucket++) {
    acc += BUCKET_WEIGHTS[bucket] as number;
    if (r < acc) break;
  }
  let lo: number;
  let hi: number;
  if (maxTokens <= 6 * FIXED_BUCKET_WIDTH) {
    lo = Math.floor((bucket * maxTokens) / 6) + 1;
    hi = Math.floor(((bucket + 1) * maxTokens) / 6);
  } else {
    const w = FIXED_BUCKET_WIDTH;
    const bounds: [number, number][] = [
      [1, w],
      [w + 1, 2 * w],
      [2 * w + 1, 3 * w],
      [3 * w + 1, maxTokens - 2 * w],
      [maxTokens - 2 * w + 1, maxTokens - w],
      [maxTokens - w + 1, maxTokens],
    ];
    [lo, hi] = bounds[bucket] as [number, number];
  }
  if (hi < lo) hi = lo; // tiny limits: some buckets are empty, use their lower edge
  return Math.min(maxTokens, Math.max(1, rng.int(lo, hi)));
}

/** Without max_tokens: Gaussian around 40 tokens (sd 20), within [1, room left in the context]. */
export function sampleLengthUnbounded(rng: Random, contextLeft: number): number {
  const n = Math.round(40 + 20 * rng.gaussian());
  return Math.max(1, Math.min(contextLeft, n));
}

export const WORDS = [
  'the', 'model', 'gateway', 'request', 'token', 'answer', 'cluster', 'river', 'signal', 'window',
  'quietly', 'returns', 'careful', 'bright', 'morning', 'garden', 'system', 'simple', 'measure', 'light',
  'travels', 'between', 'servers', 'and', 'a', 'of', 'with', 'under', 'every', 'small',
  'question', 'deserves', 'clear', 'result', 'moves', 'through', 'open', 'field', 'stream', 'batch',
  'latency', 'keeps', 'steady', 'while', 'queue', 'grows', 'shorter', 'after', 'noon', 'data',
  'is', 'are', 'was', 'will', 'can', 'often', 'never', 'always', 'here', 'there',
  'mountain', 'paper', 'engine', 'pilot', 'harbor', 'lantern', 'compass', 'journey', 'patient', 'kind',
] as const;

/**
 * Generates `count` tokens of plausible English-looking sentences (one word per token, leading space
 * after the first). Sentences are 5–14 words; the text ends with a period when finishReason is "stop".
 */
export function randomTokens(rng: Random, count: number, finishReason: FinishReason): string[] {
  const out: string[] = [];
  let sentenceLeft = rng.int(5, 14);
  let startOfSentence = true;
  for (let i = 0; i < count; i++) {
    let word: string = rng.pick(WORDS);
    if (startOfSentence) word = word.charAt(0).toUpperCase() + word.slice(1);
    sentenceLeft--;
    const last = i === count - 1;
    if (sentenceLeft === 0 || (last && finishReason === 'stop')) {
      word += '.';
      sentenceLeft = rng.int(5, 14);
      startOfSentence = true;
    } else {
      startOfSentence = false;
    }
    out.push(i === 0 ? word : ' ' + word);
  }
  return out;
}

export interface PlanInput {
  mode: 'random' | 'echo';
  /** Text returned in echo mode. */
  echoText: string;
  /** max_tokens / max_completion_tokens, if the client gave one. */
  maxTokens: number | undefined;
  /** Tokens left in the context window after the prompt (≥ 1). */
  contextLeft: number;
  /** vLLM's `ignore_eos`: generate exactly maxTokens (stop strings still apply). */
  ignoreEos: boolean;
  /** Stop strings. */
  stop?: readonly string[];
}

/**
 * Cuts the output at the first occurrence of any stop string. Generation runs until the token that
 * completes the stop string (those tokens are generated and counted, as by a real engine), but the
 * text ends just before the stop string: tokens past that point carry empty text.
 */
export function applyStop(plan: OutputPlan, stop: readonly string[] | undefined): OutputPlan {
  if (stop === undefined || stop.length === 0) return plan;
  const text = plan.tokens.join('');
  let at = -1;
  let matched = '';
  for (const s of stop) {
    if (s === '') continue;
    const i = text.indexOf(s);
    if (i >= 0 && (at < 0 || i < at || (i === at && s.length > matched.length))) {
      at = i;
      matched = s;
    }
  }
  if (at < 0) return plan;
  const end = at + matched.length;
  const tokens: string[] = [];
  let pos = 0;
  for (const t of plan.tokens) {
    const from = pos;
    pos += t.length;
    tokens.push(t.slice(0, Math.max(0, Math.min(t.length, at - from))));
    if (pos >= end) break;
  }
  return { tokens, finishReason: 'stop', stopReason: matched };
}

export function planOutput(rng: Random, input: PlanInput): OutputPlan {
  return applyStop(planUnstopped(rng, input), input.stop);
}

function planUnstopped(rng: Random, input: PlanInput): OutputPlan {
  const limit = Math.min(input.maxTokens ?? input.contextLeft, input.contextLeft);
  if (input.mode === 'echo') {
    const all = tokenize(input.echoText);
    if (all.length === 0) return { tokens: [''], finishReason: 'stop' };
    return all.length > limit ? { tokens: all.slice(0, limit), finishReason: 'length' } : { tokens: all, finishReason: 'stop' };
  }
  let count: number;
  if (input.ignoreEos) count = limit;
  else if (input.maxTokens !== undefined) count = sampleLengthWithLimit(rng, limit);
  else count = sampleLengthUnbounded(rng, limit);
  const finishReason: FinishReason = count >= limit ? 'length' : 'stop';
  return { tokens: randomTokens(rng, count, finishReason), finishReason };
}
