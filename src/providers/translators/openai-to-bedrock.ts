// OpenAI chat client → AWS Bedrock Converse / ConverseStream backend (schema `AWSBedrock`), following
// reference §4 "OpenAI → AWS Bedrock Converse" for the mapping and the AWS Bedrock API reference
// (Converse, ConverseStream, Message, ContentBlock, InferenceConfiguration, ToolConfiguration,
// ToolChoice, OutputConfig, TokenUsage, ConverseStreamOutput) for the Bedrock shapes.
//
// Request (chat only; other operations are 422):
//   - path `/model/{escaped model}/converse`, or `/converse-stream` when streaming;
//   - inferenceConfig: maxTokens ← max_completion_tokens ?? max_tokens, temperature, topP ← top_p,
//     stopSequences ← stop (a string or a list); `n` > 1 is 422 (Converse answers one choice);
//   - system and developer messages → `system[]`; user content parts → text / image (base64 data URLs
//     only, Converse takes bytes or S3 locations, not web URLs) / document (`file.file_data`); assistant
//     `tool_calls` → toolUse (arguments parsed as JSON), LiteLLM-style `thinking_blocks` → reasoningContent
//     (so a signed thinking block can be sent back with tool results); assistant messages left empty
//     are dropped; `tool` messages → user messages carrying toolResult; consecutive messages of one
//     role are merged (tool results next to each other or next to a user message);
//   - Anthropic-style `cache_control` on a content part, system part or tool → a following
//     `cachePoint {type: default}` (Bedrock prompt caching);
//   - tools → toolConfig.tools[].toolSpec {name, description, inputSchema.json, strict};
//     tool_choice auto → {auto:{}}, required → {any:{}}, a named function → {tool:{name}}; `none`
//     has no Converse equivalent, so the tools are left out (kept without a choice when the history
//     holds tool blocks, which Converse only accepts alongside a toolConfig); `parallel_tool_calls`
//     cannot be expressed and is ignored;
//   - reasoning: `thinking` {type, budget_tokens, display} → additionalModelRequestFields.thinking;
//     `reasoning_effort` → additionalModelRequestFields.reasoning_config (reference §4, v1.1);
//   - response_format: json_schema → Converse structured output (outputConfig.textFormat json_schema,
//     schema sent as a JSON string; models without structured output answer 400); json_object has no
//     schema to send, so it is approximated by a system instruction asking for one JSON object;
//   - service_tier (except `auto`) → serviceTier {type}.
// Response: output.message.content text → `content` (blocks joined), toolUse → `tool_calls`,
// reasoningContent → `reasoning_content` plus `thinking_blocks` (signature, redacted data);
// stopReason end_turn | stop_sequence → stop, max_tokens | model_context_window_exceeded → length,
// content_filtered | guardrail_intervened → content_filter, tool_use → tool_calls; usage normalised
// as reference §6; `model` is the request model (Converse reports none), `id` the x-amzn-requestid.
// Streaming: event-stream frames → chat.completion.chunk events (see BedrockToOpenAIStream), then
// `data: [DONE]`; a mid-stream exception ends the stream with an OpenAI `data: {"error":…}` event.
import type { IncomingHttpHeaders } from 'node:http';
import type { RequestTranslationInput, ResponseHead, ResponseTranslationInput, ResponseTranslator, TranslatedError, TranslatedRequest, Translator } from '../../runtime/translator.ts';
import { emptyUsage, setUsage } from '../../runtime/usage.ts';
import type { TokenUsage } from '../../runtime/usage.ts';
import { toOpenAIUsage } from '../openai-usage.ts';
import { formatSse } from '../streaming/sse.ts';
import {
  BodyCollector,
  CONVERSE_HEADERS,
  ConverseStreamReader,
  cachePoint,
  conversePath,
  converseContent,
  documentBlock,
  fromBedrockUsage,
  hasToolBlocks,
  imageBlock,
  isObj,
  jsonSchemaOutputConfig,
  mergeConsecutiveRoles,
  num,
  parseDataUrl,
  responseIdentity,
  unprocessable,
} from './bedrock-converse.ts';
import type { ConverseMessage, ConverseStreamItem, Obj } from './bedrock-converse.ts';
import { bedrockStreamErrorEvent, translateBedrockError } from './bedrock-errors.ts';

