// Gemini client (`@google/genai`, gemini-cli: `POST /v1beta/models/{model}:generateContent` or
// `:streamGenerateContent?alt=sse`) → GCP Vertex AI Gemini backend: a pass-through. The body is the
// same GenerateContentRequest in both APIs (Gemini API reference "generateContent"; Vertex AI
// reference "projects.locations.publishers.models.generateContent") and goes upstream as the client
// wrote it; only the path changes, to the Vertex publisher model (the GCP auth step prefixes
// `/v1/projects/{p}/locations/{r}/`). The client's query string is not forwarded: it may carry the
// client's own `key=`, and streams always ask Vertex for `alt=sse`. The answer passes through
// untouched and is scanned for `usageMetadata` (cumulative on every event) and `modelVersion`.
import type { IncomingHttpHeaders } from 'node:http';
import type { RequestTranslationInput, ResponseHead, ResponseTranslationInput, ResponseTranslator, TranslatedError, TranslatedRequest, Translator } from '../../runtime/translator.ts';
import { emptyUsage, setUsage } from '../../runtime/usage.ts';
import type { TokenUsage } from '../../runtime/usage.ts';
import { SseParser } from '../streaming/sse.ts';
import { toGoogleError } from './gemini-errors.ts';
import { fromGeminiUsage, objectAfterKey, stringAfterKey, unprocessable, vertexModelPath } from './gemini-wire.ts';

/** Whole bodies up to this size are kept for the usage scan; past it only the last TAIL bytes. */
const PARSE_LIMIT = 8 << 20;
const TAIL = 64 << 10;

export const geminiToGemini: Translator = {
  name: 'gemini-to-gemini',
  request(input: RequestTranslationInput): TranslatedRequest {
    if (input.operation !== 'generate') throw unprocessable(`a GCPVertexAI backend does not serve the Gemini ${input.operation} operation here`);
    return {
      path: vertexModelPath(input.model, input.stream ? 'streamGenerateContent' : 'generateContent'),
      body: input.raw,
      headers: { 'content-type': 'application/json' },
    };
  },
  response(input: ResponseTranslationInput): ResponseTranslator {
    return input.stream ? new GeminiStreamScanner(input) : new GeminiBodyScanner(input);
  },
  error(status: number, headers: IncomingHttpHeaders, body: Buffer): TranslatedError {
    return toGoogleError(status, headers, body);
  },
};

/** Reads usage and model from the text of one GenerateContentResponse into `t`. */
function scan(t: { usage: TokenUsage; responseModel: string | undefined }, text: string): void {
  const u = fromGeminiUsage(objectAfterKey(text, 'usageMetadata'));
  if (u) setUsage(t.usage, u);
  const model = stringAfterKey(text, 'modelVersion');
  if (model) t.responseModel = model;
}

class GeminiBodyScanner implements ResponseTranslator {
  readonly usage: TokenUsage = emptyUsage();
  responseModel: string | undefined;
  #chunks: Buffer[] = [];
  #size = 0;

  constructor(input: ResponseTranslationInput) {
    this.responseModel = input.requestModel;
  }

  head(): ResponseHead {
    return { rewritesBody: false };
  }

  push(chunk: Buffer): Buffer {
    this.#size += chunk.length;
    this.#chunks.push(chunk);
    if (this.#size > PARSE_LIMIT) {
      // Too large to keep whole: keep the end, where Google writes usageMetadata and modelVersion.
      const joined = Buffer.concat(this.#chunks);
      this.#chunks = [joined.length > TAIL ? Buffer.from(joined.subarray(joined.length - TAIL)) : joined];
    }
    return chunk;
  }

  end(): undefined {
    scan(this, Buffer.concat(this.#chunks).toString('utf8'));
    this.#chunks = [];
    return undefined;
  }
}

class GeminiStreamScanner implements ResponseTranslator {
  readonly usage: TokenUsage = emptyUsage();
  responseModel: string | undefined;
  readonly #parser = new SseParser();

  constructor(input: ResponseTranslationInput) {
    this.responseModel = input.requestModel;
  }

  head(): ResponseHead {
    return { rewritesBody: false };
  }

  push(chunk: Buffer): Buffer {
    for (const e of this.#parser.push(chunk)) scan(this, e.data);
    return chunk;
  }

  end(): undefined {
    this.#parser.end();
    return undefined;
  }
}
