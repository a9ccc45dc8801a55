// Gemini client (`@google/genai`, gemini-cli, LangChain: `POST /v1beta/models/{model}:generateContent`
// or `:streamGenerateContent?alt=sse`) → OpenAI chat backend such as a vLLM pool (upstream issue
// #2165, reference §10.5). The reverse of openai-to-gemini: a GenerateContentRequest (Gemini API
// reference "generateContent": Content, Part, GenerationConfig, Tool, ToolConfig) becomes an OpenAI
// chat completion request (OpenAI API reference "Create chat completion"), and the completion or
// its chunks come back as GenerateContentResponse JSON or Gemini SSE events. Streams ask the backend
// for `stream_options.include_usage`, so the last event can carry `usageMetadata` as Gemini's does.
//
// Dropped as hints with no OpenAI counterpart: `safetySettings` (an OpenAI-schema backend has no
// safety filter to configure), `generationConfig.mediaResolution`, `labels`. Refused with 422:
// Google-hosted tools (search, code execution, retrieval, URL context …), `cachedContent`, non-text
// output modalities and speech or image output settings, and the `text/x.enum` output mode.
import type { IncomingHttpHeaders } from 'node:http';
import { GatewayError, errorBody } from '../../errors.ts';
import type { RequestTranslationInput, ResponseHead, ResponseTranslationInput, ResponseTranslator, TranslatedError, TranslatedRequest, Translator } from '../../runtime/translator.ts';
import { emptyUsage, hasUsage, setUsage } from '../../runtime/usage.ts';
import type { TokenUsage } from '../../runtime/usage.ts';
import { fromOpenAIUsage } from '../openai-usage.ts';
import { SseParser, formatSse } from '../streaming/sse.ts';
import type { SseEvent } from '../streaming/sse.ts';
import { openAIPath } from './openai-to-openai.ts';
import { googleErrorEvent, toGoogleError } from './gemini-errors.ts';
import { arr, fromGeminiSchema, geminiFinishReason, isObject, num, str, toGeminiUsage, unprocessable } from './gemini-wire.ts';
import type { Json } from './gemini-wire.ts';

export const geminiToOpenAI: Translator = {
  name: 'gemini-to-openai',
  request(input: RequestTranslationInput): TranslatedRequest {
    if (input.operation !== 'generate') throw unprocessable(`an OpenAI-schema backend does not serve the Gemini ${input.operation} operation here`);
    // The client's query string (`alt=sse`, possibly its own `key=`) is not forwarded.
    const body = openAIChatRequest(input.body, input.model, input.stream);
    return { path: openAIPath('chat', input.backend.prefix, ''), body: Buffer.from(JSON.stringify(body)), headers: { 'content-type': 'application/json' } };
  },
  response(input: ResponseTranslationInput): ResponseTranslator {
    return input.stream ? new GeminiStream(input) : new GeminiBody(input);
  },
  error(status: number, headers: IncomingHttpHeaders, body: Buffer): TranslatedError {
    return toGoogleError(status, headers, body);
  },
};

// =============================================================================================
// Request: GenerateContentRequest → OpenAI chat completion request.

/** The OpenAI chat request for a Gemini client's call. Pure; throws 422 on what cannot be expressed. */
export function openAIChatRequest(body: Readonly<Json>, model: string, stream: boolean): Json {
  if (body['cachedContent'] !== undefined) throw unprocessable('cachedContent names a Gemini server-side cache an OpenAI-schema backend does not have', 'cachedContent');
  const out: Json = { model, messages: openAIMessages(body['systemInstruction'], body['contents']) };
  const tools = openAITools(body['tools']);
  const choice = openAIToolChoice(body['toolConfig'], tools);
  if (tools.length > 0) out['tools'] = choice.tools ?? tools;
  if (choice.choice !== undefined) out['tool_choice'] = choice.choice;
  Object.assign(out, samplingParams(body['generationConfig']));
  if (stream) {
    out['stream'] = true;
    out['stream_options'] = { include_usage: true };
  }
  return out;
}

