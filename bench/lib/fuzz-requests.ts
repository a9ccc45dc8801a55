// Fuzzed HTTP/1.1 requests for a gateway, as raw bytes written on a socket in pieces: methods (CONNECT
// and made-up ones too), paths (dot segments, encoded and doubled slashes, bad percent escapes, long
// segments, queries), headers (x-ai-eg-model and x-sluice-* spoofing, x-sim-* fault requests, odd
// request ids, duplicates and conflicting framing), bodies (chat requests with fuzzed fields, deep
// nesting, arbitrary JSON, broken JSON, nothing) sent with content-length or chunked, split across
// writes at random points. Used by the chaos benchmark and by test/fuzz/gateway-fuzz.test.ts.
//
// Every case ends with `connection: close`, so the answer is everything read until the gateway closes
// the connection; `exchange` returns its status line and whether it is an internal_error.
import { connect } from 'node:net';
import fc from 'fast-check';

export interface FuzzCase {
  /** The request as written, before splitting. */
  readonly raw: Buffer;
  /** Offsets where the bytes are split across writes (ascending, inside the request). */
  readonly splits: readonly number[];
  /** A one-line description for reports. */
  readonly label: string;
}

export interface FuzzOptions {
  /** Models the gateway serves (well-formed requests name one of these). */
  readonly models: readonly string[];
  /** Chance (0..1) that a case asks the simulator to hang (x-sim-hang): the gateway's timeouts answer those. Default 0.01. */
  readonly hangRate?: number;
}

const AI_PATHS = [
  '/v1/chat/completions',
  '/v1/completions',
  '/v1/embeddings',
  '/v1/messages',
  '/v1/responses',
  '/v1/models',
  '/v1beta/models/MODEL:generateContent',
  '/v1beta/models/MODEL:streamGenerateContent',
  '/openai/deployments/MODEL/chat/completions',
  '/model/MODEL/converse',
];
const OTHER_PATHS = ['/', '/v1', '/v1/', '/v1/models/MODEL', '/health', '/metrics', '/admin/config', '/x', '/v1/chat', '/v2/chat/completions'];

/** Path mutations an attacker uses to slip past prefix matches. */
const pathMutation = fc.constantFrom(
  (p: string) => p,
  (p: string) => p.replace('/v1/', '/v1/./'),
  (p: string) => p.replace('/v1/', '/x/../v1/'),
  (p: string) => p.replace('/v1/', '/v1//'),
  (p: string) => '/' + p,
  (p: string) => p.replace(/\/([^/]*)$/, '%2F$1'),
  (p: string) => p.replace(/\/([^/]*)$/, '%2f$1'),
  (p: string) => p.replace('/v1/', '/%2e%2e/v1/'),
  (p: string) => p.replace('/v1/', '/v1/%2E/'),
  (p: string) => p + '/',
  (p: string) => p + '?a=1&b=%zz&model=other',
  (p: string) => p + '#fragment',
  (p: string) => p + '%00',
  (p: string) => p + '%',
  (p: string) => p.toUpperCase(),
  (p: string) => p.replace('/v1/', '/v1\\'),
  (p: string) => p + '/' + 'a'.repeat(5000),
  (p: string) => p.replace('/v1/', '/v1/é/../'),
  (p: string) => p.replace('/', '/;x=1/'),
  (_p: string) => '*',
  (p: string) => 'http://127.0.0.1' + p,
);

const method = fc.oneof(
  { weight: 8, arbitrary: fc.constant('POST') },
  { weight: 3, arbitrary: fc.constantFrom('GET', 'HEAD', 'OPTIONS', 'PUT', 'DELETE', 'PATCH') },
  { weight: 1, arbitrary: fc.constantFrom('CONNECT', 'TRACE', 'FOO', 'get', 'PRI', 'M-SEARCH', 'PROPFIND') },
);

/** Text with characters that matter to parsers and encoders. */
const text = fc.oneof(
  fc.string({ maxLength: 40 }),
  fc.string({ unit: fc.constantFrom('a', ' ', '"', '\\', '\n', '\u0000', 'é', '€', '😀', '\ud800', '<', '{', '['), maxLength: 40 }),
  fc.constantFrom('', 'hello', 'Say hi.', 'x'.repeat(3000)),
);

