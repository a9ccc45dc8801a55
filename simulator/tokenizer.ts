// The tokenizer approximation shared by the simulator and the gateway's token estimates.
//
// There is no vocabulary: a "token" is a run of CHARS_PER_TOKEN (4) Unicode code points of the text,
// counted from its start. That is close to the ~4 characters per token that BPE tokenizers average on
// English prose (less close on code, numbers or non-Latin scripts, where real tokenizers use more
// tokens per character). What matters more than accuracy is that the split is deterministic and
// prefix-stable: two texts that share their first 4·k code points share their first k tokens, so
// prompt token counts, echo output, prefix-cache blocks and a gateway's prefix index all agree.
//
// Chat-style requests (OpenAI messages, Anthropic messages + system, Bedrock Converse messages +
// system) are first rendered to one prompt text by renderChatPrompt, the way a chat template would.
//
// This module is pure (no I/O, no imports) so the gateway can import it without pulling in a server.

export const CHARS_PER_TOKEN = 4;

// Any UTF-16 surrogate means some code point takes two code units: slice by code points then.
const SURROGATE = /[\uD800-\uDFFF]/;

/** Splits text into pieces of CHARS_PER_TOKEN code points; joining the pieces gives the text back. */
export function tokenize(text: string): string[] {
  const pieces: string[] = [];
  if (!SURROGATE.test(text)) {
    for (let i = 0; i < text.length; i += CHARS_PER_TOKEN) pieces.push(text.slice(i, i + CHARS_PER_TOKEN));
    return pieces;
  }
  const chars = Array.from(text);
  for (let i = 0; i < chars.length; i += CHARS_PER_TOKEN) pieces.push(chars.slice(i, i + CHARS_PER_TOKEN).join(''));
  return pieces;
}

/** Number of pieces tokenize() would return, without building them. */
export function countTokens(text: string): number {
  if (!SURROGATE.test(text)) return Math.ceil(text.length / CHARS_PER_TOKEN);
  let codePoints = 0;
  for (const _ of text) codePoints++;
  return Math.ceil(codePoints / CHARS_PER_TOKEN);
}

/**
 * The texts of the *full* blocks of `blockSize` tokens at the start of `text` (a trailing partial block
 * is left out, as a KV cache only shares full blocks). Block i covers tokens [i·blockSize,
 * (i+1)·blockSize), i.e. code points [4·i·blockSize, 4·(i+1)·blockSize).
 */
export function tokenBlocks(text: string, blockSize: number): string[] {
  const width = blockSize * CHARS_PER_TOKEN;
  const blocks: string[] = [];
  if (!SURROGATE.test(text)) {
    for (let i = 0; i + width <= text.length; i += width) blocks.push(text.slice(i, i + width));
    return blocks;
  }
  const chars = Array.from(text);
  for (let i = 0; i + width <= chars.length; i += width) blocks.push(chars.slice(i, i + width).join(''));
  return blocks;
}

/** Text of a message `content`: a string, or an array of parts whose `text` fields are joined by newlines. */
export function contentText(content: unknown): string {
  if (typeof content === 'string') return content;
  if (!Array.isArray(content)) return '';
  const texts: string[] = [];
  for (const part of content) {
    if (typeof part === 'object' && part !== null && typeof (part as { text?: unknown }).text === 'string') {
      texts.push((part as { text: string }).text);
    }
  }
  return texts.join('\n');
}

export interface ChatMessageLike {
  role?: unknown;
  content?: unknown;
}

/**
 * Renders chat messages into the prompt text the model "sees", like a chat template would:
 * `<|role|>\ncontent\n` per message. Prompt tokens are counted on this text, so role markers cost a few
 * tokens per message as they do in real templates, and identical conversation prefixes render to
 * identical text (what a prefix cache keys on). A system prompt given outside the messages (Anthropic
 * `system`, Bedrock `system`) goes first as a `system` message.
 */
export function renderChatPrompt(messages: readonly ChatMessageLike[]): string {
  let out = '';
  for (const m of messages) {
    const role = typeof m.role === 'string' ? m.role : 'user';
    out += `<|${role}|>\n${contentText(m.content)}\n`;
  }
  return out;
}

/** Estimated prompt tokens of a chat request: countTokens(renderChatPrompt(messages)). */
export function countChatTokens(messages: readonly ChatMessageLike[]): number {
  return countTokens(renderChatPrompt(messages));
}
