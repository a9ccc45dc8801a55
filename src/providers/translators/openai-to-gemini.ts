// OpenAI client → GCP Vertex AI Gemini backend (reference §4 "OpenAI → GCP Vertex Gemini").
// Chat completions become `generateContent` / `streamGenerateContent?alt=sse` on the publisher model;
// embeddings become the text-embeddings `predict` method. The GCP auth step later prefixes
// `/v1/projects/{project}/locations/{region}/` and signs. Field names follow Google's Vertex AI REST
// reference (GenerateContentRequest, GenerationConfig, Tool, ToolConfig, Part, GenerateContentResponse;
// the Text embeddings API) and the OpenAI API reference (chat completions, embeddings); the
// reasoning_effort table follows Google's "OpenAI compatibility" page (ai.google.dev/gemini-api/docs/openai).
//
// Request fields with no Gemini counterpart that only hint at behaviour are dropped: `user`, `store`,
// `metadata`, `parallel_tool_calls`, `service_tier`, `prompt_cache_key`, `safety_identifier`,
// `logit_bias`, `stream_options` (Gemini always reports usage) and an image part's `detail`. Fields
// that would change what the client gets and cannot be expressed are refused with 422.
import type { IncomingHttpHeaders } from 'node:http';
import { GatewayError, errorBody } from '../../errors.ts';
import type { RequestTranslationInput, ResponseHead, ResponseTranslationInput, ResponseTranslator, TranslatedError, TranslatedRequest, Translator } from '../../runtime/translator.ts';
import { emptyUsage, setUsage } from '../../runtime/usage.ts';
import type { TokenUsage } from '../../runtime/usage.ts';
import { toOpenAIUsage } from '../openai-usage.ts';
import { SseParser, formatSse } from '../streaming/sse.ts';
import type { SseEvent } from '../streaming/sse.ts';
import { openAIErrorType, parseUpstreamError, toOpenAIError } from './gemini-errors.ts';
import {
  acceptsJsonSchema,
  arr,
  fromGeminiUsage,
  isObject,
  mimeFromUrl,
  num,
  openAIFinishReason,
  parseDataUrl,
  stableId,
  str,
  toGeminiSchema,
  unixSeconds,
  unprocessable,
  vertexModelPath,
} from './gemini-wire.ts';
import type { Json } from './gemini-wire.ts';

const JSON_HEADERS = { 'content-type': 'application/json' } as const;

export const openAIToGemini: Translator = {
  name: 'openai-to-gemini',
  request(input: RequestTranslationInput): TranslatedRequest {
    switch (input.operation) {
      case 'chat': {
        const path = vertexModelPath(input.model, input.stream ? 'streamGenerateContent' : 'generateContent');
        return { path, body: Buffer.from(JSON.stringify(geminiChatRequest(input.body, input.model))), headers: JSON_HEADERS };
      }
      case 'embeddings':
        return { path: vertexModelPath(input.model, 'predict'), body: Buffer.from(JSON.stringify(vertexEmbeddingRequest(input.body))), headers: JSON_HEADERS };
      default:
        throw unprocessable(`a GCPVertexAI backend does not serve the OpenAI ${input.operation} operation`);
    }
  },
  response(input: ResponseTranslationInput): ResponseTranslator {
    if (input.operation === 'embeddings') return new EmbeddingsBody(input);
    return input.stream ? new ChatStream(input) : new ChatBody(input);
  },
  error(status: number, headers: IncomingHttpHeaders, body: Buffer): TranslatedError {
    return toOpenAIError(status, headers, body);
  },
};

// =============================================================================================
// Request: OpenAI chat completion → GenerateContentRequest.

