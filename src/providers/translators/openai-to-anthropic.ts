// OpenAI chat client → Anthropic Messages backend (Anthropic, GCPAnthropic on Vertex AI,
// AWSAnthropic on Bedrock InvokeModel): the translator upstream issue #1936 asks for. One core
// serves the three backend schemas; only the address, `anthropic_version` and (on Bedrock) the
// stream framing differ (anthropic-backend.ts).
//
// Request (reference §4 "OpenAI → Anthropic on Bedrock / Vertex"; OpenAI "Create chat completion"
// and Anthropic "Messages" API references for the fields):
//   - system and developer messages, wherever they are → `system` (Anthropic has no system turn);
//   - user content: text, images (`data:` URLs → base64 image source, http(s) URLs → url source),
//     PDF/text files given as data → document blocks; OpenAI-style `cache_control` on a part is
//     kept on the block (Anthropic prompt caching);
//   - assistant text, `tool_calls` → `tool_use` blocks (arguments parsed to `input`), and
//     `thinking_blocks` (what this translator returns) back → thinking blocks, so tool use with
//     extended thinking can continue a conversation;
//   - tool messages → `tool_result` blocks in a user turn; consecutive turns of one role are merged
//     (tool results first, as Anthropic requires);
//   - tools → `{name, description, input_schema, strict}`; tool_choice and parallel_tool_calls as in
//     anthropic-shapes.ts;
//   - max_tokens: `max_completion_tokens` ?? `max_tokens` ?? DEFAULT_MAX_TOKENS (see below);
//   - temperature (Anthropic accepts 0..1: larger values are refused, not rescaled), top_p, top_k,
//     stop → stop_sequences, user → metadata.user_id;
//   - response_format json_schema → `output_config.format` (Anthropic structured outputs);
//     json_object has no Anthropic equivalent and is approximated by a system instruction;
//   - `thinking` (the unified extension field) passes as is; `reasoning_effort` → extended thinking
//     with a budget per effort level (REASONING_BUDGET); with either, an unset max_tokens becomes
//     budget + DEFAULT_MAX_TOKENS (Anthropic wants budget_tokens below max_tokens);
//   - refused with 422 (they cannot be honoured): n > 1, logprobs, audio output, web_search_options,
//     non-function tools, the legacy functions API. Ignored (no Anthropic counterpart, no effect on
//     the answer's meaning): frequency_penalty, presence_penalty, seed, logit_bias, store, metadata,
//     service_tier, prediction, prompt_cache_key, stream_options.
//
// Response: text → content, thinking → `reasoning_content` (and `thinking_blocks` with signatures
// on whole responses), tool_use → tool_calls with arguments = JSON text of `input`, stop_reason →
// finish_reason, usage normalised (reference §6) into OpenAI's usage, `model` from Anthropic's.
// Streams are translated event by event into `chat.completion.chunk`s (role chunk, deltas, tool
// call chunks, finish chunk, the usage chunk when the client asked for it, `data: [DONE]`); ping
// events are dropped; an Anthropic `error` event becomes an OpenAI `data: {"error":{…}}` event.
import type { IncomingHttpHeaders } from 'node:http';
import { GatewayError } from '../../errors.ts';
import type { BackendSchemaName, RequestTranslationInput, ResponseHead, ResponseTranslationInput, ResponseTranslator, TranslatedError, TranslatedRequest, Translator } from '../../runtime/translator.ts';
import { emptyUsage, setUsage } from '../../runtime/usage.ts';
import type { TokenUsage } from '../../runtime/usage.ts';
import { toOpenAIUsage } from '../openai-usage.ts';
import { formatSse } from '../streaming/sse.ts';
import { AnthropicEventReader, anthropicBackendBody, anthropicTarget, isAwsEventStream } from './anthropic-backend.ts';
import type { AnthropicBackendName, AnthropicEvent } from './anthropic-backend.ts';
import { openAIErrorFromAnthropic } from './anthropic-errors.ts';
import { anthropicStopToOpenAI, emptyAnthropicCounters, isObject, mergeAnthropicUsage, openAIToolChoiceToAnthropic, str, usageFromAnthropic } from './anthropic-shapes.ts';
import type { AnthropicUsageCounters, JsonObject } from './anthropic-shapes.ts';

