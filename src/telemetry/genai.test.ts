// The GenAI vocabulary helpers on hand-built contexts: the model-label cardinality rule, TTFT and TPOT
// as upstream defines them, endpoint names and server addresses, provider and operation names.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import type { Attempt, RequestContext } from '../runtime/context.ts';
import { emptyUsage } from '../runtime/usage.ts';
import type { BackendTarget } from '../runtime/snapshot.ts';
import { ModelLabels, OTHER, UNKNOWN, attemptEndpointName, attemptErrorType, attemptServer, genAIOperationName, genAIProviderName, requestErrorType, timePerOutputTokenSeconds, timeToFirstTokenSeconds } from './genai.ts';
import { GatewayError } from '../errors.ts';

const listener = { models: [{ id: 'gpt-4o', created: 0, ownedBy: 'x', hostnames: [] }] };

function ctx(fields: Record<string, unknown> = {}): RequestContext {
  return { rule: { routeKey: 'default/r' }, listener, backend: undefined, startedAt: 1000, endedAt: 0, firstByteAt: 0, stream: false, status: 200, error: undefined, usage: emptyUsage(), endpoint: undefined, ...fields } as unknown as RequestContext;
}

function attempt(fields: Partial<Attempt> = {}): Attempt {
  return { n: 1, backend: '', endpoint: '', startedAt: 0, headersAt: 0, endedAt: 0, status: 0, error: undefined, retried: false, retryOn: undefined, retryStatus: 0, traceparent: undefined, ...fields } as Attempt;
}

describe('ModelLabels', () => {
  it('keeps config-known models and overrides, marks unrouted requests unknown, bounds the rest', () => {
    const labels = new ModelLabels(2);
    assert.equal(labels.label(ctx({ rule: undefined }), 'gpt-4o'), UNKNOWN);
    assert.equal(labels.label(ctx(), undefined), UNKNOWN);
    assert.equal(labels.label(ctx(), 'gpt-4o'), 'gpt-4o');
    assert.equal(labels.label(ctx({ backend: { modelNameOverride: 'llama-70b' } }), 'llama-70b'), 'llama-70b');
    assert.equal(labels.label(ctx(), 'a'), 'a');
    assert.equal(labels.label(ctx(), 'b'), 'b');
    assert.equal(labels.label(ctx(), 'c'), OTHER);
    assert.equal(labels.label(ctx(), 'a'), 'a', 'a name already labelled stays');
    assert.equal(labels.label(ctx(), 'gpt-4o'), 'gpt-4o', 'known models are never crowded out');
    assert.equal(new ModelLabels(5).label(ctx(), 'x'.repeat(300)), OTHER);
  });

  it('never yields more than limit + known distinct values, whatever clients send (property)', () => {
    fc.assert(
      fc.property(fc.array(fc.string(), { maxLength: 200 }), fc.integer({ min: 0, max: 20 }), (names, limit) => {
        const labels = new ModelLabels(limit);
        const seen = new Set(names.map((n) => labels.label(ctx(), n)));
        seen.delete('gpt-4o');
        seen.delete(UNKNOWN);
        seen.delete(OTHER);
        return seen.size <= limit;
      }),
    );
  });
});

describe('TTFT and TPOT', () => {
  it('TTFT: streams with a first byte only, from arrival', () => {
    assert.equal(timeToFirstTokenSeconds(ctx({ stream: true, firstByteAt: 1250 })), 0.25);
    assert.equal(timeToFirstTokenSeconds(ctx({ stream: false, firstByteAt: 1250 })), undefined);
    assert.equal(timeToFirstTokenSeconds(ctx({ stream: true, firstByteAt: 0 })), undefined);
  });

  it('TPOT: (end − first token) / (output tokens − 1), successful streams with more than one token', () => {
    const usage = { ...emptyUsage(), outputTokens: 11 };
    assert.equal(timePerOutputTokenSeconds(ctx({ stream: true, firstByteAt: 1200, endedAt: 2200, usage })), 0.1);
    assert.equal(timePerOutputTokenSeconds(ctx({ stream: true, firstByteAt: 1200, endedAt: 2200, usage: { ...usage, outputTokens: 1 } })), undefined);
    assert.equal(timePerOutputTokenSeconds(ctx({ stream: false, firstByteAt: 1200, endedAt: 2200, usage })), undefined);
    assert.equal(timePerOutputTokenSeconds(ctx({ stream: true, firstByteAt: 1200, endedAt: 2200, usage, error: new GatewayError('upstream_error', 'x') })), undefined);
  });
});

describe('names', () => {
  it('endpoint: the pod name when known, else address:port without a scheme', () => {
    const ep = { key: '10.0.0.1:8000', podName: 'vllm-0' };
    assert.equal(attemptEndpointName(ctx({ endpoint: ep }), attempt({ endpoint: '10.0.0.1:8000' })), 'vllm-0');
    assert.equal(attemptEndpointName(ctx({ endpoint: ep }), attempt({ endpoint: '10.0.0.2:8000' })), '10.0.0.2:8000');
    assert.equal(attemptEndpointName(ctx(), attempt({ endpoint: 'https://api.openai.com:443' })), 'api.openai.com:443');
    assert.equal(attemptEndpointName(ctx(), attempt()), '');
  });

  it('server address and port of an attempt', () => {
    assert.deepEqual(attemptServer(attempt({ endpoint: '10.0.0.1:8000' })), { address: '10.0.0.1', port: 8000 });
    assert.deepEqual(attemptServer(attempt({ endpoint: 'https://api.openai.com:443' })), { address: 'api.openai.com', port: 443 });
    assert.deepEqual(attemptServer(attempt({ endpoint: '[::1]:9000' })), { address: '::1', port: 9000 });
    assert.equal(attemptServer(attempt()), undefined);
  });

  it('providers by backend schema, operations with upstream values', () => {
    const endpoints = (name: string) => ({ kind: 'endpoints', id: 'x', schema: { name, prefix: '' }, targets: [], cursor: 0 }) as unknown as BackendTarget;
    assert.equal(genAIProviderName(endpoints('OpenAI')), 'openai');
    assert.equal(genAIProviderName(endpoints('AzureOpenAI')), 'azure.openai');
    assert.equal(genAIProviderName(endpoints('AWSBedrock')), 'aws.bedrock');
    assert.equal(genAIProviderName(endpoints('GCPVertexAI')), 'gcp.vertex_ai');
    assert.equal(genAIProviderName(endpoints('GCPAnthropic')), 'gcp.anthropic');
    assert.equal(genAIProviderName({ kind: 'pool', id: 'InferencePool default/p' } as unknown as BackendTarget), 'openai');
    assert.equal(genAIProviderName(undefined), UNKNOWN);
    assert.equal(genAIOperationName('completions'), 'completion');
    assert.equal(genAIOperationName('generate'), 'generate_content');
  });

  it('error.type: catalogue codes, else error statuses, else empty', () => {
    assert.equal(requestErrorType(ctx({ error: new GatewayError('rate_limited', 'x'), status: 429 })), 'rate_limited');
    assert.equal(requestErrorType(ctx({ status: 503 })), '503');
    assert.equal(requestErrorType(ctx({ status: 200 })), '');
    assert.equal(attemptErrorType(attempt({ error: 'upstream_timeout' })), 'upstream_timeout');
    assert.equal(attemptErrorType(attempt({ status: 503, retryStatus: 503 })), '503');
    assert.equal(attemptErrorType(attempt({ status: 200 })), '');
  });
});
