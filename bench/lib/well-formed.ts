// Well-formed chat requests for the chaos benchmark, through an ordinary HTTP client (undici), and how
// each one ended: a whole answer (a streamed one read to its `[DONE]`), an error status, an error
// event in a stream, a stream or body cut without one, or no answer at all.
import { request } from 'undici';
import type { Dispatcher } from 'undici';

export type Outcome = 'ok' | 'error-status' | 'stream-error-event' | 'stream-cut' | 'body-cut' | 'no-response';

export interface WellFormedResult {
  /** When it started, ms since the run started. */
  readonly at: number;
  readonly model: string;
  readonly stream: boolean;
  /** 0 when no answer came. */
  readonly status: number;
  readonly outcome: Outcome;
  /** Until the last byte (or the failure), ms. */
  readonly ms: number;
  /** The catalogue code of an error answer or event, or the client error. */
  readonly code?: string | undefined;
  /** The error's message, shortened. */
  readonly message?: string | undefined;
}

const ERROR_EVENT = /^data: \{"error"|^event: error/m;

export async function wellFormed(dispatcher: Dispatcher, origin: string, model: string, stream: boolean, runStart: number, timeoutMs: number): Promise<WellFormedResult> {
  const started = performance.now();
  const base = { at: started - runStart, model, stream };
  const body = JSON.stringify({ model, stream, max_tokens: 16, messages: [{ role: 'user', content: 'Tell me about gateways under fire.' }] });
  let res: Dispatcher.ResponseData;
  try {
    res = await request(`${origin}/v1/chat/completions`, { dispatcher, method: 'POST', headers: { 'content-type': 'application/json' }, body, headersTimeout: timeoutMs, bodyTimeout: timeoutMs });
  } catch (err) {
    return { ...base, status: 0, outcome: 'no-response', ms: performance.now() - started, code: (err as { code?: string }).code ?? (err as Error).message };
  }
  let text = '';
  let cut: string | undefined;
  try {
    for await (const chunk of res.body) text += (chunk as Buffer).toString('utf8');
  } catch (err) {
    cut = (err as { code?: string }).code ?? (err as Error).message;
  }
  const ms = performance.now() - started;
  const status = res.statusCode;
  if (status !== 200) {
    const code = /"code":"([^"]+)"/.exec(text)?.[1] ?? cut;
    const message = /"message":"((?:[^"\\]|\\.){0,160})/.exec(text)?.[1];
    return { ...base, status, outcome: 'error-status', ms, code, message };
  }
  if (stream) {
    if (/^data: \[DONE\]/m.test(text) && cut === undefined) return { ...base, status, outcome: 'ok', ms };
    if (ERROR_EVENT.test(text)) return { ...base, status, outcome: 'stream-error-event', ms, code: /"code":"([^"]+)"/.exec(text)?.[1] };
    return { ...base, status, outcome: 'stream-cut', ms, code: cut ?? 'ended without [DONE] or an error event' };
  }
  if (cut !== undefined) return { ...base, status, outcome: 'body-cut', ms, code: cut };
  try {
    const json = JSON.parse(text) as { choices?: unknown[] };
    if (Array.isArray(json.choices)) return { ...base, status, outcome: 'ok', ms };
  } catch {
    // falls through
  }
  return { ...base, status, outcome: 'body-cut', ms, code: 'not a whole chat completion' };
}
