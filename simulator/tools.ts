// Tool calls, shared by every dialect (OpenAI chat, Anthropic Messages, Bedrock Converse, Gemini):
// when the simulated model calls a tool, which one, with what arguments, and how tool definitions and
// tool turns count in the prompt. Each dialect parses its own wire format into ToolSpec / ToolChoice
// (openai-tools.ts, anthropic.ts, bedrock.ts, gemini.ts) and writes the answer back in it.
//
// When a tool is called (deterministic, documented in docs/simulator.md):
//   - choice "none" (OpenAI "none", Anthropic {type:"none"}, Gemini NONE), or no tools: never;
//   - "required" / Anthropic "any" / Bedrock {any:{}} / Gemini ANY, or a named tool: always;
//   - "auto" (the default when tools are given): when the conversation's last message is the user's
//     (and not a tool result). After a tool result, or an assistant prefill, the model answers with
//     text, so a client's tool loop ends after one round.
// Which tool: the named one; else the first tool (of the allowed ones, for Gemini's
// allowedFunctionNames) whose name occurs in the last user message's text; else the first tool.
// One call per answer (no parallel calls). Its arguments satisfy the tool's parameter schema
// (toolargs.ts).
//
// Tokens: a call costs tokenize(name) + tokenize(arguments) output tokens, paced like text. When
// that exceeds the token limit, the smallest valid arguments are used; if even those do not fit,
// the call is cut at the limit (finish reason "length", arguments cut short and so not valid JSON).

import { randomBytes } from 'node:crypto';
import type { Random } from './random.ts';
import type { OutputPlan, ToolStep } from './textgen.ts';
import { argumentsForSchema, valueForSchema } from './toolargs.ts';
import { tokenize } from './tokenizer.ts';
import type { ChatMessageLike } from './tokenizer.ts';

export interface ToolSpec {
  name: string;
  description?: string;
  /** The parameters' JSON schema (OpenAI `parameters`, Anthropic `input_schema`, …). */
  parameters: unknown;
}

export type ToolChoice =
  | { mode: 'auto' }
  | { mode: 'none' }
  | { mode: 'required'; allowed?: string[] }
  | { mode: 'named'; name: string };

/** Who spoke last: the user, a tool result (OpenAI `tool` message or result blocks), or the assistant. */
export type LastTurn = 'user' | 'tool_result' | 'other';

/** How a dialect's tool-call ids look. */
export type ToolIdStyle = 'openai' | 'anthropic' | 'bedrock' | 'gemini';

/** What a request asks of tools, once parsed; `callTool` is the decision. */
export interface ToolCallRequest {
  tool: ToolSpec;
  idStyle: ToolIdStyle;
}

const ALNUM = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

function alnum(n: number): string {
  let s = '';
  for (const b of randomBytes(n)) s += ALNUM[b % 62];
  return s;
}

/** `call_…` (OpenAI), `toolu_01…` (Anthropic), `tooluse_…` (Bedrock); Gemini calls carry no id (''). */
export function toolCallId(style: ToolIdStyle): string {
  switch (style) {
    case 'openai':
      return `call_${alnum(24)}`;
    case 'anthropic':
      return `toolu_01${alnum(22)}`;
    case 'bedrock':
      return `tooluse_${alnum(22)}`;
    case 'gemini':
      return '';
  }
}

/** The tool the model calls for this request, or undefined when it answers with text (header rules). */
export function chooseTool(tools: readonly ToolSpec[], choice: ToolChoice, lastTurn: LastTurn, userText: string): ToolSpec | undefined {
  if (tools.length === 0 || choice.mode === 'none') return undefined;
  if (choice.mode === 'named') return tools.find((t) => t.name === choice.name);
  if (choice.mode === 'auto' && lastTurn !== 'user') return undefined;
  const allowed = choice.mode === 'required' && choice.allowed && choice.allowed.length > 0 ? tools.filter((t) => choice.allowed?.includes(t.name)) : tools;
  return allowed.find((t) => userText.includes(t.name)) ?? allowed[0];
}

/** Plans a tool-call answer of at most `limit` tokens (≥ 1). */
export function planToolCall(rng: Random, call: ToolCallRequest, limit: number): OutputPlan {
  const id = toolCallId(call.idStyle);
  const name = call.tool.name;
  const nameTokens = tokenize(name);
  if (nameTokens.length === 0) nameTokens.push('');
  let args = JSON.stringify(argumentsForSchema(rng, call.tool.parameters));
  if (nameTokens.length + tokenize(args).length > limit) args = JSON.stringify(argumentsForSchema(rng, call.tool.parameters, { minimal: true }));
  const argTokens = tokenize(args);
  let tokens = [...nameTokens, ...argTokens];
  let steps: ToolStep[] = [
    ...nameTokens.map((_, i) => ({ call: 0, header: i === 0, args: '' })),
    ...argTokens.map((t) => ({ call: 0, header: false, args: t })),
  ];
  if (tokens.length <= limit) return { tokens, finishReason: 'stop', toolCalls: [{ id, name, arguments: args }], steps };
  tokens = tokens.slice(0, limit);
  steps = steps.slice(0, limit);
  return { tokens, finishReason: 'length', toolCalls: [{ id, name, arguments: steps.map((s) => s.args).join('') }], steps };
}

