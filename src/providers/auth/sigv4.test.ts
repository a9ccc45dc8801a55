import assert from 'node:assert/strict';
import { createHash, createHmac } from 'node:crypto';
import { describe, test } from 'node:test';

import { Sha256 } from '@aws-crypto/sha256-js';
import { HttpRequest } from '@smithy/protocol-http';
import { SignatureV4 } from '@smithy/signature-v4';

import type { UpstreamRequestDraft } from '../../runtime/upstream-auth.ts';

import { SigV4Signer } from './sigv4.ts';
import { assertNoSecret } from './testing.ts';

// Credentials and date of the AWS SigV4 test suite (docs.aws.amazon.com/general/latest/gr/signature-v4-test-suite.html).
const SUITE_KEYS = { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY' };
const SUITE_DATE = new Date('2015-08-30T12:36:00Z');

function suiteRequest(path: string): UpstreamRequestDraft {
  return { method: 'GET', origin: 'https://example.amazonaws.com', path, headers: { host: 'example.amazonaws.com' }, body: Buffer.alloc(0) };
}

describe('SigV4: published examples', () => {
  test('test suite get-vanilla', async () => {
    const req = suiteRequest('/');
    await new SigV4Signer(SUITE_KEYS).sign(req, { region: 'us-east-1', service: 'service', date: SUITE_DATE, contentSha256: false });
    assert.equal(req.headers['x-amz-date'], '20150830T123600Z');
    assert.equal(
      req.headers['authorization'],
      'AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, SignedHeaders=host;x-amz-date, Signature=5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31',
    );
    assert.equal(req.headers['x-amz-content-sha256'], undefined);
  });

  test('test suite get-vanilla-query-order-key-case: the query is sorted before signing', async () => {
    const req = suiteRequest('/?Param2=value2&Param1=value1');
    await new SigV4Signer(SUITE_KEYS).sign(req, { region: 'us-east-1', service: 'service', date: SUITE_DATE, contentSha256: false });
    assert.match(req.headers['authorization']!, /Signature=b97d918cfa904a5beff61c982a1b6f458b799221646efd99d3219ec94cdf2500$/);
    assert.equal(req.path, '/?Param2=value2&Param1=value1', 'the path sent is not rewritten');
  });

  test('Amazon S3 documentation example "GET Object" (with x-amz-content-sha256 and a Range header)', async () => {
    // docs.aws.amazon.com/AmazonS3/latest/API/sig-v4-header-based-auth.html; S3 is the one service
    // whose path is not escaped twice, which does not matter for /test.txt.
    const req: UpstreamRequestDraft = {
      method: 'GET',
      origin: 'https://examplebucket.s3.amazonaws.com',
      path: '/test.txt',
      headers: { host: 'examplebucket.s3.amazonaws.com', range: 'bytes=0-9' },
      body: Buffer.alloc(0),
    };
    await new SigV4Signer({ accessKeyId: 'AKIAIOSFODNN7EXAMPLE', secretAccessKey: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY' }).sign(req, {
      region: 'us-east-1',
      service: 's3',
      date: new Date('2013-05-24T00:00:00Z'),
    });
    assert.equal(req.headers['x-amz-content-sha256'], 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
    assert.equal(
      req.headers['authorization'],
      'AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request, SignedHeaders=host;range;x-amz-content-sha256;x-amz-date, Signature=f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41',
    );
  });
});

/** SigV4 written out from the AWS documentation with node:crypto: a third, independent signer. */
function referenceSignature(
  req: { method: string; canonicalUri: string; canonicalQuery: string; headers: Record<string, string>; body: Buffer },
  keys: { accessKeyId: string; secretAccessKey: string },
  region: string,
  service: string,
  amzDate: string,
): string {
  const hex = (b: Buffer | string) => createHash('sha256').update(b).digest('hex');
  const names = Object.keys(req.headers).sort();
  const canonicalHeaders = names.map((n) => `${n}:${req.headers[n]!.trim().replace(/\s+/g, ' ')}\n`).join('');
  const signedHeaders = names.join(';');
  const canonical = [req.method, req.canonicalUri, req.canonicalQuery, canonicalHeaders, signedHeaders, hex(req.body)].join('\n');
  const day = amzDate.slice(0, 8);
  const scope = `${day}/${region}/${service}/aws4_request`;
  const toSign = ['AWS4-HMAC-SHA256', amzDate, scope, hex(canonical)].join('\n');
  let key: Buffer = createHmac('sha256', `AWS4${keys.secretAccessKey}`).update(day).digest();
  for (const part of [region, service, 'aws4_request']) key = createHmac('sha256', key).update(part).digest();
  const signature = createHmac('sha256', key).update(toSign).digest('hex');
  return `AWS4-HMAC-SHA256 Credential=${keys.accessKeyId}/${scope}, SignedHeaders=${signedHeaders}, Signature=${signature}`;
}

describe('SigV4: a Bedrock request', () => {
  const keys = { accessKeyId: 'AKIAEXAMPLEBEDROCK', secretAccessKey: 'bedrock-secret-access-key-value', sessionToken: 'session-token-value' };
  const date = new Date('2025-03-01T08:09:10Z');
  const body = Buffer.from('{"messages":[{"role":"user","content":[{"text":"hi"}]}]}');
  const make = (): UpstreamRequestDraft => ({
    method: 'POST',
    origin: 'https://bedrock-runtime.us-west-2.amazonaws.com:443',
    // The model ID's ':' percent-encoded on the wire, as the AWS SDKs send it.
    path: '/model/anthropic.claude-3-haiku-20240307-v1%3A0/converse?trace=a%20b&alpha=1',
    headers: { host: 'bedrock-runtime.us-west-2.amazonaws.com', 'content-type': 'application/json', 'content-length': String(body.length), 'user-agent': 'sluice', 'x-amz-date': 'stale', authorization: 'stale' },
    body,
  });

  test('matches an independent @smithy/signature-v4 signature of the same request', async () => {
    const req = make();
    await new SigV4Signer(keys).sign(req, { region: 'us-west-2', service: 'bedrock', date });

    const independent = await new SignatureV4({ credentials: keys, region: 'us-west-2', service: 'bedrock', sha256: Sha256 }).sign(
      new HttpRequest({
        method: 'POST',
        protocol: 'https:',
        hostname: 'bedrock-runtime.us-west-2.amazonaws.com',
        path: '/model/anthropic.claude-3-haiku-20240307-v1%3A0/converse',
        query: { trace: 'a b', alpha: '1' },
        headers: { host: 'bedrock-runtime.us-west-2.amazonaws.com', 'content-type': 'application/json', 'content-length': String(body.length), 'user-agent': 'sluice' },
        body,
      }),
      { signingDate: date },
    );
    assert.equal(req.headers['authorization'], independent.headers['authorization']);
    assert.equal(req.headers['x-amz-date'], '20250301T080910Z');
    assert.equal(req.headers['x-amz-security-token'], 'session-token-value');
    assert.equal(req.headers['x-amz-content-sha256'], createHash('sha256').update(body).digest('hex'));
    assertNoSecret(['bedrock-secret-access-key-value'], req.headers);
  });

  test('matches SigV4 computed from the documentation with node:crypto (double-escaped path, sorted query, body hash)', async () => {
    const req = make();
    await new SigV4Signer(keys).sign(req, { region: 'us-west-2', service: 'bedrock', date });
    const expected = referenceSignature(
      {
        method: 'POST',
        // Every service but S3 escapes the (already escaped) path once more: %3A → %253A.
        canonicalUri: '/model/anthropic.claude-3-haiku-20240307-v1%253A0/converse',
        canonicalQuery: 'alpha=1&trace=a%20b',
        headers: {
          'content-length': String(body.length),
          'content-type': 'application/json',
          host: 'bedrock-runtime.us-west-2.amazonaws.com',
          'x-amz-content-sha256': createHash('sha256').update(body).digest('hex'),
          'x-amz-date': '20250301T080910Z',
          'x-amz-security-token': 'session-token-value',
        },
        body,
      },
      keys,
      'us-west-2',
      'bedrock',
      '20250301T080910Z',
    );
    assert.equal(req.headers['authorization'], expected);
  });

  test('a path sent with a raw ":" is escaped once in the canonical request, as AWS does on receipt', async () => {
    const req = { ...make(), path: '/model/m-v1:0/converse' };
    await new SigV4Signer(keys).sign(req, { region: 'us-west-2', service: 'bedrock', date });
    const headers: Record<string, string> = {};
    for (const [k, v] of Object.entries(req.headers)) if (k !== 'authorization' && k !== 'user-agent') headers[k] = v;
    assert.equal(req.headers['authorization'], referenceSignature({ method: 'POST', canonicalUri: '/model/m-v1%3A0/converse', canonicalQuery: '', headers, body }, keys, 'us-west-2', 'bedrock', '20250301T080910Z'));
  });

  test('a changed body or header changes the signature (the final request is what is signed)', async () => {
    const a = make();
    const b = { ...make(), body: Buffer.from('{"messages":[]}') };
    const c = make();
    c.headers['content-type'] = 'application/x-other';
    const signer = new SigV4Signer(keys);
    for (const r of [a, b, c]) await signer.sign(r, { region: 'us-west-2', service: 'bedrock', date });
    assert.notEqual(a.headers['authorization'], b.headers['authorization']);
    assert.notEqual(a.headers['authorization'], c.headers['authorization']);
  });

  test('without a session token no x-amz-security-token is sent, even if the request carried one', async () => {
    const req = make();
    req.headers['x-amz-security-token'] = 'from-the-client';
    await new SigV4Signer({ accessKeyId: keys.accessKeyId, secretAccessKey: keys.secretAccessKey }).sign(req, { region: 'us-west-2', service: 'bedrock', date });
    assert.equal(req.headers['x-amz-security-token'], undefined);
    assert.doesNotMatch(req.headers['authorization']!, /x-amz-security-token/);
  });

  test('a draft without a host header gets one from the origin, and it is signed', async () => {
    const req = make();
    delete req.headers['host'];
    await new SigV4Signer(keys).sign(req, { region: 'us-west-2', service: 'bedrock', date });
    assert.equal(req.headers['host'], 'bedrock-runtime.us-west-2.amazonaws.com');
    assert.match(req.headers['authorization']!, /SignedHeaders=content-length;content-type;host;/);
  });

  test('the signer prints no key', () => {
    assertNoSecret(['bedrock-secret-access-key-value', 'session-token-value'], new SigV4Signer(keys));
  });
});
