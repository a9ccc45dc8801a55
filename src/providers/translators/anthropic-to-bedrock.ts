// Anthropic Messages client (`POST /v1/messages`, `/v1/messages/count_tokens`) → AWS Bedrock Converse
// backend (schema `AWSBedrock`): reference §3 (the endpoint matrix) and §4 "Anthropic /v1/messages →
// other backends" (Converse events re-encoded as Anthropic SSE), with Bedrock shapes from the AWS
// Bedrock API reference (Converse, ConverseStream, ContentBlock, ToolResultBlock, ReasoningContentBlock,
// CountTokens) and Anthropic shapes from Anthropic's Messages API reference ("Messages", "Streaming
// Messages", "Count tokens").
//
// Request:
//   - messages: text → text, image/document (base64 sources; a plain-text document source is sent as
//     txt bytes) → image/document blocks, tool_use → toolUse, tool_result → toolResult (is_error →
//     status error), thinking → reasoningContent.reasoningText {text, signature}, redacted_thinking →
//     reasoningContent.redactedContent (already base64, the JSON form of a Converse blob);
//     `cache_control` → a following cachePoint; consecutive messages of one role are merged (Anthropic
//     accepts them, Converse wants alternating turns); server tools, URL and file sources are 422;
//   - system (string or text blocks) → system[]; max_tokens → inferenceConfig.maxTokens, temperature,
//     top_p → topP, stop_sequences → stopSequences; top_k, thinking and output_config.effort go in
//     additionalModelRequestFields, which Bedrock passes to Anthropic models as native request fields;
//     output_config.format (or the beta output_format) json_schema → outputConfig.textFormat;
//   - tools → toolConfig.tools[].toolSpec; tool_choice auto/any/tool → auto/any/tool, none → tools
//     left out (kept without a choice when the history holds tool blocks); disable_parallel_tool_use
//     has no Converse equivalent and is ignored;
//   - count_tokens → CountTokens `{input: {converse: {messages, system}}}` (ConverseTokensRequest
//     documents only those two fields, so tool definitions are not counted), answered as
//     `{input_tokens}`.
// Response: Converse content → Anthropic content blocks (text, tool_use, thinking with signature,
// redacted_thinking); stopReason → stop_reason (content_filtered / guardrail_intervened → refusal);
// usage as Anthropic reports it (input_tokens without the cache; cache_read_input_tokens,
// cache_creation_input_tokens) while the gateway accounts input = all three (reference §6); `model` is
// the request model, `id` the x-amzn-requestid. Streaming: see BedrockToAnthropicStream.
import type { IncomingHttpHeaders } from 'node:http';
import type { RequestTranslationInput, ResponseHead, ResponseTranslationInput, ResponseTranslator, TranslatedError, TranslatedRequest, Translator } from '../../runtime/translator.ts';
import { emptyUsage, setUsage } from '../../runtime/usage.ts';
import type { TokenUsage } from '../../runtime/usage.ts';
import { formatSse } from '../streaming/sse.ts';
import {
  BodyCollector,
  CONVERSE_HEADERS,
  ConverseStreamReader,
  bedrockUsageParts,
  cachePoint,
  conversePath,
  converseContent,
  countTokensPath,
  documentBlock,
  fromBedrockUsage,
  hasToolBlocks,
  imageBlock,
  isObj,
  jsonSchemaOutputConfig,
  mergeConsecutiveRoles,
  num,
  responseIdentity,
  unprocessable,
} from './bedrock-converse.ts';
import type { BedrockUsageParts, ConverseMessage, ConverseStreamItem, Obj } from './bedrock-converse.ts';
import { bedrockStreamErrorEvent, translateBedrockError } from './bedrock-errors.ts';

/** Bedrock stopReason → Anthropic stop_reason. */
export function anthropicStopReason(stopReason: unknown): string {
  switch (stopReason) {
    case 'end_turn':
    case 'tool_use':
    case 'max_tokens':
    case 'stop_sequence':
    case 'model_context_window_exceeded':
      return stopReason;
    case 'content_filtered':
    case 'guardrail_intervened':
      return 'refusal';
    default:
      return 'end_turn';
  }
}

function hasCacheControl(b: Obj): boolean {
  return isObj(b['cache_control']);
}

