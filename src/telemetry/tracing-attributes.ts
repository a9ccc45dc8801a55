// Span attribute vocabularies for the tracing subscriber: the OTel GenAI semantic conventions (default)
// and OpenInference (Arize Phoenix and other LLM-observability tools read it), as Envoy AI Gateway's
// two tracing modes name them (reference §7.2). Message content is only read when the caller opted in;
// these helpers never see headers, credentials or upstream addresses.
import type { Attributes } from '@opentelemetry/api';
import type { RequestContext } from '../runtime/context.ts';
import type { Operation } from '../runtime/translator.ts';
import type { TokenUsage } from '../runtime/usage.ts';
import { GENAI } from './genai.ts';

export type TracingSemconv = 'gen_ai' | 'openinference';

/** OpenInference attribute names (github.com/Arize-ai/openinference spec/semantic_conventions.md). */
export const OPENINFERENCE = {
  spanKind: 'openinference.span.kind',
  llmSystem: 'llm.system',
  llmProvider: 'llm.provider',
  llmModelName: 'llm.model_name',
  llmInvocationParameters: 'llm.invocation_parameters',
  llmInputMessages: 'llm.input_messages',
  embeddingModelName: 'embedding.model_name',
  tokenCountPrompt: 'llm.token_count.prompt',
  tokenCountCompletion: 'llm.token_count.completion',
  tokenCountTotal: 'llm.token_count.total',
  tokenCountCacheRead: 'llm.token_count.prompt_details.cache_read',
  tokenCountCacheWrite: 'llm.token_count.prompt_details.cache_write',
  tokenCountReasoning: 'llm.token_count.completion_details.reasoning',
  inputValue: 'input.value',
  inputMimeType: 'input.mime_type',
} as const;

/** OpenInference span names per operation, as Envoy AI Gateway's openinference mode names its spans. */
export function openInferenceSpanName(op: Operation): string {
  switch (op) {
    case 'chat':
      return 'ChatCompletion';
    case 'completions':
      return 'Completion';
    case 'embeddings':
      return 'CreateEmbeddings';
    case 'messages':
      return 'Message';
    case 'responses':
      return 'Responses';
    case 'count_tokens':
      return 'CountTokens';
    case 'generate':
      return 'GenerateContent';
  }
}

/** OpenInference `llm.provider` (the hosting company) and `llm.system` (the API family) from a gen_ai provider name. */
export function openInferenceProvider(genaiProvider: string): { provider: string; system: string } {
  switch (genaiProvider) {
    case 'openai':
      return { provider: 'openai', system: 'openai' };
    case 'azure.openai':
      return { provider: 'azure', system: 'openai' };
    case 'anthropic':
      return { provider: 'anthropic', system: 'anthropic' };
    case 'aws.anthropic':
      return { provider: 'aws', system: 'anthropic' };
    case 'aws.bedrock':
      return { provider: 'aws', system: 'amazon' };
    case 'gcp.anthropic':
      return { provider: 'google', system: 'anthropic' };
    case 'gcp.vertex_ai':
      return { provider: 'google', system: 'vertexai' };
    default:
      return { provider: genaiProvider, system: genaiProvider };
  }
}

/** Request parameters worth a span attribute that are not content (`gen_ai.request.*`). */
export function requestParameterAttributes(json: Readonly<Record<string, unknown>> | undefined, into: Attributes): void {
  if (json === undefined) return;
  const max = json['max_completion_tokens'] ?? json['max_tokens'] ?? json['max_output_tokens'];
  if (typeof max === 'number') into[GENAI.requestMaxTokens] = max;
  const temperature = json['temperature'];
  if (typeof temperature === 'number') into[GENAI.requestTemperature] = temperature;
  const topP = json['top_p'];
  if (typeof topP === 'number') into[GENAI.requestTopP] = topP;
}