/** The system instruction that approximates `response_format: {type: json_object}`. */
export const JSON_OBJECT_INSTRUCTION = 'Respond with one valid JSON object and nothing else: no prose, no code fences.';

/** Bedrock stopReason → OpenAI finish_reason (reference §4; unknown reasons → stop). */
export function openAIFinishReason(stopReason: unknown): string {
  switch (stopReason) {
    case 'max_tokens':
    case 'model_context_window_exceeded':
      return 'length';
    case 'content_filtered':
    case 'guardrail_intervened':
      return 'content_filter';
    case 'tool_use':
      return 'tool_calls';
    default:
      return 'stop';
  }
}

function hasCacheControl(part: Obj): boolean {
  return isObj(part['cache_control']);
}

/** System / developer content: a string or text parts. */
function systemBlocks(content: unknown, param: string): Obj[] {
  if (typeof content === 'string') return content.length > 0 ? [{ text: content }] : [];
  if (!Array.isArray(content)) throw unprocessable('a system message needs string or text-part content', param);
  const out: Obj[] = [];
  content.forEach((part: unknown, i) => {
    if (!isObj(part) || part['type'] !== 'text' || typeof part['text'] !== 'string') throw unprocessable('system content parts must be text', `${param}[${i}]`);
    out.push({ text: part['text'] });
    if (hasCacheControl(part)) out.push(cachePoint());
  });
  return out;
}

function userBlocks(content: unknown, param: string): Obj[] {
  if (typeof content === 'string') return [{ text: content }];
  if (!Array.isArray(content)) throw unprocessable('a user message needs string or content-part content', param);
  const out: Obj[] = [];
  let documents = 0;
  content.forEach((part: unknown, i) => {
    const p = `${param}[${i}]`;
    if (!isObj(part)) throw unprocessable('a content part must be an object', p);
    switch (part['type']) {
      case 'text':
        if (typeof part['text'] !== 'string') throw unprocessable('a text part needs `text`', p);
        out.push({ text: part['text'] });
        break;
      case 'image_url': {
        const iu = part['image_url'];
        const url = isObj(iu) ? iu['url'] : undefined;
        const data = typeof url === 'string' ? parseDataUrl(url) : undefined;
        if (!data) throw unprocessable('AWS Bedrock Converse takes images as bytes: send a base64 data: URL', p);
        out.push(imageBlock(data.mediaType, data.data, p));
        break;
      }
      case 'file': {
        const f = part['file'];
        const fileData = isObj(f) ? f['file_data'] : undefined;
        const data = typeof fileData === 'string' ? parseDataUrl(fileData) : undefined;
        if (!isObj(f) || !data) throw unprocessable('AWS Bedrock Converse takes files as bytes: send `file.file_data` as a base64 data: URL (file ids are not supported)', p);
        const filename = typeof f['filename'] === 'string' ? f['filename'] : undefined;
        out.push(documentBlock(data.mediaType, data.data, filename, documents++, p));
        break;
      }
      default:
        throw unprocessable(`content parts of type ${String(part['type'])} cannot be sent to AWS Bedrock Converse`, p);
    }
    if (hasCacheControl(part)) out.push(cachePoint());
  });
  return out;
}