/** Plans a JSON-text answer satisfying `schema` (Gemini responseMimeType application/json), cut at `limit`. */
export function planJsonText(rng: Random, schema: unknown, limit: number): OutputPlan {
  let text = JSON.stringify(valueForSchema(rng, schema));
  if (tokenize(text).length > limit) text = JSON.stringify(valueForSchema(rng, schema, { minimal: true }));
  const tokens = tokenize(text);
  if (tokens.length === 0) return { tokens: [''], finishReason: 'stop' };
  return tokens.length > limit ? { tokens: tokens.slice(0, limit), finishReason: 'length' } : { tokens, finishReason: 'stop' };
}

/** Parsed arguments of a call: the object, or {} when they were cut short (a dialect that needs an object). */
export function argumentsObject(args: string): Record<string, unknown> {
  try {
    const v: unknown = JSON.parse(args);
    return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}

/**
 * The tool definitions as the first prompt message (`<|tools|>` + their JSON), as chat templates put
 * them in front of the conversation: requests that share tools and history share a prefix.
 */
export function toolsMessage(tools: readonly ToolSpec[]): ChatMessageLike[] {
  if (tools.length === 0) return [];
  return [{ role: 'tools', content: JSON.stringify(tools.map((t) => ({ name: t.name, description: t.description ?? '', parameters: t.parameters ?? {} }))) }];
}

function isRecord(x: unknown): x is Record<string, unknown> {
  return typeof x === 'object' && x !== null && !Array.isArray(x);
}

/** Gemini inline data (images, audio) counts this many tokens, as Gemini counts a small image. */
export const INLINE_DATA_TOKENS = 258;

function inlinePlaceholder(part: Record<string, unknown>): string {
  const mime = typeof part['mimeType'] === 'string' ? part['mimeType'] : 'application/octet-stream';
  const data = typeof part['data'] === 'string' ? part['data'] : '';
  let h = 0x811c9dc5;
  for (let i = 0; i < data.length; i++) h = Math.imul(h ^ data.charCodeAt(i), 0x01000193);
  const tag = `<inline ${mime} ${(h >>> 0).toString(16)}>`;
  return tag.padEnd(INLINE_DATA_TOKENS * 4, '.').slice(0, INLINE_DATA_TOKENS * 4);
}

/**
 * The text of a message's content, tool turns included, for prompt rendering: a string as is; for a
 * list of blocks/parts, their texts joined by newlines, where a tool call renders as its name and
 * JSON input, a tool result as its content's text, and Gemini inline data as a fixed-size placeholder
 * (INLINE_DATA_TOKENS tokens). Text-only content renders exactly as tokenizer.contentText does, so
 * prompts without tools keep their token counts and prefix-cache blocks.
 */
export function contentWithTools(content: unknown): string {
  if (typeof content === 'string') return content;
  if (!Array.isArray(content)) return '';
  const texts: string[] = [];
  for (const part of content) {
    if (!isRecord(part)) continue;
    if (typeof part['text'] === 'string') {
      texts.push(part['text']);
      continue;
    }
    const rendered = renderToolPart(part);
    if (rendered !== undefined) texts.push(rendered);
  }
  return texts.join('\n');
}

function renderToolPart(part: Record<string, unknown>): string | undefined {
  // Anthropic
  if (part['type'] === 'tool_use') return `<tool_call>${JSON.stringify({ name: part['name'], arguments: part['input'] ?? {} })}`;
  if (part['type'] === 'tool_result') return `<tool_result>${contentWithTools(part['content'])}`;
  // Bedrock Converse
  if (isRecord(part['toolUse'])) return `<tool_call>${JSON.stringify({ name: part['toolUse']['name'], arguments: part['toolUse']['input'] ?? {} })}`;
  if (isRecord(part['toolResult'])) {
    const inner = part['toolResult']['content'];
    const pieces = Array.isArray(inner) ? inner.map((c) => (isRecord(c) && c['json'] !== undefined ? JSON.stringify(c['json']) : contentWithTools([c]))) : [];
    return `<tool_result>${pieces.join('\n')}`;
  }
  // Gemini
  if (isRecord(part['functionCall'])) return `<tool_call>${JSON.stringify({ name: part['functionCall']['name'], arguments: part['functionCall']['args'] ?? {} })}`;
  if (isRecord(part['functionResponse'])) return `<tool_result>${JSON.stringify(part['functionResponse']['response'] ?? {})}`;
  if (isRecord(part['inlineData'])) return inlinePlaceholder(part['inlineData']);
  return undefined;
}
