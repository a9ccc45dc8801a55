// GenAI vocabulary shared by the telemetry subscribers (metrics, traces, access log): the OpenTelemetry
// GenAI semantic-convention names Envoy AI Gateway uses (reference §7), how a request's operation,
// provider, models and error map onto them, the upstream timing definitions (TTFT, TPOT), and the
// label-cardinality rule for model names. Everything here reads a RequestContext or an Attempt and
// allocates nothing beyond the strings it returns.
import type { Attempt, RequestContext } from '../runtime/context.ts';
import type { BackendTarget, ListenerRuntime } from '../runtime/snapshot.ts';
import type { Operation } from '../runtime/translator.ts';

/** Attribute names of the OTel GenAI semantic conventions (as Envoy AI Gateway records them). */
export const GENAI = {
  operationName: 'gen_ai.operation.name',
  providerName: 'gen_ai.provider.name',
  originalModel: 'gen_ai.original.model',
  requestModel: 'gen_ai.request.model',
  responseModel: 'gen_ai.response.model',
  tokenType: 'gen_ai.token.type',
  requestMaxTokens: 'gen_ai.request.max_tokens',
  requestTemperature: 'gen_ai.request.temperature',
  requestTopP: 'gen_ai.request.top_p',
  requestStream: 'gen_ai.request.stream',
  usageInputTokens: 'gen_ai.usage.input_tokens',
  usageOutputTokens: 'gen_ai.usage.output_tokens',
  usageCacheReadInputTokens: 'gen_ai.usage.cache_read.input_tokens',
  usageCacheCreationInputTokens: 'gen_ai.usage.cache_creation.input_tokens',
  usageReasoningOutputTokens: 'gen_ai.usage.reasoning.output_tokens',
  inputMessages: 'gen_ai.input.messages',
  systemInstructions: 'gen_ai.system_instructions',
  errorType: 'error.type',
} as const;

/** Label (and attribute) value when nothing is known: no route matched, no backend was chosen, no model reported. */
export const UNKNOWN = 'unknown';
/** Label value for a model name beyond the bounded set of names not known to the configuration. */
export const OTHER = 'other';

/**
 * `gen_ai.operation.name` of the endpoint the client called, with Envoy AI Gateway's values
 * (`completion`, not the semconv's `text_completion`); Gemini's generateContent is the semconv's
 * `generate_content`.
 */
export function genAIOperationName(op: Operation): string {
  switch (op) {
    case 'chat':
      return 'chat';
    case 'completions':
      return 'completion';
    case 'embeddings':
      return 'embeddings';
    case 'responses':
      return 'responses';
    case 'messages':
      return 'messages';
    case 'count_tokens':
      return 'count_tokens';
    case 'generate':
      return 'generate_content';
  }
}

/**
 * `gen_ai.provider.name` of a backend, from the schema the gateway speaks to it (as Envoy AI Gateway
 * does): OpenAI → `openai`, AzureOpenAI → `azure.openai`, … An InferencePool is spoken to with the
 * OpenAI schema (vLLM and the other engines serve the OpenAI API), so it is `openai` too. An invalid
 * backendRef has no schema: its resource id (config-derived, so bounded). No backend: `unknown`.
 */
export function genAIProviderName(target: BackendTarget | undefined): string {
  if (target === undefined) return UNKNOWN;
  switch (target.kind) {
    case 'pool':
      return 'openai';
    case 'invalid':
      return target.id;
    case 'endpoints':
      switch (target.schema.name) {
        case 'OpenAI':
          return 'openai';
        case 'AzureOpenAI':
          return 'azure.openai';
        case 'Anthropic':
          return 'anthropic';
        case 'AWSBedrock':
          return 'aws.bedrock';
        case 'AWSAnthropic':
          return 'aws.anthropic';
        case 'GCPVertexAI':
          return 'gcp.vertex_ai';
        case 'GCPAnthropic':
          return 'gcp.anthropic';
      }
  }
}

/** The backend an attempt went to (the attempt's own record, else the context's when it still describes that attempt). */
export function attemptTarget(ctx: RequestContext, attempt: Attempt): BackendTarget | undefined {
  if (attempt.target !== undefined) return attempt.target;
  const target = ctx.backend?.target;
  return target !== undefined && target.id === attempt.backend ? target : undefined;
}

/** Whether the request is an inference request: it called an AI endpoint and did not go to a plain HTTP rule. */
export function isGenAIRequest(ctx: RequestContext): boolean {
  return ctx.operation !== undefined && (ctx.rule === undefined || ctx.clientSchema !== undefined);
}

/**
 * `error.type` of a finished request: the catalogue code of the gateway's error (a bounded set), else
 * the status the upstream answered when it is an error (semconv: a status code is an acceptable
 * error.type), else '' for success. (Envoy AI Gateway records `_OTHER` for every failure; the
 * catalogue code says more and stays low-cardinality.)
 */
export function requestErrorType(ctx: RequestContext): string {
  if (ctx.error !== undefined) return ctx.error.code;
  return ctx.status >= 400 ? String(ctx.status) : '';
}

/** `error.type` of one attempt: its catalogue code, else an upstream error status, else ''. */
export function attemptErrorType(attempt: Attempt): string {
  if (attempt.error !== undefined) return attempt.error;
  const status = attempt.retryStatus || attempt.status;
  return status >= 400 ? String(status) : '';
}

