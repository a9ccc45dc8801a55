// Provider credential checks (Sluice additions; llm-d-inference-sim has none). Each is on only when
// its flag is set, so by default nothing is checked. A wrong or missing credential is answered with
// the status and error body the provider itself answers with (sources: the providers' error
// documentation and the bodies their APIs return, as quoted in client issue trackers):
//
//   --api-key KEY
//     openai     Authorization: Bearer KEY. Missing: 401 {"error":{"message":"You didn't provide an
//                API key. …","type":"invalid_request_error","param":null,"code":null}}; wrong: 401
//                {"error":{"message":"Incorrect API key provided: sk-ab***wxyz. …","type":
//                "invalid_request_error","param":null,"code":"invalid_api_key"}} (OpenAI API).
//     anthropic  x-api-key: KEY, or Authorization: Bearer KEY (what @anthropic-ai/sdk 1.x sends for an
//                API key). 401 {"type":"error","error":{"type":"authentication_error","message":
//                "x-api-key header is required" | "invalid x-api-key"}} (Anthropic errors; a wrong
//                Bearer key gets the same "invalid x-api-key", Anthropic's wording for it being
//                undocumented).
//     azure      api-key: KEY (or Authorization: Bearer KEY). 401 {"error":{"code":"401","message":
//                "Access denied due to invalid subscription key or wrong API endpoint. …"}} (Azure
//                API Management front of Azure OpenAI).
//     gemini     x-goog-api-key: KEY (or ?key=KEY). Missing: 403 PERMISSION_DENIED "Method doesn't
//                allow unregistered callers …"; wrong: 400 INVALID_ARGUMENT "API key not valid. Please
//                pass a valid API key." with an ErrorInfo detail API_KEY_INVALID (Google API errors:
//                {"error":{"code","message","status","details"?}}).
//   --gcp-access-token TOKEN
//     vertex     Authorization: Bearer TOKEN. Missing: 401 UNAUTHENTICATED "Request is missing
//                required authentication credential. …"; wrong: 401 UNAUTHENTICATED "Request had
//                invalid authentication credentials. …"; an API key instead of a token: 401
//                UNAUTHENTICATED "API keys are not supported by this API. …". With
//                `www-authenticate: Bearer realm="https://accounts.google.com/"`.
//   --aws-access-key-id / --aws-secret-access-key / --aws-region
//     bedrock    AWS SigV4 (sigv4.ts), checked after the body is read (the signature covers it).
//
// Secrets are compared in constant time (over their SHA-256 digests, so lengths do not leak either).
// No `x-sim-*` header plays any part.

import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingHttpHeaders, OutgoingHttpHeaders } from 'node:http';
import { anthropicId } from './anthropic.ts';
import type { ProviderFamily } from './cloud-paths.ts';
import type { SimulatorOptions } from './options.ts';

/** A refusal, written as is (status, JSON body, headers). */
export interface AuthFailure {
  status: number;
  body: object;
  headers: OutgoingHttpHeaders;
}

export function sameSecret(given: string, expected: string): boolean {
  const a = createHash('sha256').update(given).digest();
  const b = createHash('sha256').update(expected).digest();
  return timingSafeEqual(a, b);
}

function header(headers: IncomingHttpHeaders, name: string): string | undefined {
  const v = headers[name];
  return Array.isArray(v) ? v[0] : v;
}

/** The token of `Authorization: Bearer <token>`, if that is what the header holds. */
function bearer(headers: IncomingHttpHeaders): string | undefined {
  const m = /^Bearer\s+(.+)$/i.exec(header(headers, 'authorization') ?? '');
  return m?.[1]?.trim();
}

/** OpenAI shows the key's first characters and last four. */
function maskKey(key: string): string {
  if (key.length <= 8) return '*'.repeat(key.length);
  return `${key.slice(0, Math.min(6, key.length - 4))}${'*'.repeat(Math.max(4, key.length - 10))}${key.slice(-4)}`;
}

function openAIFailure(given: string | undefined): AuthFailure {
  const message =
    given === undefined
      ? "You didn't provide an API key. You need to provide your API key in an Authorization header using Bearer auth (i.e. Authorization: Bearer YOUR_KEY), or as the password field (with blank username) if you're accessing the API from your browser and are prompted for a username. You can obtain an API key from https://platform.openai.com/account/api-keys."
      : `Incorrect API key provided: ${maskKey(given)}. You can find your API key at https://platform.openai.com/account/api-keys.`;
  return {
    status: 401,
    body: { error: { message, type: 'invalid_request_error', param: null, code: given === undefined ? null : 'invalid_api_key' } },
    headers: {},
  };
}

