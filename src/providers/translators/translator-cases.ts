// The shared case suite every translator runs (DESIGN.md §3: one suite per interface). A translator's
// test file calls `translatorSuite(translator, cases)` with golden cases recorded from the providers'
// documented examples; the suite checks, for every case:
//   - request() is pure: the same output twice, the client's body untouched, the golden path, headers
//     and body (JSON-compared);
//   - the response side gives the golden client output, usage and response model;
//   - the client sees the same bytes, usage and model for any split of the upstream body into chunks
//     (fast-check), including splits inside frames, lines and UTF-8 sequences;
//   - error() answers in the client's error shape with the expected status.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { IncomingHttpHeaders } from 'node:http';
import fc from 'fast-check';
import type { ClientSchema, RequestTranslationInput, Translator } from '../../runtime/translator.ts';
import type { TokenUsage } from '../../runtime/usage.ts';
import { SseParser } from '../streaming/sse.ts';

export interface TranslatorCase {
  readonly name: string;
  readonly input: RequestTranslationInput;
  /** What the backend must receive. `body` is compared as JSON (or as bytes when a Buffer). */
  readonly expectRequest: { readonly path: string; readonly body?: unknown; readonly headers?: Readonly<Record<string, string>> };
  /** The backend's answer (2xx). `body` is the whole wire body: JSON, SSE or an AWS event stream. */
  readonly upstream?: { readonly status?: number; readonly headers?: IncomingHttpHeaders; readonly body: Buffer | string };
  readonly hideUsageChunk?: boolean;
  /**
   * What the client must see: for streams, the SSE events as `{event?, data}` with `data` parsed as
   * JSON when it is JSON (`[DONE]` stays a string); otherwise the parsed JSON body.
   */
  readonly expectClient?: unknown;
  readonly expectContentType?: string;
  readonly expectUsage?: Partial<TokenUsage>;
  readonly expectResponseModel?: string;
}

export interface ErrorCase {
  readonly name: string;
  readonly status: number;
  readonly headers?: IncomingHttpHeaders;
  readonly body: string;
  readonly expectStatus: number;
  /** The client's error shape. */
  readonly schema: ClientSchema;
  /** A substring the error message must contain. */
  readonly messageIncludes?: string;
}

function clone<T>(v: T): T {
  return structuredClone(v);
}

function toBuffer(b: Buffer | string): Buffer {
  return typeof b === 'string' ? Buffer.from(b) : b;
}

/** Runs the response side over `chunks`; returns the client bytes, usage, model and content type. */
export function runResponse(translator: Translator, c: TranslatorCase, chunks: readonly Buffer[]): { bytes: Buffer; usage: TokenUsage; model: string | undefined; contentType: string | undefined } {
  const rt = translator.response({ operation: c.input.operation, stream: c.input.stream, requestModel: c.input.model, hideUsageChunk: c.hideUsageChunk ?? false });
  const head = rt.head(c.upstream?.status ?? 200, c.upstream?.headers ?? {});
  const out: Buffer[] = [];
  const add = (x: Buffer | string | undefined) => {
    if (x !== undefined && x.length > 0) out.push(toBuffer(x));
  };
  for (const ch of chunks) add(rt.push(ch));
  add(rt.end());
  return { bytes: Buffer.concat(out), usage: { ...rt.usage }, model: rt.responseModel, contentType: head.contentType };
}

/** The client-visible form of a response body: SSE events with parsed data, or the parsed JSON. */
export function clientView(bytes: Buffer, stream: boolean): unknown {
  if (!stream) {
    try {
      return JSON.parse(bytes.toString('utf8'));
    } catch {
      return bytes.toString('utf8');
    }
  }
  const p = new SseParser();
  const events = [...p.push(bytes), ...p.push(Buffer.from('\n\n'))];
  return events.map((e) => {
    let data: unknown = e.data;
    try {
      data = JSON.parse(e.data);
    } catch {
      // keep the text
    }
    return e.event === undefined ? { data } : { event: e.event, data };
  });
}

function splitAt(buf: Buffer, cuts: readonly number[]): Buffer[] {
  const points = [...new Set(cuts.map((c) => c % (buf.length + 1)))].sort((a, b) => a - b);
  const out: Buffer[] = [];
  let last = 0;
  for (const p of points) {
    out.push(buf.subarray(last, p));
    last = p;
  }
  out.push(buf.subarray(last));
  return out;
}

