// Gemini generateContent / streamGenerateContent, on the Gemini Developer API paths
// (/v1beta/models/{model}:…) and the Vertex AI paths (/v1/projects/{p}/locations/{l}/publishers/
// google/models/{model}:…), over the same engine. Shapes follow Google's Gemini API reference
// (GenerateContentRequest/Response, Content, Part, FunctionCallingConfig, UsageMetadata) and the
// Vertex AI reference for the same resources; errors follow Google's API error model.
//
// Request: `contents` ([{role: user | model, parts: [{text} | {functionCall} | {functionResponse} |
// {inlineData}]}], required), `systemInstruction` ({parts: [{text}]}), `generationConfig`
// (maxOutputTokens, stopSequences, candidateCount ≤ 8, temperature, topP, responseMimeType
// text/plain | application/json with responseSchema or responseJsonSchema), `tools`
// ([{functionDeclarations: [{name, description, parameters | parametersJsonSchema}]}]) and
// `toolConfig.functionCallingConfig` ({mode: AUTO | ANY | NONE | VALIDATED, allowedFunctionNames})
// are used; other fields (safetySettings, cachedContent, …) are accepted and ignored. Inline data
// counts INLINE_DATA_TOKENS tokens per part. Model turns render as `assistant`, so Gemini prompts
// share the prefix cache with other dialects.
//
// Answer: {candidates: [{content: {role: "model", parts: [{text}] | [{functionCall: {name, args}}]},
// finishReason: STOP | MAX_TOKENS, index}], usageMetadata: {promptTokenCount, candidatesTokenCount,
// totalTokenCount, promptTokensDetails, cachedContentTokenCount (only when > 0, as Google omits zero
// fields)}, modelVersion, responseId} (+ createTime on Vertex). A function call's finishReason is STOP
// (Gemini has no tool-call reason). With responseMimeType application/json the text is JSON
// satisfying the schema (an object {"text": string} without one).
//
// Streams: with `?alt=sse`, SSE events `data: <GenerateContentResponse>\r\n\r\n`; without, one JSON
// array written element by element (`[{…}\n,\r\n{…}\n]`), as Google streams it. One chunk per token
// of text; the last chunk carries the last token, finishReason, usageMetadata, and a function call
// whole (Gemini does not stream call arguments in pieces).

import { randomBytes } from 'node:crypto';
import type { ServerResponse } from 'node:http';
import type { GeminiPath } from './cloud-paths.ts';
import type { ChoiceResult, Dialect, ResponseMeta, UsageCounts } from './dialect.ts';
import { HttpError } from './http-util.ts';
import type { GenerationRequest } from './requests.ts';
import { contentText, countTokens, renderChatPrompt } from './tokenizer.ts';
import type { ChatMessageLike } from './tokenizer.ts';
import { argumentsObject, chooseTool, contentWithTools, toolsMessage } from './tools.ts';
import type { LastTurn, ToolChoice, ToolSpec } from './tools.ts';

type Body = Record<string, unknown>;

export const MAX_CANDIDATES = 8;

function isRecord(x: unknown): x is Body {
  return typeof x === 'object' && x !== null && !Array.isArray(x);
}

/** Google's canonical status name for an HTTP status (google.rpc.Code). */
export function googleStatus(status: number): string {
  switch (status) {
    case 400:
    case 413:
      return 'INVALID_ARGUMENT';
    case 401:
      return 'UNAUTHENTICATED';
    case 403:
      return 'PERMISSION_DENIED';
    case 404:
      return 'NOT_FOUND';
    case 409:
      return 'ABORTED';
    case 429:
      return 'RESOURCE_EXHAUSTED';
    case 499:
      return 'CANCELLED';
    case 501:
      return 'UNIMPLEMENTED';
    case 503:
      return 'UNAVAILABLE';
    case 504:
      return 'DEADLINE_EXCEEDED';
    default:
      return status >= 500 ? 'INTERNAL' : 'FAILED_PRECONDITION';
  }
}

