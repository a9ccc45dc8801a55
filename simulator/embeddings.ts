// Deterministic pseudo-embeddings: the vector of a text depends only on the text and the dimension
// count (seeded by a hash of the text), is unit length, and is the same on every simulator instance.
// Identical texts are identical vectors; similar texts are not similar vectors.

import type { ServerResponse } from 'node:http';
import type { GenerationContext } from './generate.ts';
import { badRequest, HttpError, sendJson } from './http-util.ts';
import { embeddingList } from './openai-shapes.ts';
import { createRandom, hashString } from './random.ts';
import { countTokens } from './tokenizer.ts';

export function pseudoEmbedding(text: string, dimensions: number): number[] {
  const rng = createRandom(hashString(text));
  const v = Array.from({ length: dimensions }, () => rng.gaussian());
  const norm = Math.sqrt(v.reduce((s, x) => s + x * x, 0)) || 1;
  return v.map((x) => x / norm);
}

export interface EmbeddingRequest {
  model: string | undefined;
  /** One text per requested embedding; token-id inputs are turned into text by joining the ids. */
  inputs: string[];
  promptTokens: number;
  dimensions: number;
  encoding: 'float' | 'base64';
}

function isTokenArray(x: unknown): x is number[] {
  return Array.isArray(x) && x.every((t) => Number.isInteger(t));
}

/** Validates an OpenAI embeddings request body; throws HttpError 400 on a bad field. */
export function parseEmbeddingRequest(body: unknown, defaultDimensions: number): EmbeddingRequest {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw badRequest('request body must be a JSON object');
  const b = body as Record<string, unknown>;
  if (b['model'] !== undefined && typeof b['model'] !== 'string') throw badRequest('"model" must be a string', 'model');
  const input = b['input'];
  let inputs: string[];
  let promptTokens = 0;
  if (typeof input === 'string') {
    inputs = [input];
    promptTokens = countTokens(input);
  } else if (isTokenArray(input) && input.length > 0) {
    inputs = [input.join(' ')];
    promptTokens = input.length;
  } else if (Array.isArray(input) && input.length > 0 && input.every((x) => typeof x === 'string')) {
    inputs = input as string[];
    promptTokens = inputs.reduce((s, t) => s + countTokens(t), 0);
  } else if (Array.isArray(input) && input.length > 0 && input.every(isTokenArray)) {
    inputs = (input as number[][]).map((ids) => ids.join(' '));
    promptTokens = (input as number[][]).reduce((s, ids) => s + ids.length, 0);
  } else {
    throw badRequest('"input" must be a string, a list of strings, or token ids', 'input');
  }
  let dimensions = defaultDimensions;
  if (b['dimensions'] !== undefined && b['dimensions'] !== null) {
    const d = b['dimensions'];
    if (typeof d !== 'number' || !Number.isInteger(d) || d < 1 || d > 65536) {
      throw badRequest('"dimensions" must be an integer between 1 and 65536', 'dimensions');
    }
    dimensions = d;
  }
  const enc = b['encoding_format'] ?? 'float';
  if (enc !== 'float' && enc !== 'base64') throw badRequest('"encoding_format" must be "float" or "base64"', 'encoding_format');
  return { model: b['model'] as string | undefined, inputs, promptTokens, dimensions, encoding: enc };
}

/**
 * Answers an embeddings request at once (no engine slot). `deployment` (Azure) names the model
 * instead of the body's `model`, and the answer reports the model serving it.
 */
export function answerEmbeddings(ctx: GenerationContext, res: ServerResponse, body: unknown, deployment?: string): void {
  const e = parseEmbeddingRequest(body, ctx.options.defaultEmbeddingDimensions);
  const asked = deployment ?? e.model;
  const model = ctx.catalog.resolve(asked);
  if (!model) throw new HttpError(404, 'invalid_request_error', 'model_not_found', `The model \`${asked}\` does not exist.`, 'model');
  ctx.metrics.promptProcessed(e.promptTokens);
  const vectors = e.inputs.map((text) => pseudoEmbedding(text, e.dimensions));
  const name = deployment !== undefined ? ctx.catalog.servingModel(model) : model.name;
  sendJson(res, 200, embeddingList(name, vectors, e.encoding, e.promptTokens), ctx.identityHeaders());
}