/**
 * Deep nesting is written as text (JSON.stringify would overflow the stack on it): a marker string in
 * the value, replaced by `depth` levels of arrays or objects once the body is serialised.
 */
const deep = fc.tuple(fc.oneof(fc.integer({ min: 1, max: 10 }), fc.integer({ min: 100, max: 140 }), fc.integer({ min: 1000, max: 5000 })), fc.constantFrom('array', 'object')).map(([d, k]) => `\u0001deep:${d}:${k}`);
const DEEP_MARKER = /"\\u0001deep:(\d+):(array|object)"/g;

function expandDeep(json: string): string {
  return json.replace(DEEP_MARKER, (_m, d: string, k: string) => {
    const n = Number(d);
    return k === 'array' ? '['.repeat(n) + '"deep"' + ']'.repeat(n) : '{"a":'.repeat(n) + '"deep"' + '}'.repeat(n);
  });
}

function contentArb() {
  return fc.oneof(
    { weight: 5, arbitrary: text },
    { weight: 2, arbitrary: fc.array(fc.record({ type: fc.constantFrom('text', 'image_url', 'tool_result', 'weird'), text }), { maxLength: 3 }) },
    { weight: 1, arbitrary: deep },
    { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 4 }) },
  );
}

function chatBody(models: readonly string[]) {
  const model = fc.oneof({ weight: 6, arbitrary: fc.constantFrom(...models) }, { weight: 1, arbitrary: fc.constantFrom('unknown-model', '', ' ', 'a'.repeat(500)) }, { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 1 }) });
  const message = fc.record(
    {
      role: fc.oneof({ weight: 5, arbitrary: fc.constantFrom('user', 'system', 'assistant') }, { weight: 1, arbitrary: fc.constantFrom('tool', 'developer', 'nobody', '') }),
      content: contentArb(),
      name: text,
    },
    { requiredKeys: ['role', 'content'] },
  );
  return fc.record(
    {
      model,
      messages: fc.oneof({ weight: 6, arbitrary: fc.array(message, { minLength: 1, maxLength: 4 }) }, { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 2 }) }),
      stream: fc.oneof(fc.boolean(), fc.constantFrom('yes', 1, null)),
      max_tokens: fc.oneof(fc.integer({ min: 1, max: 16 }), fc.constantFrom(0, -1, Number.POSITIVE_INFINITY, 'ten', 2 ** 53, null)),
      n: fc.oneof(fc.constant(1), fc.integer({ min: -1, max: 3 })),
      stream_options: fc.record({ include_usage: fc.boolean() }),
      tools: fc.array(fc.record({ type: fc.constant('function'), function: fc.record({ name: text, parameters: fc.jsonValue({ maxDepth: 3 }) }) }), { maxLength: 2 }),
      temperature: fc.oneof(fc.double(), fc.constant(0.5)),
      input: fc.oneof(text, fc.array(fc.integer(), { maxLength: 20 })),
      prompt: text,
      contents: fc.array(fc.record({ role: fc.constant('user'), parts: fc.array(fc.record({ text }), { maxLength: 2 }) }), { maxLength: 2 }),
      extra: fc.jsonValue({ maxDepth: 3 }),
    },
    { requiredKeys: ['model'] },
  ).map((b) => expandDeep(JSON.stringify(b, (_k, v: unknown) => (typeof v === 'number' && !Number.isFinite(v) ? 1e308 : v))));
}

function bodyArb(models: readonly string[]) {
  return fc.oneof(
    { weight: 10, arbitrary: chatBody(models) },
    { weight: 2, arbitrary: fc.json({ maxDepth: 4 }) },
    { weight: 1, arbitrary: deep.map((d) => expandDeep(JSON.stringify({ model: models[0], messages: [{ role: 'user', content: d }] }))) },
    { weight: 1, arbitrary: fc.constantFrom('', '{', '{"model":', 'null', '[]', '"str"', '{"model":"' + (models[0] ?? 'm') + '"', '\ufeff{}', '{"model":1e99999}', '{"a":"\\ud800"}') },
    { weight: 1, arbitrary: fc.uint8Array({ maxLength: 200 }).map((a) => Buffer.from(a).toString('latin1')) },
  );
}