/**
 * `max_tokens` when the client set neither max_completion_tokens nor max_tokens. Anthropic requires
 * it; OpenAI's default is "up to the model's limit". Envoy AI Gateway sends 0 and lets Anthropic
 * reject the request, which breaks every OpenAI client that relies on the default. 4096 is the
 * largest value every Claude model accepts (Claude 3 Haiku's output limit), so no model refuses it,
 * and a client that wants longer answers says so with max_completion_tokens.
 */
export const DEFAULT_MAX_TOKENS = 4096;

/**
 * Extended-thinking budgets for OpenAI's `reasoning_effort` (Anthropic: budget_tokens ≥ 1024 and
 * below max_tokens). `none` turns thinking off. When the client set no max tokens, max_tokens
 * becomes budget + DEFAULT_MAX_TOKENS so the answer keeps its usual room; when it did and the
 * budget does not fit below it, the budget shrinks to max_tokens − 1, and thinking is left off when
 * that is under Anthropic's 1024 minimum.
 */
export const REASONING_BUDGET: Readonly<Record<string, number>> = { minimal: 1024, low: 2048, medium: 8192, high: 16384, xhigh: 24576 };
const MIN_THINKING_BUDGET = 1024;

/** Instruction added to `system` for `response_format: {type: "json_object"}` (no Anthropic equivalent). */
export const JSON_OBJECT_INSTRUCTION = 'Respond with a single valid JSON object and nothing else.';

export interface OpenAIToAnthropicOptions {
  /** The backend schema this instance is registered for (its name; Bedrock framing by default). */
  readonly schema?: AnthropicBackendName;
  /** Seconds since the epoch for the `created` field (tests pin it). */
  readonly now?: () => number;
}

const unprocessable = (message: string, param?: string): GatewayError => new GatewayError('unprocessable_request', message, param === undefined ? {} : { param });
const invalid = (message: string, param?: string): GatewayError => new GatewayError('invalid_request', message, param === undefined ? {} : { param });

// ---------------------------------------------------------------------------------------------
// Request

/**
 * The Anthropic Messages body for an OpenAI chat body, without `model` and `stream` (the backend
 * decides where those go). Pure: `body` is not modified.
 */
