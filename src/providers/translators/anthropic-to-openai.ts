// Anthropic Messages client → OpenAI chat backend (Claude Code and the Anthropic SDKs against vLLM
// or any OpenAI-compatible server; upstream #1372, done there in PR #1878). The reverse of
// openai-to-anthropic.ts, following the same API references (Anthropic "Messages" and "Streaming
// Messages", OpenAI "Create chat completion" and "Chat completion chunk").
//
// Request:
//   - `system` (string or text blocks) → one leading system message;
//   - user turns: text → text parts, images (base64 → data: URL, url → URL) → image_url parts, PDF
//     documents given as base64 → `file` parts, plain-text documents → text; `tool_result` blocks →
//     `tool` messages placed before the rest of the turn (they must follow the assistant's
//     tool_calls); images inside a tool result go into a user message after the tool messages (an
//     OpenAI tool message carries text only);
//   - assistant turns: text → content, `tool_use` → tool_calls (arguments = JSON text of input);
//     thinking blocks are dropped (chat completions has no input field for prior reasoning);
//   - tools (custom tools only: Anthropic server tools run at Anthropic, 422 here) → function tools;
//     tool_choice as in anthropic-shapes.ts; max_tokens → max_completion_tokens (the current OpenAI
//     field, which OpenAI's reasoning models require and vLLM accepts); stop_sequences → stop;
//     temperature, top_p, top_k (a vLLM extension) pass; metadata.user_id → user;
//     output_config.format → response_format json_schema; output_config.effort, else
//     thinking.budget_tokens → reasoning_effort;
//   - streams set `stream_options.include_usage` so usage can be reported to the client and the
//     gateway;
//   - count_tokens has no OpenAI equivalent: 422.
// Response: OpenAI's message → Anthropic content (reasoning_content / reasoning → a thinking block,
// content → text, tool_calls → tool_use), finish_reason → stop_reason, usage → Anthropic usage
// (prompt_tokens includes cached tokens, Anthropic's input_tokens does not). Streams become
// Anthropic SSE: message_start, content_block_start/delta/stop per text, thinking and tool_use block
// (input_json_delta for arguments), then message_delta with stop_reason and usage and message_stop,
// written when the backend's stream ends, after OpenAI's usage-only chunk.
import type { IncomingHttpHeaders } from 'node:http';
import { GatewayError } from '../../errors.ts';
import type { RequestTranslationInput, ResponseHead, ResponseTranslationInput, ResponseTranslator, TranslatedError, TranslatedRequest, Translator } from '../../runtime/translator.ts';
import { emptyUsage, setUsage } from '../../runtime/usage.ts';
import type { TokenUsage } from '../../runtime/usage.ts';
import { fromOpenAIUsage } from '../openai-usage.ts';
import { SseParser, formatSse } from '../streaming/sse.ts';
import { anthropicErrorForClient, anthropicTypeForStatus } from './anthropic-errors.ts';
import { anthropicToolChoiceToOpenAI, anthropicUsageOf, isObject, openAIFinishToAnthropic, str } from './anthropic-shapes.ts';
import type { AnthropicStop, JsonObject } from './anthropic-shapes.ts';
import { openAIPath } from './openai-to-openai.ts';

const unprocessable = (message: string, param?: string): GatewayError => new GatewayError('unprocessable_request', message, param === undefined ? {} : { param });
const invalid = (message: string, param?: string): GatewayError => new GatewayError('invalid_request', message, param === undefined ? {} : { param });

/**
 * `reasoning_effort` for an extended-thinking budget (Anthropic budget_tokens, ≥ 1024): under 4096
 * is low, under 16384 medium, more is high. Exported for tests.
 */
export function effortForBudget(budget: number): 'low' | 'medium' | 'high' {
  return budget < 4096 ? 'low' : budget < 16384 ? 'medium' : 'high';
}

// ---------------------------------------------------------------------------------------------
// Request