function anthropicFailure(given: string | undefined): AuthFailure {
  return {
    status: 401,
    body: { type: 'error', error: { type: 'authentication_error', message: given === undefined ? 'x-api-key header is required' : 'invalid x-api-key' } },
    headers: { 'request-id': anthropicId('req') },
  };
}

const AZURE_DENIED =
  'Access denied due to invalid subscription key or wrong API endpoint. Make sure to provide a valid key for an active subscription and use a correct regional API endpoint for your resource.';

function googleFailure(code: number, status: string, message: string, details?: object[]): AuthFailure {
  return { status: code, body: { error: { code, message, status, ...(details ? { details } : {}) } }, headers: {} };
}

const GOOGLE_AUTH_HINT = 'Expected OAuth 2 access token, login cookie or other valid authentication credential. See https://developers.google.com/identity/sign-in/web/devconsole-project.';

function vertexFailure(message: string, reason?: string): AuthFailure {
  const details = reason ? [{ '@type': 'type.googleapis.com/google.rpc.ErrorInfo', reason, domain: 'googleapis.com' }] : undefined;
  const f = googleFailure(401, 'UNAUTHENTICATED', message, details);
  f.headers['www-authenticate'] = 'Bearer realm="https://accounts.google.com/"';
  return f;
}

/**
 * The header-borne credential check of a request of `family` (everything but Bedrock), or undefined
 * when it passes or no check is configured. `query` is the request's query string (Gemini's ?key=).
 */
export function checkCredentials(
  family: ProviderFamily,
  headers: IncomingHttpHeaders,
  query: URLSearchParams,
  options: Pick<SimulatorOptions, 'apiKey' | 'gcpAccessToken'>,
): AuthFailure | undefined {
  const key = options.apiKey;
  switch (family) {
    case 'openai': {
      if (key === undefined) return undefined;
      const given = bearer(headers);
      return given !== undefined && sameSecret(given, key) ? undefined : openAIFailure(given);
    }
    case 'anthropic': {
      if (key === undefined) return undefined;
      const given = header(headers, 'x-api-key') ?? bearer(headers);
      return given !== undefined && sameSecret(given, key) ? undefined : anthropicFailure(given);
    }
    case 'azure': {
      if (key === undefined) return undefined;
      const given = header(headers, 'api-key') ?? bearer(headers);
      return given !== undefined && sameSecret(given, key) ? undefined : { status: 401, body: { error: { code: '401', message: AZURE_DENIED } }, headers: {} };
    }
    case 'gemini': {
      if (key === undefined) return undefined;
      const given = header(headers, 'x-goog-api-key') ?? query.get('key') ?? undefined;
      if (given === undefined) {
        return googleFailure(
          403,
          'PERMISSION_DENIED',
          "Method doesn't allow unregistered callers (callers without established identity). Please use API Key or other form of API consumer identity to call this API.",
        );
      }
      if (sameSecret(given, key)) return undefined;
      return googleFailure(400, 'INVALID_ARGUMENT', 'API key not valid. Please pass a valid API key.', [
        { '@type': 'type.googleapis.com/google.rpc.ErrorInfo', reason: 'API_KEY_INVALID', domain: 'googleapis.com', metadata: { service: 'generativelanguage.googleapis.com' } },
      ]);
    }
    case 'vertex': {
      const token = options.gcpAccessToken;
      if (token === undefined) return undefined;
      const given = bearer(headers);
      if (given === undefined) {
        if (header(headers, 'x-goog-api-key') !== undefined || query.has('key')) {
          return vertexFailure(
            'API keys are not supported by this API. Expected OAuth2 access token or other authentication credentials that assert a principal. See https://cloud.google.com/docs/authentication',
            'CREDENTIALS_MISSING',
          );
        }
        return vertexFailure(`Request is missing required authentication credential. ${GOOGLE_AUTH_HINT}`, 'CREDENTIALS_MISSING');
      }
      return sameSecret(given, token) ? undefined : vertexFailure(`Request had invalid authentication credentials. ${GOOGLE_AUTH_HINT}`);
    }
    case 'bedrock':
    case 'none':
      return undefined;
  }
}