/** An Anthropic image/document `source` as base64 bytes plus media type; 422 for URL and file sources. */
function base64Source(source: unknown, param: string): { mediaType: string; data: string } {
  if (!isObj(source)) throw unprocessable('a source is required', param);
  if (source['type'] === 'base64' && typeof source['media_type'] === 'string' && typeof source['data'] === 'string') return { mediaType: source['media_type'], data: source['data'] };
  if (source['type'] === 'text' && typeof source['data'] === 'string') return { mediaType: 'text/plain', data: Buffer.from(source['data'], 'utf8').toString('base64') };
  throw unprocessable(`AWS Bedrock Converse takes base64 (or plain-text) sources, not ${String(source['type'])} sources`, param);
}

function toolResultContent(content: unknown, param: string): Obj[] {
  if (content === undefined || content === null) return [];
  if (typeof content === 'string') return content.length > 0 ? [{ text: content }] : [];
  if (!Array.isArray(content)) throw unprocessable('tool_result content must be a string or blocks', param);
  let documents = 0;
  return content.map((b: unknown, i) => {
    const p = `${param}[${i}]`;
    if (!isObj(b)) throw unprocessable('a content block must be an object', p);
    switch (b['type']) {
      case 'text':
        return { text: String(b['text'] ?? '') };
      case 'image': {
        const s = base64Source(b['source'], `${p}.source`);
        return imageBlock(s.mediaType, s.data, p);
      }
      case 'document': {
        const s = base64Source(b['source'], `${p}.source`);
        return documentBlock(s.mediaType, s.data, typeof b['title'] === 'string' ? b['title'] : undefined, documents++, p);
      }
      default:
        throw unprocessable(`tool_result blocks of type ${String(b['type'])} cannot be sent to AWS Bedrock Converse`, p);
    }
  });
}

function contentBlocks(content: unknown, param: string): Obj[] {
  if (typeof content === 'string') return [{ text: content }];
  if (!Array.isArray(content)) throw unprocessable('message content must be a string or blocks', param);
  const out: Obj[] = [];
  let documents = 0;
  content.forEach((b: unknown, i) => {
    const p = `${param}[${i}]`;
    if (!isObj(b)) throw unprocessable('a content block must be an object', p);
    switch (b['type']) {
      case 'text':
        if (typeof b['text'] !== 'string') throw unprocessable('a text block needs `text`', p);
        out.push({ text: b['text'] });
        break;
      case 'image': {
        const s = base64Source(b['source'], `${p}.source`);
        out.push(imageBlock(s.mediaType, s.data, p));
        break;
      }
      case 'document': {
        const s = base64Source(b['source'], `${p}.source`);
        out.push(documentBlock(s.mediaType, s.data, typeof b['title'] === 'string' ? b['title'] : undefined, documents++, p));
        break;
      }
      case 'tool_use':
        if (typeof b['id'] !== 'string' || typeof b['name'] !== 'string') throw unprocessable('a tool_use block needs `id` and `name`', p);
        out.push({ toolUse: { toolUseId: b['id'], name: b['name'], input: b['input'] ?? {} } });
        break;
      case 'tool_result': {
        if (typeof b['tool_use_id'] !== 'string') throw unprocessable('a tool_result block needs `tool_use_id`', p);
        const result: Obj = { toolUseId: b['tool_use_id'], content: toolResultContent(b['content'], `${p}.content`) };
        if (b['is_error'] === true) result['status'] = 'error';
        out.push({ toolResult: result });
        break;
      }
      case 'thinking': {
        if (typeof b['thinking'] !== 'string') throw unprocessable('a thinking block needs `thinking`', p);
        const reasoningText: Obj = { text: b['thinking'] };
        if (typeof b['signature'] === 'string') reasoningText['signature'] = b['signature'];
        out.push({ reasoningContent: { reasoningText } });
        break;
      }
      case 'redacted_thinking':
        if (typeof b['data'] !== 'string') throw unprocessable('a redacted_thinking block needs `data`', p);
        out.push({ reasoningContent: { redactedContent: b['data'] } });
        break;
      default:
        throw unprocessable(`content blocks of type ${String(b['type'])} cannot be sent to AWS Bedrock Converse`, p);
    }
    if (hasCacheControl(b)) out.push(cachePoint());
  });
  return out;
}

function convertMessages(messages: unknown): ConverseMessage[] {
  if (!Array.isArray(messages)) throw unprocessable('`messages` must be an array', 'messages');
  const out: ConverseMessage[] = messages.map((m: unknown, i) => {
    const param = `messages[${i}]`;
    if (!isObj(m)) throw unprocessable('a message must be an object', param);
    if (m['role'] !== 'user' && m['role'] !== 'assistant') throw unprocessable(`messages with role ${String(m['role'])} cannot be sent`, `${param}.role`);
    return { role: m['role'], content: contentBlocks(m['content'], `${param}.content`) };
  });
  return mergeConsecutiveRoles(out.filter((m) => m.content.length > 0));
}

