// AWS Signature Version 4 verification for the Bedrock paths (on only with --aws-access-key-id and
// --aws-secret-access-key; service `bedrock`, region --aws-region). The signature is recomputed with
// @smithy/signature-v4 over a copy of the received request — same method, raw path, query, the
// headers named in SignedHeaders, the body — at the request's own X-Amz-Date, and compared in
// constant time with the one sent. Refusals follow what AWS answers (IAM user guide, "Troubleshoot
// signed requests"; Bedrock's REST-JSON errors: JSON {"message"} with `x-amzn-errortype`):
//
//   no Authorization header            403 MissingAuthenticationTokenException "Missing Authentication Token"
//   Authorization not AWS4-HMAC-SHA256 with Credential, SignedHeaders and Signature, or no X-Amz-Date
//                                      403 IncompleteSignatureException naming what is missing
//   unknown access key id              403 UnrecognizedClientException "The security token included in the request is invalid."
//   scope date ≠ X-Amz-Date's date     403 InvalidSignatureException "Date in Credential scope does not match …"
//   scope region ≠ --aws-region        403 InvalidSignatureException "Credential should be scoped to a valid region."
//   scope service ≠ bedrock            403 InvalidSignatureException "Credential should be scoped to correct service: 'bedrock'."
//   X-Amz-Date more than 15 min off    403 InvalidSignatureException "Signature expired: …" / "Signature not yet current: …"
//   any other difference               403 InvalidSignatureException "The request signature we calculated does not match …"
//
// A session token (x-amz-security-token) is accepted whatever its value, as long as it is signed.