function assistantBlocks(m: Obj, param: string): Obj[] {
  const out: Obj[] = [];
  const thinking = m['thinking_blocks'];
  if (Array.isArray(thinking)) {
    for (const t of thinking) {
      if (!isObj(t)) continue;
      if (t['type'] === 'thinking' && typeof t['thinking'] === 'string') {
        const reasoningText: Obj = { text: t['thinking'] };
        if (typeof t['signature'] === 'string') reasoningText['signature'] = t['signature'];
        out.push({ reasoningContent: { reasoningText } });
      } else if (t['type'] === 'redacted_thinking' && typeof t['data'] === 'string') {
        out.push({ reasoningContent: { redactedContent: t['data'] } });
      }
    }
  }
  const content = m['content'];
  if (typeof content === 'string') {
    if (content.length > 0) out.push({ text: content });
  } else if (Array.isArray(content)) {
    content.forEach((part: unknown, i) => {
      if (!isObj(part)) throw unprocessable('a content part must be an object', `${param}.content[${i}]`);
      const text = part['type'] === 'text' ? part['text'] : part['type'] === 'refusal' ? part['refusal'] : undefined;
      if (typeof text !== 'string') throw unprocessable('assistant content parts must be text or refusal', `${param}.content[${i}]`);
      if (text.length > 0) out.push({ text });
      if (hasCacheControl(part)) out.push(cachePoint());
    });
  } else if (content !== undefined && content !== null) {
    throw unprocessable('assistant content must be a string or parts', `${param}.content`);
  }
  const calls = m['tool_calls'];
  if (Array.isArray(calls)) {
    calls.forEach((c: unknown, i) => {
      const p = `${param}.tool_calls[${i}]`;
      const fn = isObj(c) ? c['function'] : undefined;
      if (!isObj(c) || typeof c['id'] !== 'string' || !isObj(fn) || typeof fn['name'] !== 'string') throw unprocessable('a tool call needs `id` and `function.name`', p);
      const args = fn['arguments'];
      let input: unknown = {};
      if (typeof args === 'string' && args.trim().length > 0) {
        try {
          input = JSON.parse(args);
        } catch {
          throw unprocessable('tool call arguments must be JSON', `${p}.function.arguments`);
        }
      } else if (isObj(args)) {
        input = args;
      }
      out.push({ toolUse: { toolUseId: c['id'], name: fn['name'], input } });
    });
  }
  return out;
}

function toolResultBlock(m: Obj, param: string): Obj {
  if (typeof m['tool_call_id'] !== 'string') throw unprocessable('a tool message needs `tool_call_id`', `${param}.tool_call_id`);
  const content = m['content'];
  let parts: Obj[];
  if (typeof content === 'string') parts = content.length > 0 ? [{ text: content }] : [];
  else if (Array.isArray(content)) {
    parts = content.map((part: unknown, i) => {
      if (!isObj(part) || part['type'] !== 'text' || typeof part['text'] !== 'string') throw unprocessable('tool message parts must be text', `${param}.content[${i}]`);
      return { text: part['text'] };
    });
  } else throw unprocessable('a tool message needs string or text-part content', `${param}.content`);
  return { toolResult: { toolUseId: m['tool_call_id'], content: parts } };
}

function convertMessages(messages: unknown): { system: Obj[]; messages: ConverseMessage[] } {
  if (!Array.isArray(messages)) throw unprocessable('`messages` must be an array', 'messages');
  const system: Obj[] = [];
  const out: ConverseMessage[] = [];
  messages.forEach((m: unknown, i) => {
    const param = `messages[${i}]`;
    if (!isObj(m)) throw unprocessable('a message must be an object', param);
    switch (m['role']) {
      case 'system':
      case 'developer':
        system.push(...systemBlocks(m['content'], `${param}.content`));
        break;
      case 'user':
        out.push({ role: 'user', content: userBlocks(m['content'], `${param}.content`) });
        break;
      case 'assistant': {
        const content = assistantBlocks(m, param);
        if (content.length > 0) out.push({ role: 'assistant', content });
        break;
      }
      case 'tool':
        out.push({ role: 'user', content: [toolResultBlock(m, param)] });
        break;
      default:
        throw unprocessable(`messages with role ${String(m['role'])} cannot be sent to AWS Bedrock Converse`, `${param}.role`);
    }
  });
  return { system, messages: mergeConsecutiveRoles(out) };
}

