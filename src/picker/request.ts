// Building the scheduling request from an OpenAI request body. The prompt text for prefix hashing is
// the JSON serialisation of `messages` (chat) or `prompt` (completions), as upstream. Only its first
// `limit` characters can matter (the longest prefix any scorer reads), so serialisation stops there:
// messages after the limit are not serialised, and strings longer than what is left are cut before
// serialising, so a 200 KB conversation costs about as much to prepare as a 16 KB one.

/**
 * Text whose first `limit` characters equal those of the prompt's serialisation (all of it when it
 * is shorter); '' when `limit` ≤ 0 or the body has neither `messages` nor `prompt`.
 */
export function promptText(body: Readonly<Record<string, unknown>> | undefined, limit: number): string {
  if (!body || limit <= 0) return '';
  const messages = body['messages'];
  if (Array.isArray(messages)) {
    // The characters of JSON.stringify(messages), built one message at a time.
    let s = '[';
    for (let i = 0; i < messages.length; i++) {
      if (i > 0) s += ',';
      s += stringifyPrefix(messages[i], limit - s.length);
      if (s.length >= limit) return s;
    }
    return s + ']';
  }
  const prompt = body['prompt'];
  if (typeof prompt === 'string') return prompt;
  if (prompt !== undefined && prompt !== null) return stringifyPrefix(prompt, limit);
  return '';
}

/**
 * JSON of `value`, exact in its first `need` characters. Strings longer than need + 2 are cut to
 * that length first: every character before a cut serialises as it would uncut (a pair of UTF-16
 * surrogates split by the cut only changes the escape of the last kept unit, at output position
 * ≥ need + 1), and each kept character yields at least one output character, so the output is
 * exact up to position need.
 */
function stringifyPrefix(value: unknown, need: number): string {
  const cap = need + 2;
  if (!hasLongString(value, cap, 0)) return JSON.stringify(value) ?? 'null';
  return JSON.stringify(value, (_key, v: unknown) => (typeof v === 'string' && v.length > cap ? v.slice(0, cap) : v)) ?? 'null';
}

/** Whether `value` holds a string longer than `cap` (deep structures are assumed to). */
function hasLongString(value: unknown, cap: number, depth: number): boolean {
  if (typeof value === 'string') return value.length > cap;
  if (typeof value !== 'object' || value === null) return false;
  if (depth >= 4) return true;
  if (Array.isArray(value)) {
    for (const v of value) if (hasLongString(v, cap, depth + 1)) return true;
    return false;
  }
  for (const k in value) if (hasLongString((value as Record<string, unknown>)[k], cap, depth + 1)) return true;
  return false;
}

/** vLLM's `cache_salt` (isolates prefix caches between tenants); '' when absent. */
export function cacheSaltOf(body: Readonly<Record<string, unknown>> | undefined): string {
  const salt = body?.['cache_salt'];
  return typeof salt === 'string' ? salt : '';
}