function textOfParts(content: unknown): string {
  if (typeof content === 'string') return content;
  const parts = isObject(content) ? arr(content['parts']) : Array.isArray(content) ? content : [];
  return parts
    .filter((p): p is Json => isObject(p) && typeof p['text'] === 'string' && p['thought'] !== true)
    .map((p) => p['text'] as string)
    .join('\n');
}

function openAIMessages(systemInstruction: unknown, contents: unknown): Json[] {
  const messages: Json[] = [];
  const system = textOfParts(systemInstruction);
  if (system !== '') messages.push({ role: 'system', content: system });
  if (typeof contents === 'string') {
    messages.push({ role: 'user', content: contents });
    return messages;
  }
  if (!Array.isArray(contents)) throw unprocessable('`contents` must be an array of Content', 'contents');
  /** The function calls of the latest model turn, answered by functionResponse parts in order. */
  let pending: { id: string; name: string; answered: boolean }[] = [];
  contents.forEach((c, i) => {
    const at = `contents[${i}]`;
    if (!isObject(c)) throw unprocessable(`${at} must be a Content object`, at);
    const role = c['role'] ?? 'user';
    const parts = arr(c['parts']);
    if (role === 'model') {
      let text = '';
      const toolCalls: Json[] = [];
      parts.forEach((p, j) => {
        if (!isObject(p)) return;
        const call = p['functionCall'];
        if (isObject(call)) {
          const name = str(call['name']);
          if (name === undefined) throw unprocessable(`${at}.parts[${j}].functionCall.name is required`, `${at}.parts[${j}]`);
          toolCalls.push({ id: str(call['id']) ?? `call_${i}_${j}`, type: 'function', function: { name, arguments: JSON.stringify(isObject(call['args']) ? call['args'] : {}) } });
        } else if (typeof p['text'] === 'string') {
          // Thoughts are the model's own; OpenAI-schema backends take no reasoning as input.
          if (p['thought'] !== true) text += p['text'];
        } else if (p['executableCode'] !== undefined || p['codeExecutionResult'] !== undefined || p['inlineData'] !== undefined || p['fileData'] !== undefined) {
          throw unprocessable(`${at}.parts[${j}]: a model turn with code or media cannot be expressed for an OpenAI-schema backend`, `${at}.parts[${j}]`);
        }
      });
      const msg: Json = { role: 'assistant', content: text === '' && toolCalls.length > 0 ? null : text };
      if (toolCalls.length > 0) msg['tool_calls'] = toolCalls;
      messages.push(msg);
      pending = toolCalls.map((t) => ({ id: t['id'] as string, name: (t['function'] as Json)['name'] as string, answered: false }));
      return;
    }
    if (role !== 'user' && role !== 'function') throw unprocessable(`${at}.role ${JSON.stringify(role)} must be user or model`, `${at}.role`);
    const userParts: Json[] = [];
    parts.forEach((p, j) => {
      const here = `${at}.parts[${j}]`;
      if (!isObject(p)) throw unprocessable(`${here} must be a Part object`, here);
      const response = p['functionResponse'];
      if (isObject(response)) {
        const name = str(response['name']);
        const id = str(response['id']);
        const call = id !== undefined ? pending.find((c) => c.id === id) : pending.find((c) => !c.answered && c.name === name);
        if (call === undefined) throw unprocessable(`${here}.functionResponse does not answer a functionCall of the preceding model turn`, here);
        call.answered = true;
        messages.push({ role: 'tool', tool_call_id: call.id, content: toolContent(response['response']) });
      } else if (typeof p['text'] === 'string') {
        if (p['thought'] !== true && p['text'] !== '') userParts.push({ type: 'text', text: p['text'] });
      } else if (isObject(p['inlineData'])) {
        userParts.push(inlineMedia(p['inlineData'], here));
      } else if (isObject(p['fileData'])) {
        const uri = str(p['fileData']['fileUri']);
        const mime = str(p['fileData']['mimeType']) ?? '';
        if (uri === undefined || !(mime === '' || mime.startsWith('image/'))) throw unprocessable(`${here}.fileData: only images by URL can be sent to an OpenAI-schema backend`, here);
        userParts.push({ type: 'image_url', image_url: { url: uri } });
      } else {
        throw unprocessable(`${here} cannot be expressed for an OpenAI-schema backend`, here);
      }
    });
    if (userParts.length === 0) return;
    // Text-only turns go as a string, which every chat template accepts.
    const onlyText = userParts.every((p) => p['type'] === 'text');
    messages.push({ role: 'user', content: onlyText ? userParts.map((p) => p['text']).join('') : userParts });
  });
  return messages;
}