function convertSystem(system: unknown): Obj[] {
  if (system === undefined || system === null) return [];
  if (typeof system === 'string') return system.length > 0 ? [{ text: system }] : [];
  if (!Array.isArray(system)) throw unprocessable('`system` must be a string or text blocks', 'system');
  const out: Obj[] = [];
  system.forEach((b: unknown, i) => {
    if (!isObj(b) || b['type'] !== 'text' || typeof b['text'] !== 'string') throw unprocessable('system blocks must be text', `system[${i}]`);
    out.push({ text: b['text'] });
    if (hasCacheControl(b)) out.push(cachePoint());
  });
  return out;
}

function convertTools(body: Readonly<Obj>, messages: readonly ConverseMessage[]): Obj | undefined {
  const tools = body['tools'];
  if (tools === undefined || tools === null) return undefined;
  if (!Array.isArray(tools)) throw unprocessable('`tools` must be an array', 'tools');
  const specs: Obj[] = [];
  tools.forEach((t: unknown, i) => {
    if (!isObj(t) || typeof t['name'] !== 'string' || (t['type'] !== undefined && t['type'] !== 'custom') || !isObj(t['input_schema'])) {
      throw unprocessable('only custom tools with an input_schema can be sent to AWS Bedrock Converse (no server or Anthropic-defined tools)', `tools[${i}]`);
    }
    const spec: Obj = { name: t['name'] };
    if (typeof t['description'] === 'string' && t['description'].length > 0) spec['description'] = t['description'];
    spec['inputSchema'] = { json: t['input_schema'] };
    if (t['strict'] === true) spec['strict'] = true;
    specs.push({ toolSpec: spec });
    if (hasCacheControl(t)) specs.push(cachePoint());
  });
  if (specs.length === 0) return undefined;
  const config: Obj = { tools: specs };
  const choice = body['tool_choice'];
  if (choice === undefined || choice === null) return config;
  if (!isObj(choice)) throw unprocessable('`tool_choice` must be an object', 'tool_choice');
  switch (choice['type']) {
    case 'auto':
      config['toolChoice'] = { auto: {} };
      return config;
    case 'any':
      config['toolChoice'] = { any: {} };
      return config;
    case 'tool':
      if (typeof choice['name'] !== 'string') throw unprocessable('tool_choice tool needs `name`', 'tool_choice.name');
      config['toolChoice'] = { tool: { name: choice['name'] } };
      return config;
    case 'none':
      return hasToolBlocks(messages) ? config : undefined;
    default:
      throw unprocessable(`tool_choice ${String(choice['type'])} cannot be expressed in AWS Bedrock Converse`, 'tool_choice');
  }
}

/** The Converse request body for an Anthropic Messages request (the translation documented at the top). */
export function anthropicMessagesToConverse(body: Readonly<Obj>): Obj {
  if (body['mcp_servers'] !== undefined || body['container'] !== undefined) throw unprocessable('MCP servers and containers cannot be used through AWS Bedrock Converse');
  const messages = convertMessages(body['messages']);
  const req: Obj = { messages };
  const system = convertSystem(body['system']);
  if (system.length > 0) req['system'] = system;
  const inference: Obj = {};
  const maxTokens = num(body['max_tokens']);
  if (maxTokens !== undefined) inference['maxTokens'] = maxTokens;
  const temperature = num(body['temperature']);
  if (temperature !== undefined) inference['temperature'] = temperature;
  const topP = num(body['top_p']);
  if (topP !== undefined) inference['topP'] = topP;
  const stop = body['stop_sequences'];
  if (Array.isArray(stop) && stop.length > 0) {
    if (!stop.every((s) => typeof s === 'string')) throw unprocessable('`stop_sequences` must be strings', 'stop_sequences');
    inference['stopSequences'] = stop;
  }
  if (Object.keys(inference).length > 0) req['inferenceConfig'] = inference;
  const tools = convertTools(body, messages);
  if (tools) req['toolConfig'] = tools;
  const extra: Obj = {};
  const topK = num(body['top_k']);
  if (topK !== undefined) extra['top_k'] = topK;
  const thinking = body['thinking'];
  if (isObj(thinking) && typeof thinking['type'] === 'string') {
    const t: Obj = { type: thinking['type'] };
    if (num(thinking['budget_tokens']) !== undefined) t['budget_tokens'] = thinking['budget_tokens'];
    if (typeof thinking['display'] === 'string') t['display'] = thinking['display'];
    extra['thinking'] = t;
  }
  const oc = body['output_config'];
  const format = isObj(oc) && oc['format'] !== undefined ? oc['format'] : body['output_format'];
  if (isObj(oc) && typeof oc['effort'] === 'string') extra['output_config'] = { effort: oc['effort'] };
  if (Object.keys(extra).length > 0) req['additionalModelRequestFields'] = extra;
  if (isObj(format)) {
    if (format['type'] !== 'json_schema') throw unprocessable(`output format ${String(format['type'])} cannot be expressed in AWS Bedrock Converse`, 'output_config.format');
    req['outputConfig'] = jsonSchemaOutputConfig(format['schema'], undefined, undefined);
  }
  return req;
}