const SIM_HEADERS = [
  ['x-sim-error', fc.constantFrom('500', '503', '429', '400', '404', 'rate_limit', 'server_error', 'x')],
  ['x-sim-delay', fc.constantFrom('5ms', '20ms', '1', 'nonsense', '-5ms')],
  ['x-sim-reset', fc.constantFrom('true', 'false', '1')],
  ['x-sim-abort-after', fc.constantFrom('0', '1', '2', '5', 'x')],
] as const;

function headersArb(models: readonly string[], hangRate: number) {
  const contentType = fc.oneof({ weight: 8, arbitrary: fc.constant('application/json') }, { weight: 1, arbitrary: fc.constantFrom('application/json; charset=utf-8', 'text/plain', 'multipart/form-data; boundary=x', '') });
  // A few odd headers per request (each on its own would mostly stop a request at the HTTP parser).
  const odd = fc.array(
    fc.oneof(
      fc.tuple(fc.constant('x-ai-eg-model'), fc.oneof(fc.constantFrom(...models), text.map((t) => [...t].filter((ch) => ch >= ' ' && ch <= '~').join('')))),
      fc.tuple(fc.constantFrom('x-sluice-backend', 'x-ai-eg-selected-backend', 'x-gateway-destination-endpoint', 'x-sluice-route'), fc.constantFrom('evil', '127.0.0.1:1')),
      fc.tuple(fc.constant('x-request-id'), fc.constantFrom('abc', 'x'.repeat(200), 'a b', '\u00e9', '')),
      fc.tuple(fc.constant('authorization'), fc.constantFrom('Bearer sk-test', 'Basic Zm9vOmJhcg==', '')),
      fc.tuple(fc.constant('x-gateway-inference-objective'), fc.constantFrom('batch', 'interactive', 'nope')),
      fc.tuple(fc.constant('accept'), fc.constantFrom('text/event-stream', '*/*', 'application/json')),
      fc.tuple(fc.constant('accept-encoding'), fc.constantFrom('gzip', 'br', 'identity')),
      fc.tuple(fc.constant('expect'), fc.constantFrom('100-continue', 'nothing')),
      fc.tuple(fc.constant('origin'), fc.constantFrom('http://evil.example', 'null')),
      fc.tuple(fc.constant('transfer-encoding'), fc.constantFrom('gzip', 'identity')),
      fc.tuple(fc.constant('x-forwarded-for'), fc.constantFrom('10.0.0.1', 'nonsense')),
      fc.tuple(fc.constant('anthropic-version'), fc.constantFrom('2023-06-01', 'x')),
    ),
    { maxLength: 2 },
  );
  const sim = fc.array(fc.oneof(...SIM_HEADERS.map(([name, value]) => value.map((v) => [name, v] as [string, string]))), { maxLength: 2 });
  const hang = fc.double({ min: 0, max: 1, noNaN: true }).map((x) => (x < hangRate ? [['x-sim-hang', 'true'] as [string, string]] : []));
  return fc.tuple(contentType, odd, fc.oneof({ weight: 3, arbitrary: fc.constant([] as [string, string][]) }, { weight: 1, arbitrary: sim }), hang).map(([ct, o, s, h]) => [
    ...(ct === '' ? [] : [['content-type', ct] as [string, string]]),
    ...o.map(([k, v]) => [k, String(v)] as [string, string]),
    ...s,
    ...h,
  ]);
}

/** The framing of a body: content-length (true, or shorter than the body), or chunked in pieces. */
const framing = fc.oneof(
  { weight: 12, arbitrary: fc.constant({ kind: 'length' as const }) },
  { weight: 3, arbitrary: fc.array(fc.integer({ min: 1, max: 4096 }), { minLength: 1, maxLength: 4 }).map((sizes) => ({ kind: 'chunked' as const, sizes })) },
  { weight: 1, arbitrary: fc.integer({ min: 1, max: 10 }).map((short) => ({ kind: 'short' as const, short })) },
  { weight: 1, arbitrary: fc.constantFrom({ kind: 'conflict' as const }, { kind: 'double-length' as const }, { kind: 'none' as const }) },
);