/** The OpenAI chat body for an Anthropic Messages body, without `model` and stream settings. Pure. */
export function anthropicMessagesToOpenAI(body: Readonly<JsonObject>): JsonObject {
  if (body['mcp_servers'] !== undefined) throw unprocessable('mcp_servers run at Anthropic and are not translated to an OpenAI backend', 'mcp_servers');
  if (body['container'] !== undefined) throw unprocessable('container is an Anthropic code-execution feature, not translated to an OpenAI backend', 'container');
  const messages: JsonObject[] = [];
  const system = systemText(body['system']);
  if (system !== undefined) messages.push({ role: 'system', content: system });
  const input = body['messages'];
  if (!Array.isArray(input)) throw invalid('messages must be an array', 'messages');
  input.forEach((m, i) => {
    if (!isObject(m)) throw invalid(`messages[${i}] must be an object`, `messages[${i}]`);
    if (m['role'] === 'user') messages.push(...userMessages(m['content'], i));
    else if (m['role'] === 'assistant') {
      const a = assistantMessage(m['content'], i);
      if (a) messages.push(a);
    } else throw invalid(`messages[${i}].role must be user or assistant`, `messages[${i}].role`);
  });

  const out: JsonObject = { messages };
  const max = body['max_tokens'];
  if (typeof max === 'number') out['max_completion_tokens'] = max;
  for (const key of ['temperature', 'top_p', 'top_k'] as const) if (typeof body[key] === 'number') out[key] = body[key];
  const stops = body['stop_sequences'];
  if (Array.isArray(stops) && stops.length > 0) out['stop'] = [...stops];

  const tools = body['tools'];
  if (Array.isArray(tools) && tools.length > 0) {
    out['tools'] = tools.map(convertTool);
    Object.assign(out, anthropicToolChoiceToOpenAI(body['tool_choice']));
  }

  const config = body['output_config'];
  let effort: string | undefined;
  if (isObject(config)) {
    const format = config['format'];
    if (isObject(format)) {
      if (format['type'] !== 'json_schema' || !isObject(format['schema'])) throw unprocessable(`output_config.format type ${JSON.stringify(format['type'])} is not translated to OpenAI`, 'output_config.format');
      out['response_format'] = { type: 'json_schema', json_schema: { name: 'output', schema: format['schema'], strict: true } };
    }
    const e = str(config['effort']);
    if (e !== undefined) effort = e === 'xhigh' || e === 'max' ? 'high' : e;
  }
  const thinking = body['thinking'];
  if (effort === undefined && isObject(thinking) && thinking['type'] === 'enabled' && typeof thinking['budget_tokens'] === 'number') effort = effortForBudget(thinking['budget_tokens']);
  if (effort !== undefined) out['reasoning_effort'] = effort;

  const metadata = body['metadata'];
  if (isObject(metadata) && typeof metadata['user_id'] === 'string') out['user'] = metadata['user_id'];
  return out;
}

function systemText(system: unknown): string | undefined {
  if (system === undefined || system === null) return undefined;
  if (typeof system === 'string') return system.length > 0 ? system : undefined;
  if (!Array.isArray(system)) throw invalid('system must be a string or an array of text blocks', 'system');
  const texts = system.map((b, j) => {
    if (!isObject(b) || b['type'] !== 'text' || typeof b['text'] !== 'string') throw invalid(`system[${j}] must be a text block`, `system[${j}]`);
    return b['text'];
  });
  return texts.length > 0 ? texts.join('\n') : undefined;
}

/** Anthropic image source → the URL OpenAI's image_url takes. */
function imageUrl(source: unknown, at: string): string {
  if (isObject(source)) {
    if (source['type'] === 'base64' && typeof source['media_type'] === 'string' && typeof source['data'] === 'string') return `data:${source['media_type']};base64,${source['data']}`;
    if (source['type'] === 'url' && typeof source['url'] === 'string') return source['url'];
  }
  throw unprocessable(`${at}: only base64 and url image sources are translated to OpenAI`, at);
}