export const anthropicToBedrock: Translator = {
  name: 'anthropic-to-bedrock',
  request(input: RequestTranslationInput): TranslatedRequest {
    if (input.operation === 'count_tokens') {
      const full = anthropicMessagesToConverse(input.body);
      const converse: Obj = { messages: full['messages'] };
      if (full['system'] !== undefined) converse['system'] = full['system'];
      return { path: countTokensPath(input.model), headers: CONVERSE_HEADERS, body: Buffer.from(JSON.stringify({ input: { converse } })) };
    }
    if (input.operation !== 'messages') throw unprocessable(`an Anthropic client reaches an AWSBedrock backend through messages and count_tokens, not ${input.operation}`);
    const req = anthropicMessagesToConverse(input.body);
    return { path: conversePath(input.model, input.stream), headers: CONVERSE_HEADERS, body: Buffer.from(JSON.stringify(req)) };
  },
  response(input: ResponseTranslationInput): ResponseTranslator {
    if (input.operation === 'count_tokens') return new CountTokensToAnthropic(input);
    return input.stream ? new BedrockToAnthropicStream(input) : new BedrockToAnthropicJson(input);
  },
  error(status: number, headers: IncomingHttpHeaders, body: Buffer): TranslatedError {
    return translateBedrockError('Anthropic', status, headers, body);
  },
};

function anthropicUsage(p: BedrockUsageParts): Obj {
  return { input_tokens: p.input, cache_creation_input_tokens: p.cacheWrite, cache_read_input_tokens: p.cacheRead, output_tokens: p.output };
}

function apiError(message: string): string {
  return JSON.stringify({ type: 'error', error: { type: 'api_error', message } });
}

/** A Converse JSON answer → an Anthropic Message. */
class BedrockToAnthropicJson implements ResponseTranslator {
  readonly usage: TokenUsage = emptyUsage();
  readonly responseModel: string;
  readonly #body = new BodyCollector();
  #id = '';

  constructor(input: ResponseTranslationInput) {
    this.responseModel = input.requestModel;
  }

  head(_status: number, headers: IncomingHttpHeaders): ResponseHead {
    this.#id = responseIdentity(headers).id;
    return { contentType: 'application/json', rewritesBody: true };
  }

  push(chunk: Buffer): undefined {
    this.#body.add(chunk);
    return undefined;
  }

  end(): string {
    const answer = this.#body.json();
    const content = answer ? converseContent(answer) : undefined;
    if (!answer || !content) return apiError(answer ? `AWS Bedrock returned an answer without output.message (stopReason ${String(answer['stopReason'])})` : 'AWS Bedrock returned an answer that is not JSON');
    const u = fromBedrockUsage(answer['usage']);
    if (u) setUsage(this.usage, u);
    const blocks: Obj[] = [];
    for (const block of content) {
      if (typeof block['text'] === 'string') blocks.push({ type: 'text', text: block['text'] });
      else if (isObj(block['toolUse'])) {
        const tu = block['toolUse'];
        blocks.push({ type: 'tool_use', id: tu['toolUseId'], name: tu['name'], input: tu['input'] ?? {} });
      } else if (isObj(block['reasoningContent'])) {
        const rc = block['reasoningContent'];
        const rt = rc['reasoningText'];
        if (isObj(rt) && typeof rt['text'] === 'string') blocks.push({ type: 'thinking', thinking: rt['text'], signature: typeof rt['signature'] === 'string' ? rt['signature'] : '' });
        else if (typeof rc['redactedContent'] === 'string') blocks.push({ type: 'redacted_thinking', data: rc['redactedContent'] });
      }
    }
    return JSON.stringify({
      id: this.#id,
      type: 'message',
      role: 'assistant',
      model: this.responseModel,
      content: blocks,
      stop_reason: anthropicStopReason(answer['stopReason']),
      stop_sequence: null,
      usage: anthropicUsage(bedrockUsageParts(answer['usage'])),
    });
  }
}

