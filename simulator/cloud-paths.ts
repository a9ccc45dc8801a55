// Which provider a request path belongs to, and the parameters the path carries. The family decides
// which credential check applies (auth.ts, sigv4.ts) and which error shape answers.
//
//   openai     /v1/* (chat, completions, embeddings, models, LoRA management): vLLM's OpenAI server
//   anthropic  /v1/messages, /v1/messages/count_tokens
//   azure      /openai/deployments/{deployment}/(chat/completions | completions | embeddings)
//   gemini     /v1beta/models/{model}:(generateContent | streamGenerateContent)  (Gemini Developer
//              API; /v1/models/{model}:… too)
//   vertex     /v1/projects/{project}/locations/{location}/publishers/google/models/{model}:
//              (generateContent | streamGenerateContent), and …/publishers/anthropic/models/{model}:
//              (rawPredict | streamRawPredict)  (/v1beta1/… too, the @google/genai default)
//   bedrock    /model/{modelId}/(converse | converse-stream | invoke | invoke-with-response-stream | count-tokens)
//   none       /health, /metrics, /admin/*: never checked
//
// Path segments are URL-decoded; a segment that does not decode matches nothing (404).

export type ProviderFamily = 'openai' | 'anthropic' | 'azure' | 'gemini' | 'vertex' | 'bedrock' | 'none';

export function familyOf(path: string): ProviderFamily {
  if (path === '/v1/messages' || path.startsWith('/v1/messages/')) return 'anthropic';
  if (path.startsWith('/openai/')) return 'azure';
  if (/^\/v1(beta1)?\/projects\//.test(path)) return 'vertex';
  if (/^\/v1(beta)?\/models\/[^/]+:/.test(path)) return 'gemini';
  if (path.startsWith('/model/')) return 'bedrock';
  if (path.startsWith('/v1/')) return 'openai';
  return 'none';
}

function decode(segment: string | undefined): string | undefined {
  if (segment === undefined) return undefined;
  try {
    return decodeURIComponent(segment);
  } catch {
    return undefined;
  }
}

export interface AzurePath {
  deployment: string;
  operation: 'chat' | 'completions' | 'embeddings';
}

const AZURE = /^\/openai\/deployments\/([^/]+)\/(chat\/completions|completions|embeddings)$/;

export function matchAzurePath(path: string): AzurePath | undefined {
  const m = AZURE.exec(path);
  const deployment = decode(m?.[1]);
  if (!m || deployment === undefined) return undefined;
  return { deployment, operation: m[2] === 'chat/completions' ? 'chat' : (m[2] as 'completions' | 'embeddings') };
}

export interface GeminiPath {
  api: 'developer' | 'vertex';
  model: string;
  stream: boolean;
  /** The API version segment (v1beta, v1, v1beta1), for error messages. */
  version: string;
  /** Vertex only. */
  project?: string;
  location?: string;
}

const GEMINI_DEV = /^\/(v1beta|v1)\/models\/([^/:]+):(generateContent|streamGenerateContent)$/;
const VERTEX = /^\/(v1|v1beta1)\/projects\/([^/]+)\/locations\/([^/]+)\/publishers\/(google|anthropic)\/models\/([^/:]+):([A-Za-z]+)$/;

export function matchGeminiPath(path: string): GeminiPath | undefined {
  const dev = GEMINI_DEV.exec(path);
  if (dev) {
    const model = decode(dev[2]);
    return model === undefined ? undefined : { api: 'developer', model, stream: dev[3] === 'streamGenerateContent', version: dev[1] as string };
  }
  const v = VERTEX.exec(path);
  if (!v || v[4] !== 'google' || (v[6] !== 'generateContent' && v[6] !== 'streamGenerateContent')) return undefined;
  const [project, location, model] = [decode(v[2]), decode(v[3]), decode(v[5])];
  if (project === undefined || location === undefined || model === undefined) return undefined;
  return { api: 'vertex', model, stream: v[6] === 'streamGenerateContent', version: v[1] as string, project, location };
}

export interface VertexAnthropicPath {
  model: string;
  /** streamRawPredict; rawPredict streams when the body says `stream: true`. */
  stream: boolean;
}

export function matchVertexAnthropicPath(path: string): VertexAnthropicPath | undefined {
  const v = VERTEX.exec(path);
  if (!v || v[4] !== 'anthropic' || (v[6] !== 'rawPredict' && v[6] !== 'streamRawPredict')) return undefined;
  const model = decode(v[5]);
  return model === undefined ? undefined : { model, stream: v[6] === 'streamRawPredict' };
}

export interface BedrockPath {
  modelId: string;
  operation: 'converse' | 'converse-stream' | 'invoke' | 'invoke-with-response-stream' | 'count-tokens';
}

const BEDROCK = /^\/model\/([^/]+)\/(converse|converse-stream|invoke|invoke-with-response-stream|count-tokens)$/;

export function matchBedrockPath(path: string): BedrockPath | undefined {
  const m = BEDROCK.exec(path);
  const modelId = decode(m?.[1]);
  if (!m || modelId === undefined) return undefined;
  return { modelId, operation: m[2] as BedrockPath['operation'] };
}
