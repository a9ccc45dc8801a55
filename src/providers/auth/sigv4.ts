// AWS Signature Version 4 over an upstream request draft, with @smithy/signature-v4. Signs exactly
// what the draft holds when it is called: method, host, path and query, every header (except the
// ones SigV4 never signs, such as user-agent) and the body. Sets `authorization`, `x-amz-date`,
// `x-amz-content-sha256` (the body's SHA-256) and, with a session token, `x-amz-security-token`.
// Stale values of those headers (from a client or an earlier attempt) are removed first.
import { Sha256 } from '@aws-crypto/sha256-js';
import { HttpRequest } from '@smithy/protocol-http';
import { SignatureV4 } from '@smithy/signature-v4';

import type { UpstreamRequestDraft } from '../../runtime/upstream-auth.ts';

import type { AwsKeys } from './aws-ini.ts';
import { redact } from './sources.ts';

const SIGV4_HEADERS = ['authorization', 'x-amz-date', 'x-amz-content-sha256', 'x-amz-security-token'] as const;

export interface SigV4Options {
  readonly region: string;
  readonly service: string;
  readonly date: Date;
  /** Send the body's hash as `x-amz-content-sha256` (default true; the AWS test suite has none). */
  readonly contentSha256?: boolean | undefined;
}

/** A query string as @smithy wants it: names and values decoded; repeated names as arrays. */
function parseQuery(query: string): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  const decode = (s: string): string => {
    try {
      return decodeURIComponent(s);
    } catch {
      return s;
    }
  };
  for (const pair of query.split('&')) {
    if (pair === '') continue;
    const eq = pair.indexOf('=');
    const name = decode(eq < 0 ? pair : pair.slice(0, eq));
    const value = eq < 0 ? '' : decode(pair.slice(eq + 1));
    const prev = out[name];
    out[name] = prev === undefined ? value : Array.isArray(prev) ? [...prev, value] : [prev, value];
  }
  return out;
}

export class SigV4Signer {
  readonly #keys: AwsKeys;
  readonly #signers = new Map<string, SignatureV4>();

  constructor(keys: AwsKeys) {
    this.#keys = keys;
    redact(this, () => 'SigV4Signer');
  }

  /** Whether this signer holds exactly these keys. */
  holds(keys: AwsKeys): boolean {
    const k = this.#keys;
    return k.accessKeyId === keys.accessKeyId && k.secretAccessKey === keys.secretAccessKey && k.sessionToken === keys.sessionToken;
  }

  async sign(req: UpstreamRequestDraft, opts: SigV4Options): Promise<void> {
    const contentSha256 = opts.contentSha256 ?? true;
    const cacheKey = `${opts.region}\n${opts.service}\n${contentSha256}`;
    let signer = this.#signers.get(cacheKey);
    if (signer === undefined) {
      // One signer per region/service keeps @smithy's derived-key cache across requests.
      const { accessKeyId, secretAccessKey, sessionToken } = this.#keys;
      signer = new SignatureV4({
        credentials: { accessKeyId, secretAccessKey, ...(sessionToken !== undefined ? { sessionToken } : {}) },
        region: opts.region,
        service: opts.service,
        sha256: Sha256,
        applyChecksum: contentSha256,
      });
      this.#signers.set(cacheKey, signer);
    }
    for (const h of SIGV4_HEADERS) delete req.headers[h];
    const url = new URL(req.origin);
    if (req.headers['host'] === undefined) req.headers['host'] = url.host;
    const q = req.path.indexOf('?');
    const http = new HttpRequest({
      method: req.method.toUpperCase(),
      protocol: url.protocol,
      hostname: url.hostname,
      ...(url.port !== '' ? { port: Number(url.port) } : {}),
      path: q < 0 ? req.path : req.path.slice(0, q),
      query: q < 0 ? {} : parseQuery(req.path.slice(q + 1)),
      headers: { ...req.headers },
      body: req.body,
    });
    const signed = await signer.sign(http, { signingDate: opts.date });
    for (const h of SIGV4_HEADERS) {
      const value = signed.headers[h];
      if (value !== undefined) req.headers[h] = value;
    }
  }
}