/** A CountTokens answer `{inputTokens}` → Anthropic `{input_tokens}` (no tokens are consumed, so no usage). */
class CountTokensToAnthropic implements ResponseTranslator {
  readonly usage: TokenUsage = emptyUsage();
  readonly responseModel: string;
  readonly #body = new BodyCollector();

  constructor(input: ResponseTranslationInput) {
    this.responseModel = input.requestModel;
  }

  head(): ResponseHead {
    return { contentType: 'application/json', rewritesBody: true };
  }

  push(chunk: Buffer): undefined {
    this.#body.add(chunk);
    return undefined;
  }

  end(): string {
    const answer = this.#body.json();
    const n = answer ? num(answer['inputTokens']) : undefined;
    return n === undefined ? apiError('AWS Bedrock CountTokens returned no inputTokens') : JSON.stringify({ input_tokens: n });
  }
}

interface OpenBlock {
  readonly bedrockIndex: number;
  readonly type: 'text' | 'thinking' | 'tool_use';
}

/**
 * ConverseStream → Anthropic Messages SSE:
 *   messageStart → message_start (usage is unknown until the end: zeros, then the real figures in
 *     message_delta, whose usage counters are cumulative and replace them);
 *   a block opens on contentBlockStart with toolUse (tool_use, input {}), or on its first text /
 *     reasoning delta (Converse sends no start for those): text → text_delta, toolUse.input →
 *     input_json_delta, reasoning text → thinking_delta, signature → signature_delta; redacted
 *     reasoning → a redacted_thinking block started and stopped at once; contentBlockStop →
 *     content_block_stop. Client block indexes count the blocks actually opened, in order;
 *   messageStop + metadata → message_delta (stop_reason and usage) then message_stop. Bedrock sends
 *     the usage (metadata) after messageStop, so message_delta waits for it (or for the end of the
 *     stream);
 *   an exception frame, a corrupt frame or a stream that ends before messageStop → `event: error`.
 */
class BedrockToAnthropicStream implements ResponseTranslator {
  readonly usage: TokenUsage = emptyUsage();
  readonly responseModel: string;
  readonly #reader = new ConverseStreamReader();
  #id = '';
  #requestId: string | undefined;
  #started = false;
  #open: OpenBlock | undefined;
  #nextIndex = 0;
  #stopReason: string | undefined;
  #usage: BedrockUsageParts | undefined;
  #finished = false;
  #failed = false;

  constructor(input: ResponseTranslationInput) {
    this.responseModel = input.requestModel;
  }

  head(_status: number, headers: IncomingHttpHeaders): ResponseHead {
    this.#id = responseIdentity(headers).id;
    const rid = headers['x-amzn-requestid'];
    this.#requestId = typeof rid === 'string' ? rid : undefined;
    return { contentType: 'text/event-stream', rewritesBody: true };
  }

  push(chunk: Buffer): string {
    return this.#emit(this.#reader.push(chunk));
  }

  end(): string {
    let out = this.#emit(this.#reader.end());
    if (this.#failed || this.#finished) return out;
    if (this.#stopReason === undefined) {
      this.#failed = true;
      return out + bedrockStreamErrorEvent('Anthropic', 'IncompleteStream', 'the stream ended before messageStop', this.#requestId);
    }
    out += this.#finish();
    return out;
  }

  #emit(items: readonly ConverseStreamItem[]): string {
    let out = '';
    for (const item of items) {
      if (this.#failed) break;
      if (item.kind === 'failure') {
        this.#failed = true;
        out += bedrockStreamErrorEvent('Anthropic', item.errorType, item.message, this.#requestId);
        break;
      }
      out += this.#event(item.type, item.body);
    }
    return out;
  }

  #sse(type: string, data: Obj): string {
    return formatSse(JSON.stringify({ type, ...data }), type);
  }

  #start(): string {
    if (this.#started) return '';
    this.#started = true;
    return this.#sse('message_start', {
      message: {
        id: this.#id,
        type: 'message',
        role: 'assistant',
        model: this.responseModel,
        content: [],
        stop_reason: null,
        stop_sequence: null,
        usage: { input_tokens: 0, cache_creation_input_tokens: 0, cache_read_input_tokens: 0, output_tokens: 0 },
      },
    });
  }

