// Tool calling in OpenAI chat requests, as vLLM's OpenAI server takes it: `tools` (function tools:
// {type:"function", function:{name, description?, parameters?}}), `tool_choice` ("none" | "auto" |
// "required" | {type:"function", function:{name}}; "auto" by default when tools are given, "none"
// otherwise), assistant messages with `tool_calls` (content may be null), and `role: "tool"` result
// messages with `tool_call_id`. Unlike vLLM, "auto" needs no --enable-auto-tool-choice /
// --tool-call-parser flags (llm-d-inference-sim does not either).
//
// Refused with 400 as vLLM / OpenAI refuse them: a tool that is not a function with a name, a
// tool_choice naming a tool that is not in `tools`, "required" or a named choice without tools, a
// `tool` message without `tool_call_id`.

import { badRequest } from './http-util.ts';
import type { ChatMessageLike } from './tokenizer.ts';
import { chooseTool, contentWithTools, toolsMessage } from './tools.ts';
import type { LastTurn, ToolCallRequest, ToolChoice, ToolSpec } from './tools.ts';

type Body = Record<string, unknown>;

function isRecord(x: unknown): x is Body {
  return typeof x === 'object' && x !== null && !Array.isArray(x);
}

function parseTools(value: unknown): ToolSpec[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) throw badRequest('"tools" must be a list of tools', 'tools');
  return value.map((t, i) => {
    const fn = isRecord(t) ? t['function'] : undefined;
    if (!isRecord(t) || t['type'] !== 'function' || !isRecord(fn)) throw badRequest(`tools[${i}]: expected {"type": "function", "function": {...}}`, 'tools');
    const name = fn['name'];
    if (typeof name !== 'string' || name === '') throw badRequest(`tools[${i}].function.name is required`, 'tools');
    const params = fn['parameters'];
    if (params !== undefined && params !== null && !isRecord(params)) throw badRequest(`tools[${i}].function.parameters must be a JSON schema object`, 'tools');
    const spec: ToolSpec = { name, parameters: params ?? {} };
    if (typeof fn['description'] === 'string') spec.description = fn['description'];
    return spec;
  });
}

function parseChoice(value: unknown, tools: readonly ToolSpec[]): ToolChoice {
  if (value === undefined || value === null) return tools.length > 0 ? { mode: 'auto' } : { mode: 'none' };
  if (value === 'none' || value === 'auto') return { mode: value };
  if (value === 'required') {
    if (tools.length === 0) throw badRequest('When using `tool_choice`, `tools` must be set.', 'tool_choice');
    return { mode: 'required' };
  }
  const fn = isRecord(value) ? value['function'] : undefined;
  if (isRecord(value) && value['type'] === 'function' && isRecord(fn) && typeof fn['name'] === 'string') {
    const name = fn['name'];
    if (tools.length === 0) throw badRequest('When using `tool_choice`, `tools` must be set.', 'tool_choice');
    if (!tools.some((t) => t.name === name)) throw badRequest(`Tool '${name}' has not been passed in \`tools\`.`, 'tool_choice');
    return { mode: 'named', name };
  }
  throw badRequest('"tool_choice" must be "none", "auto", "required" or {"type": "function", "function": {"name": ...}}', 'tool_choice');
}

/** A message as the prompt renders it: content text plus, for an assistant's tool calls, their JSON. */
function renderMessage(m: Body, i: number): ChatMessageLike {
  if (m['role'] === 'tool' && typeof m['tool_call_id'] !== 'string') throw badRequest(`messages[${i}]: a tool message needs "tool_call_id"`, 'messages');
  const calls = m['tool_calls'];
  if (!Array.isArray(calls) || calls.length === 0) return m;
  const rendered = calls.map((c) => {
    const fn = isRecord(c) && isRecord(c['function']) ? c['function'] : {};
    return `<tool_call>${JSON.stringify({ name: fn['name'], arguments: fn['arguments'] })}`;
  });
  const text = contentWithTools(m['content']);
  return { role: m['role'], content: [text, ...rendered].filter((x) => x !== '').join('\n') };
}

export interface OpenAIToolsParse {
  /** The messages to render into the prompt (tool definitions first, tool calls as text). */
  messages: ChatMessageLike[];
  /** Set when this request's answer is a tool call. */
  toolCall?: ToolCallRequest;
}

/** Tool fields of a chat request; `messages` are known to be objects. */
export function parseOpenAITools(b: Body, messages: Body[]): OpenAIToolsParse {
  const tools = parseTools(b['tools']);
  const choice = parseChoice(b['tool_choice'], tools);
  const rendered = messages.map(renderMessage);
  const last = messages[messages.length - 1];
  const lastTurn: LastTurn = last?.['role'] === 'user' ? 'user' : last?.['role'] === 'tool' ? 'tool_result' : 'other';
  const lastUser = [...messages].reverse().find((m) => m['role'] === 'user');
  const tool = chooseTool(tools, choice, lastTurn, contentWithTools(lastUser?.['content']));
  const out: OpenAIToolsParse = { messages: [...toolsMessage(tools), ...rendered] };
  if (tool) out.toolCall = { tool, idStyle: 'openai' };
  return out;
}