/** The Vertex `GenerateContentRequest` for an OpenAI chat request. Pure; throws 422 on what cannot be expressed. */
export function geminiChatRequest(body: Readonly<Json>, model: string): Json {
  for (const field of ['functions', 'function_call', 'audio'] as const) {
    if (body[field] !== undefined && body[field] !== null) throw unprocessable(`\`${field}\` cannot be expressed for a Gemini backend${field === 'audio' ? ' (audio output)' : '; use tools'}`, field);
  }
  const modalities = body['modalities'];
  if (Array.isArray(modalities) && modalities.some((m) => m !== 'text')) throw unprocessable('only text output can be asked of a Gemini backend through chat completions', 'modalities');

  const { contents, system } = geminiContents(body['messages']);
  const out: Json = { contents };
  if (system.length > 0) out['systemInstruction'] = { parts: system };
  const tools = geminiTools(body['tools'], model);
  if (tools.length > 0) out['tools'] = tools;
  const toolConfig = geminiToolConfig(body['tool_choice']);
  if (toolConfig !== undefined) out['toolConfig'] = toolConfig;
  const gc = generationConfig(body, model);
  if (Object.keys(gc).length > 0) out['generationConfig'] = gc;
  // Vendor extension (reference §4): Vertex safety settings pass through as written.
  if (Array.isArray(body['safetySettings'])) out['safetySettings'] = body['safetySettings'];
  return out;
}

function geminiContents(messages: unknown): { contents: Json[]; system: Json[] } {
  if (!Array.isArray(messages)) throw unprocessable('`messages` must be an array', 'messages');
  const contents: Json[] = [];
  const system: Json[] = [];
  /** tool_call_id → function name, for the functionResponse parts that must name their function. */
  const callNames = new Map<string, string>();
  const add = (role: 'user' | 'model', parts: Json[]) => {
    if (parts.length === 0) return;
    const last = contents[contents.length - 1];
    // Gemini alternates user and model turns: consecutive messages of one side share a content
    // (several tool results answer one model turn together).
    if (last !== undefined && last['role'] === role) (last['parts'] as Json[]).push(...parts);
    else contents.push({ role, parts });
  };
  messages.forEach((m, i) => {
    const at = `messages[${i}]`;
    if (!isObject(m)) throw unprocessable(`${at} must be an object`, at);
    const role = m['role'];
    switch (role) {
      case 'system':
      case 'developer':
        system.push(...textParts(m['content'], `${at}.content`));
        break;
      case 'user':
        add('user', userParts(m['content'], `${at}.content`));
        break;
      case 'assistant':
        add('model', assistantParts(m, at, callNames));
        break;
      case 'tool': {
        const id = str(m['tool_call_id']);
        const name = id === undefined ? undefined : callNames.get(id);
        if (name === undefined) throw unprocessable(`${at}.tool_call_id does not name a tool call of an earlier assistant message`, `${at}.tool_call_id`);
        add('user', [{ functionResponse: { name, response: functionResponse(m['content'], `${at}.content`) } }]);
        break;
      }
      default:
        throw unprocessable(`${at}.role ${JSON.stringify(role)} cannot be expressed for a Gemini backend`, `${at}.role`);
    }
  });
  return { contents, system };
}

function textOf(content: unknown, at: string): string {
  if (typeof content === 'string') return content;
  if (content === null || content === undefined) return '';
  if (!Array.isArray(content)) throw unprocessable(`${at} must be a string or an array of parts`, at);
  return content
    .map((p, j) => {
      if (isObject(p) && p['type'] === 'text' && typeof p['text'] === 'string') return p['text'];
      if (isObject(p) && p['type'] === 'refusal') return '';
      throw unprocessable(`${at}[${j}] must be a text part here`, `${at}[${j}]`);
    })
    .join('');
}

/** Text content → one text part per non-empty text (refusals dropped); other part types are refused. */
function textParts(content: unknown, at: string): Json[] {
  const text = textOf(content, at);
  if (!Array.isArray(content)) return text === '' ? [] : [{ text }];
  return content.filter((p): p is Json => isObject(p) && p['type'] === 'text' && p['text'] !== '').map((p) => ({ text: p['text'] }));
}

