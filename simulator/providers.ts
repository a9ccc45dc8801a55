// The cloud providers' paths (cloud-paths.ts) over the same engine: Azure OpenAI, Gemini (Developer
// API and Vertex AI), Claude on Vertex AI, and Bedrock (Converse and InvokeModel). Credentials are
// checked before this runs (server.ts with auth.ts / sigv4.ts).
//
// Azure OpenAI (Azure OpenAI REST reference, data plane "inference"): POST
// /openai/deployments/{deployment}/chat/completions | completions | embeddings?api-version=…. The
// deployment is the model: it must be a name the simulator serves (base model, served name or
// adapter), the body's `model` is ignored, and answers report the deployment's model (the base model,
// or the adapter). Without `api-version` (any non-empty value is accepted): 404
// {"error":{"code":"404","message":"Resource not found"}}; an unknown deployment: 404
// {"error":{"code":"DeploymentNotFound","message":"The API deployment for this resource does not
// exist. …"}}, as Azure answers. Bodies, streams and other errors are the OpenAI dialect's.

import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { anthropicDialectFor, parseAnthropicRequest } from './anthropic.ts';
import { bedrockDialect, countTokensOf, parseConverseRequest } from './bedrock.ts';
import { bedrockInvokeDialect, parseInvokeRequest } from './bedrock-invoke.ts';
import { matchAzurePath, matchBedrockPath, matchGeminiPath, matchVertexAnthropicPath } from './cloud-paths.ts';
import { openAIDialect } from './dialect.ts';
import { answerEmbeddings } from './embeddings.ts';
import { geminiDialect, geminiModelNotFound, parseGeminiRequest, sendGoogleError } from './gemini.ts';
import { handleGeneration } from './generate.ts';
import type { GenerationContext } from './generate.ts';
import { HttpError, sendJson } from './http-util.ts';
import { parseChatRequest, parseCompletionRequest } from './requests.ts';

export const VERTEX_ANTHROPIC_VERSION = 'vertex-2023-10-16';

export interface ProviderRequest {
  req: IncomingMessage;
  res: ServerResponse;
  path: string;
  query: URLSearchParams;
  arrivedAt: number;
  /** Throws 405 unless the method is POST. */
  post(): void;
  /** The request body as JSON (read once). */
  json(): Promise<unknown>;
}

/** Answers a provider path; false when the path is none of them. */
export async function routeProviderPath(ctx: GenerationContext, p: ProviderRequest): Promise<boolean> {
  const { req, res, path, query, arrivedAt } = p;

  const azure = matchAzurePath(path);
  if (azure) {
    p.post();
    if ((query.get('api-version') ?? '') === '') {
      sendJson(res, 404, { error: { code: '404', message: 'Resource not found' } });
      return true;
    }
    if (!ctx.catalog.resolve(azure.deployment)) {
      sendJson(res, 404, {
        error: {
          code: 'DeploymentNotFound',
          message: 'The API deployment for this resource does not exist. If you created the deployment within the last 5 minutes, please wait a moment and try again.',
        },
      });
      return true;
    }
    const body = await p.json();
    if (azure.operation === 'embeddings') {
      answerEmbeddings(ctx, res, body, azure.deployment);
      return true;
    }
    const g = azure.operation === 'chat' ? parseChatRequest(body) : parseCompletionRequest(body);
    g.model = azure.deployment;
    g.reportServingModel = true;
    await handleGeneration(ctx, req, res, g, arrivedAt, openAIDialect(g.endpoint));
    return true;
  }

  const gemini = matchGeminiPath(path);
  if (gemini) {
    p.post();
    if (!ctx.catalog.resolve(gemini.model)) throw geminiModelNotFound(gemini);
    const g = parseGeminiRequest(await p.json(), gemini);
    await handleGeneration(ctx, req, res, g, arrivedAt, geminiDialect(gemini, query.get('alt') === 'sse'));
    return true;
  }

  const claudeOnVertex = matchVertexAnthropicPath(path);
  if (claudeOnVertex) {
    p.post();
    if (!ctx.catalog.resolve(claudeOnVertex.model)) {
      // Vertex's own front answers this one, in Google's shape.
      const rest = path.slice(path.indexOf('/projects/') + 1, path.lastIndexOf(':'));
      sendGoogleError(res, new HttpError(404, 'not_found_error', 'model_not_found', `Publisher Model \`${decodeURIComponent(rest)}\` not found.`));
      return true;
    }
    const variant = { model: claudeOnVertex.model, version: VERTEX_ANTHROPIC_VERSION, ...(claudeOnVertex.stream ? { stream: true } : {}) };
    const g = parseAnthropicRequest(await p.json(), variant);
    await handleGeneration(ctx, req, res, g, arrivedAt, anthropicDialectFor('msg_vrtx'));
    return true;
  }

  const bedrock = matchBedrockPath(path);
  if (bedrock) {
    p.post();
    const body = await p.json();
    switch (bedrock.operation) {
      case 'converse':
      case 'converse-stream':
        await handleGeneration(ctx, req, res, parseConverseRequest(body, bedrock.modelId, bedrock.operation === 'converse-stream'), arrivedAt, bedrockDialect);
        return true;
      case 'invoke':
      case 'invoke-with-response-stream':
        await handleGeneration(ctx, req, res, parseInvokeRequest(body, bedrock.modelId, bedrock.operation !== 'invoke'), arrivedAt, bedrockInvokeDialect());
        return true;
      case 'count-tokens': {
        if (!ctx.catalog.resolve(bedrock.modelId)) throw new HttpError(404, 'invalid_request_error', 'model_not_found', `The model \`${bedrock.modelId}\` does not exist.`, 'model');
        const inputTokens = countTokensOf(body, bedrock.modelId, (b, id) => parseInvokeRequest(b, id, false));
        sendJson(res, 200, { inputTokens }, { 'x-amzn-requestid': randomUUID() });
        return true;
      }
    }
  }
  return false;
}
