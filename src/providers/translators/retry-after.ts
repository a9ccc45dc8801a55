// The upstream's `retry-after`, carried onto a translated error answer: a provider's 429/503 hint is
// the client's best guide to when to come back, whichever API it speaks. Only a plausible value is
// passed on (delta-seconds or an HTTP-date), never arbitrary upstream text in a response header.
import type { IncomingHttpHeaders } from 'node:http';
import type { TranslatedError } from '../../runtime/translator.ts';

const PLAUSIBLE = /^(?:\d{1,9}|[A-Za-z]{3}, \d{2} [A-Za-z]{3} \d{4} \d{2}:\d{2}:\d{2} GMT)$/;

/** `out` with the upstream's `retry-after` header added when it has a plausible one. */
export function withRetryAfter(out: TranslatedError, headers: IncomingHttpHeaders): TranslatedError {
  const raw = headers['retry-after'];
  const value = typeof raw === 'string' ? raw.trim() : undefined;
  if (value === undefined || !PLAUSIBLE.test(value)) return out;
  return { ...out, headers: { ...out.headers, 'retry-after': value } };
}