function frame(head: string[], body: Buffer, f: { kind: 'length' } | { kind: 'chunked'; sizes: number[] } | { kind: 'short'; short: number } | { kind: 'conflict' } | { kind: 'double-length' } | { kind: 'none' }): Buffer {
  const parts: Buffer[] = [];
  switch (f.kind) {
    case 'length':
      head.push(`content-length: ${body.length}`);
      parts.push(body);
      break;
    case 'short':
      head.push(`content-length: ${Math.max(0, body.length - f.short)}`);
      parts.push(body);
      break;
    case 'chunked': {
      head.push('transfer-encoding: chunked');
      let at = 0;
      let i = 0;
      while (at < body.length) {
        const n = Math.min(f.sizes[i++ % f.sizes.length]!, body.length - at);
        parts.push(Buffer.from(`${n.toString(16)}\r\n`), body.subarray(at, at + n), Buffer.from('\r\n'));
        at += n;
      }
      parts.push(Buffer.from('0\r\n\r\n'));
      break;
    }
    case 'conflict':
      head.push(`content-length: ${body.length}`, 'transfer-encoding: chunked');
      parts.push(body);
      break;
    case 'double-length':
      head.push(`content-length: ${body.length}`, `content-length: ${body.length + 1}`);
      parts.push(body);
      break;
    case 'none':
      break;
  }
  return Buffer.concat([Buffer.from(head.join('\r\n') + '\r\n\r\n', 'latin1'), ...parts]);
}

/** A well-formed chat request with one thing changed (a field, the content, a fault header), so that the case reaches the upstream. */
function nearValidArb(models: readonly string[], hangRate: number): fc.Arbitrary<FuzzCase> {
  const change = fc.oneof(
    fc.constant((b: Record<string, unknown>) => b),
    contentArb().map((content) => (b: Record<string, unknown>) => ({ ...b, messages: [{ role: 'user', content }] })),
    fc.jsonValue({ maxDepth: 3 }).map((v) => (b: Record<string, unknown>) => ({ ...b, extra: v })),
    fc.record({ include_usage: fc.oneof(fc.boolean(), fc.constant('x')) }).map((o) => (b: Record<string, unknown>) => ({ ...b, stream_options: o })),
    fc.constantFrom(0, -1, 'x', null, 1e6).map((m) => (b: Record<string, unknown>) => ({ ...b, max_tokens: m })),
    fc.array(fc.record({ role: fc.constantFrom('user', 'assistant', 'system', 'tool'), content: text }), { maxLength: 6 }).map((messages) => (b: Record<string, unknown>) => ({ ...b, messages })),
  );
  const sim = fc.oneof({ weight: 4, arbitrary: fc.constant([] as [string, string][]) }, { weight: 1, arbitrary: fc.array(fc.oneof(...SIM_HEADERS.map(([name, value]) => value.map((v) => [name, v] as [string, string]))), { maxLength: 1 }) });
  const hang = fc.double({ min: 0, max: 1, noNaN: true }).map((x) => (x < hangRate ? [['x-sim-hang', 'true'] as [string, string]] : []));
  const chunked = fc.oneof({ weight: 3, arbitrary: fc.constant({ kind: 'length' as const }) }, { weight: 1, arbitrary: fc.array(fc.integer({ min: 1, max: 512 }), { minLength: 1, maxLength: 3 }).map((sizes) => ({ kind: 'chunked' as const, sizes })) });
  const splits = fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { maxLength: 4 });
  return fc.record({ model: fc.constantFrom(...models), stream: fc.boolean(), maxTokens: fc.integer({ min: 1, max: 12 }), change, sim, hang, framing: chunked, splits }).map((c) => {
    const body = Buffer.from(expandDeep(JSON.stringify(c.change({ model: c.model, messages: [{ role: 'user', content: 'Say something.' }], stream: c.stream, max_tokens: c.maxTokens }))));
    const head = ['POST /v1/chat/completions HTTP/1.1', 'host: 127.0.0.1', 'content-type: application/json', ...[...c.sim, ...c.hang].map(([k, v]) => `${k}: ${v}`), 'connection: close'];
    const raw = frame(head, body, c.framing);
    const cuts = [...new Set(c.splits.map((x) => Math.floor(x * raw.length)).filter((x) => x > 0 && x < raw.length))].sort((a, b) => a - b);
    return { raw, splits: cuts, label: `near-valid chat ${c.model} stream=${c.stream} ${c.framing.kind} ${body.length}B` };
  });
}

