// The AI endpoints a client can call, by method and path: each names the client's schema and the
// operation (runtime/translator.ts). Requests on these paths have their JSON body read once and the
// model taken from it (or, for Gemini, from the path) before route matching, as Envoy AI Gateway's
// router filter does (reference §3).
import type { ClientSchema, Operation } from '../runtime/translator.ts';

export interface AIEndpoint {
  readonly schema: ClientSchema;
  readonly operation: Operation;
  /** Gemini names the model in the path. */
  readonly model?: string | undefined;
  /** Gemini streams by method name (`:streamGenerateContent`). */
  readonly stream?: boolean | undefined;
  /**
   * Azure OpenAI clients (`AzureOpenAI`, `/openai/deployments/{deployment}/…?api-version=`): the
   * deployment is the model, and the client's api-version is its own (each backend's
   * `schema.version` decides what reaches an Azure upstream), so it is dropped from the query.
   */
  readonly azure?: boolean | undefined;
}

const POST_ENDPOINTS: ReadonlyMap<string, AIEndpoint> = new Map([
  ['/v1/chat/completions', { schema: 'OpenAI', operation: 'chat' }],
  ['/v1/completions', { schema: 'OpenAI', operation: 'completions' }],
  ['/v1/embeddings', { schema: 'OpenAI', operation: 'embeddings' }],
  ['/v1/responses', { schema: 'OpenAI', operation: 'responses' }],
  // Anthropic clients: Envoy AI Gateway's prefix, and the Anthropic SDK's default path.
  ['/anthropic/v1/messages', { schema: 'Anthropic', operation: 'messages' }],
  ['/v1/messages', { schema: 'Anthropic', operation: 'messages' }],
  ['/anthropic/v1/messages/count_tokens', { schema: 'Anthropic', operation: 'count_tokens' }],
  ['/v1/messages/count_tokens', { schema: 'Anthropic', operation: 'count_tokens' }],
] as const);

const GEMINI = /^\/v1beta\/models\/([^/:]+):(generateContent|streamGenerateContent)$/;
const AZURE = /^\/openai\/deployments\/([^/]+)\/(chat\/completions|completions|embeddings)$/;
const AZURE_OPERATIONS: Readonly<Record<string, Operation>> = { 'chat/completions': 'chat', completions: 'completions', embeddings: 'embeddings' };

/** The AI endpoint of a request, or undefined for any other method or path. */
export function aiEndpointOf(method: string, path: string): AIEndpoint | undefined {
  if (method !== 'POST') return undefined;
  const e = POST_ENDPOINTS.get(path);
  if (e) return e;
  if (path.startsWith('/v1beta/models/')) {
    const m = GEMINI.exec(path);
    if (m) return { schema: 'Gemini', operation: 'generate', model: safeDecode(m[1]!), stream: m[2] === 'streamGenerateContent' };
  } else if (path.startsWith('/openai/deployments/')) {
    const m = AZURE.exec(path);
    if (m) return { schema: 'OpenAI', operation: AZURE_OPERATIONS[m[2]!]!, model: safeDecode(m[1]!), azure: true };
  }
  return undefined;
}

/** A path segment decoded; one that does not decode is taken as written (the route then fails to match it). */
function safeDecode(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}
