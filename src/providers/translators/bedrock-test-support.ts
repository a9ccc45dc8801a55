// Test support for the Bedrock translators (not a test file itself): the golden fixtures under
// fixtures/bedrock/, ConverseStream bodies encoded as AWS event-stream bytes with the smithy codec,
// the response headers Bedrock sends, and the error cases both client schemas share.
import { readFileSync } from 'node:fs';
import type { IncomingHttpHeaders } from 'node:http';
import type { BackendSchema, ClientSchema } from '../../runtime/translator.ts';
import { encodeEventStreamMessage } from '../streaming/aws-event-stream.ts';
import type { ErrorCase } from './translator-cases.ts';

const DIR = new URL('./fixtures/bedrock/', import.meta.url);

export function fixtureJson<T = unknown>(name: string): T {
  return JSON.parse(readFileSync(new URL(name, DIR), 'utf8')) as T;
}

export type StreamItem = { readonly event: string; readonly body: unknown } | { readonly exception: string; readonly body: unknown };

/** One event-stream message per item, as ConverseStream frames them. */
export function eventStreamBytes(items: readonly StreamItem[]): Buffer {
  return Buffer.concat(
    items.map((it) =>
      'event' in it
        ? encodeEventStreamMessage({ ':event-type': it.event, ':content-type': 'application/json', ':message-type': 'event' }, JSON.stringify(it.body))
        : encodeEventStreamMessage({ ':exception-type': it.exception, ':content-type': 'application/json', ':message-type': 'exception' }, JSON.stringify(it.body)),
    ),
  );
}

export function fixtureStream(name: string): Buffer {
  return eventStreamBytes(fixtureJson<StreamItem[]>(name));
}

export const REQUEST_ID = '5d2cbd45-7e0e-4c36-9b8b-3d8b1d4f6b8a';
/** `Sat, 01 Jun 2024 12:00:00 GMT` in seconds. */
export const CREATED = 1717243200;

export function bedrockHeaders(stream: boolean): IncomingHttpHeaders {
  return {
    'content-type': stream ? 'application/vnd.amazon.eventstream' : 'application/json',
    'x-amzn-requestid': REQUEST_ID,
    date: 'Sat, 01 Jun 2024 12:00:00 GMT',
  };
}

export const BEDROCK_BACKEND: BackendSchema = { name: 'AWSBedrock', prefix: '' };

export const CLAUDE = 'anthropic.claude-3-haiku-20240307-v1:0';
export const CLAUDE_PATH = '/model/anthropic.claude-3-haiku-20240307-v1%3A0/converse';

interface ErrorFixture {
  readonly name: string;
  readonly status: number;
  readonly errortype: string;
  readonly body: unknown;
}

/** The documented error answers in the suite's form: 4xx keep their status, 5xx become 502. */
export function bedrockErrorCases(schema: ClientSchema): ErrorCase[] {
  const cases: ErrorCase[] = fixtureJson<ErrorFixture[]>('errors.json').map((e) => ({
    name: `${e.name} ${e.status}`,
    status: e.status,
    headers: { 'content-type': 'application/json', 'x-amzn-errortype': e.errortype, 'x-amzn-requestid': REQUEST_ID },
    body: JSON.stringify(e.body),
    expectStatus: e.status >= 500 ? 502 : e.status,
    schema,
    messageIncludes: e.name,
  }));
  cases.push({ name: 'a non-JSON 503 from a proxy', status: 503, headers: { 'content-type': 'text/html' }, body: '<html>Service Unavailable</html>', expectStatus: 502, schema, messageIncludes: 'AWSBedrockBackendError' });
  return cases;
}

/** The InvalidSignatureException fixture, whose message quotes a session token. */
export function invalidSignatureError(): { status: number; headers: IncomingHttpHeaders; body: Buffer } {
  const e = fixtureJson<ErrorFixture[]>('errors.json').find((x) => x.name === 'InvalidSignatureException')!;
  return { status: e.status, headers: { 'content-type': 'application/json', 'x-amzn-errortype': e.errortype }, body: Buffer.from(JSON.stringify(e.body)) };
}

/** A 1×1 transparent PNG, base64. */
export const PNG_BASE64 = 'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAQAAAC1HAwCAAAAC0lEQVR42mNkYAAAAAYAAjCB0C8AAAAASUVORK5CYII=';
