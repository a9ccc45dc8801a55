// Test support for the upstream-auth tests: a policy builder, a request draft, a leak check, and a
// local OAuth token endpoint (a test double of Microsoft Entra's and Google's token endpoints, which
// the tests point the factory at through `tokenEndpoints`).
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { inspect } from 'node:util';

import type { UpstreamRequestDraft } from '../../runtime/upstream-auth.ts';

import type { BackendSecurityPolicySpec, PolicyInput } from './policy.ts';

export function policy(spec: BackendSecurityPolicySpec, namespace = 'team-a', name = 'creds'): PolicyInput {
  return { namespace, name, object: { spec } };
}

export function draft(over: Partial<UpstreamRequestDraft> = {}): UpstreamRequestDraft {
  return {
    method: 'POST',
    origin: 'https://api.example.com:443',
    path: '/v1/chat/completions',
    headers: { host: 'api.example.com', 'content-type': 'application/json' },
    body: Buffer.from('{"model":"m","messages":[]}'),
    ...over,
  };
}

/** The headers `apply` added or changed. */
export function headerChanges(before: Record<string, string>, after: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(after)) if (before[k] !== v) out[k] = v;
  for (const k of Object.keys(before)) assert.ok(k in after, `apply removed header ${k}`);
  return out;
}

/**
 * Asserts that none of `secrets` occurs in how `objects` print: util.inspect (hidden properties,
 * full depth, getters), JSON.stringify, String() and, for errors, message and stack.
 */
export function assertNoSecret(secrets: readonly string[], ...objects: unknown[]): void {
  for (const o of objects) {
    const views: string[] = [inspect(o, { showHidden: true, depth: Infinity, getters: true }), String(o)];
    try {
      views.push(JSON.stringify(o) ?? '');
    } catch {
      // cyclic: inspect covers it
    }
    if (o instanceof Error) views.push(o.message, o.stack ?? '');
    for (const secret of secrets) {
      for (const view of views) assert.ok(!view.includes(secret), `a secret appears in ${view.slice(0, 200)}`);
    }
  }
}

export interface TokenRequest {
  readonly path: string;
  readonly contentType: string | undefined;
  readonly form: URLSearchParams;
}

export interface TokenAnswer {
  readonly status: number;
  readonly body: unknown;
}

export interface TokenServer {
  readonly url: string;
  readonly requests: TokenRequest[];
  /** What the next requests are answered with (changeable between steps). */
  answer: (req: TokenRequest) => TokenAnswer;
  close(): Promise<void>;
}

/** A local token endpoint on 127.0.0.1:0 speaking the OAuth 2.0 token-endpoint shape (RFC 6749 §5). */
export async function startTokenServer(answer: (req: TokenRequest) => TokenAnswer): Promise<TokenServer> {
  const requests: TokenRequest[] = [];
  const state: TokenServer = {
    url: '',
    requests,
    answer,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const r: TokenRequest = { path: req.url ?? '', contentType: req.headers['content-type'], form: new URLSearchParams(Buffer.concat(chunks).toString('utf8')) };
      requests.push(r);
      const a = state.answer(r);
      res.writeHead(a.status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(a.body));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  (state as { url: string }).url = `http://127.0.0.1:${port}`;
  server.unref();
  return state;
}

/** A settable clock. */
export function fakeClock(start = Date.UTC(2025, 0, 15, 12, 0, 0)): { now: () => number; advance(ms: number): void; set(ms: number): void } {
  let t = start;
  return {
    now: () => t,
    advance(ms) {
      t += ms;
    },
    set(ms) {
      t = ms;
    },
  };
}