function userParts(content: unknown, at: string): Json[] {
  if (!Array.isArray(content)) return textParts(content, at);
  const parts: Json[] = [];
  content.forEach((p, j) => {
    const here = `${at}[${j}]`;
    if (!isObject(p)) throw unprocessable(`${here} must be an object`, here);
    switch (p['type']) {
      case 'text':
        if (typeof p['text'] !== 'string') throw unprocessable(`${here}.text must be a string`, here);
        if (p['text'] !== '') parts.push({ text: p['text'] });
        break;
      case 'image_url': {
        const image = p['image_url'];
        const url = typeof image === 'string' ? image : isObject(image) ? str(image['url']) : undefined;
        if (url === undefined || url === '') throw unprocessable(`${here}.image_url.url is required`, here);
        parts.push(mediaPart(url, 'image/jpeg', here));
        break;
      }
      case 'input_audio': {
        const audio = p['input_audio'];
        const data = isObject(audio) ? str(audio['data']) : undefined;
        const format = isObject(audio) ? str(audio['format']) : undefined;
        if (data === undefined || format === undefined) throw unprocessable(`${here}.input_audio needs data and format`, here);
        parts.push({ inlineData: { mimeType: `audio/${format}`, data } });
        break;
      }
      case 'file': {
        const file = p['file'];
        const data = isObject(file) ? str(file['file_data']) : undefined;
        if (data === undefined) throw unprocessable(`${here}.file: only inline file_data can be sent to a Gemini backend (not file_id)`, here);
        parts.push(mediaPart(data, 'application/pdf', here));
        break;
      }
      default:
        throw unprocessable(`${here}.type ${JSON.stringify(p['type'])} cannot be expressed for a Gemini backend`, here);
    }
  });
  return parts;
}

/** A data URL → `inlineData`; any other URL (https, gs) → `fileData` with the mime its extension names. */
function mediaPart(url: string, fallbackMime: string, at: string): Json {
  if (url.startsWith('data:')) {
    const d = parseDataUrl(url);
    if (d === undefined) throw unprocessable(`${at}: malformed data URL`, at);
    return { inlineData: { mimeType: d.mimeType, data: d.data } };
  }
  return { fileData: { mimeType: mimeFromUrl(url, fallbackMime), fileUri: url } };
}

function assistantParts(m: Json, at: string, callNames: Map<string, string>): Json[] {
  const parts = textParts(m['content'], `${at}.content`);
  arr(m['tool_calls']).forEach((c, j) => {
    const here = `${at}.tool_calls[${j}]`;
    const fn = isObject(c) ? c['function'] : undefined;
    const name = isObject(fn) ? str(fn['name']) : undefined;
    if (!isObject(c) || name === undefined) throw unprocessable(`${here} must be a function call with a name`, here);
    const rawArgs = isObject(fn) ? fn['arguments'] : undefined;
    let args: unknown = {};
    if (typeof rawArgs === 'string' && rawArgs.trim() !== '') {
      try {
        args = JSON.parse(rawArgs);
      } catch {
        throw unprocessable(`${here}.function.arguments must be JSON`, here);
      }
    }
    if (!isObject(args)) throw unprocessable(`${here}.function.arguments must be a JSON object`, here);
    const id = str(c['id']);
    if (id !== undefined) callNames.set(id, name);
    const part: Json = { functionCall: { name, args } };
    // Gemini 3 validates the thought signature of a function call it made; OpenAI clients carry it
    // back in `extra_content.google.thought_signature`, as on Google's own OpenAI-compatible endpoint.
    const extra = c['extra_content'];
    const google = isObject(extra) ? extra['google'] : undefined;
    const signature = isObject(google) ? str(google['thought_signature']) : undefined;
    if (signature !== undefined) part['thoughtSignature'] = signature;
    parts.push(part);
  });
  return parts;
}

/**
 * A tool message → `FunctionResponse.response` (a JSON object). The Gemini API reference asks for the
 * function's output under `output`; JSON output is passed as JSON, anything else as text.
 */
function functionResponse(content: unknown, at: string): Json {
  const text = textOf(content, at);
  try {
    return { output: JSON.parse(text) as unknown };
  } catch {
    return { output: text };
  }
}