/**
 * Time to first token in seconds, as upstream defines it: streams only, from the request's arrival to
 * the first response chunk the client got (`ctx.firstByteAt`); undefined otherwise.
 */
export function timeToFirstTokenSeconds(ctx: RequestContext): number | undefined {
  if (!ctx.stream || ctx.firstByteAt === 0) return undefined;
  return (ctx.firstByteAt - ctx.startedAt) / 1000;
}

/**
 * Time per output token in seconds, as upstream defines it: streams that succeeded with more than one
 * output token, (end − first token) / (output tokens − 1); undefined otherwise.
 */
export function timePerOutputTokenSeconds(ctx: RequestContext): number | undefined {
  const out = ctx.usage.outputTokens;
  if (!ctx.stream || ctx.firstByteAt === 0 || out <= 1 || ctx.endedAt === 0 || ctx.error !== undefined || ctx.status >= 400) return undefined;
  return (ctx.endedAt - ctx.firstByteAt) / 1000 / (out - 1);
}

/**
 * The endpoint of an attempt as metrics and logs name it: the pod name when the endpoint is a known
 * pod, else `address:port` (an fqdn backend's origin without its scheme); '' when none was chosen.
 * Never anything but a name or an address (no credentials live in either).
 */
export function attemptEndpointName(ctx: RequestContext, attempt: Attempt): string {
  const key = attempt.endpoint;
  if (key === '') return '';
  const ep = ctx.endpoint;
  if (ep !== undefined && ep.key === key && ep.podName !== '') return ep.podName;
  const scheme = key.indexOf('://');
  return scheme < 0 ? key : key.slice(scheme + 3);
}

/** `server.address` and `server.port` of an attempt's endpoint (`10.0.0.1:8000`, `[::1]:8000`, `https://api.x.com:443`). */
export function attemptServer(attempt: Attempt): { address: string; port: number } | undefined {
  let key = attempt.endpoint;
  if (key === '') return undefined;
  const scheme = key.indexOf('://');
  if (scheme >= 0) key = key.slice(scheme + 3);
  const slash = key.indexOf('/');
  if (slash >= 0) key = key.slice(0, slash);
  const colon = key.lastIndexOf(':');
  const close = key.lastIndexOf(']');
  if (colon < 0 || colon < close) return { address: key.startsWith('[') ? key.slice(1, -1) : key, port: 0 };
  const host = key.slice(0, colon);
  return { address: host.startsWith('[') ? host.slice(1, -1) : host, port: Number(key.slice(colon + 1)) || 0 };
}

/** Longest model name used as a label value; longer ones are `other`. */
const MAX_MODEL_LABEL_LENGTH = 256;

/**
 * The label-cardinality rule for model names (every `model`, `gen_ai_*_model` label):
 * - a request that matched no route is `unknown` (it never names a config-known model);
 * - a model the configuration names — an Exact `x-ai-eg-model` match of an AIGatewayRoute on the
 *   request's listener, or the chosen backendRef's `modelNameOverride` — is used as it is;
 * - any other name (a rule that matched without naming the model, e.g. an HTTPRoute to an
 *   InferencePool, or the model a provider reports in its response) is used as it is for the first
 *   `limit` distinct such names seen by this instance, and is `other` after that; names longer than
 *   256 characters are `other` at once.
 * So a client cannot create more than `limit` model label values, whatever it sends.
 */
export class ModelLabels {
  readonly #limit: number;
  readonly #extra = new Set<string>();
  readonly #known = new WeakMap<ListenerRuntime, ReadonlySet<string>>();

  constructor(limit = 100) {
    this.#limit = limit;
  }

  /** The label for `model`, one of the models of the request `ctx` (original, request or response). */
  label(ctx: RequestContext, model: string | undefined): string {
    if (ctx.rule === undefined || model === undefined || model === '') return UNKNOWN;
    if (model === ctx.backend?.modelNameOverride) return model;
    const listener = ctx.listener;
    if (listener !== undefined && listener.models.length > 0) {
      let known = this.#known.get(listener);
      if (known === undefined) this.#known.set(listener, (known = new Set(listener.models.map((m) => m.id))));
      if (known.has(model)) return model;
    }
    if (this.#extra.has(model)) return model;
    if (this.#extra.size >= this.#limit || model.length > MAX_MODEL_LABEL_LENGTH) return OTHER;
    this.#extra.add(model);
    return model;
  }
}

/** Longest value a BoundedLabels passes through; longer ones are `other`. */
const MAX_BOUNDED_LABEL_LENGTH = 256;

/**
 * First come, first labelled: the first `limit` distinct values (of at most 256 characters) are used
 * as they are, every other value is `other`. For label values a configuration does not bound, such as
 * JWT subjects.
 */
export class BoundedLabels {
  readonly #limit: number;
  readonly #seen = new Set<string>();

  constructor(limit = 100) {
    this.#limit = limit;
  }

  label(value: string): string {
    if (this.#seen.has(value)) return value;
    if (this.#seen.size >= this.#limit || value.length > MAX_BOUNDED_LABEL_LENGTH) return OTHER;
    this.#seen.add(value);
    return value;
  }
}
