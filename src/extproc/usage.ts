// Token usage read from a model server's response as it passes through the picker (for the
// inference_objective_input_tokens / _output_tokens histograms): the `usage` object of an OpenAI
// JSON response, or of the SSE event that carries it when the client asked for
// `stream_options.include_usage` (Anthropic-style `input_tokens` / `output_tokens` are read too).

export interface Usage {
  readonly input: number | undefined;
  readonly output: number | undefined;
}

function fromObject(u: unknown): Usage | undefined {
  if (!u || typeof u !== 'object') return undefined;
  const o = u as Record<string, unknown>;
  const num = (v: unknown) => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);
  const input = num(o['prompt_tokens']) ?? num(o['input_tokens']);
  const output = num(o['completion_tokens']) ?? num(o['output_tokens']);
  return input === undefined && output === undefined ? undefined : { input, output };
}

/** The `usage` of a whole JSON response body, if it has one. */
export function usageOfJson(body: Buffer): Usage | undefined {
  if (body.length === 0 || body.indexOf('"usage"') < 0) return undefined;
  try {
    return fromObject((JSON.parse(body.toString('utf8')) as { usage?: unknown }).usage);
  } catch {
    return undefined;
  }
}

/** Reads `data:` lines of an event stream chunk by chunk; keeps the last usage seen. */
export class UsageScanner {
  #partial = '';
  #usage: Usage | undefined;

  get usage(): Usage | undefined {
    return this.#usage;
  }

  push(chunk: Buffer): void {
    if (chunk.length === 0) return;
    const text = this.#partial + chunk.toString('utf8');
    const lastNewline = text.lastIndexOf('\n');
    if (lastNewline < 0) {
      // Bound what is kept of a line that never ends.
      this.#partial = text.length > 1 << 20 ? '' : text;
      return;
    }
    this.#partial = text.slice(lastNewline + 1);
    if (text.indexOf('"usage"') < 0) return;
    for (const line of text.slice(0, lastNewline).split('\n')) {
      if (!line.startsWith('data:') || line.indexOf('"usage"') < 0) continue;
      try {
        const event = JSON.parse(line.slice(5)) as { usage?: unknown; message?: { usage?: unknown } };
        const u = fromObject(event.usage) ?? fromObject(event.message?.usage);
        if (u) this.#usage = { input: u.input ?? this.#usage?.input, output: u.output ?? this.#usage?.output };
      } catch {
        // not JSON: not a usage event
      }
    }
  }
}
