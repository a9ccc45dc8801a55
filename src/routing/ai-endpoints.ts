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

/** The AI endpoint of a request, or undefined for any other method or path. */
export function aiEndpointOf(method: string, path: string): AIEndpoint | undefined {
  if (method !== 'POST') return undefined;
  const e = POST_ENDPOINTS.get(path);
  if (e) return e;
  if (path.startsWith('/v1beta/models/')) {
    const m = GEMINI.exec(path);
    if (m) return { schema: 'Gemini', operation: 'generate', model: decodeURIComponent(m[1]!), stream: m[2] === 'streamGenerateContent' };
  }
  return undefined;
}