/** A user-turn content block → an OpenAI content part. */
function userPart(b: JsonObject, at: string): JsonObject {
  switch (b['type']) {
    case 'text':
      return { type: 'text', text: str(b['text']) ?? '' };
    case 'image':
      return { type: 'image_url', image_url: { url: imageUrl(b['source'], at) } };
    case 'document': {
      const s = b['source'];
      if (isObject(s) && s['type'] === 'base64' && typeof s['data'] === 'string') {
        const file: JsonObject = { file_data: `data:${str(s['media_type']) ?? 'application/pdf'};base64,${s['data']}` };
        const title = str(b['title']);
        if (title !== undefined) file['filename'] = title;
        return { type: 'file', file };
      }
      if (isObject(s) && s['type'] === 'text' && typeof s['data'] === 'string') return { type: 'text', text: s['data'] };
      throw unprocessable(`${at}: only base64 and plain-text documents are translated to OpenAI`, at);
    }
    default:
      throw unprocessable(`${at}: content block type ${JSON.stringify(b['type'])} is not translated to OpenAI`, at);
  }
}

/** Parts as OpenAI content: a string when they are all text (the form every server accepts). */
function partsContent(parts: JsonObject[]): string | JsonObject[] {
  return parts.every((p) => p['type'] === 'text') ? parts.map((p) => p['text'] as string).join('\n') : parts;
}

function userMessages(content: unknown, i: number): JsonObject[] {
  if (typeof content === 'string') return [{ role: 'user', content }];
  if (!Array.isArray(content)) throw invalid(`messages[${i}].content must be a string or an array of blocks`, `messages[${i}].content`);
  const tools: JsonObject[] = [];
  const toolImages: JsonObject[] = [];
  const parts: JsonObject[] = [];
  content.forEach((b, j) => {
    const at = `messages[${i}].content[${j}]`;
    if (!isObject(b)) throw invalid(`${at} must be an object`, at);
    if (b['type'] !== 'tool_result') {
      parts.push(userPart(b, at));
      return;
    }
    const id = str(b['tool_use_id']);
    if (id === undefined) throw invalid(`${at}.tool_use_id is required`, at);
    const c = b['content'];
    let text = '';
    if (typeof c === 'string') text = c;
    else if (Array.isArray(c)) {
      const texts: string[] = [];
      c.forEach((x, k) => {
        if (!isObject(x)) throw invalid(`${at}.content[${k}] must be an object`, at);
        const part = userPart(x, `${at}.content[${k}]`);
        if (part['type'] === 'text') texts.push(part['text'] as string);
        else toolImages.push(part);
      });
      text = texts.join('\n');
    }
    tools.push({ role: 'tool', tool_call_id: id, content: text });
  });
  const out = [...tools];
  if (toolImages.length > 0) out.push({ role: 'user', content: toolImages });
  if (parts.length > 0) out.push({ role: 'user', content: partsContent(parts) });
  return out;
}

function assistantMessage(content: unknown, i: number): JsonObject | undefined {
  if (typeof content === 'string') return { role: 'assistant', content };
  if (!Array.isArray(content)) throw invalid(`messages[${i}].content must be a string or an array of blocks`, `messages[${i}].content`);
  const texts: string[] = [];
  const calls: JsonObject[] = [];
  content.forEach((b, j) => {
    const at = `messages[${i}].content[${j}]`;
    if (!isObject(b)) throw invalid(`${at} must be an object`, at);
    switch (b['type']) {
      case 'text':
        texts.push(str(b['text']) ?? '');
        break;
      case 'tool_use': {
        const id = str(b['id']);
        const name = str(b['name']);
        if (id === undefined || name === undefined) throw invalid(`${at} needs an id and a name`, at);
        calls.push({ id, type: 'function', function: { name, arguments: JSON.stringify(b['input'] ?? {}) } });
        break;
      }
      case 'thinking':
      case 'redacted_thinking':
        break;
      default:
        throw unprocessable(`${at}: content block type ${JSON.stringify(b['type'])} is not translated to OpenAI`, at);
    }
  });
  if (texts.length === 0 && calls.length === 0) return undefined;
  const m: JsonObject = { role: 'assistant', content: texts.length > 0 ? texts.join('') : null };
  if (calls.length > 0) m['tool_calls'] = calls;
  return m;
}