/** {"error":{"code","message","status"}}; 413 answers 400 as Google does for oversized requests. */
export function sendGoogleError(res: ServerResponse, err: HttpError, headers: Record<string, string | number> = {}): void {
  if (res.headersSent || res.destroyed) return;
  const code = err.status === 413 ? 400 : err.status;
  const text = JSON.stringify({ error: { code, message: err.message, status: googleStatus(err.status) } });
  res.writeHead(code, { ...headers, ...err.headers, 'content-type': 'application/json; charset=UTF-8', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

function invalid(message: string): HttpError {
  return new HttpError(400, 'invalid_request_error', 'invalid_argument', message);
}

/** 404 for a model the simulator does not serve, in the wording of each API. */
export function geminiModelNotFound(route: GeminiPath): HttpError {
  const message =
    route.api === 'vertex'
      ? `Publisher Model \`projects/${route.project}/locations/${route.location}/publishers/google/models/${route.model}\` was not found or your project does not have access to it. Please ensure you are using a valid model version. For more information, see: https://cloud.google.com/vertex-ai/generative-ai/docs/learn/model-versions`
      : `models/${route.model} is not found for API version ${route.version}, or is not supported for generateContent. Call ListModels to see the list of available models and their supported methods.`;
  return new HttpError(404, 'not_found_error', 'model_not_found', message);
}

function parseTools(value: unknown): ToolSpec[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) throw invalid('Invalid JSON payload received. Unknown name "tools": Proto field is not repeating, cannot start list.');
  const specs: ToolSpec[] = [];
  for (const t of value) {
    const decls = isRecord(t) ? t['functionDeclarations'] ?? t['function_declarations'] : undefined;
    if (!Array.isArray(decls)) continue; // googleSearch, codeExecution, …: accepted, never called
    for (const d of decls) {
      if (!isRecord(d) || typeof d['name'] !== 'string' || d['name'] === '') throw invalid('* GenerateContentRequest.tools[0].function_declarations[0].name: Name cannot be empty.\n');
      const spec: ToolSpec = { name: d['name'], parameters: d['parametersJsonSchema'] ?? d['parameters'] ?? {} };
      if (typeof d['description'] === 'string') spec.description = d['description'];
      specs.push(spec);
    }
  }
  return specs;
}

function parseToolChoice(value: unknown): ToolChoice {
  const cfg = isRecord(value) ? value['functionCallingConfig'] ?? value['function_calling_config'] : undefined;
  if (!isRecord(cfg)) return { mode: 'auto' };
  const allowed = Array.isArray(cfg['allowedFunctionNames']) ? cfg['allowedFunctionNames'].filter((x): x is string => typeof x === 'string') : [];
  switch (cfg['mode']) {
    case undefined:
    case 'MODE_UNSPECIFIED':
    case 'AUTO':
    case 'VALIDATED':
      return { mode: 'auto' };
    case 'ANY':
      return allowed.length > 0 ? { mode: 'required', allowed } : { mode: 'required' };
    case 'NONE':
      return { mode: 'none' };
    default:
      throw invalid(`Invalid value at 'tool_config.function_calling_config.mode' (type.googleapis.com/google.cloud.aiplatform.v1.FunctionCallingConfig.Mode), "${String(cfg['mode'])}"`);
  }
}

function intField(cfg: Body, name: string, min: number, max: number): number | undefined {
  const v = cfg[name];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'number' || !Number.isInteger(v)) throw invalid(`Invalid value at 'generation_config.${snake(name)}' (TYPE_INT32), ${JSON.stringify(v)}`);
  if (v < min || v > max) throw invalid(`generation_config.${snake(name)} must be between ${min} and ${max}, got ${v}.`);
  return v;
}

function snake(name: string): string {
  return name.replace(/[A-Z]/g, (c) => '_' + c.toLowerCase());
}

interface GenerationConfig {
  maxTokens: number | undefined;
  stop: string[];
  n: number;
  jsonSchema: unknown;
}

const DEFAULT_JSON_SCHEMA = { type: 'object', properties: { text: { type: 'string' } }, required: ['text'] };

function parseGenerationConfig(value: unknown): GenerationConfig {
  if (value === undefined || value === null) return { maxTokens: undefined, stop: [], n: 1, jsonSchema: undefined };
  if (!isRecord(value)) throw invalid('Invalid JSON payload received. Unknown name "generationConfig": Proto field is not a message.');
  for (const f of ['temperature', 'topP', 'topK', 'presencePenalty', 'frequencyPenalty']) {
    const v = value[f];
    if (v !== undefined && v !== null && typeof v !== 'number') throw invalid(`Invalid value at 'generation_config.${snake(f)}' (TYPE_FLOAT), ${JSON.stringify(v)}`);
  }
  const stopValue = value['stopSequences'];
  if (stopValue !== undefined && stopValue !== null && (!Array.isArray(stopValue) || !stopValue.every((s) => typeof s === 'string'))) {
    throw invalid("Invalid value at 'generation_config.stop_sequences' (TYPE_STRING)");
  }
  const stop = ((stopValue as string[] | undefined) ?? []).filter((s) => s !== '');
  if (stop.length > 5) throw invalid('generation_config.stop_sequences: at most 5 stop sequences are allowed.');
  const mime = value['responseMimeType'];
  if (mime !== undefined && mime !== null && mime !== 'text/plain' && mime !== 'application/json' && mime !== 'text/x.enum') {
    throw invalid(`response_mime_type: allowed mimetypes are \`text/plain\`, \`application/json\`, and \`text/x.enum\`, got ${JSON.stringify(mime)}.`);
  }
  const schema = value['responseJsonSchema'] ?? value['responseSchema'];
  return {
    maxTokens: intField(value, 'maxOutputTokens', 1, Number.MAX_SAFE_INTEGER),
    stop,
    n: intField(value, 'candidateCount', 1, MAX_CANDIDATES) ?? 1,
    jsonSchema: mime === 'application/json' ? (schema ?? DEFAULT_JSON_SCHEMA) : undefined,
  };
}

function hasPart(content: Body, key: string): boolean {
  return Array.isArray(content['parts']) && content['parts'].some((p) => isRecord(p) && p[key] !== undefined);
}

export function parseGeminiRequest(body: unknown, route: GeminiPath): GenerationRequest {
  if (!isRecord(body)) throw invalid('Invalid JSON payload received. Expected an object.');
  const contents = body['contents'];
  if (!Array.isArray(contents) || contents.length === 0) throw invalid('* GenerateContentRequest.contents: contents is not specified\n');
  contents.forEach((c, i) => {
    if (!isRecord(c) || !Array.isArray(c['parts']) || c['parts'].length === 0) throw invalid(`* GenerateContentRequest.contents[${i}].parts: contents.parts must not be empty.\n`);
    const role = c['role'];
    if (role !== undefined && role !== 'user' && role !== 'model' && role !== 'function') {
      throw invalid(`Please use a valid role: user, model. Got ${JSON.stringify(role)}.`);
    }
  });
  const msgs = contents as Body[];
  const tools = parseTools(body['tools']);
  const choice = parseToolChoice(body['toolConfig']);
  const config = parseGenerationConfig(body['generationConfig']);

  const all: ChatMessageLike[] = [...toolsMessage(tools)];
  const system = body['systemInstruction'] ?? body['system_instruction'];
  const systemText = isRecord(system) ? contentText(system['parts']) : typeof system === 'string' ? system : '';
  if (systemText !== '') all.push({ role: 'system', content: systemText });
  for (const m of msgs) all.push({ role: m['role'] === 'model' ? 'assistant' : 'user', content: contentWithTools(m['parts']) });
  const text = renderChatPrompt(all);

  const userTurns = msgs.filter((m) => m['role'] !== 'model');
  const lastUser = userTurns[userTurns.length - 1];
  const last = msgs[msgs.length - 1] as Body;
  const lastTurn: LastTurn = last['role'] === 'model' ? 'other' : hasPart(last, 'functionResponse') ? 'tool_result' : 'user';
  const lastUserText = contentText(lastUser?.['parts']);
  const tool = chooseTool(tools, choice, lastTurn, lastUserText);
  const g: GenerationRequest = {
    endpoint: 'chat',
    model: route.model,
    promptText: text,
    promptTokens: countTokens(text),
    echoText: lastUserText,
    maxTokens: config.maxTokens,
    stream: route.stream,
    includeUsage: true,
    ignoreEos: false,
    stop: config.stop,
    n: config.n,
  };
  if (tool) g.toolCall = { tool, idStyle: 'gemini' };
  else if (config.jsonSchema !== undefined) g.jsonSchema = config.jsonSchema;
  return g;
}

function finishReason(c: ChoiceResult): string {
  return c.finishReason === 'length' ? 'MAX_TOKENS' : 'STOP';
}

function usageMetadata(u: UsageCounts): object {
  return {
    promptTokenCount: u.promptTokens,
    candidatesTokenCount: u.completionTokens,
    totalTokenCount: u.promptTokens + u.completionTokens,
    ...(u.cachedTokens > 0 ? { cachedContentTokenCount: u.cachedTokens } : {}),
    promptTokensDetails: [{ modality: 'TEXT', tokenCount: u.promptTokens }],
    ...(u.cachedTokens > 0 ? { cacheTokensDetails: [{ modality: 'TEXT', tokenCount: u.cachedTokens }] } : {}),
  };
}

function parts(c: ChoiceResult, text: string): object[] {
  if (c.toolCalls) return c.toolCalls.map((t) => ({ functionCall: { name: t.name, args: argumentsObject(t.arguments) } }));
  return [{ text }];
}

function candidate(c: ChoiceResult, text: string, done: boolean): object {
  return { content: { role: 'model', parts: parts(c, text) }, ...(done ? { finishReason: finishReason(c) } : {}), index: c.index };
}

/** Google's response ids: 22–27 URL-safe characters. */
function responseId(): string {
  return randomBytes(18).toString('base64url');
}

/**
 * One dialect per request (it remembers, for a stream, whether the JSON array is open and each
 * candidate's last token, which goes out with the final chunk).
 */
export function geminiDialect(route: GeminiPath, sse: boolean): Dialect {
  const vertex = route.api === 'vertex';
  const createTime = new Date().toISOString();
  const envelope = (meta: ResponseMeta): object => ({ modelVersion: meta.model, responseId: meta.id, ...(vertex ? { createTime } : {}) });
  const held = new Map<number, string>();
  let chunks = 0;
  const frame = (payload: object): string => {
    const json = JSON.stringify(payload);
    if (sse) return `data: ${json}\r\n\r\n`;
    return (chunks++ === 0 ? '[' : ',\r\n') + json + '\n';
  };
  return {
    name: 'gemini',
    newId: responseId,
    headers: () => ({}),
    sendError: (res, err, headers = {}) => sendGoogleError(res, err, headers as Record<string, string | number>),
    body: (meta, choices, u) => ({
      candidates: choices.map((c) => candidate(c, c.text, true)),
      usageMetadata: usageMetadata(u),
      ...envelope(meta),
    }),
    streamContentType: sse ? 'text/event-stream' : 'application/json; charset=UTF-8',
    streamOpen: () => undefined,
    streamToken: (meta, choice, _i, text, last, tool) => {
      if (tool) return undefined;
      if (last) {
        held.set(choice, text);
        return undefined;
      }
      if (text === '') return undefined;
      return frame({ candidates: [{ content: { role: 'model', parts: [{ text }] }, index: choice }], ...envelope(meta) });
    },
    streamClose: (meta, choices, u) =>
      frame({ candidates: choices.map((c) => candidate(c, held.get(c.index) ?? '', true)), usageMetadata: usageMetadata(u), ...envelope(meta) }) + (sse ? '' : ']'),
  };
}