function geminiTools(tools: unknown, model: string): Json[] {
  if (tools === undefined || tools === null) return [];
  if (!Array.isArray(tools)) throw unprocessable('`tools` must be an array', 'tools');
  const declarations: Json[] = [];
  const out: Json[] = [];
  tools.forEach((t, i) => {
    const at = `tools[${i}]`;
    if (!isObject(t)) throw unprocessable(`${at} must be an object`, at);
    if (t['type'] === 'google_search') {
      // Vendor extension (reference §4): grounding with Google Search.
      out.push({ googleSearch: isObject(t['google_search']) ? t['google_search'] : {} });
      return;
    }
    const fn = t['function'];
    if (t['type'] !== 'function' || !isObject(fn) || typeof fn['name'] !== 'string') throw unprocessable(`${at}: only function tools can be expressed for a Gemini backend`, at);
    const decl: Json = { name: fn['name'] };
    if (typeof fn['description'] === 'string') decl['description'] = fn['description'];
    const params = fn['parameters'];
    if (isObject(params) && Object.keys(params).length > 0) {
      if (acceptsJsonSchema(model)) decl['parametersJsonSchema'] = params;
      else {
        const schema = toGeminiSchema(params);
        // An OBJECT without properties is refused by the older Schema validator: a function
        // without parameters is declared without `parameters`.
        if (!(schema['type'] === 'OBJECT' && (!isObject(schema['properties']) || Object.keys(schema['properties']).length === 0))) decl['parameters'] = schema;
      }
    }
    declarations.push(decl);
  });
  if (declarations.length > 0) out.unshift({ functionDeclarations: declarations });
  return out;
}

function geminiToolConfig(choice: unknown): Json | undefined {
  if (choice === undefined || choice === null) return undefined;
  const mode = (m: string, names?: string[]) => ({ functionCallingConfig: names ? { mode: m, allowedFunctionNames: names } : { mode: m } });
  switch (choice) {
    case 'auto':
      return mode('AUTO');
    case 'none':
      return mode('NONE');
    case 'required':
      return mode('ANY');
  }
  if (isObject(choice) && choice['type'] === 'function' && isObject(choice['function']) && typeof choice['function']['name'] === 'string') return mode('ANY', [choice['function']['name']]);
  throw unprocessable('`tool_choice` must be auto, none, required or a named function for a Gemini backend', 'tool_choice');
}

function generationConfig(body: Readonly<Json>, model: string): Json {
  const gc: Json = {};
  const set = (key: string, v: unknown) => {
    if (v !== undefined) gc[key] = v;
  };
  set('temperature', num(body['temperature']));
  set('topP', num(body['top_p']));
  set('topK', num(body['top_k']));
  set('maxOutputTokens', num(body['max_completion_tokens']) ?? num(body['max_tokens']));
  set('candidateCount', num(body['n']));
  set('presencePenalty', num(body['presence_penalty']));
  set('frequencyPenalty', num(body['frequency_penalty']));
  set('seed', num(body['seed']));
  const stop = body['stop'];
  if (typeof stop === 'string') gc['stopSequences'] = [stop];
  else if (Array.isArray(stop) && stop.length > 0) gc['stopSequences'] = stop.filter((s) => typeof s === 'string');
  if (body['logprobs'] === true) {
    gc['responseLogprobs'] = true;
    set('logprobs', num(body['top_logprobs']));
  }
  responseFormat(body, model, gc);
  const thinking = thinkingConfig(body, model);
  if (thinking !== undefined) gc['thinkingConfig'] = thinking;
  // Vendor extension (reference §4): a Vertex `generationConfig` in the body wins over the mapping.
  if (isObject(body['generationConfig'])) Object.assign(gc, body['generationConfig']);
  return gc;
}