function convertTool(t: unknown, i: number): JsonObject {
  const at = `tools[${i}]`;
  if (!isObject(t)) throw invalid(`${at} must be an object`, at);
  if (t['type'] !== undefined && t['type'] !== null && t['type'] !== 'custom') throw unprocessable(`${at}: ${String(t['type'])} is an Anthropic server tool; only custom tools are translated to OpenAI`, at);
  const name = str(t['name']);
  if (name === undefined) throw invalid(`${at}.name is required`, at);
  const fn: JsonObject = { name };
  const description = str(t['description']);
  if (description !== undefined) fn['description'] = description;
  fn['parameters'] = isObject(t['input_schema']) ? t['input_schema'] : { type: 'object', properties: {} };
  if (t['strict'] === true) fn['strict'] = true;
  return { type: 'function', function: fn };
}

// ---------------------------------------------------------------------------------------------
// Translator

export const anthropicToOpenAI: Translator = {
  name: 'anthropic-to-openai',
  request(input: RequestTranslationInput): TranslatedRequest {
    if (input.operation === 'count_tokens') throw unprocessable('count_tokens has no equivalent on an OpenAI-schema backend');
    if (input.operation !== 'messages') throw unprocessable(`an Anthropic client's ${input.operation} operation is not served by an OpenAI-schema backend`);
    const body: JsonObject = { model: input.model, ...anthropicMessagesToOpenAI(input.body) };
    if (input.stream) {
      body['stream'] = true;
      body['stream_options'] = { include_usage: true };
    }
    // The Anthropic client's query string (Claude Code sends `?beta=true`) means nothing to an OpenAI backend.
    return { path: openAIPath('chat', input.backend.prefix, ''), headers: { 'content-type': 'application/json' }, body: Buffer.from(JSON.stringify(body)) };
  },
  response(input: ResponseTranslationInput): ResponseTranslator {
    return input.stream ? new OpenAIStreamToAnthropic(input) : new OpenAIBodyToAnthropic(input);
  },
  error(status: number, headers: IncomingHttpHeaders, body: Buffer): TranslatedError {
    return anthropicErrorForClient(status, headers, body, false);
  },
};

// ---------------------------------------------------------------------------------------------
// Response

/** Tool arguments as Anthropic `input` (an object). Unparseable text is kept, not dropped. */
function toolInput(args: unknown): JsonObject {
  if (typeof args !== 'string' || args.trim() === '') return {};
  try {
    const v = JSON.parse(args) as unknown;
    if (isObject(v)) return v;
  } catch {
    // fall through
  }
  return { _unparsed_arguments: args };
}

/** Anthropic error type for an OpenAI error type met inside a 2xx body or stream. */
function anthropicTypeOf(err: JsonObject): string {
  const t = str(err['type']);
  if (t === 'invalid_request_error' || t === 'authentication_error' || t === 'permission_error' || t === 'rate_limit_error' || t === 'not_found_error') return t;
  return typeof err['code'] === 'number' ? anthropicTypeForStatus(err['code']) : 'api_error';
}

function stopFor(finish: unknown, matched: unknown, hadToolCalls: boolean): AnthropicStop {
  const stop = openAIFinishToAnthropic(finish, matched);
  // Some servers end a tool-calling turn with finish_reason "stop"; Anthropic clients look for tool_use.
  return hadToolCalls && stop.stop_reason === 'end_turn' ? { stop_reason: 'tool_use', stop_sequence: null } : stop;
}

class OpenAIBodyToAnthropic implements ResponseTranslator {
  readonly usage: TokenUsage = emptyUsage();
  responseModel: string | undefined;
  readonly #input: ResponseTranslationInput;
  #chunks: Buffer[] = [];