/** Inline media → an image data URL or input audio (OpenAI accepts wav and mp3 audio input). */
function inlineMedia(d: Json, at: string): Json {
  const mime = str(d['mimeType']) ?? '';
  const data = str(d['data']);
  if (data === undefined) throw unprocessable(`${at}.inlineData.data is required`, at);
  if (mime.startsWith('image/')) return { type: 'image_url', image_url: { url: `data:${mime};base64,${data}` } };
  if (mime === 'audio/wav' || mime === 'audio/x-wav') return { type: 'input_audio', input_audio: { data, format: 'wav' } };
  if (mime === 'audio/mp3' || mime === 'audio/mpeg') return { type: 'input_audio', input_audio: { data, format: 'mp3' } };
  throw unprocessable(`${at}.inlineData of type ${JSON.stringify(mime)} cannot be sent to an OpenAI-schema backend`, at);
}

/** `FunctionResponse.response` → tool message text: the `output` (or the whole object) as JSON or text. */
function toolContent(response: unknown): string {
  if (isObject(response) && Object.keys(response).length === 1 && 'output' in response) {
    const output = response['output'];
    return typeof output === 'string' ? output : JSON.stringify(output);
  }
  return JSON.stringify(response ?? {});
}

function openAITools(tools: unknown): Json[] {
  if (tools === undefined) return [];
  const out: Json[] = [];
  arr(tools).forEach((t, i) => {
    const at = `tools[${i}]`;
    if (!isObject(t)) throw unprocessable(`${at} must be a Tool object`, at);
    for (const key of Object.keys(t)) {
      if (key !== 'functionDeclarations') throw unprocessable(`${at}.${key}: Google-hosted tools cannot be expressed for an OpenAI-schema backend`, at);
    }
    arr(t['functionDeclarations']).forEach((d, j) => {
      if (!isObject(d) || typeof d['name'] !== 'string') throw unprocessable(`${at}.functionDeclarations[${j}].name is required`, at);
      const fn: Json = { name: d['name'] };
      if (typeof d['description'] === 'string') fn['description'] = d['description'];
      fn['parameters'] = isObject(d['parametersJsonSchema']) ? d['parametersJsonSchema'] : isObject(d['parameters']) ? fromGeminiSchema(d['parameters']) : { type: 'object', properties: {} };
      out.push({ type: 'function', function: fn });
    });
  });
  return out;
}

/** `functionCallingConfig` → `tool_choice`; allowed function names narrow the tool list. */
function openAIToolChoice(toolConfig: unknown, tools: Json[]): { choice?: unknown; tools?: Json[] } {
  const fc = isObject(toolConfig) ? toolConfig['functionCallingConfig'] : undefined;
  if (!isObject(fc)) return {};
  const allowed = arr(fc['allowedFunctionNames']).filter((n): n is string => typeof n === 'string');
  const narrowed = allowed.length > 0 ? tools.filter((t) => allowed.includes((t['function'] as Json)['name'] as string)) : undefined;
  switch (fc['mode']) {
    case 'AUTO':
    case 'VALIDATED':
      return narrowed ? { choice: 'auto', tools: narrowed } : { choice: 'auto' };
    case 'NONE':
      return { choice: 'none' };
    case 'ANY':
      if (allowed.length === 1) return { choice: { type: 'function', function: { name: allowed[0] } } };
      return narrowed ? { choice: 'required', tools: narrowed } : { choice: 'required' };
    case undefined:
    case 'MODE_UNSPECIFIED':
      return {};
    default:
      throw unprocessable(`toolConfig.functionCallingConfig.mode ${JSON.stringify(fc['mode'])} is not one of AUTO, ANY, NONE, VALIDATED`, 'toolConfig');
  }
}