/** response_format and vLLM's guided_json / guided_choice → responseMimeType + schema (reference §4). */
function responseFormat(body: Readonly<Json>, model: string, gc: Json): void {
  const given = ['response_format', 'guided_json', 'guided_choice', 'guided_regex'].filter((k) => body[k] !== undefined && body[k] !== null);
  if (given.length > 1) throw unprocessable(`only one of ${given.join(', ')} may be given`, given[1]);
  const schema = (s: unknown) => {
    if (acceptsJsonSchema(model)) gc['responseJsonSchema'] = s;
    else gc['responseSchema'] = toGeminiSchema(s);
  };
  const rf = body['response_format'];
  if (isObject(rf)) {
    switch (rf['type']) {
      case 'text':
        gc['responseMimeType'] = 'text/plain';
        return;
      case 'json_object':
        gc['responseMimeType'] = 'application/json';
        return;
      case 'json_schema': {
        const js = rf['json_schema'];
        if (!isObject(js) || !isObject(js['schema'])) throw unprocessable('response_format.json_schema.schema is required', 'response_format');
        gc['responseMimeType'] = 'application/json';
        schema(js['schema']);
        return;
      }
      default:
        throw unprocessable(`response_format.type ${JSON.stringify(rf['type'])} cannot be expressed for a Gemini backend`, 'response_format');
    }
  }
  if (isObject(body['guided_json'])) {
    gc['responseMimeType'] = 'application/json';
    schema(body['guided_json']);
  } else if (Array.isArray(body['guided_choice'])) {
    // Gemini's enum output mode (Vertex "Structured output": `text/x.enum`).
    gc['responseMimeType'] = 'text/x.enum';
    gc['responseSchema'] = { type: 'STRING', enum: body['guided_choice'].map(String) };
  } else if (body['guided_regex'] !== undefined && body['guided_regex'] !== null) {
    throw unprocessable('guided_regex cannot be expressed for a Gemini backend', 'guided_regex');
  }
}

/**
 * `thinking` (the unified Anthropic-style field) and `reasoning_effort` → `thinkingConfig`. Gemini 3
 * models take a `thinkingLevel`, earlier ones a `thinkingBudget`, per Google's OpenAI-compatibility
 * table: minimal/low → 1,024 tokens, medium → 8,192, high → 24,576, none → 0 (thinking off); on
 * Gemini 3 Pro, which has only LOW and HIGH, minimal/none → LOW and medium → HIGH.
 */
function thinkingConfig(body: Readonly<Json>, model: string): Json | undefined {
  const t = body['thinking'];
  if (isObject(t)) {
    if (t['type'] === 'disabled') return { thinkingBudget: 0 };
    if (t['type'] === 'enabled') return { thinkingBudget: num(t['budget_tokens']) ?? -1, includeThoughts: true };
  }
  const effort = body['reasoning_effort'];
  if (effort === undefined || effort === null) return undefined;
  if (/gemini-[3-9]/i.test(model)) {
    const flash = /flash/i.test(model);
    const level: Readonly<Record<string, string>> = flash
      ? { none: 'MINIMAL', minimal: 'MINIMAL', low: 'LOW', medium: 'MEDIUM', high: 'HIGH', xhigh: 'HIGH' }
      : { none: 'LOW', minimal: 'LOW', low: 'LOW', medium: 'HIGH', high: 'HIGH', xhigh: 'HIGH' };
    const l = typeof effort === 'string' ? level[effort] : undefined;
    if (l === undefined) throw unprocessable(`reasoning_effort ${JSON.stringify(effort)} is not one of none, minimal, low, medium, high`, 'reasoning_effort');
    return { thinkingLevel: l };
  }
  const budgets: Readonly<Record<string, number>> = { none: 0, minimal: 1024, low: 1024, medium: 8192, high: 24576, xhigh: 24576 };
  const b = typeof effort === 'string' ? budgets[effort] : undefined;
  if (b === undefined) throw unprocessable(`reasoning_effort ${JSON.stringify(effort)} is not one of none, minimal, low, medium, high`, 'reasoning_effort');
  return { thinkingBudget: b };
}

// =============================================================================================
// Request: OpenAI embeddings → Vertex text-embeddings `predict`.

/** `{instances:[{content}], parameters:{outputDimensionality}}` (Vertex "Text embeddings API"). */
export function vertexEmbeddingRequest(body: Readonly<Json>): Json {
  const input = body['input'];
  const texts = typeof input === 'string' ? [input] : Array.isArray(input) && input.every((x) => typeof x === 'string') ? (input as string[]) : undefined;
  if (texts === undefined || texts.length === 0) throw unprocessable('`input` must be a string or an array of strings for a Gemini embedding model (token arrays cannot be expressed)', 'input');
  const ef = body['encoding_format'];
  if (ef !== undefined && ef !== 'float' && ef !== 'base64') throw unprocessable('encoding_format must be float or base64', 'encoding_format');
  const out: Json = { instances: texts.map((content) => ({ content })) };
  const dims = num(body['dimensions']);
  if (dims !== undefined) out['parameters'] = { outputDimensionality: dims };
  return out;
}