function toolConfig(body: Readonly<Obj>, messages: readonly ConverseMessage[]): Obj | undefined {
  const tools = body['tools'];
  if (tools === undefined || tools === null) return undefined;
  if (!Array.isArray(tools)) throw unprocessable('`tools` must be an array', 'tools');
  const specs: Obj[] = [];
  tools.forEach((t: unknown, i) => {
    const fn = isObj(t) ? t['function'] : undefined;
    if (!isObj(t) || t['type'] !== 'function' || !isObj(fn) || typeof fn['name'] !== 'string') throw unprocessable('only function tools can be sent to AWS Bedrock Converse', `tools[${i}]`);
    const spec: Obj = { name: fn['name'] };
    if (typeof fn['description'] === 'string' && fn['description'].length > 0) spec['description'] = fn['description'];
    spec['inputSchema'] = { json: isObj(fn['parameters']) ? fn['parameters'] : { type: 'object', properties: {} } };
    if (fn['strict'] === true) spec['strict'] = true;
    specs.push({ toolSpec: spec });
    if (hasCacheControl(fn) || hasCacheControl(t)) specs.push(cachePoint());
  });
  if (specs.length === 0) return undefined;
  const choice = body['tool_choice'];
  const config: Obj = { tools: specs };
  if (choice === undefined || choice === null) return config;
  if (choice === 'auto') config['toolChoice'] = { auto: {} };
  else if (choice === 'required') config['toolChoice'] = { any: {} };
  else if (choice === 'none') return hasToolBlocks(messages) ? config : undefined;
  else if (isObj(choice) && choice['type'] === 'function' && isObj(choice['function']) && typeof choice['function']['name'] === 'string') config['toolChoice'] = { tool: { name: choice['function']['name'] } };
  else throw unprocessable('this tool_choice cannot be expressed in AWS Bedrock Converse', 'tool_choice');
  return config;
}

function inferenceConfig(body: Readonly<Obj>): Obj | undefined {
  const config: Obj = {};
  const maxTokens = num(body['max_completion_tokens']) ?? num(body['max_tokens']);
  if (maxTokens !== undefined) config['maxTokens'] = maxTokens;
  const temperature = num(body['temperature']);
  if (temperature !== undefined) config['temperature'] = temperature;
  const topP = num(body['top_p']);
  if (topP !== undefined) config['topP'] = topP;
  const stop = body['stop'];
  if (typeof stop === 'string') config['stopSequences'] = [stop];
  else if (Array.isArray(stop) && stop.length > 0) {
    if (!stop.every((s) => typeof s === 'string')) throw unprocessable('`stop` must be a string or a list of strings', 'stop');
    config['stopSequences'] = stop;
  }
  return Object.keys(config).length > 0 ? config : undefined;
}

function additionalFields(body: Readonly<Obj>): Obj | undefined {
  const fields: Obj = {};
  const thinking = body['thinking'];
  if (isObj(thinking) && typeof thinking['type'] === 'string') {
    const t: Obj = { type: thinking['type'] };
    if (num(thinking['budget_tokens']) !== undefined) t['budget_tokens'] = thinking['budget_tokens'];
    if (typeof thinking['display'] === 'string') t['display'] = thinking['display'];
    fields['thinking'] = t;
  }
  const effort = body['reasoning_effort'];
  if (typeof effort === 'string' && effort.length > 0) fields['reasoning_config'] = effort;
  return Object.keys(fields).length > 0 ? fields : undefined;
}