import { createHash, randomUUID, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { Sha256 } from '@aws-crypto/sha256-js';
import { HttpRequest } from '@smithy/protocol-http';
import { SignatureV4 } from '@smithy/signature-v4';
import type { AuthFailure } from './auth.ts';

export interface AwsSigningConfig {
  accessKeyId: string;
  secretAccessKey: string;
  region: string;
}

export const SIGV4_SERVICE = 'bedrock';
const MAX_SKEW_MS = 15 * 60 * 1000;
const UNSIGNED_PAYLOAD = 'UNSIGNED-PAYLOAD';

function refuse(errorType: string, message: string): AuthFailure {
  return { status: 403, body: { message }, headers: { 'x-amzn-errortype': errorType, 'x-amzn-requestid': randomUUID() } };
}

const MISMATCH =
  'The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.';

interface ParsedAuthorization {
  accessKeyId: string;
  date: string;
  region: string;
  service: string;
  terminator: string;
  signedHeaders: string[];
  signature: string;
}

/** Splits `AWS4-HMAC-SHA256 Credential=…, SignedHeaders=…, Signature=…`; the names of missing parts otherwise. */
function parseAuthorization(value: string): ParsedAuthorization | string[] {
  const m = /^AWS4-HMAC-SHA256\s+(.*)$/.exec(value.trim());
  const params = new Map<string, string>();
  for (const part of (m?.[1] ?? '').split(',')) {
    const eq = part.indexOf('=');
    if (eq > 0) params.set(part.slice(0, eq).trim(), part.slice(eq + 1).trim());
  }
  const missing = ['Credential', 'Signature', 'SignedHeaders'].filter((k) => !params.get(k));
  if (!m || missing.length > 0) return m ? missing : ['Credential', 'Signature', 'SignedHeaders'];
  const scope = (params.get('Credential') as string).split('/');
  if (scope.length !== 5) return ['Credential'];
  const [accessKeyId, date, region, service, terminator] = scope as [string, string, string, string, string];
  return {
    accessKeyId,
    date,
    region,
    service,
    terminator,
    signedHeaders: (params.get('SignedHeaders') as string).split(';').map((h) => h.trim().toLowerCase()),
    signature: params.get('Signature') as string,
  };
}

/** `20240517T093000Z` → Date, or undefined. */
function parseAmzDate(value: string): Date | undefined {
  const m = /^(\d{4})(\d\d)(\d\d)T(\d\d)(\d\d)(\d\d)Z$/.exec(value);
  if (!m) return undefined;
  const [, y, mo, d, h, mi, s] = m.map(Number) as [number, number, number, number, number, number, number];
  const date = new Date(Date.UTC(y, mo - 1, d, h, mi, s));
  return Number.isNaN(date.getTime()) ? undefined : date;
}

function amzDate(d: Date): string {
  return d.toISOString().replace(/[-:]/g, '').replace(/\.\d{3}/, '');
}

function sameText(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/** The query string as the signer takes it: decoded names to decoded values (repeated names: lists). */
function queryRecord(rawQuery: string): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  for (const [k, v] of new URLSearchParams(rawQuery)) {
    const prev = out[k];
    out[k] = prev === undefined ? v : Array.isArray(prev) ? [...prev, v] : [prev, v];
  }
  return out;
}

/**
 * Verifies the SigV4 signature of a received request with its whole `body`; undefined when valid,
 * else the refusal AWS would answer with. `now` is for tests of the clock-skew rule.
 */
export async function verifySigV4(req: IncomingMessage, body: Buffer, config: AwsSigningConfig, now: Date = new Date()): Promise<AuthFailure | undefined> {
  const authorization = req.headers['authorization'];
  if (authorization === undefined || authorization === '') return refuse('MissingAuthenticationTokenException', 'Missing Authentication Token');
  const amzDateHeader = req.headers['x-amz-date'];
  const parsed = parseAuthorization(authorization);
  const missing = Array.isArray(parsed) ? parsed.map((p) => `Authorization header requires '${p}' parameter.`) : [];
  if (typeof amzDateHeader !== 'string') missing.push("Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header.");
  if (Array.isArray(parsed) || typeof amzDateHeader !== 'string') {
    return refuse('IncompleteSignatureException', `${missing.join(' ')} Authorization=${authorization}`);
  }
  if (!sameText(parsed.accessKeyId, config.accessKeyId)) return refuse('UnrecognizedClientException', 'The security token included in the request is invalid.');
  const signedAt = parseAmzDate(amzDateHeader);
  if (!signedAt) return refuse('IncompleteSignatureException', `Date must be in ISO-8601 'basic format'. Got '${amzDateHeader}'. See http://en.wikipedia.org/wiki/ISO_8601`);
  if (parsed.date !== amzDateHeader.slice(0, 8)) {
    return refuse(
      'InvalidSignatureException',
      `Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: '${parsed.date}' != '${amzDateHeader.slice(0, 8)}', from 'X-Amz-Date'.`,
    );
  }
  if (parsed.region !== config.region) return refuse('InvalidSignatureException', 'Credential should be scoped to a valid region.');
  if (parsed.service !== SIGV4_SERVICE) return refuse('InvalidSignatureException', `Credential should be scoped to correct service: '${SIGV4_SERVICE}'.`);
  if (parsed.terminator !== 'aws4_request') {
    return refuse('InvalidSignatureException', `Credential should be scoped with a valid terminator: 'aws4_request', not '${parsed.terminator}'.`);
  }
  const skew = signedAt.getTime() - now.getTime();
  if (skew < -MAX_SKEW_MS) {
    return refuse(
      'InvalidSignatureException',
      `Signature expired: ${amzDateHeader} is now earlier than ${amzDate(new Date(now.getTime() - MAX_SKEW_MS))} (${amzDate(now)} - 15 min.)`,
    );
  }
  if (skew > MAX_SKEW_MS) {
    return refuse(
      'InvalidSignatureException',
      `Signature not yet current: ${amzDateHeader} is still later than ${amzDate(new Date(now.getTime() + MAX_SKEW_MS))} (${amzDate(now)} + 15 min.)`,
    );
  }

  // A signed payload hash must be the body's (the signer would otherwise trust the header).
  const payloadHeader = req.headers['x-amz-content-sha256'];
  if (typeof payloadHeader === 'string' && payloadHeader !== UNSIGNED_PAYLOAD && payloadHeader !== createHash('sha256').update(body).digest('hex')) {
    return refuse('InvalidSignatureException', MISMATCH);
  }

  const headers: Record<string, string> = {};
  for (const name of parsed.signedHeaders) {
    const v = req.headers[name];
    if (v !== undefined) headers[name] = Array.isArray(v) ? v.join(',') : v;
  }
  const url = req.url ?? '/';
  const q = url.indexOf('?');
  const copy = new HttpRequest({
    method: req.method ?? 'POST',
    protocol: 'http:',
    hostname: (headers['host'] ?? 'localhost').replace(/:\d+$/, ''),
    path: q >= 0 ? url.slice(0, q) : url,
    query: q >= 0 ? queryRecord(url.slice(q + 1)) : {},
    headers,
    body,
  });
  const signer = new SignatureV4({
    credentials: { accessKeyId: config.accessKeyId, secretAccessKey: config.secretAccessKey },
    region: config.region,
    service: SIGV4_SERVICE,
    sha256: Sha256,
    applyChecksum: false,
  });
  const signed = await signer.sign(copy, { signingDate: signedAt, signableHeaders: new Set(parsed.signedHeaders) });
  const expected = /Signature=([0-9a-f]+)/.exec(String(signed.headers['authorization'] ?? ''))?.[1] ?? '';
  return sameText(parsed.signature, expected) ? undefined : refuse('InvalidSignatureException', MISMATCH);
}