// =============================================================================================
// Response: GenerateContentResponse → OpenAI chat completion.

interface Choice {
  readonly index: number;
  readonly text: string;
  readonly reasoning: string;
  readonly toolCalls: Json[];
  readonly finishReason: string | undefined;
  readonly logprobs: Json | null;
}

/** Reads one candidate. `nextCallId` names each function call the provider did not name. */
function readCandidate(c: unknown, position: number, nextCallId: () => string): Choice {
  const cand = isObject(c) ? c : {};
  const content = cand['content'];
  let text = '';
  let reasoning = '';
  const toolCalls: Json[] = [];
  for (const p of arr(isObject(content) ? content['parts'] : undefined)) {
    if (!isObject(p)) continue;
    const call = p['functionCall'];
    if (isObject(call)) {
      const call_: Json = {
        id: str(call['id']) ?? nextCallId(),
        type: 'function',
        function: { name: str(call['name']) ?? '', arguments: JSON.stringify(isObject(call['args']) ? call['args'] : {}) },
      };
      if (typeof p['thoughtSignature'] === 'string') call_['extra_content'] = { google: { thought_signature: p['thoughtSignature'] } };
      toolCalls.push(call_);
    } else if (typeof p['text'] === 'string') {
      if (p['thought'] === true) reasoning += p['text'];
      else text += p['text'];
    }
  }
  return { index: num(cand['index']) ?? position, text, reasoning, toolCalls, finishReason: str(cand['finishReason']), logprobs: openAILogprobs(cand['logprobsResult']) };
}

/** Vertex `LogprobsResult` → OpenAI `logprobs.content`. */
function openAILogprobs(r: unknown): Json | null {
  if (!isObject(r)) return null;
  const top = arr(r['topCandidates']);
  const content = arr(r['chosenCandidates']).map((c, i) => {
    const t = top[i];
    const alternatives = isObject(t) ? arr(t['candidates']) : [];
    return {
      token: isObject(c) ? (str(c['token']) ?? '') : '',
      logprob: isObject(c) ? (num(c['logProbability']) ?? 0) : 0,
      bytes: null,
      top_logprobs: alternatives.map((a) => ({ token: isObject(a) ? (str(a['token']) ?? '') : '', logprob: isObject(a) ? (num(a['logProbability']) ?? 0) : 0, bytes: null })),
    };
  });
  return { content };
}

/** The whole-body answer: buffered (it is one JSON document), converted at the end. */
class ChatBody implements ResponseTranslator {
  readonly usage: TokenUsage = emptyUsage();
  responseModel: string | undefined;
  #chunks: Buffer[] = [];
  #date = 0;

  constructor(input: ResponseTranslationInput) {
    this.responseModel = input.requestModel;
  }

  head(_status: number, headers: IncomingHttpHeaders): ResponseHead {
    this.#date = unixSeconds(headers['date']);
    return { contentType: 'application/json', rewritesBody: true };
  }

  push(chunk: Buffer): undefined {
    this.#chunks.push(chunk);
    return undefined;
  }