export function openAIChatToAnthropic(body: Readonly<JsonObject>): JsonObject {
  for (const key of ['functions', 'function_call'] as const) if (body[key] !== undefined) throw unprocessable(`${key} (the legacy functions API) is not translated to Anthropic: use tools`, key);
  if (body['n'] !== undefined && body['n'] !== null && body['n'] !== 1) throw unprocessable('Anthropic returns one choice: n must be 1', 'n');
  if (body['logprobs'] === true || (typeof body['top_logprobs'] === 'number' && body['top_logprobs'] > 0)) throw unprocessable('Anthropic does not return log probabilities', 'logprobs');
  if (body['audio'] !== undefined && body['audio'] !== null) throw unprocessable('Anthropic does not produce audio', 'audio');
  if (Array.isArray(body['modalities']) && body['modalities'].includes('audio')) throw unprocessable('Anthropic does not produce audio', 'modalities');
  if (body['web_search_options'] !== undefined) throw unprocessable('web_search_options is not translated to Anthropic', 'web_search_options');

  const { system, messages } = convertMessages(body['messages']);
  const out: JsonObject = {};

  const explicitMax = numberParam(body, 'max_completion_tokens') ?? numberParam(body, 'max_tokens');
  let maxTokens = explicitMax ?? DEFAULT_MAX_TOKENS;

  // Thinking: the unified `thinking` field wins over reasoning_effort.
  let thinking: unknown;
  if (body['thinking'] !== undefined && body['thinking'] !== null) {
    if (!isObject(body['thinking'])) throw invalid('thinking must be an object', 'thinking');
    thinking = body['thinking'];
    const budget = body['thinking']['budget_tokens'];
    if (explicitMax === undefined && typeof budget === 'number') maxTokens = budget + DEFAULT_MAX_TOKENS;
  } else if (body['reasoning_effort'] !== undefined && body['reasoning_effort'] !== null) {
    const effort = body['reasoning_effort'];
    if (effort !== 'none') {
      const budget = typeof effort === 'string' ? REASONING_BUDGET[effort] : undefined;
      if (budget === undefined) throw unprocessable(`reasoning_effort ${JSON.stringify(effort)} has no Anthropic equivalent`, 'reasoning_effort');
      if (explicitMax === undefined) {
        maxTokens = budget + DEFAULT_MAX_TOKENS;
        thinking = { type: 'enabled', budget_tokens: budget };
      } else {
        const fitted = Math.min(budget, explicitMax - 1);
        if (fitted >= MIN_THINKING_BUDGET) thinking = { type: 'enabled', budget_tokens: fitted };
      }
    }
  }

  out['max_tokens'] = maxTokens;
  out['messages'] = messages;

  const format = body['response_format'];
  if (format !== undefined && format !== null) {
    if (!isObject(format)) throw invalid('response_format must be an object', 'response_format');
    switch (format['type']) {
      case 'text':
        break;
      case 'json_schema': {
        const js = format['json_schema'];
        if (!isObject(js) || !isObject(js['schema'])) throw invalid('response_format.json_schema.schema must be an object', 'response_format');
        out['output_config'] = { format: { type: 'json_schema', schema: js['schema'] } };
        break;
      }
      case 'json_object':
        system.push({ type: 'text', text: JSON_OBJECT_INSTRUCTION });
        break;
      default:
        throw unprocessable(`response_format type ${JSON.stringify(format['type'])} has no Anthropic equivalent`, 'response_format');
    }
  }

  if (system.length > 0) out['system'] = system.length === 1 && system[0]!['cache_control'] === undefined ? system[0]!['text'] : system;

  const temperature = numberParam(body, 'temperature');
  if (temperature !== undefined) {
    if (temperature > 1) throw unprocessable(`Anthropic accepts temperature between 0 and 1, not ${temperature}`, 'temperature');
    out['temperature'] = temperature;
  }
  const topP = numberParam(body, 'top_p');
  if (topP !== undefined) out['top_p'] = topP;
  const topK = numberParam(body, 'top_k');
  if (topK !== undefined) out['top_k'] = topK;

  const stop = body['stop'];
  if (typeof stop === 'string') out['stop_sequences'] = [stop];
  else if (Array.isArray(stop)) {
    if (!stop.every((s) => typeof s === 'string')) throw invalid('stop must be a string or an array of strings', 'stop');
    if (stop.length > 0) out['stop_sequences'] = [...stop];
  } else if (stop !== undefined && stop !== null) throw invalid('stop must be a string or an array of strings', 'stop');

  const tools = body['tools'];
  if (Array.isArray(tools) && tools.length > 0) {
    out['tools'] = tools.map(convertTool);
    const choice = openAIToolChoiceToAnthropic(body['tool_choice'], body['parallel_tool_calls']);
    if (choice !== undefined) out['tool_choice'] = choice;
  } else if (tools !== undefined && tools !== null && !Array.isArray(tools)) throw invalid('tools must be an array', 'tools');

  if (thinking !== undefined) out['thinking'] = thinking;

  const user = str(body['user']) ?? str(body['safety_identifier']);
  if (user !== undefined && user.length > 0) out['metadata'] = { user_id: user };
  return out;
}

function numberParam(body: Readonly<JsonObject>, key: string): number | undefined {
  const v = body[key];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'number' || !Number.isFinite(v) || v < 0) throw invalid(`${key} must be a non-negative number`, key);
  return v;
}

interface Turn {
  readonly role: 'user' | 'assistant';
  readonly content: JsonObject[];
}

function convertMessages(messages: unknown): { system: JsonObject[]; messages: JsonObject[] } {
  if (!Array.isArray(messages)) throw invalid('messages must be an array', 'messages');
  const system: JsonObject[] = [];
  const turns: Turn[] = [];
  const append = (role: Turn['role'], blocks: JsonObject[]) => {
    if (blocks.length === 0) return;
    const last = turns[turns.length - 1];
    if (last && last.role === role) last.content.push(...blocks);
    else turns.push({ role, content: [...blocks] });
  };
  messages.forEach((m, i) => {
    if (!isObject(m)) throw invalid(`messages[${i}] must be an object`, `messages[${i}]`);
    switch (m['role']) {
      case 'system':
      case 'developer':
        system.push(...textBlocks(m['content'], `messages[${i}].content`));
        break;
      case 'user':
        append('user', userBlocks(m['content'], `messages[${i}].content`));
        break;
      case 'assistant':
        append('assistant', assistantBlocks(m, i));
        break;
      case 'tool':
        append('user', [toolResult(m, i)]);
        break;
      case 'function':
        throw unprocessable('function messages (the legacy functions API) are not translated to Anthropic: use tools', `messages[${i}]`);
      default:
        throw invalid(`messages[${i}].role ${JSON.stringify(m['role'])} is not a chat role`, `messages[${i}].role`);
    }
  });
  return {
    system,
    messages: turns.map((t) => {
      // Anthropic wants a user turn's tool_result blocks before anything else in it.
      const content = t.role === 'user' ? [...t.content.filter((b) => b['type'] === 'tool_result'), ...t.content.filter((b) => b['type'] !== 'tool_result')] : t.content;
      const only = content[0];
      const plain = content.length === 1 && only !== undefined && only['type'] === 'text' && only['cache_control'] === undefined;
      return { role: t.role, content: plain ? only['text'] : content };
    }),
  };
}