  #close(): string {
    const open = this.#open;
    if (!open) return '';
    this.#open = undefined;
    return this.#sse('content_block_stop', { index: this.#nextIndex - 1 });
  }

  /** Opens a block (closing the open one); its client index is the next free one. */
  #openBlock(bedrockIndex: number, type: OpenBlock['type'], block: Obj): string {
    const out = this.#close();
    this.#open = { bedrockIndex, type };
    return out + this.#sse('content_block_start', { index: this.#nextIndex++, content_block: block });
  }

  /** The open block for a delta of `type` at `bedrockIndex`, opening one when needed. */
  #ensure(bedrockIndex: number, type: 'text' | 'thinking'): string {
    const open = this.#open;
    if (open && open.bedrockIndex === bedrockIndex && open.type === type) return '';
    return this.#openBlock(bedrockIndex, type, type === 'text' ? { type: 'text', text: '' } : { type: 'thinking', thinking: '', signature: '' });
  }

  #delta(delta: Obj): string {
    return this.#sse('content_block_delta', { index: this.#nextIndex - 1, delta });
  }

  #finish(): string {
    this.#finished = true;
    const usage = this.#usage ?? { input: 0, output: 0, cacheRead: 0, cacheWrite: 0 };
    return this.#close() + this.#sse('message_delta', { delta: { stop_reason: this.#stopReason ?? 'end_turn', stop_sequence: null }, usage: anthropicUsage(usage) }) + this.#sse('message_stop', {});
  }

  #event(type: string, body: Obj): string {
    if (this.#finished) return '';
    const index = num(body['contentBlockIndex']) ?? -1;
    switch (type) {
      case 'messageStart':
        return this.#start();
      case 'contentBlockStart': {
        const start = body['start'];
        const tu = isObj(start) ? start['toolUse'] : undefined;
        if (!isObj(tu)) return this.#start();
        return this.#start() + this.#openBlock(index, 'tool_use', { type: 'tool_use', id: tu['toolUseId'], name: tu['name'], input: {} });
      }
      case 'contentBlockDelta': {
        const delta = body['delta'];
        if (!isObj(delta)) return '';
        let out = this.#start();
        if (typeof delta['text'] === 'string') return out + this.#ensure(index, 'text') + this.#delta({ type: 'text_delta', text: delta['text'] });
        if (isObj(delta['toolUse'])) {
          const open = this.#open;
          // Input without its contentBlockStart has no tool id or name to open a block with.
          if (!open || open.type !== 'tool_use' || open.bedrockIndex !== index) return out;
          const input = delta['toolUse']['input'];
          return out + this.#delta({ type: 'input_json_delta', partial_json: typeof input === 'string' ? input : JSON.stringify(input ?? '') });
        }
        if (isObj(delta['reasoningContent'])) {
          const rc = delta['reasoningContent'];
          if (typeof rc['text'] === 'string') return out + this.#ensure(index, 'thinking') + this.#delta({ type: 'thinking_delta', thinking: rc['text'] });
          if (typeof rc['signature'] === 'string') return out + this.#ensure(index, 'thinking') + this.#delta({ type: 'signature_delta', signature: rc['signature'] });
          // Redacted reasoning arrives whole: a block of its own, stopped at once (its contentBlockStop
          // then finds no open block).
          if (typeof rc['redactedContent'] === 'string') {
            out += this.#openBlock(index, 'thinking', { type: 'redacted_thinking', data: rc['redactedContent'] });
            return out + this.#close();
          }
        }
        return out;
      }
      case 'contentBlockStop':
        return this.#open && this.#open.bedrockIndex === index ? this.#close() : '';
      case 'messageStop':
        this.#stopReason = anthropicStopReason(body['stopReason']);
        return this.#start() + this.#close() + (this.#usage ? this.#finish() : '');
      case 'metadata': {
        const u = fromBedrockUsage(body['usage']);
        if (!u) return '';
        setUsage(this.usage, u);
        this.#usage = bedrockUsageParts(body['usage']);
        return this.#stopReason !== undefined ? this.#finish() : '';
      }
      default:
        return '';
    }
  }
}
