// Tokenizer approximation. The simulator has no real vocabulary: a "token" is a run of 4 characters
// (Unicode code points) of the text, which is close to the ~4 characters per token that BPE tokenizers
// average on English. Prompt token counts, echo output and (later) prefix-cache blocks all derive from
// these pieces, so the numbers stay consistent with each other.

export const CHARS_PER_TOKEN = 4;

/** Splits text into pieces of CHARS_PER_TOKEN code points; joining the pieces gives the text back. */
export function tokenize(text: string): string[] {
  const chars = Array.from(text);
  const pieces: string[] = [];
  for (let i = 0; i < chars.length; i += CHARS_PER_TOKEN) pieces.push(chars.slice(i, i + CHARS_PER_TOKEN).join(''));
  return pieces;
}

/** Number of pieces tokenize() would return, without building them. */
export function countTokens(text: string): number {
  let codePoints = 0;
  for (const _ of text) codePoints++;
  return Math.ceil(codePoints / CHARS_PER_TOKEN);
}

/** Text of an OpenAI message `content`: a string, or an array of parts whose `text` parts are joined. */
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
 * identical text (what a prefix cache keys on).
 */
export function renderChatPrompt(messages: readonly ChatMessageLike[]): string {
  let out = '';
  for (const m of messages) {
    const role = typeof m.role === 'string' ? m.role : 'user';
    out += `<|${role}|>\n${contentText(m.content)}\n`;
  }
  return out;
}