function samplingParams(config: unknown): Json {
  if (config === undefined) return {};
  if (!isObject(config)) throw unprocessable('`generationConfig` must be an object', 'generationConfig');
  const out: Json = {};
  const set = (key: string, v: unknown) => {
    if (v !== undefined) out[key] = v;
  };
  set('temperature', num(config['temperature']));
  set('top_p', num(config['topP']));
  set('top_k', num(config['topK']));
  set('max_tokens', num(config['maxOutputTokens']));
  set('n', num(config['candidateCount']));
  set('presence_penalty', num(config['presencePenalty']));
  set('frequency_penalty', num(config['frequencyPenalty']));
  set('seed', num(config['seed']));
  const stop = arr(config['stopSequences']).filter((s) => typeof s === 'string');
  if (stop.length > 0) out['stop'] = stop;
  if (config['responseLogprobs'] === true) {
    out['logprobs'] = true;
    set('top_logprobs', num(config['logprobs']));
  }
  const modalities = arr(config['responseModalities']);
  if (modalities.some((m) => m !== 'TEXT')) throw unprocessable('only TEXT output can be asked of an OpenAI-schema backend', 'generationConfig.responseModalities');
  for (const k of ['speechConfig', 'imageConfig'] as const) {
    if (config[k] !== undefined) throw unprocessable(`generationConfig.${k} cannot be expressed for an OpenAI-schema backend`, `generationConfig.${k}`);
  }
  switch (config['responseMimeType']) {
    case undefined:
    case 'text/plain':
      break;
    case 'application/json':
      if (isObject(config['responseJsonSchema'])) out['response_format'] = { type: 'json_schema', json_schema: { name: 'response', schema: config['responseJsonSchema'] } };
      else if (isObject(config['responseSchema'])) out['response_format'] = { type: 'json_schema', json_schema: { name: 'response', schema: fromGeminiSchema(config['responseSchema']) } };
      else out['response_format'] = { type: 'json_object' };
      break;
    default:
      throw unprocessable(`generationConfig.responseMimeType ${JSON.stringify(config['responseMimeType'])} cannot be expressed for an OpenAI-schema backend`, 'generationConfig.responseMimeType');
  }
  const effort = reasoningEffort(config['thinkingConfig']);
  if (effort !== undefined) out['reasoning_effort'] = effort;
  return out;
}

/**
 * `thinkingConfig` → `reasoning_effort`, the inverse of Google's OpenAI-compatibility table: a level
 * maps by name; a budget of 0 is `none`, up to 1,024 `low`, up to 8,192 `medium`, more `high`;
 * -1 (dynamic) leaves the backend's default.
 */
function reasoningEffort(t: unknown): string | undefined {
  if (!isObject(t)) return undefined;
  const level = str(t['thinkingLevel']);
  if (level !== undefined && level !== 'THINKING_LEVEL_UNSPECIFIED') return level.toLowerCase();
  const budget = num(t['thinkingBudget']);
  if (budget === undefined || budget < 0) return undefined;
  if (budget === 0) return 'none';
  return budget <= 1024 ? 'low' : budget <= 8192 ? 'medium' : 'high';
}

// =============================================================================================
// Response: OpenAI chat completion → GenerateContentResponse.

/** A tool call's arguments as the object Gemini's `functionCall.args` must be; undefined when malformed. */
function callArgs(args: unknown): Json | undefined {
  if (typeof args !== 'string' || args.trim() === '') return {};
  try {
    const v: unknown = JSON.parse(args);
    return isObject(v) ? v : undefined;
  } catch {
    return undefined;
  }
}

/** OpenAI tool calls → functionCall parts; `malformed` when any arguments were not a JSON object. */
function functionCallParts(calls: readonly { id?: string | undefined; name: string; arguments: unknown }[]): { parts: Json[]; malformed: boolean } {
  const parts: Json[] = [];
  let malformed = false;
  for (const c of calls) {
    const args = callArgs(c.arguments);
    // Gemini's MALFORMED_FUNCTION_CALL: "the function call generated by the model is invalid".
    if (args === undefined) malformed = true;
    else parts.push({ functionCall: c.id === undefined ? { name: c.name, args } : { id: c.id, name: c.name, args } });
  }
  return { parts, malformed };
}