/** The Converse request body for an OpenAI chat request (the translation documented at the top). */
export function openAIChatToConverse(body: Readonly<Obj>): Obj {
  const n = num(body['n']);
  if (n !== undefined && n > 1) throw unprocessable('AWS Bedrock Converse answers one choice: `n` must be 1', 'n');
  const { system, messages } = convertMessages(body['messages']);
  const req: Obj = { messages };
  let outputConfig: Obj | undefined;
  const rf = body['response_format'];
  if (isObj(rf)) {
    if (rf['type'] === 'json_schema') {
      const js = rf['json_schema'];
      if (!isObj(js)) throw unprocessable('response_format json_schema needs `json_schema`', 'response_format.json_schema');
      outputConfig = jsonSchemaOutputConfig(js['schema'], typeof js['name'] === 'string' ? js['name'] : undefined, typeof js['description'] === 'string' ? js['description'] : undefined);
    } else if (rf['type'] === 'json_object') {
      system.push({ text: JSON_OBJECT_INSTRUCTION });
    } else if (rf['type'] !== 'text') {
      throw unprocessable(`response_format ${String(rf['type'])} cannot be expressed in AWS Bedrock Converse`, 'response_format');
    }
  }
  if (system.length > 0) req['system'] = system;
  const inference = inferenceConfig(body);
  if (inference) req['inferenceConfig'] = inference;
  const tools = toolConfig(body, messages);
  if (tools) req['toolConfig'] = tools;
  const extra = additionalFields(body);
  if (extra) req['additionalModelRequestFields'] = extra;
  if (outputConfig) req['outputConfig'] = outputConfig;
  const tier = body['service_tier'];
  if (typeof tier === 'string' && tier !== 'auto') req['serviceTier'] = { type: tier };
  return req;
}

export const openAIToBedrock: Translator = {
  name: 'openai-to-bedrock',
  request(input: RequestTranslationInput): TranslatedRequest {
    if (input.operation !== 'chat') throw unprocessable(`an AWSBedrock backend serves OpenAI chat completions only, not ${input.operation}`);
    const req = openAIChatToConverse(input.body);
    return { path: conversePath(input.model, input.stream), headers: CONVERSE_HEADERS, body: Buffer.from(JSON.stringify(req)) };
  },
  response(input: ResponseTranslationInput): ResponseTranslator {
    return input.stream ? new BedrockToOpenAIStream(input) : new BedrockToOpenAIJson(input);
  },
  error(status: number, headers: IncomingHttpHeaders, body: Buffer): TranslatedError {
    return translateBedrockError('OpenAI', status, headers, body);
  },
};

/** A Converse JSON answer → an OpenAI chat.completion. */
class BedrockToOpenAIJson implements ResponseTranslator {
  readonly usage: TokenUsage = emptyUsage();
  readonly responseModel: string;
  readonly #body = new BodyCollector();
  #id = '';
  #created = 0;

  constructor(input: ResponseTranslationInput) {
    this.responseModel = input.requestModel;
  }