/** A text block, keeping an Anthropic-style `cache_control` the client put on the part. */
function textBlock(text: string, part?: JsonObject): JsonObject {
  const cc = part?.['cache_control'];
  return isObject(cc) ? { type: 'text', text, cache_control: cc } : { type: 'text', text };
}

/** System, developer and tool content: a string or text parts. Empty texts are dropped. */
function textBlocks(content: unknown, where: string): JsonObject[] {
  if (typeof content === 'string') return content.length > 0 ? [textBlock(content)] : [];
  if (content === null || content === undefined) return [];
  if (!Array.isArray(content)) throw invalid(`${where} must be a string or an array of parts`, where);
  const out: JsonObject[] = [];
  content.forEach((p, j) => {
    if (!isObject(p) || (p['type'] !== 'text' && p['type'] !== 'refusal')) throw unprocessable(`${where}[${j}] must be a text part here`, `${where}[${j}]`);
    const text = str(p['text']) ?? str(p['refusal']) ?? '';
    if (text.length > 0) out.push(textBlock(text, p));
  });
  return out;
}

const DATA_URL = /^data:([^;,]+)((?:;[^;,]*)*?);base64,(.*)$/s;

function userBlocks(content: unknown, where: string): JsonObject[] {
  if (typeof content === 'string' || content === null || content === undefined) return textBlocks(content, where);
  if (!Array.isArray(content)) throw invalid(`${where} must be a string or an array of parts`, where);
  const out: JsonObject[] = [];
  content.forEach((p, j) => {
    const at = `${where}[${j}]`;
    if (!isObject(p)) throw invalid(`${at} must be an object`, at);
    switch (p['type']) {
      case 'text': {
        const text = str(p['text']) ?? '';
        if (text.length > 0) out.push(textBlock(text, p));
        break;
      }
      case 'image_url': {
        const image = p['image_url'];
        const url = isObject(image) ? str(image['url']) : str(image);
        if (url === undefined) throw invalid(`${at}.image_url.url is required`, at);
        out.push(withCache({ type: 'image', source: imageSource(url, at) }, p));
        break;
      }
      case 'file':
        out.push(withCache(documentBlock(p['file'], at), p));
        break;
      case 'input_audio':
        throw unprocessable(`${at}: Anthropic does not accept audio input`, at);
      default:
        throw unprocessable(`${at}: content part type ${JSON.stringify(p['type'])} is not translated to Anthropic`, at);
    }
  });
  return out;
}

function withCache(block: JsonObject, part: JsonObject): JsonObject {
  return isObject(part['cache_control']) ? { ...block, cache_control: part['cache_control'] } : block;
}