/** OpenAI `logprobs.content` → Gemini `logprobsResult`. */
function logprobsResult(lp: unknown): Json | undefined {
  if (!isObject(lp) || !Array.isArray(lp['content'])) return undefined;
  const tokens = lp['content'].filter(isObject);
  return {
    chosenCandidates: tokens.map((t) => ({ token: str(t['token']) ?? '', logProbability: num(t['logprob']) ?? 0 })),
    topCandidates: tokens.map((t) => ({ candidates: arr(t['top_logprobs']).filter(isObject).map((a) => ({ token: str(a['token']) ?? '', logProbability: num(a['logprob']) ?? 0 })) })),
  };
}

function reasoningText(m: Json): string {
  return str(m['reasoning_content']) ?? str(m['reasoning']) ?? '';
}

function candidate(index: number, parts: Json[], finishReason: string | undefined, logprobs?: Json): Json {
  const c: Json = {};
  if (parts.length > 0) c['content'] = { role: 'model', parts };
  if (finishReason !== undefined) c['finishReason'] = finishReason;
  if (logprobs !== undefined) c['logprobsResult'] = logprobs;
  c['index'] = index;
  return c;
}

class GeminiBody implements ResponseTranslator {
  readonly usage: TokenUsage = emptyUsage();
  responseModel: string | undefined;
  #chunks: Buffer[] = [];

  constructor(input: ResponseTranslationInput) {
    this.responseModel = input.requestModel;
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
      return errorBody(new GatewayError('upstream_error', 'the OpenAI-schema backend answered with a body that is not JSON'), 'Gemini');
    }
    this.#chunks = [];
    if (!isObject(json)) return errorBody(new GatewayError('upstream_error', 'the OpenAI-schema backend answered with a body that is not a chat completion'), 'Gemini');
    const u = fromOpenAIUsage(json['usage']);
    if (u) setUsage(this.usage, u);
    if (str(json['model'])) this.responseModel = str(json['model']);
    const candidates = arr(json['choices']).map((c, i) => {
      const choice = isObject(c) ? c : {};
      const m = isObject(choice['message']) ? choice['message'] : {};
      const parts: Json[] = [];
      const reasoning = reasoningText(m);
      if (reasoning !== '') parts.push({ text: reasoning, thought: true });
      const text = str(m['content']) ?? '';
      if (text !== '') parts.push({ text });
      const calls = arr(m['tool_calls']).filter(isObject).map((t) => {
        const fn = isObject(t['function']) ? t['function'] : {};
        return { id: str(t['id']), name: str(fn['name']) ?? '', arguments: fn['arguments'] };
      });
      const fc = functionCallParts(calls);
      parts.push(...fc.parts);
      const finish = fc.malformed ? 'MALFORMED_FUNCTION_CALL' : (geminiFinishReason(str(choice['finish_reason'])) ?? 'STOP');
      return candidate(num(choice['index']) ?? i, parts, finish, logprobsResult(choice['logprobs']));
    });
    const out: Json = { candidates };
    if (hasUsage(this.usage)) out['usageMetadata'] = toGeminiUsage(this.usage);
    if (this.responseModel !== undefined) out['modelVersion'] = this.responseModel;
    if (str(json['id'])) out['responseId'] = json['id'];
    return JSON.stringify(out);
  }
}

interface PendingCall {
  id: string | undefined;
  name: string;
  arguments: string;
}

/**
 * OpenAI chunks → Gemini SSE events. Text and reasoning deltas become events as they come; tool-call
 * deltas are gathered per call (Gemini sends a function call whole, with `args` as an object) and,
 * with the finish reasons and the usage, go out in one last event when the backend says `[DONE]`
 * (or the body ends): Gemini's last event carries `finishReason` and `usageMetadata`.
 */
class GeminiStream implements ResponseTranslator {
  readonly usage: TokenUsage = emptyUsage();
  responseModel: string | undefined;
  readonly #parser = new SseParser();
  #responseId: string | undefined;
  #closed = false;
  /** Per choice index: its finish reason (once known) and its tool calls by tool index. */
  readonly #choices = new Map<number, { finish: string | undefined; calls: Map<number, PendingCall> }>();

  constructor(input: ResponseTranslationInput) {
    this.responseModel = input.requestModel;
  }

  head(): ResponseHead {
    return { contentType: 'text/event-stream', rewritesBody: true };
  }