/** Fuzzed requests: half near-valid chat requests with one thing changed, half anything from plausible to hostile. */
export function fuzzCaseArb(options: FuzzOptions): fc.Arbitrary<FuzzCase> {
  const hangRate = options.hangRate ?? 0.01;
  return fc.oneof(nearValidArb(options.models, hangRate), hostileArb(options.models, hangRate));
}

function hostileArb(models: readonly string[], hangRate: number): fc.Arbitrary<FuzzCase> {
  const path = fc.tuple(fc.oneof({ weight: 4, arbitrary: fc.constantFrom(...AI_PATHS) }, { weight: 1, arbitrary: fc.constantFrom(...OTHER_PATHS) }), fc.constantFrom(...models), fc.oneof({ weight: 3, arbitrary: fc.constant((p: string) => p) }, { weight: 2, arbitrary: pathMutation })).map(([p, m, mutate]) => mutate(p.replace('MODEL', m)));
  const host = fc.oneof({ weight: 8, arbitrary: fc.constant('127.0.0.1') }, { weight: 1, arbitrary: fc.constantFrom('', 'EXAMPLE.com:99', '[::1]', 'a'.repeat(300), 'x y') });
  const version = fc.oneof({ weight: 12, arbitrary: fc.constant('HTTP/1.1') }, { weight: 1, arbitrary: fc.constantFrom('HTTP/1.0', 'HTTP/2.0', 'HTTP/9', 'http/1.1') });
  const splits = fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { maxLength: 4 });
  return fc.record({ method, path, host, version, headers: headersArb(models, hangRate), body: bodyArb(models), framing, splits }).map((c) => {
    const head = [`${c.method} ${c.path} ${c.version}`];
    if (c.host !== '') head.push(`host: ${c.host}`);
    for (const [k, v] of c.headers) head.push(`${k}: ${v}`);
    head.push('connection: close');
    const body = Buffer.from(c.body, 'utf8');
    const bodyless = (c.method === 'GET' || c.method === 'HEAD') && c.framing.kind === 'length' && body.length % 3 === 0;
    const raw = frame(head, bodyless ? Buffer.alloc(0) : body, bodyless ? { kind: 'none' } : c.framing);
    const cuts = [...new Set(c.splits.map((x) => Math.floor(x * raw.length)).filter((x) => x > 0 && x < raw.length))].sort((a, b) => a - b);
    return { raw, splits: cuts, label: `${c.method} ${c.path.slice(0, 80)} ${c.framing.kind} ${body.length}B` };
  });
}

export interface Exchange {
  /** The status of the first answer, or 0 when none came. */
  readonly status: number;
  /** The first answer is a catalogue internal_error. */
  readonly internalError: boolean;
  /** Everything read (truncated to 64 KiB). */
  readonly text: string;
  /** The answer did not complete within the time: the client gave up. */
  readonly timedOut: boolean;
}

/** Writes a case on a new connection, in its pieces, and reads until the gateway closes it. */
export function exchange(port: number, c: FuzzCase, timeoutMs: number): Promise<Exchange> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    const received: Buffer[] = [];
    let size = 0;
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      socket.destroy();
    }, timeoutMs);
    socket.on('data', (d: Buffer) => {
      if (size < 65_536) received.push(d);
      size += d.length;
    });
    socket.on('error', () => undefined);
    socket.once('close', () => {
      clearTimeout(timer);
      const text = Buffer.concat(received).subarray(0, 65_536).toString('latin1');
      // An interim 100 Continue precedes the answer.
      const m = /^HTTP\/1\.[01] (?!1\d\d)(\d{3})/m.exec(text);
      const status = m ? Number(m[1]) : 0;
      resolve({ status, internalError: status === 500 && text.includes('internal_error'), text, timedOut });
    });
    socket.once('connect', () => {
      let at = 0;
      const pieces = [...c.splits, c.raw.length].map((end) => {
        const p = c.raw.subarray(at, end);
        at = end;
        return p;
      });
      const writeNext = (i: number) => {
        if (i >= pieces.length || socket.destroyed) return;
        socket.write(pieces[i]!, () => setImmediate(() => writeNext(i + 1)));
      };
      writeNext(0);
    });
  });
}