  head(_status: number, headers: IncomingHttpHeaders): ResponseHead {
    ({ id: this.#id, created: this.#created } = responseIdentity(headers));
    return { contentType: 'application/json', rewritesBody: true };
  }

  push(chunk: Buffer): undefined {
    this.#body.add(chunk);
    return undefined;
  }

  end(): string {
    const answer = this.#body.json();
    const content = answer ? converseContent(answer) : undefined;
    if (!answer || !content) {
      // A 2xx without output.message (Bedrock can answer 200 with an error document): the status is
      // already chosen, so the body says what happened in the client's error shape.
      const why = answer ? `an answer without output.message (stopReason ${String(answer['stopReason'])})` : 'an answer that is not JSON';
      return JSON.stringify({ error: { message: `AWS Bedrock returned ${why}`, type: 'upstream_error', param: null, code: 'upstream_error' } });
    }
    const u = fromBedrockUsage(answer['usage']);
    if (u) setUsage(this.usage, u);
    let text = '';
    let hasText = false;
    let reasoning = '';
    const toolCalls: Obj[] = [];
    const thinkingBlocks: Obj[] = [];
    for (const block of content) {
      if (typeof block['text'] === 'string') {
        text += block['text'];
        hasText = true;
      } else if (isObj(block['toolUse'])) {
        const tu = block['toolUse'];
        toolCalls.push({ id: tu['toolUseId'], type: 'function', function: { name: tu['name'], arguments: JSON.stringify(tu['input'] ?? {}) } });
      } else if (isObj(block['reasoningContent'])) {
        const rc = block['reasoningContent'];
        const rt = rc['reasoningText'];
        if (isObj(rt) && typeof rt['text'] === 'string') {
          reasoning += rt['text'];
          thinkingBlocks.push({ type: 'thinking', thinking: rt['text'], ...(typeof rt['signature'] === 'string' ? { signature: rt['signature'] } : {}) });
        } else if (typeof rc['redactedContent'] === 'string') {
          thinkingBlocks.push({ type: 'redacted_thinking', data: rc['redactedContent'] });
        }
      }
    }
    const message: Obj = { role: 'assistant', content: hasText ? text : null };
    if (toolCalls.length > 0) message['tool_calls'] = toolCalls;
    if (reasoning.length > 0) message['reasoning_content'] = reasoning;
    if (thinkingBlocks.length > 0) message['thinking_blocks'] = thinkingBlocks;
    return JSON.stringify({
      id: this.#id,
      object: 'chat.completion',
      created: this.#created,
      model: this.responseModel,
      choices: [{ index: 0, message, logprobs: null, finish_reason: openAIFinishReason(answer['stopReason']) }],
      usage: toOpenAIUsage(this.usage),
    });
  }
}

/**
 * ConverseStream → OpenAI chat.completion.chunk events (reference §4 "Streaming"):
 *   messageStart → `{role: assistant, content: ""}`;
 *   contentBlockStart with toolUse → a tool call `{index, id, type: function, function: {name, arguments: ""}}`
 *     (tool-call indexes count tool blocks in order; deltas find theirs by contentBlockIndex);
 *   contentBlockDelta text → `content`, toolUse.input → `function.arguments`, reasoningContent text →
 *     `reasoning_content`, its signature / redacted bytes → `thinking_blocks`;
 *   messageStop → the finish chunk; metadata → usage (always recorded; a usage chunk with no choices
 *     only when the client asked for it, i.e. unless `hideUsageChunk`);
 *   then `data: [DONE]`. An exception frame, a corrupt frame or a stream that ends before messageStop
 *   ends the client's stream with an error event instead.
 */
class BedrockToOpenAIStream implements ResponseTranslator {
  readonly usage: TokenUsage = emptyUsage();
  readonly responseModel: string;
  readonly #reader = new ConverseStreamReader();
  readonly #hideUsage: boolean;
  #id = '';
  #created = 0;
  #requestId: string | undefined;
  /** Bedrock contentBlockIndex → OpenAI tool-call index (tool calls are numbered in order of their start). */
  readonly #toolIndex = new Map<number, number>();
  #tools = 0;
  #started = false;
  #stopped = false;
  #failed = false;

  constructor(input: ResponseTranslationInput) {
    this.responseModel = input.requestModel;
    this.#hideUsage = input.hideUsageChunk;
  }

  head(_status: number, headers: IncomingHttpHeaders): ResponseHead {
    ({ id: this.#id, created: this.#created } = responseIdentity(headers));
    const rid = headers['x-amzn-requestid'];
    this.#requestId = typeof rid === 'string' ? rid : undefined;
    return { contentType: 'text/event-stream', rewritesBody: true };
  }

  push(chunk: Buffer): string {
    return this.#emit(this.#reader.push(chunk));
  }

  end(): string {
    let out = this.#emit(this.#reader.end());
    if (this.#failed) return out;
    if (!this.#stopped) {
      this.#failed = true;
      return out + bedrockStreamErrorEvent('OpenAI', 'IncompleteStream', 'the stream ended before messageStop', this.#requestId);
    }
    out += 'data: [DONE]\n\n';
    return out;
  }

  #emit(items: readonly ConverseStreamItem[]): string {
    let out = '';
    for (const item of items) {
      if (this.#failed) break;
      if (item.kind === 'failure') {
        this.#failed = true;
        out += bedrockStreamErrorEvent('OpenAI', item.errorType, item.message, this.#requestId);
        break;
      }
      out += this.#event(item.type, item.body);
    }
    return out;
  }

  #chunk(delta: Obj, finishReason: string | null = null): string {
    return formatSse(JSON.stringify({ id: this.#id, object: 'chat.completion.chunk', created: this.#created, model: this.responseModel, choices: [{ index: 0, delta, logprobs: null, finish_reason: finishReason }] }));
  }

  /** The role chunk, once: on messageStart, or before the first other chunk if messageStart is missing. */
  #start(role: unknown = 'assistant'): string {
    if (this.#started) return '';
    this.#started = true;
    return this.#chunk({ role: typeof role === 'string' ? role : 'assistant', content: '' });
  }

  #event(type: string, body: Obj): string {
    if (type === 'messageStart') return this.#start(body['role']);
    if (type === 'contentBlockStart' || type === 'contentBlockDelta' || type === 'messageStop') return this.#start() + this.#content(type, body);
    return this.#content(type, body);
  }

  #content(type: string, body: Obj): string {
    switch (type) {
      case 'contentBlockStart': {
        const start = body['start'];
        const tu = isObj(start) ? start['toolUse'] : undefined;
        if (!isObj(tu)) return '';
        const index = this.#tools++;
        const block = num(body['contentBlockIndex']);
        if (block !== undefined) this.#toolIndex.set(block, index);
        return this.#chunk({ tool_calls: [{ index, id: tu['toolUseId'], type: 'function', function: { name: tu['name'], arguments: '' } }] });
      }
      case 'contentBlockDelta': {
        const delta = body['delta'];
        if (!isObj(delta)) return '';
        if (typeof delta['text'] === 'string') return this.#chunk({ content: delta['text'] });
        if (isObj(delta['toolUse'])) {
          const block = num(body['contentBlockIndex']);
          // A delta names its block; without a known block it belongs to the latest tool call.
          const index = (block === undefined ? undefined : this.#toolIndex.get(block)) ?? Math.max(0, this.#tools - 1);
          const input = delta['toolUse']['input'];
          return this.#chunk({ tool_calls: [{ index, function: { arguments: typeof input === 'string' ? input : JSON.stringify(input ?? '') } }] });
        }
        if (isObj(delta['reasoningContent'])) {
          const rc = delta['reasoningContent'];
          if (typeof rc['text'] === 'string') return this.#chunk({ reasoning_content: rc['text'] });
          if (typeof rc['signature'] === 'string') return this.#chunk({ thinking_blocks: [{ type: 'thinking', thinking: '', signature: rc['signature'] }] });
          if (typeof rc['redactedContent'] === 'string') return this.#chunk({ thinking_blocks: [{ type: 'redacted_thinking', data: rc['redactedContent'] }] });
        }
        return '';
      }
      case 'messageStop':
        this.#stopped = true;
        return this.#chunk({}, openAIFinishReason(body['stopReason']));
      case 'metadata': {
        const u = fromBedrockUsage(body['usage']);
        if (!u) return '';
        setUsage(this.usage, u);
        if (this.#hideUsage) return '';
        return formatSse(JSON.stringify({ id: this.#id, object: 'chat.completion.chunk', created: this.#created, model: this.responseModel, choices: [], usage: toOpenAIUsage(this.usage) }));
      }
      default:
        // contentBlockStop and events this gateway does not know carry nothing for the client.
        return '';
    }
  }
}