  push(chunk: Buffer): string {
    let out = '';
    for (const e of this.#parser.push(chunk)) out += this.#event(e);
    return out;
  }

  end(): string {
    this.#parser.end();
    return this.#close();
  }

  #meta(out: Json): Json {
    if (this.responseModel !== undefined) out['modelVersion'] = this.responseModel;
    if (this.#responseId !== undefined) out['responseId'] = this.#responseId;
    return out;
  }

  #event(e: SseEvent): string {
    if (this.#closed) return '';
    const data = e.data.trim();
    if (data === '') return '';
    if (data === '[DONE]') return this.#close();
    let json: unknown;
    try {
      json = JSON.parse(data);
    } catch {
      return this.#fail(502, 'the OpenAI-schema backend sent a stream event that is not JSON');
    }
    if (!isObject(json)) return '';
    const err = json['error'];
    if (err !== undefined && err !== null) {
      const e = isObject(err) ? err : {};
      const type = str(e['type']);
      const code = type === 'invalid_request_error' ? 400 : type === 'rate_limit_error' ? 429 : 500;
      return this.#fail(code, str(e['message']) ?? (typeof err === 'string' ? err : 'the backend failed during the stream'));
    }
    if (this.#responseId === undefined && str(json['id'])) this.#responseId = str(json['id']);
    if (str(json['model'])) this.responseModel = str(json['model']);
    const u = fromOpenAIUsage(json['usage']);
    if (u) setUsage(this.usage, u);
    const candidates: Json[] = [];
    for (const c of arr(json['choices'])) {
      if (!isObject(c)) continue;
      const index = num(c['index']) ?? 0;
      let state = this.#choices.get(index);
      if (state === undefined) {
        state = { finish: undefined, calls: new Map() };
        this.#choices.set(index, state);
      }
      const delta = isObject(c['delta']) ? c['delta'] : {};
      const parts: Json[] = [];
      const reasoning = reasoningText(delta);
      if (reasoning !== '') parts.push({ text: reasoning, thought: true });
      const text = str(delta['content']) ?? '';
      if (text !== '') parts.push({ text });
      for (const t of arr(delta['tool_calls'])) {
        if (!isObject(t)) continue;
        const k = num(t['index']) ?? state.calls.size;
        const fn = isObject(t['function']) ? t['function'] : {};
        let call = state.calls.get(k);
        if (call === undefined) {
          call = { id: undefined, name: '', arguments: '' };
          state.calls.set(k, call);
        }
        if (str(t['id'])) call.id = str(t['id']);
        call.name += str(fn['name']) ?? '';
        call.arguments += str(fn['arguments']) ?? '';
      }
      const finish = str(c['finish_reason']);
      if (finish) state.finish = finish;
      const logprobs = logprobsResult(c['logprobs']);
      if (parts.length > 0 || logprobs !== undefined) candidates.push(candidate(index, parts, undefined, logprobs));
    }
    if (candidates.length === 0) return '';
    return formatSse(JSON.stringify(this.#meta({ candidates })));
  }

  /** The last event: gathered function calls, finish reasons and usage. Written once. */
  #close(): string {
    if (this.#closed) return '';
    this.#closed = true;
    const candidates: Json[] = [];
    for (const [index, state] of [...this.#choices].sort((a, b) => a[0] - b[0])) {
      const fc = functionCallParts([...state.calls].sort((a, b) => a[0] - b[0]).map(([, c]) => c));
      const finish = fc.malformed ? 'MALFORMED_FUNCTION_CALL' : geminiFinishReason(state.finish);
      if (fc.parts.length > 0 || finish !== undefined) candidates.push(candidate(index, fc.parts, finish));
    }
    const out: Json = {};
    if (candidates.length > 0) out['candidates'] = candidates;
    if (hasUsage(this.usage)) out['usageMetadata'] = toGeminiUsage(this.usage);
    if (Object.keys(out).length === 0) return '';
    return formatSse(JSON.stringify(this.#meta(out)));
  }

  /** An error inside the stream: the Google error event (`@google/genai` raises it), then nothing. */
  #fail(code: number, message: string): string {
    this.#closed = true;
    return formatSse(googleErrorEvent(code, message));
  }
}