export function translatorSuite(translator: Translator, cases: readonly TranslatorCase[], errors: readonly ErrorCase[] = []): void {
  describe(`translator ${translator.name}`, () => {
    for (const c of cases) {
      describe(c.name, () => {
        it('translates the request purely, to the golden path, headers and body', () => {
          const before = clone(c.input.body);
          const a = translator.request(c.input);
          const b = translator.request(c.input);
          assert.deepEqual(c.input.body, before, 'request() must not mutate the client body');
          assert.equal(a.path, b.path);
          assert.deepEqual(a.headers, b.headers);
          assert.ok(a.body.equals(b.body), 'request() must be deterministic');
          assert.equal(a.path, c.expectRequest.path);
          if (c.expectRequest.headers) for (const [k, v] of Object.entries(c.expectRequest.headers)) assert.equal(a.headers[k], v, `header ${k}`);
          if (c.expectRequest.body !== undefined) {
            if (Buffer.isBuffer(c.expectRequest.body)) assert.ok(a.body.equals(c.expectRequest.body));
            else assert.deepEqual(JSON.parse(a.body.toString('utf8')), c.expectRequest.body);
          }
        });

        const upstream = c.upstream;
        if (!upstream) return;
        const wire = toBuffer(upstream.body);
        it('gives the client the golden response, usage and model', () => {
          const r = runResponse(translator, c, [wire]);
          if (c.expectClient !== undefined) assert.deepEqual(clientView(r.bytes, c.input.stream), c.expectClient);
          if (c.expectContentType !== undefined) assert.equal(r.contentType, c.expectContentType);
          if (c.expectUsage) for (const [k, v] of Object.entries(c.expectUsage)) assert.equal(r.usage[k as keyof TokenUsage], v, `usage.${k}`);
          if (c.expectResponseModel !== undefined) assert.equal(r.model, c.expectResponseModel);
        });

        it('gives the same client bytes, usage and model for any split of the upstream body', () => {
          const whole = runResponse(translator, c, [wire]);
          fc.assert(
            fc.property(fc.array(fc.nat({ max: wire.length }), { maxLength: 16 }), (cuts) => {
              const r = runResponse(translator, c, splitAt(wire, cuts));
              assert.ok(r.bytes.equals(whole.bytes), 'client bytes differ for a split');
              assert.deepEqual(r.usage, whole.usage);
              assert.equal(r.model, whole.model);
            }),
            { numRuns: 60 },
          );
          const bytewise = runResponse(translator, c, [...wire].map((x) => Buffer.from([x])));
          assert.ok(bytewise.bytes.equals(whole.bytes), 'client bytes differ when fed one byte at a time');
        });
      });
    }
    for (const e of errors) {
      it(`error: ${e.name}`, () => {
        const r = translator.error(e.status, e.headers ?? { 'content-type': 'application/json' }, Buffer.from(e.body));
        assert.equal(r.status, e.expectStatus);
        const body = JSON.parse(r.body) as Record<string, unknown>;
        let message: unknown;
        if (e.schema === 'Anthropic') {
          assert.equal(body['type'], 'error');
          message = (body['error'] as Record<string, unknown>)['message'];
          assert.equal(typeof (body['error'] as Record<string, unknown>)['type'], 'string');
        } else if (e.schema === 'Gemini') {
          const err = body['error'] as Record<string, unknown>;
          assert.equal(typeof err['code'], 'number');
          assert.equal(typeof err['status'], 'string');
          message = err['message'];
        } else {
          const err = body['error'] as Record<string, unknown>;
          assert.equal(typeof err['type'], 'string');
          message = err['message'];
        }
        assert.equal(typeof message, 'string');
        if (e.messageIncludes) assert.ok(String(message).includes(e.messageIncludes), `"${String(message)}" should include "${e.messageIncludes}"`);
      });
    }
  });
}

/** A RequestTranslationInput with defaults, for test cases. */
export function requestInput(body: Record<string, unknown>, over: Partial<RequestTranslationInput> = {}): RequestTranslationInput {
  const model = typeof body['model'] === 'string' ? body['model'] : 'm';
  return {
    operation: 'chat',
    body,
    raw: Buffer.from(JSON.stringify(body)),
    model,
    modelChanged: false,
    stream: body['stream'] === true,
    backend: { name: 'OpenAI', prefix: '/v1' },
    wantUsage: true,
    query: '',
    ...over,
  };
}