  constructor(input: ResponseTranslationInput) {
    this.#input = input;
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
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      json = undefined;
    }
    const choice = isObject(json) && Array.isArray(json['choices']) ? json['choices'][0] : undefined;
    if (!isObject(json) || !isObject(choice)) {
      const err = isObject(json) && isObject(json['error']) ? json['error'] : isObject(json) && json['object'] === 'error' ? json : {};
      return JSON.stringify({ type: 'error', error: { type: anthropicTypeOf(err), message: str(err['message']) ?? 'the backend answered with a body that is not a chat completion' } });
    }
    const u = fromOpenAIUsage(json['usage']);
    if (u) setUsage(this.usage, u);
    this.responseModel = str(json['model']) ?? this.#input.requestModel;
    const message = isObject(choice['message']) ? choice['message'] : {};
    const content: JsonObject[] = [];
    const reasoning = str(message['reasoning_content']) ?? str(message['reasoning']);
    if (reasoning) content.push({ type: 'thinking', thinking: reasoning, signature: '' });
    // A refusal (OpenAI `message.refusal`) is text the client should see.
    const answer = (typeof message['content'] === 'string' ? message['content'] : Array.isArray(message['content']) ? message['content'].map((p) => (isObject(p) ? (str(p['text']) ?? '') : '')).join('') : '') || (str(message['refusal']) ?? '');
    if (answer.length > 0) content.push({ type: 'text', text: answer });
    const calls = Array.isArray(message['tool_calls']) ? message['tool_calls'] : [];
    for (const c of calls) {
      if (!isObject(c)) continue;
      const fn = isObject(c['function']) ? c['function'] : {};
      content.push({ type: 'tool_use', id: str(c['id']) ?? '', name: str(fn['name']) ?? '', input: toolInput(fn['arguments']) });
    }
    const stop = stopFor(choice['finish_reason'], choice['stop_reason'], calls.length > 0);
    return JSON.stringify({ id: str(json['id']) ?? 'msg', type: 'message', role: 'assistant', model: this.responseModel, content, ...stop, usage: anthropicUsageOf(this.usage) });
  }
}

type BlockKind = 'text' | 'thinking' | 'tool_use';

class OpenAIStreamToAnthropic implements ResponseTranslator {
  readonly usage: TokenUsage = emptyUsage();
  responseModel: string | undefined;
  readonly #input: ResponseTranslationInput;
  readonly #parser = new SseParser();
  #started = false;
  #done = false;
  /** The open content block (Anthropic index and kind), if any. */
  #open: { index: number; kind: BlockKind } | undefined;
  #next = 0;
  /** OpenAI tool_calls index → Anthropic content-block index. */
  readonly #tools = new Map<number, number>();
  #finish: unknown;
  #matched: unknown;

  constructor(input: ResponseTranslationInput) {
    this.#input = input;
  }

  head(): ResponseHead {
    return { contentType: 'text/event-stream', rewritesBody: true };
  }

