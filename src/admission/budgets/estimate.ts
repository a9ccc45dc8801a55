// The token estimate a budget reserves before a request runs.
//
// Input tokens: the characters of every string in the request body except media payloads, divided
// by `charsPerToken` (4, the usual figure for English with BPE tokenizers) and multiplied by
// `safetyFactor` (default 1.25, to cover code, non-English text and tokenizer variance), rounded up,
// plus `perMessageTokens` (4) for each chat message's framing. Media (`data:` URIs, base64 `data`
// and `b64_json` fields) counts `mediaTokens` (1,000) per item instead of its length. Object keys
// and JSON syntax are not counted.
// Output tokens: the request's own cap — `max_completion_tokens`, `max_tokens`, `max_output_tokens`
// (Responses API) or Gemini's `generationConfig.maxOutputTokens` — times `n` choices; when the
// request sets none, `defaultMaxOutputTokens` (4,096; 0 for embeddings).
//
// Non-English text can take more tokens than characters/4 × 1.25 (CJK is often ~1 token per
// character); a request that outgrows its reservation is still charged exactly, and fails only if
// the budget cannot cover the excess (budget-store.ts). Raise the safety factor for such traffic.

export interface EstimateOptions {
  readonly charsPerToken?: number | undefined;
  readonly safetyFactor?: number | undefined;
  readonly perMessageTokens?: number | undefined;
  readonly mediaTokens?: number | undefined;
  readonly defaultMaxOutputTokens?: number | undefined;
}

export interface TokenEstimate {
  readonly inputTokens: number;
  readonly outputTokens: number;
}

const MEDIA_FIELDS = new Set(['data', 'b64_json']);

interface Tally {
  chars: number;
  media: number;
}

function walk(v: unknown, key: string | undefined, t: Tally, depth: number): void {
  if (depth > 64) return;
  if (typeof v === 'string') {
    if (v.startsWith('data:') || (key !== undefined && MEDIA_FIELDS.has(key) && v.length > 256)) t.media++;
    else t.chars += v.length;
    return;
  }
  if (typeof v !== 'object' || v === null) return;
  if (Array.isArray(v)) {
    for (const x of v) walk(x, key, t, depth + 1);
    return;
  }
  for (const k in v) {
    if (k === 'model' || k === 'stream' || k === 'stream_options') continue;
    walk((v as Record<string, unknown>)[k], k, t, depth + 1);
  }
}

function positiveInt(v: unknown): number | undefined {
  return typeof v === 'number' && Number.isFinite(v) && v > 0 ? Math.ceil(v) : undefined;
}

/** The estimate for one request body (parsed JSON); an absent body estimates 0 input tokens. */
export function estimateTokens(body: Readonly<Record<string, unknown>> | undefined, options: EstimateOptions = {}): TokenEstimate {
  const charsPerToken = options.charsPerToken ?? 4;
  const safety = options.safetyFactor ?? 1.25;
  const perMessage = options.perMessageTokens ?? 4;
  const mediaTokens = options.mediaTokens ?? 1000;
  const t: Tally = { chars: 0, media: 0 };
  let messages = 0;
  if (body !== undefined) {
    walk(body, undefined, t, 0);
    for (const k of ['messages', 'contents', 'input']) {
      const list = body[k];
      if (Array.isArray(list)) messages += list.length;
    }
  }
  const inputTokens = Math.ceil((t.chars / charsPerToken) * safety) + messages * perMessage + t.media * mediaTokens;
  const gen = body?.['generationConfig'];
  const cap =
    positiveInt(body?.['max_completion_tokens']) ??
    positiveInt(body?.['max_tokens']) ??
    positiveInt(body?.['max_output_tokens']) ??
    (typeof gen === 'object' && gen !== null ? positiveInt((gen as Record<string, unknown>)['maxOutputTokens']) : undefined);
  const n = positiveInt(body?.['n']) ?? 1;
  const outputTokens = (cap ?? Math.max(0, options.defaultMaxOutputTokens ?? 4096)) * n;
  return { inputTokens, outputTokens };
}