/** Token usage attributes of the answering attempt, in the chosen vocabulary; detail types only when reported. */
export function usageAttributes(semconv: TracingSemconv, u: TokenUsage, into: Attributes): void {
  if (semconv === 'openinference') {
    into[OPENINFERENCE.tokenCountPrompt] = u.inputTokens;
    into[OPENINFERENCE.tokenCountCompletion] = u.outputTokens;
    into[OPENINFERENCE.tokenCountTotal] = u.totalTokens;
    if (u.cachedInputTokens > 0) into[OPENINFERENCE.tokenCountCacheRead] = u.cachedInputTokens;
    if (u.cacheCreationInputTokens > 0) into[OPENINFERENCE.tokenCountCacheWrite] = u.cacheCreationInputTokens;
    if (u.reasoningTokens > 0) into[OPENINFERENCE.tokenCountReasoning] = u.reasoningTokens;
    return;
  }
  into[GENAI.usageInputTokens] = u.inputTokens;
  into[GENAI.usageOutputTokens] = u.outputTokens;
  if (u.cachedInputTokens > 0) into[GENAI.usageCacheReadInputTokens] = u.cachedInputTokens;
  if (u.cacheCreationInputTokens > 0) into[GENAI.usageCacheCreationInputTokens] = u.cacheCreationInputTokens;
  if (u.reasoningTokens > 0) into[GENAI.usageReasoningOutputTokens] = u.reasoningTokens;
}

/** Where each client schema keeps its input messages and its system instructions. */
function inputOf(op: Operation, json: Readonly<Record<string, unknown>>): { messages: unknown; system: unknown } {
  switch (op) {
    case 'chat':
      return { messages: json['messages'], system: undefined };
    case 'messages':
    case 'count_tokens':
      return { messages: json['messages'], system: json['system'] };
    case 'completions':
      return { messages: json['prompt'], system: undefined };
    case 'responses':
      return { messages: json['input'], system: json['instructions'] };
    case 'embeddings':
      return { messages: json['input'], system: undefined };
    case 'generate':
      return { messages: json['contents'], system: json['systemInstruction'] ?? json['system_instruction'] };
  }
}

function text(v: unknown): string {
  return typeof v === 'string' ? v : JSON.stringify(v);
}

/**
 * The request's message content (only called when content capture is on): GenAI mode records the
 * client's input as JSON in `gen_ai.input.messages` (and `gen_ai.system_instructions`), in the client's
 * own schema; OpenInference mode records `input.value` (the request body) and, for message lists,
 * `llm.input_messages.N.message.role|content`.
 */
export function contentAttributes(semconv: TracingSemconv, ctx: RequestContext, into: Attributes): void {
  const json = ctx.json;
  const op = ctx.operation;
  if (json === undefined || op === undefined) return;
  const { messages, system } = inputOf(op, json);
  if (semconv === 'gen_ai') {
    if (messages !== undefined) into[GENAI.inputMessages] = text(messages);
    if (system !== undefined) into[GENAI.systemInstructions] = text(system);
    return;
  }
  if (ctx.body !== undefined) {
    into[OPENINFERENCE.inputValue] = ctx.body.toString('utf8');
    into[OPENINFERENCE.inputMimeType] = 'application/json';
  }
  const params: Record<string, unknown> = {};
  for (const k in json) if (k !== 'messages' && k !== 'prompt' && k !== 'input' && k !== 'contents' && k !== 'system' && k !== 'instructions') params[k] = json[k];
  into[OPENINFERENCE.llmInvocationParameters] = JSON.stringify(params);
  let i = 0;
  if (typeof system === 'string') {
    into[`${OPENINFERENCE.llmInputMessages}.${i}.message.role`] = 'system';
    into[`${OPENINFERENCE.llmInputMessages}.${i}.message.content`] = system;
    i++;
  }
  if (Array.isArray(messages)) {
    for (const m of messages) {
      if (m === null || typeof m !== 'object') continue;
      const msg = m as Record<string, unknown>;
      const role = msg['role'];
      if (typeof role === 'string') into[`${OPENINFERENCE.llmInputMessages}.${i}.message.role`] = role;
      const content = msg['content'] ?? msg['parts'];
      if (content !== undefined) into[`${OPENINFERENCE.llmInputMessages}.${i}.message.content`] = text(content);
      i++;
    }
  }
}