  end(): string {
    const text = Buffer.concat(this.#chunks).toString('utf8');
    this.#chunks = [];
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      return errorBody(new GatewayError('upstream_error', 'the Gemini backend answered with a body that is not JSON'));
    }
    if (!isObject(json)) return errorBody(new GatewayError('upstream_error', 'the Gemini backend answered with a body that is not a GenerateContentResponse'));
    const u = fromGeminiUsage(json['usageMetadata']);
    if (u) setUsage(this.usage, u);
    const modelVersion = str(json['modelVersion']);
    if (modelVersion) this.responseModel = modelVersion;
    const responseId = str(json['responseId']) ?? stableId(text);
    let calls = 0;
    const nextCallId = () => `call_${responseId}_${calls++}`;
    const choices = arr(json['candidates']).map((c, i) => {
      const ch = readCandidate(c, i, nextCallId);
      const message: Json = { role: 'assistant', content: ch.text === '' && ch.toolCalls.length > 0 ? null : ch.text };
      if (ch.reasoning !== '') message['reasoning_content'] = ch.reasoning;
      if (ch.toolCalls.length > 0) message['tool_calls'] = ch.toolCalls;
      return { index: ch.index, message, logprobs: ch.logprobs, finish_reason: openAIFinishReason(ch.finishReason, ch.toolCalls.length > 0) ?? 'stop' };
    });
    // A blocked prompt has no candidates, only `promptFeedback.blockReason`.
    if (choices.length === 0) choices.push({ index: 0, message: { role: 'assistant', content: null }, logprobs: null, finish_reason: 'content_filter' });
    return JSON.stringify({
      id: `chatcmpl-${responseId}`,
      object: 'chat.completion',
      created: unixSeconds(json['createTime']) || this.#date,
      model: this.responseModel,
      choices,
      usage: toOpenAIUsage(this.usage),
    });
  }
}

/**
 * Gemini SSE (`data: {GenerateContentResponse}` per event, any of the SSE line endings) → OpenAI
 * chunks, one per event that says something. Usage is recorded from every event (each carries the
 * cumulative count) and written once, as the usage-only chunk, at the end unless the client did
 * not ask for it (`hideUsageChunk`); `data: [DONE]` closes the stream.
 */
class ChatStream implements ResponseTranslator {
  readonly usage: TokenUsage = emptyUsage();
  responseModel: string | undefined;
  readonly #parser = new SseParser();
  readonly #hideUsage: boolean;
  #id: string | undefined;
  #created = 0;
  #date = 0;
  #sawUsage = false;
  #failed = false;
  #calls = 0;
  /** Per choice index: whether its role was sent, and how many tool calls it made. */
  readonly #choices = new Map<number, { toolCalls: number }>();

  constructor(input: ResponseTranslationInput) {
    this.responseModel = input.requestModel;
    this.#hideUsage = input.hideUsageChunk;
  }

  head(_status: number, headers: IncomingHttpHeaders): ResponseHead {
    this.#date = unixSeconds(headers['date']);
    return { contentType: 'text/event-stream', rewritesBody: true };
  }

