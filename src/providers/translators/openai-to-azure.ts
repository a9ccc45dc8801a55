// OpenAI client → Azure OpenAI backend (reference §4 "OpenAI → Azure OpenAI"). Azure serves the
// OpenAI API per deployment (Azure OpenAI REST reference, "Data plane – inference"):
//   POST /openai/deployments/{deployment-id}/chat/completions?api-version={api-version}
//   POST /openai/deployments/{deployment-id}/completions?api-version=…
//   POST /openai/deployments/{deployment-id}/embeddings?api-version=…
//   POST /openai/responses?api-version=…   (the deployment is the body's `model`)
// The deployment is the model the gateway asks for (the client's, or the backendRef's
// modelNameOverride) and `api-version` is AIServiceBackend.spec.schema.version. Azure decides by
// the path, not the body's model, so the body is otherwise the OpenAI pass-through body
// (openai-to-openai.ts, including the include_usage injection) and the answer is scanned the same
// way. `schema.prefix` does not apply: Azure's paths are fixed.
//
// Azure differences handled here: the first chunk of a stream carries only `prompt_filter_results`
// with an empty `model`, so the response model is read from the first chunk that names one; Azure
// errors (`{"error":{"code","message"}}`, or API Management's `{"statusCode","message"}`) are
// rewritten to the OpenAI shape.
import type { IncomingHttpHeaders } from 'node:http';
import { GatewayError } from '../../errors.ts';
import type { Operation, RequestTranslationInput, ResponseHead, ResponseTranslationInput, ResponseTranslator, TranslatedError, TranslatedRequest, Translator } from '../../runtime/translator.ts';
import type { TokenUsage } from '../../runtime/usage.ts';
import { SseParser } from '../streaming/sse.ts';
import { openAIRequestBody, openAIToOpenAI } from './openai-to-openai.ts';
import { toOpenAIError } from './gemini-errors.ts';

const DEPLOYMENT_PATHS: Partial<Record<Operation, string>> = { chat: '/chat/completions', completions: '/completions', embeddings: '/embeddings' };

/** The Azure path for an operation, with `api-version` first and any other client query after it. */
export function azurePath(operation: Operation, deployment: string, version: string | undefined, query: string): string {
  if (version === undefined || version === '') {
    throw new GatewayError('unprocessable_request', 'an AzureOpenAI backend needs AIServiceBackend.spec.schema.version (the Azure api-version, e.g. 2024-10-21)');
  }
  const rest = query === '' ? [] : query.split('&').filter((p) => p !== '' && !/^api-version(=|$)/i.test(p));
  const q = ['api-version=' + encodeURIComponent(version), ...rest].join('&');
  if (operation === 'responses') return `/openai/responses?${q}`;
  const suffix = DEPLOYMENT_PATHS[operation];
  if (suffix === undefined) throw new GatewayError('unprocessable_request', `an AzureOpenAI backend does not serve the ${operation} operation`);
  return `/openai/deployments/${encodeURIComponent(deployment)}${suffix}?${q}`;
}

export const openAIToAzure: Translator = {
  name: 'openai-to-azure',
  request(input: RequestTranslationInput): TranslatedRequest {
    return { path: azurePath(input.operation, input.model, input.backend.version, input.query), body: openAIRequestBody(input), headers: { 'content-type': 'application/json' } };
  },
  response(input: ResponseTranslationInput): ResponseTranslator {
    return new AzureResponse(input);
  },
  error(status: number, headers: IncomingHttpHeaders, body: Buffer): TranslatedError {
    return toOpenAIError(status, headers, body);
  },
};

/**
 * The OpenAI pass-through scanner (usage, include_usage hiding) with Azure's response model: the
 * first non-empty `model` of the stream, else the deployment asked for.
 */
class AzureResponse implements ResponseTranslator {
  readonly #inner: ResponseTranslator;
  readonly #requestModel: string;
  /** Set while a stream's model is still unknown; dropped once found. */
  #parser: SseParser | undefined;
  #model: string | undefined;

  constructor(input: ResponseTranslationInput) {
    this.#inner = openAIToOpenAI.response(input);
    this.#requestModel = input.requestModel;
    if (input.stream) this.#parser = new SseParser();
  }

  get usage(): TokenUsage {
    return this.#inner.usage;
  }

  get responseModel(): string | undefined {
    return this.#inner.responseModel || this.#model || this.#requestModel;
  }

  head(status: number, headers: IncomingHttpHeaders): ResponseHead {
    return this.#inner.head(status, headers);
  }

  push(chunk: Buffer): Buffer | string | undefined {
    if (this.#parser !== undefined) this.#findModel(chunk);
    return this.#inner.push(chunk);
  }

  end(): Buffer | string | undefined {
    this.#parser = undefined;
    return this.#inner.end();
  }

  #findModel(chunk: Buffer): void {
    for (const e of this.#parser!.push(chunk)) {
      if (e.data === '[DONE]' || !e.data.includes('"model"')) continue;
      try {
        const model = (JSON.parse(e.data) as { model?: unknown }).model;
        if (typeof model === 'string' && model !== '') {
          this.#model = model;
          this.#parser = undefined;
          return;
        }
      } catch {
        // not JSON: the pass-through leaves it to the client
      }
    }
  }
}