/** Anthropic image source for an OpenAI image URL ("Vision": base64 or url sources). */
function imageSource(url: string, at: string): JsonObject {
  const m = DATA_URL.exec(url);
  if (m) return { type: 'base64', media_type: m[1]!, data: m[3]! };
  if (/^https?:\/\//i.test(url)) return { type: 'url', url };
  throw unprocessable(`${at}: an image must be a base64 data: URL or an http(s) URL`, at);
}

/** OpenAI `file` part given inline (`file_data` data URL) → Anthropic document block ("PDF support"). */
function documentBlock(file: unknown, at: string): JsonObject {
  if (!isObject(file)) throw invalid(`${at}.file must be an object`, at);
  const data = str(file['file_data']);
  if (data === undefined) throw unprocessable(`${at}: only inline files (file_data) can be sent to Anthropic, not file ids`, at);
  const m = DATA_URL.exec(data);
  if (!m) throw unprocessable(`${at}: file_data must be a base64 data: URL`, at);
  const mediaType = m[1]!.toLowerCase();
  const block: JsonObject =
    mediaType === 'application/pdf'
      ? { type: 'document', source: { type: 'base64', media_type: 'application/pdf', data: m[3]! } }
      : mediaType === 'text/plain'
        ? { type: 'document', source: { type: 'text', media_type: 'text/plain', data: Buffer.from(m[3]!, 'base64').toString('utf8') } }
        : (() => {
            throw unprocessable(`${at}: Anthropic documents are PDF or plain text, not ${mediaType}`, at);
          })();
  const name = str(file['filename']);
  return name ? { ...block, title: name } : block;
}

function assistantBlocks(m: JsonObject, i: number): JsonObject[] {
  const out: JsonObject[] = [];
  const thinking = m['thinking_blocks'];
  if (Array.isArray(thinking)) {
    for (const b of thinking) {
      if (!isObject(b)) continue;
      if (b['type'] === 'thinking' && typeof b['thinking'] === 'string') out.push({ type: 'thinking', thinking: b['thinking'], signature: str(b['signature']) ?? '' });
      else if (b['type'] === 'redacted_thinking' && typeof b['data'] === 'string') out.push({ type: 'redacted_thinking', data: b['data'] });
    }
  }
  out.push(...textBlocks(m['content'], `messages[${i}].content`));
  if (m['function_call'] !== undefined && m['function_call'] !== null) throw unprocessable('function_call (the legacy functions API) is not translated to Anthropic: use tool_calls', `messages[${i}].function_call`);
  const calls = m['tool_calls'];
  if (Array.isArray(calls)) {
    calls.forEach((c, j) => {
      const at = `messages[${i}].tool_calls[${j}]`;
      if (!isObject(c) || !isObject(c['function'])) throw invalid(`${at} must be a function tool call`, at);
      const fn = c['function'];
      const id = str(c['id']);
      const name = str(fn['name']);
      if (id === undefined || name === undefined) throw invalid(`${at} needs an id and a function name`, at);
      out.push({ type: 'tool_use', id, name, input: parseArguments(fn['arguments'], at) });
    });
  }
  return out;
}

function parseArguments(args: unknown, at: string): JsonObject {
  if (args === undefined || args === null || args === '') return {};
  if (isObject(args)) return args;
  if (typeof args === 'string') {
    let v: unknown;
    try {
      v = JSON.parse(args);
    } catch {
      throw unprocessable(`${at}.function.arguments is not JSON; Anthropic needs the tool input as an object`, at);
    }
    if (isObject(v)) return v;
  }
  throw unprocessable(`${at}.function.arguments must be a JSON object; Anthropic needs the tool input as an object`, at);
}

function toolResult(m: JsonObject, i: number): JsonObject {
  const id = str(m['tool_call_id']);
  if (id === undefined) throw invalid(`messages[${i}].tool_call_id is required`, `messages[${i}].tool_call_id`);
  const content = m['content'];
  if (typeof content === 'string') return content.length > 0 ? { type: 'tool_result', tool_use_id: id, content } : { type: 'tool_result', tool_use_id: id };
  const blocks = textBlocks(content, `messages[${i}].content`);
  return blocks.length > 0 ? { type: 'tool_result', tool_use_id: id, content: blocks } : { type: 'tool_result', tool_use_id: id };
}

function convertTool(t: unknown, i: number): JsonObject {
  const at = `tools[${i}]`;
  if (!isObject(t) || t['type'] !== 'function' || !isObject(t['function'])) throw unprocessable(`${at}: only function tools are translated to Anthropic`, at);
  const f = t['function'];
  const name = str(f['name']);
  if (name === undefined) throw invalid(`${at}.function.name is required`, at);
  const out: JsonObject = { name };
  const description = str(f['description']);
  if (description !== undefined) out['description'] = description;
  out['input_schema'] = isObject(f['parameters']) ? f['parameters'] : { type: 'object', properties: {} };
  if (f['strict'] === true) out['strict'] = true;
  return out;
}

// ---------------------------------------------------------------------------------------------
// Translator

const NAMES: Record<AnthropicBackendName, string> = { Anthropic: 'openai-to-anthropic', GCPAnthropic: 'openai-to-gcp-anthropic', AWSAnthropic: 'openai-to-aws-anthropic' };

export function createOpenAIToAnthropic(options: OpenAIToAnthropicOptions = {}): Translator {
  const schema = options.schema ?? 'Anthropic';
  const now = options.now ?? (() => Math.floor(Date.now() / 1000));
  return {
    name: NAMES[schema],
    request(input: RequestTranslationInput): TranslatedRequest {
      if (input.operation !== 'chat') throw unprocessable(`an OpenAI client's ${input.operation} operation has no Anthropic Messages equivalent`);
      const body = openAIChatToAnthropic(input.body);
      if (input.stream) body['stream'] = true;
      // The OpenAI client's query string means nothing to Anthropic: not forwarded.
      const target = anthropicTarget(input.backend, 'messages', input.model, input.stream, '');
      return { path: target.path, headers: target.headers, body: Buffer.from(JSON.stringify(anthropicBackendBody(input.backend, 'messages', body, input.model))) };
    },
    response(input: ResponseTranslationInput): ResponseTranslator {
      return input.stream ? new AnthropicStreamToOpenAI(input, schema, now) : new AnthropicBodyToOpenAI(input, now);
    },
    error(status: number, headers: IncomingHttpHeaders, body: Buffer): TranslatedError {
      return openAIErrorFromAnthropic(status, headers, body);
    },
  };
}

/** OpenAI chat → Anthropic's own API. */
export const openAIToAnthropic: Translator = createOpenAIToAnthropic({ schema: 'Anthropic' });
/** OpenAI chat → Claude on Vertex AI (rawPredict / streamRawPredict). */
export const openAIToGCPAnthropic: Translator = createOpenAIToAnthropic({ schema: 'GCPAnthropic' });
/** OpenAI chat → Claude on Bedrock InvokeModel (event-stream framed streams). */
export const openAIToAWSAnthropic: Translator = createOpenAIToAnthropic({ schema: 'AWSAnthropic' });

/** Which of the three exports serves a backend schema (undefined: not an Anthropic backend). */
export function openAIToAnthropicFor(backend: BackendSchemaName): Translator | undefined {
  return backend === 'Anthropic' ? openAIToAnthropic : backend === 'GCPAnthropic' ? openAIToGCPAnthropic : backend === 'AWSAnthropic' ? openAIToAWSAnthropic : undefined;
}

// ---------------------------------------------------------------------------------------------
// Response: whole message

/** An OpenAI `message` and finish_reason from an Anthropic message's content. */
export function openAIMessageOf(msg: JsonObject): { message: JsonObject; finishReason: string } {
  const texts: string[] = [];
  const reasoning: string[] = [];
  const thinkingBlocks: JsonObject[] = [];
  const toolCalls: JsonObject[] = [];
  const content = Array.isArray(msg['content']) ? msg['content'] : [];
  for (const b of content) {
    if (!isObject(b)) continue;
    switch (b['type']) {
      case 'text':
        texts.push(str(b['text']) ?? '');
        break;
      case 'thinking':
        reasoning.push(str(b['thinking']) ?? '');
        thinkingBlocks.push({ type: 'thinking', thinking: str(b['thinking']) ?? '', signature: str(b['signature']) ?? '' });
        break;
      case 'redacted_thinking':
        thinkingBlocks.push({ type: 'redacted_thinking', data: str(b['data']) ?? '' });
        break;
      case 'tool_use':
        toolCalls.push({ id: str(b['id']) ?? '', type: 'function', function: { name: str(b['name']) ?? '', arguments: JSON.stringify(b['input'] ?? {}) } });
        break;
      default:
        // Server tool blocks (web search, code execution …) ran at Anthropic; OpenAI has no shape for them.
        break;
    }
  }
  const message: JsonObject = { role: 'assistant', content: texts.length > 0 ? texts.join('') : null, refusal: null };
  if (toolCalls.length > 0) message['tool_calls'] = toolCalls;
  if (reasoning.length > 0) message['reasoning_content'] = reasoning.join('');
  if (thinkingBlocks.length > 0) message['thinking_blocks'] = thinkingBlocks;
  return { message, finishReason: anthropicStopToOpenAI(msg['stop_reason']) };
}

class AnthropicBodyToOpenAI implements ResponseTranslator {
  readonly usage: TokenUsage = emptyUsage();
  responseModel: string | undefined;
  readonly #input: ResponseTranslationInput;
  readonly #now: () => number;
  #chunks: Buffer[] = [];

  constructor(input: ResponseTranslationInput, now: () => number) {
    this.#input = input;
    this.#now = now;
  }

  head(): ResponseHead {
    return { contentType: 'application/json', rewritesBody: true };
  }

  push(chunk: Buffer): undefined {
    this.#chunks.push(chunk);
    return undefined;
  }

  end(): string {
    const text = Buffer.concat(this.#chunks).toString('utf8');
    this.#chunks = [];
    let msg: unknown;
    try {
      msg = JSON.parse(text);
    } catch {
      msg = undefined;
    }
    if (!isObject(msg) || msg['type'] === 'error') {
      const err = isObject(msg) && isObject(msg['error']) ? msg['error'] : {};
      return JSON.stringify({ error: { message: str(err['message']) ?? 'the backend answered with a body that is not an Anthropic message', type: str(err['type']) ?? 'upstream_error', param: null, code: null } });
    }
    const counters = emptyAnthropicCounters();
    mergeAnthropicUsage(counters, msg['usage']);
    setUsage(this.usage, usageFromAnthropic(counters));
    this.responseModel = str(msg['model']) ?? this.#input.requestModel;
    const { message, finishReason } = openAIMessageOf(msg);
    return JSON.stringify({
      id: str(msg['id']) ?? 'msg',
      object: 'chat.completion',
      created: this.#now(),
      model: this.responseModel,
      choices: [{ index: 0, message, logprobs: null, finish_reason: finishReason }],
      usage: toOpenAIUsage(this.usage),
    });
  }
}

// ---------------------------------------------------------------------------------------------
// Response: stream

class AnthropicStreamToOpenAI implements ResponseTranslator {
  readonly usage: TokenUsage = emptyUsage();
  responseModel: string | undefined;
  readonly #input: ResponseTranslationInput;
  readonly #schema: AnthropicBackendName;
  readonly #now: () => number;
  readonly #includeUsage: boolean;
  readonly #counters: AnthropicUsageCounters = emptyAnthropicCounters();
  #reader: AnthropicEventReader | undefined;
  #id = 'msg';
  #created = 0;
  #started = false;
  /** message_stop was translated, or an error event ended the stream for the client. */
  #done = false;
  #stopReason: unknown;
  /** Anthropic content-block index → OpenAI tool_calls index. */
  readonly #tools = new Map<number, number>();

  constructor(input: ResponseTranslationInput, schema: AnthropicBackendName, now: () => number) {
    this.#input = input;
    this.#schema = schema;
    this.#now = now;
    // The usage-only chunk goes to clients that asked for it (stream_options.include_usage); the
    // gateway records usage either way.
    this.#includeUsage = !input.hideUsageChunk;
  }

  head(_status: number, headers: IncomingHttpHeaders): ResponseHead {
    const type = headers['content-type'];
    this.#reader = new AnthropicEventReader(isAwsEventStream(type) || (type === undefined && this.#schema === 'AWSAnthropic'));
    return { contentType: 'text/event-stream', rewritesBody: true };
  }

  push(chunk: Buffer): string {
    return this.#translate(this.#events().push(chunk));
  }

  end(): string {
    let out = this.#translate(this.#events().end());
    if (!this.#done) out += this.#error('upstream_error', "the backend's stream ended before message_stop");
    return out;
  }

  #events(): AnthropicEventReader {
    this.#reader ??= new AnthropicEventReader(this.#schema === 'AWSAnthropic');
    return this.#reader;
  }

  #translate(events: readonly AnthropicEvent[]): string {
    let out = '';
    for (const e of events) {
      if (this.#done) break;
      if (e.type === 'ping') continue;
      let json: unknown;
      try {
        json = JSON.parse(e.data);
      } catch {
        out += this.#error('upstream_error', `the backend sent a ${e.type} event that is not JSON`);
        continue;
      }
      if (!isObject(json)) continue;
      out += this.#event(e.type, json);
    }
    return out;
  }

  #event(type: string, json: JsonObject): string {
    switch (type) {
      case 'message_start': {
        const message = isObject(json['message']) ? json['message'] : {};
        this.#id = str(message['id']) ?? this.#id;
        this.responseModel = str(message['model']) ?? this.#input.requestModel;
        if (mergeAnthropicUsage(this.#counters, message['usage'])) setUsage(this.usage, usageFromAnthropic(this.#counters));
        return this.#start();
      }
      case 'content_block_start': {
        const block = isObject(json['content_block']) ? json['content_block'] : {};
        const index = typeof json['index'] === 'number' ? json['index'] : -1;
        let out = this.#start();
        if (block['type'] === 'tool_use') {
          const n = this.#tools.size;
          this.#tools.set(index, n);
          out += this.#chunk({ tool_calls: [{ index: n, id: str(block['id']) ?? '', type: 'function', function: { name: str(block['name']) ?? '', arguments: '' } }] });
        } else if (block['type'] === 'text' && typeof block['text'] === 'string' && block['text'].length > 0) {
          out += this.#chunk({ content: block['text'] });
        } else if (block['type'] === 'thinking' && typeof block['thinking'] === 'string' && block['thinking'].length > 0) {
          out += this.#chunk({ reasoning_content: block['thinking'] });
        }
        return out;
      }
      case 'content_block_delta': {
        const delta = isObject(json['delta']) ? json['delta'] : {};
        let out = this.#start();
        switch (delta['type']) {
          case 'text_delta':
            if (typeof delta['text'] === 'string' && delta['text'].length > 0) out += this.#chunk({ content: delta['text'] });
            break;
          case 'thinking_delta':
            if (typeof delta['thinking'] === 'string' && delta['thinking'].length > 0) out += this.#chunk({ reasoning_content: delta['thinking'] });
            break;
          case 'input_json_delta': {
            const n = typeof json['index'] === 'number' ? this.#tools.get(json['index']) : undefined;
            const partial = str(delta['partial_json']) ?? '';
            if (n !== undefined && partial.length > 0) out += this.#chunk({ tool_calls: [{ index: n, function: { arguments: partial } }] });
            break;
          }
          default:
            // signature_delta, citations_delta: no OpenAI stream counterpart.
            break;
        }
        return out;
      }
      case 'message_delta': {
        const delta = isObject(json['delta']) ? json['delta'] : {};
        if (delta['stop_reason'] !== undefined && delta['stop_reason'] !== null) this.#stopReason = delta['stop_reason'];
        // Cumulative: replaces what message_start said.
        if (mergeAnthropicUsage(this.#counters, json['usage'])) setUsage(this.usage, usageFromAnthropic(this.#counters));
        return '';
      }
      case 'message_stop': {
        let out = this.#start() + this.#chunk({}, anthropicStopToOpenAI(this.#stopReason));
        if (this.#includeUsage) out += formatSse(JSON.stringify({ id: this.#id, object: 'chat.completion.chunk', created: this.#created, model: this.#model(), choices: [], usage: toOpenAIUsage(this.usage) }));
        this.#done = true;
        return out + formatSse('[DONE]');
      }
      case 'error': {
        const err = isObject(json['error']) ? json['error'] : {};
        return this.#error(str(err['type']) ?? 'upstream_error', str(err['message']) ?? 'the backend reported an error');
      }
      default:
        // content_block_stop and event types this version does not know carry nothing for OpenAI.
        return '';
    }
  }

  #model(): string {
    return this.responseModel ?? this.#input.requestModel;
  }

  /** The role chunk, once, before anything else. */
  #start(): string {
    if (this.#started) return '';
    this.#started = true;
    this.#created = this.#now();
    this.responseModel ??= this.#input.requestModel;
    return this.#chunk({ role: 'assistant', content: '' });
  }

  #chunk(delta: JsonObject, finish: string | null = null): string {
    const c: JsonObject = { id: this.#id, object: 'chat.completion.chunk', created: this.#created, model: this.#model(), choices: [{ index: 0, delta, logprobs: null, finish_reason: finish }] };
    if (this.#includeUsage) c['usage'] = null;
    return formatSse(JSON.stringify(c));
  }

  /** An OpenAI-shaped error event (the openai SDK raises APIError on it); the stream ends there. */
  #error(type: string, message: string): string {
    this.#done = true;
    return formatSse(JSON.stringify({ error: { message, type, param: null, code: null } }));
  }
}
