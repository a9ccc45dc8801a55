// Shared pieces of the Gemini translators (openai-to-gemini, gemini-to-openai, gemini-to-gemini): the
// Vertex model path, finish reasons, usage, ids and times, and the JSON Schema ↔ Gemini `Schema`
// conversion. Field names follow Google's REST references:
//   - Vertex AI `projects.locations.publishers.models.generateContent` / `streamGenerateContent`
//     (GenerateContentRequest, GenerateContentResponse, Candidate, Part, UsageMetadata);
//   - the Gemini API reference (ai.google.dev/api/generate-content), which Gemini clients such as
//     `@google/genai` speak: the same message shapes under `/v1beta/models/{model}:…`.
// Mappings between the OpenAI and Gemini vocabularies follow reference §4 "OpenAI → GCP Vertex Gemini".
import { createHash } from 'node:crypto';
import { GatewayError } from '../../errors.ts';
import type { TokenUsage } from '../../runtime/usage.ts';

export type Json = Record<string, unknown>;

export function isObject(v: unknown): v is Json {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

export function str(v: unknown): string | undefined {
  return typeof v === 'string' ? v : undefined;
}

export function num(v: unknown): number | undefined {
  return typeof v === 'number' && Number.isFinite(v) ? v : undefined;
}

export function arr(v: unknown): unknown[] {
  return Array.isArray(v) ? v : [];
}

export function unprocessable(message: string, param?: string): GatewayError {
  return new GatewayError('unprocessable_request', message, param === undefined ? {} : { param });
}

/**
 * The Vertex publisher-model path, without the `/v1/projects/{p}/locations/{r}/` prefix the GCP
 * auth step adds (reference §4): `publishers/google/models/{model}:{method}`. Streams ask for
 * `alt=sse` so the answer is server-sent events rather than one JSON array. The model is
 * percent-encoded so a name can never leave the models collection.
 */
export function vertexModelPath(model: string, method: 'generateContent' | 'streamGenerateContent' | 'predict'): string {
  const path = `publishers/google/models/${encodeURIComponent(model)}:${method}`;
  return method === 'streamGenerateContent' ? path + '?alt=sse' : path;
}

/** Gemini 2.5 and later accept plain JSON Schema (`responseJsonSchema`, `parametersJsonSchema`). */
export function acceptsJsonSchema(model: string): boolean {
  return /gemini-(?:2\.5|[3-9])/i.test(model);
}

// ---------------------------------------------------------------------------------------------
// Finish reasons (Vertex `Candidate.FinishReason`; reference §4).

/**
 * Gemini finish reason → OpenAI `finish_reason`: STOP → `stop`, or `tool_calls` when the candidate
 * called a function; MAX_TOKENS → `length`; the blocking reasons (SAFETY, BLOCKLIST,
 * PROHIBITED_CONTENT, SPII, MODEL_ARMOR and the image ones) → `content_filter`. The rest have no
 * OpenAI counterpart and keep their meaning as a lower-case custom reason (reference §4:
 * `recitation`, `malformed_function_call`, `other`, …). Undefined while the candidate is unfinished.
 */
export function openAIFinishReason(reason: string | undefined, calledFunction: boolean): string | null {
  switch (reason) {
    case undefined:
    case '':
      return null;
    case 'STOP':
    case 'FINISH_REASON_UNSPECIFIED':
      return calledFunction ? 'tool_calls' : 'stop';
    case 'MAX_TOKENS':
      return 'length';
    case 'SAFETY':
    case 'BLOCKLIST':
    case 'PROHIBITED_CONTENT':
    case 'SPII':
    case 'MODEL_ARMOR':
    case 'IMAGE_SAFETY':
    case 'IMAGE_PROHIBITED_CONTENT':
    case 'IMAGE_RECITATION':
      return 'content_filter';
    default:
      return reason.toLowerCase();
  }
}

/** OpenAI `finish_reason` → Gemini finish reason (for Gemini clients of OpenAI backends). */
export function geminiFinishReason(reason: string | null | undefined): string | undefined {
  switch (reason) {
    case null:
    case undefined:
      return undefined;
    case 'stop':
    case 'tool_calls':
    case 'function_call':
      return 'STOP';
    case 'length':
      return 'MAX_TOKENS';
    case 'content_filter':
      return 'SAFETY';
    default:
      return 'OTHER';
  }
}

// ---------------------------------------------------------------------------------------------
// Usage (Vertex `GenerateContentResponse.UsageMetadata`; reference §4 and §6).

/**
 * Gemini `usageMetadata` → TokenUsage. Input is everything billed as input: `promptTokenCount`
 * (which already includes `cachedContentTokenCount`) plus `toolUsePromptTokenCount`; output is
 * `candidatesTokenCount + thoughtsTokenCount`; reasoning is `thoughtsTokenCount`; cached input is
 * `cachedContentTokenCount`. Undefined when `u` is not an object.
 */
export function fromGeminiUsage(u: unknown): Partial<TokenUsage> | undefined {
  if (!isObject(u)) return undefined;
  const count = (k: string) => {
    const n = num(u[k]);
    return n !== undefined && n > 0 ? n : 0;
  };
  const input = count('promptTokenCount') + count('toolUsePromptTokenCount');
  const output = count('candidatesTokenCount') + count('thoughtsTokenCount');
  const total = count('totalTokenCount');
  return {
    inputTokens: input,
    outputTokens: output,
    totalTokens: total > 0 ? total : input + output,
    cachedInputTokens: count('cachedContentTokenCount'),
    cacheCreationInputTokens: 0,
    reasoningTokens: count('thoughtsTokenCount'),
  };
}

/** TokenUsage → Gemini `usageMetadata` (for Gemini clients of OpenAI backends). */
export function toGeminiUsage(u: TokenUsage): Json {
  const thoughts = Math.min(u.reasoningTokens, u.outputTokens);
  const out: Json = {
    promptTokenCount: u.inputTokens,
    candidatesTokenCount: u.outputTokens - thoughts,
    totalTokenCount: u.totalTokens || u.inputTokens + u.outputTokens,
  };
  if (u.cachedInputTokens > 0) out['cachedContentTokenCount'] = u.cachedInputTokens;
  if (thoughts > 0) out['thoughtsTokenCount'] = thoughts;
  return out;
}

// ---------------------------------------------------------------------------------------------
// Ids and times. A response translator's output must be a function of the upstream bytes alone
// (any split of the body gives the same client bytes), so nothing here is random or clock-based.

/** A stable id fragment derived from upstream text (used when the provider sent no id). */
export function stableId(text: string): string {
  return createHash('sha256').update(text).digest('base64url').slice(0, 24);
}

/** Unix seconds from an RFC 3339 time (Vertex `createTime`) or an HTTP date; 0 when unknown. */
export function unixSeconds(time: unknown): number {
  if (typeof time !== 'string') return 0;
  const ms = Date.parse(time);
  return Number.isFinite(ms) ? Math.floor(ms / 1000) : 0;
}

// ---------------------------------------------------------------------------------------------
// Schemas. OpenAI carries JSON Schema; Gemini before 2.5 takes the OpenAPI 3.0 subset `Schema`
// (Vertex reference "Schema": upper-case `type`, `nullable`, `enum` of strings, `anyOf`,
// `propertyOrdering`, no `$ref` or `additionalProperties`).

const SCHEMA_KEEP = new Set([
  'format',
  'title',
  'description',
  'nullable',
  'enum',
  'maxItems',
  'minItems',
  'minProperties',
  'maxProperties',
  'minLength',
  'maxLength',
  'pattern',
  'minimum',
  'maximum',
  'default',
  'example',
  'required',
  'propertyOrdering',
]);

/** JSON Schema → Gemini `Schema`: local `$ref`s inlined, types upper-cased, unsupported keywords dropped. */
export function toGeminiSchema(schema: unknown, root: unknown = schema, depth = 0): Json {
  if (depth > 32) throw unprocessable('the JSON schema nests too deeply (or refers to itself) to be expressed as a Gemini schema');
  if (!isObject(schema)) return {};
  const ref = str(schema['$ref']);
  if (ref !== undefined) return toGeminiSchema(resolveRef(ref, root), root, depth + 1);
  const out: Json = {};
  for (const [k, v] of Object.entries(schema)) {
    if (SCHEMA_KEEP.has(k)) out[k] = v;
  }
  if ('const' in schema) out['enum'] = [schema['const']];
  const type = schema['type'];
  if (typeof type === 'string') {
    if (type === 'null') out['nullable'] = true;
    else out['type'] = type.toUpperCase();
  } else if (Array.isArray(type)) {
    const types = type.filter((t): t is string => typeof t === 'string' && t !== 'null');
    if (types.length < type.length) out['nullable'] = true;
    if (types.length === 1) out['type'] = types[0]!.toUpperCase();
    else if (types.length > 1) out['anyOf'] = types.map((t) => ({ type: t.toUpperCase() }));
  }
  if (isObject(schema['properties'])) {
    const props: Json = {};
    for (const [k, v] of Object.entries(schema['properties'])) props[k] = toGeminiSchema(v, root, depth + 1);
    out['properties'] = props;
  }
  if (isObject(schema['items'])) out['items'] = toGeminiSchema(schema['items'], root, depth + 1);
  const anyOf = schema['anyOf'] ?? schema['oneOf'];
  if (Array.isArray(anyOf)) {
    const variants = anyOf.filter((s) => !(isObject(s) && s['type'] === 'null'));
    if (variants.length < anyOf.length) out['nullable'] = true;
    if (variants.length === 1) Object.assign(out, toGeminiSchema(variants[0], root, depth + 1));
    else out['anyOf'] = variants.map((s) => toGeminiSchema(s, root, depth + 1));
  }
  return out;
}

function resolveRef(ref: string, root: unknown): unknown {
  if (!ref.startsWith('#/')) throw unprocessable(`the JSON schema reference ${ref} is not local; Gemini schemas cannot refer to other documents`);
  let node: unknown = root;
  for (const raw of ref.slice(2).split('/')) {
    const key = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    node = isObject(node) ? node[key] : undefined;
  }
  if (node === undefined) throw unprocessable(`the JSON schema reference ${ref} does not resolve`);
  return node;
}

/** Gemini `Schema` → JSON Schema: lower-case types, `nullable` folded into `type`. */
export function fromGeminiSchema(schema: unknown): Json {
  if (!isObject(schema)) return {};
  const out: Json = {};
  for (const [k, v] of Object.entries(schema)) {
    if (k === 'type' || k === 'nullable' || k === 'properties' || k === 'items' || k === 'anyOf' || k === 'propertyOrdering') continue;
    out[k] = v;
  }
  const type = str(schema['type'])?.toLowerCase();
  const nullable = schema['nullable'] === true;
  if (type !== undefined && type !== 'type_unspecified') out['type'] = nullable ? [type, 'null'] : type;
  if (isObject(schema['properties'])) {
    const props: Json = {};
    for (const [k, v] of Object.entries(schema['properties'])) props[k] = fromGeminiSchema(v);
    out['properties'] = props;
  }
  if (isObject(schema['items'])) out['items'] = fromGeminiSchema(schema['items']);
  if (Array.isArray(schema['anyOf'])) {
    const variants = schema['anyOf'].map(fromGeminiSchema);
    out['anyOf'] = nullable && type === undefined ? [...variants, { type: 'null' }] : variants;
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Media.

/** `data:[<mime>][;base64],<payload>` → mime type and base64 payload; undefined when not a data URL. */
export function parseDataUrl(url: string): { mimeType: string; data: string } | undefined {
  const m = /^data:([^,]*?),(.*)$/s.exec(url);
  if (!m) return undefined;
  const meta = m[1]!.split(';');
  const base64 = meta.includes('base64');
  const mimeType = meta[0] || 'text/plain';
  const payload = m[2]!;
  return { mimeType, data: base64 ? payload : Buffer.from(decodeURIComponent(payload), 'utf8').toString('base64') };
}

const EXT_MIME: Readonly<Record<string, string>> = {
  png: 'image/png',
  jpg: 'image/jpeg',
  jpeg: 'image/jpeg',
  gif: 'image/gif',
  webp: 'image/webp',
  heic: 'image/heic',
  heif: 'image/heif',
  pdf: 'application/pdf',
  wav: 'audio/wav',
  mp3: 'audio/mp3',
  mp4: 'video/mp4',
};

/** The mime type a file URL names by its extension (Vertex `fileData` requires one), else `fallback`. */
export function mimeFromUrl(url: string, fallback: string): string {
  const path = url.split(/[?#]/, 1)[0] ?? '';
  const ext = /\.([a-z0-9]+)$/i.exec(path)?.[1]?.toLowerCase();
  return (ext !== undefined ? EXT_MIME[ext] : undefined) ?? fallback;
}

// ---------------------------------------------------------------------------------------------
// Scanning without parsing: the usage and model of a large Gemini body or event are read from its
// text. Google writes `usageMetadata` and `modelVersion` after `candidates`, so the last
// occurrence of the key (not escaped inside a string) is the top-level one.

function keyAt(text: string, key: string): number {
  const quoted = `"${key}"`;
  let at = text.lastIndexOf(quoted);
  while (at >= 0) {
    let j = at + quoted.length;
    while (text.charCodeAt(j) === 0x20 || text.charCodeAt(j) === 0x0a || text.charCodeAt(j) === 0x0d || text.charCodeAt(j) === 0x09) j++;
    if (text.charCodeAt(at - 1) !== 0x5c /* \ */ && text.charCodeAt(j) === 0x3a /* : */) return j + 1;
    at = at === 0 ? -1 : text.lastIndexOf(quoted, at - 1);
  }
  return -1;
}

/** The JSON object that is the value of the last top-level-looking `key` in `text`, if it parses. */
export function objectAfterKey(text: string, key: string): Json | undefined {
  const at = keyAt(text, key);
  if (at < 0) return undefined;
  const open = text.indexOf('{', at);
  if (open < 0 || text.slice(at, open).trim() !== '') return undefined;
  let depth = 0;
  let inString = false;
  for (let i = open; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c) i++;
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x7b) depth++;
    else if (c === 0x7d && --depth === 0) {
      try {
        const v: unknown = JSON.parse(text.slice(open, i + 1));
        return isObject(v) ? v : undefined;
      } catch {
        return undefined;
      }
    }
  }
  return undefined;
}

/** The string value of the last top-level-looking `key` in `text`. */
export function stringAfterKey(text: string, key: string): string | undefined {
  const at = keyAt(text, key);
  if (at < 0) return undefined;
  const m = /^\s*("(?:[^"\\]|\\.)*")/.exec(text.slice(at, at + 512));
  if (!m) return undefined;
  try {
    return JSON.parse(m[1]!) as string;
  } catch {
    return undefined;
  }
}