  push(chunk: Buffer): string {
    let out = '';
    for (const e of this.#parser.push(chunk)) {
      if (this.#done) break;
      out += this.#event(e.data);
    }
    return out;
  }

  end(): string {
    this.#parser.end();
    if (this.#done) return '';
    // A stream that said how it finished but not `[DONE]` is complete; one that did not is cut short.
    if (this.#finish !== undefined) return this.#finishMessage();
    return this.#error('api_error', "the backend's stream ended before a finish_reason");
  }

  #event(data: string): string {
    if (data === '[DONE]') return this.#finishMessage();
    let json: unknown;
    try {
      json = JSON.parse(data);
    } catch {
      return this.#error('api_error', 'the backend sent a stream event that is not JSON');
    }
    if (!isObject(json)) return '';
    // OpenAI sends `{"error":{…}}` mid-stream; vLLM's older servers a bare `{"object":"error",…}`.
    const err = isObject(json['error']) ? json['error'] : json['object'] === 'error' ? json : undefined;
    if (err) return this.#error(anthropicTypeOf(err), str(err['message']) ?? 'the backend reported an error');
    let out = this.#start(json);
    const u = fromOpenAIUsage(json['usage']);
    if (u) setUsage(this.usage, u);
    const choice = Array.isArray(json['choices']) ? json['choices'][0] : undefined;
    if (!isObject(choice)) return out;
    const delta = isObject(choice['delta']) ? choice['delta'] : {};
    const reasoning = str(delta['reasoning_content']) ?? str(delta['reasoning']);
    if (reasoning) out += this.#block('thinking', { type: 'thinking', thinking: '', signature: '' }) + this.#delta({ type: 'thinking_delta', thinking: reasoning });
    const text = str(delta['content']) || str(delta['refusal']);
    if (text) out += this.#block('text', { type: 'text', text: '' }) + this.#delta({ type: 'text_delta', text });
    if (Array.isArray(delta['tool_calls'])) {
      for (const tc of delta['tool_calls']) {
        if (!isObject(tc)) continue;
        const n = typeof tc['index'] === 'number' ? tc['index'] : 0;
        const fn = isObject(tc['function']) ? tc['function'] : {};
        let index = this.#tools.get(n);
        if (index === undefined) {
          out += this.#block('tool_use', { type: 'tool_use', id: str(tc['id']) ?? `toolu_${n}`, name: str(fn['name']) ?? '', input: {} }, true);
          index = this.#open!.index;
          this.#tools.set(n, index);
        }
        const args = str(fn['arguments']);
        // A late fragment of an earlier call keeps its own block index (Anthropic SDKs accumulate by index).
        if (args) out += formatSse(JSON.stringify({ type: 'content_block_delta', index, delta: { type: 'input_json_delta', partial_json: args } }), 'content_block_delta');
      }
    }
    if (choice['finish_reason'] !== undefined && choice['finish_reason'] !== null) {
      this.#finish = choice['finish_reason'];
      this.#matched = choice['stop_reason'];
    }
    return out;
  }

  /** message_start, once. OpenAI reports input tokens only at the end: message_delta carries them. */
  #start(json?: JsonObject): string {
    if (this.#started) return '';
    this.#started = true;
    this.responseModel = (json && str(json['model'])) ?? this.#input.requestModel;
    const id = (json && str(json['id'])) ?? 'msg';
    const message = { id, type: 'message', role: 'assistant', model: this.responseModel, content: [], stop_reason: null, stop_sequence: null, usage: { input_tokens: 0, output_tokens: 0 } };
    return formatSse(JSON.stringify({ type: 'message_start', message }), 'message_start');
  }

  /** Opens a block of `kind` unless one is open (a new tool call always opens a new block). */
  #block(kind: BlockKind, contentBlock: JsonObject, always = false): string {
    if (!always && this.#open?.kind === kind) return '';
    const out = this.#close();
    const index = this.#next++;
    this.#open = { index, kind };
    return out + formatSse(JSON.stringify({ type: 'content_block_start', index, content_block: contentBlock }), 'content_block_start');
  }

  #delta(delta: JsonObject): string {
    return formatSse(JSON.stringify({ type: 'content_block_delta', index: this.#open!.index, delta }), 'content_block_delta');
  }

  #close(): string {
    if (!this.#open) return '';
    const index = this.#open.index;
    this.#open = undefined;
    return formatSse(JSON.stringify({ type: 'content_block_stop', index }), 'content_block_stop');
  }

  #finishMessage(): string {
    if (this.#done) return '';
    let out = this.#start() + this.#close();
    this.#done = true;
    const stop = stopFor(this.#finish, this.#matched, this.#tools.size > 0);
    out += formatSse(JSON.stringify({ type: 'message_delta', delta: stop, usage: anthropicUsageOf(this.usage) }), 'message_delta');
    return out + formatSse(JSON.stringify({ type: 'message_stop' }), 'message_stop');
  }

  /** An Anthropic `error` event (the SDKs raise it); the stream ends there. */
  #error(type: string, message: string): string {
    this.#done = true;
    return formatSse(JSON.stringify({ type: 'error', error: { type, message } }), 'error');
  }
}