  push(chunk: Buffer): string {
    let out = '';
    for (const e of this.#parser.push(chunk)) out += this.#event(e);
    return out;
  }

  end(): string {
    this.#parser.end();
    if (this.#failed) return '';
    let out = '';
    if (this.#sawUsage && !this.#hideUsage) out += formatSse(JSON.stringify({ ...this.#envelope(), choices: [], usage: toOpenAIUsage(this.usage) }));
    return out + 'data: [DONE]\n\n';
  }

  #envelope(): Json {
    return { id: this.#id ?? `chatcmpl-${stableId('')}`, object: 'chat.completion.chunk', created: this.#created, model: this.responseModel };
  }

  #event(e: SseEvent): string {
    const data = e.data.trim();
    if (this.#failed || data === '' || data === '[DONE]') return '';
    let json: unknown;
    try {
      json = JSON.parse(data);
    } catch {
      return this.#fail(502, 'the Gemini backend sent a stream event that is not JSON');
    }
    if (Array.isArray(json)) json = json[0];
    if (!isObject(json)) return '';
    if (isObject(json['error'])) {
      const err = parseUpstreamError(Buffer.from(JSON.stringify(json)));
      const code = num(json['error']['code']) ?? 500;
      return this.#fail(code, err.message, err.code);
    }
    if (this.#id === undefined) {
      this.#id = `chatcmpl-${str(json['responseId']) ?? stableId(data)}`;
      this.#created = unixSeconds(json['createTime']) || this.#date;
    }
    const modelVersion = str(json['modelVersion']);
    if (modelVersion) this.responseModel = modelVersion;
    const u = fromGeminiUsage(json['usageMetadata']);
    if (u) {
      setUsage(this.usage, u);
      this.#sawUsage = true;
    }
    const base = this.#id.slice('chatcmpl-'.length);
    const nextCallId = () => `call_${base}_${this.#calls++}`;
    const choices = arr(json['candidates']).map((c, i) => {
      const ch = readCandidate(c, i, nextCallId);
      let state = this.#choices.get(ch.index);
      const delta: Json = {};
      if (state === undefined) {
        state = { toolCalls: 0 };
        this.#choices.set(ch.index, state);
        delta['role'] = 'assistant';
      }
      if (ch.text !== '') delta['content'] = ch.text;
      if (ch.reasoning !== '') delta['reasoning_content'] = ch.reasoning;
      if (ch.toolCalls.length > 0) {
        const s = state;
        delta['tool_calls'] = ch.toolCalls.map((t) => ({ index: s.toolCalls++, ...t }));
      }
      return { index: ch.index, delta, logprobs: ch.logprobs, finish_reason: openAIFinishReason(ch.finishReason, state.toolCalls > 0) };
    });
    if (choices.length === 0 && isObject(json['promptFeedback']) && json['promptFeedback']['blockReason'] !== undefined) {
      choices.push({ index: 0, delta: { role: 'assistant' }, logprobs: null, finish_reason: 'content_filter' });
    }
    if (choices.length === 0) return '';
    return formatSse(JSON.stringify({ ...this.#envelope(), choices }));
  }

  /** An error inside the stream: the OpenAI error event (the openai SDK raises APIError), then nothing. */
  #fail(code: number, message: string, status?: string): string {
    this.#failed = true;
    const type = code >= 500 ? 'upstream_error' : openAIErrorType(code);
    return formatSse(JSON.stringify({ error: { message, type, param: null, code: status ?? null } }));
  }
}

// =============================================================================================
// Response: Vertex `predict` → OpenAI embeddings list.

/**
 * `{predictions:[{embeddings:{values, statistics:{token_count, truncated}}}]}` → OpenAI's list.
 * Vertex reports no model: the response model is the request model. The client's `encoding_format`
 * is read from `body` when the gateway passes the client body to the response side (see the
 * translator report); without it vectors are sent as floats.
 */
class EmbeddingsBody implements ResponseTranslator {
  readonly usage: TokenUsage = emptyUsage();
  readonly responseModel: string;
  readonly #base64: boolean;
  #chunks: Buffer[] = [];

  constructor(input: ResponseTranslationInput) {
    this.responseModel = input.requestModel;
    const body = (input as { readonly body?: unknown }).body;
    this.#base64 = isObject(body) && body['encoding_format'] === 'base64';
  }

  head(): ResponseHead {
    return { contentType: 'application/json', rewritesBody: true };
  }

  push(chunk: Buffer): undefined {
    this.#chunks.push(chunk);
    return undefined;
  }

  end(): string {
    let json: unknown;
    try {
      json = JSON.parse(Buffer.concat(this.#chunks).toString('utf8'));
    } catch {
      return errorBody(new GatewayError('upstream_error', 'the Vertex embeddings backend answered with a body that is not JSON'));
    }
    this.#chunks = [];
    let tokens = 0;
    const data = arr(isObject(json) ? json['predictions'] : undefined).map((p, index) => {
      const emb = isObject(p) && isObject(p['embeddings']) ? p['embeddings'] : {};
      const stats = emb['statistics'];
      tokens += (isObject(stats) ? num(stats['token_count']) : undefined) ?? 0;
      const values = arr(emb['values']).map((v) => (typeof v === 'number' ? v : 0));
      return { object: 'embedding', index, embedding: this.#base64 ? Buffer.from(new Float32Array(values).buffer).toString('base64') : values };
    });
    setUsage(this.usage, { inputTokens: tokens, outputTokens: 0, totalTokens: tokens, cachedInputTokens: 0, cacheCreationInputTokens: 0, reasoningTokens: 0 });
    return JSON.stringify({ object: 'list', data, model: this.responseModel, usage: { prompt_tokens: tokens, total_tokens: tokens } });
  }
}
