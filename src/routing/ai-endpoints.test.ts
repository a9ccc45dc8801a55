import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { aiEndpointOf } from './ai-endpoints.ts';

test('the OpenAI and Anthropic endpoints, by exact path and POST only', () => {
  assert.deepEqual(aiEndpointOf('POST', '/v1/chat/completions'), { schema: 'OpenAI', operation: 'chat' });
  assert.deepEqual(aiEndpointOf('POST', '/anthropic/v1/messages/count_tokens'), { schema: 'Anthropic', operation: 'count_tokens' });
  assert.equal(aiEndpointOf('GET', '/v1/chat/completions'), undefined);
  assert.equal(aiEndpointOf('POST', '/v1/chat/completions/'), undefined);
});

test('Gemini: the model and streaming come from the path', () => {
  assert.deepEqual(aiEndpointOf('POST', '/v1beta/models/gemini-2.0-flash:streamGenerateContent'), { schema: 'Gemini', operation: 'generate', model: 'gemini-2.0-flash', stream: true });
  assert.equal(aiEndpointOf('POST', '/v1beta/models/a/b:generateContent'), undefined);
});

test('Azure OpenAI clients: the deployment is the model, three operations', () => {
  assert.deepEqual(aiEndpointOf('POST', '/openai/deployments/gpt-4o/chat/completions'), { schema: 'OpenAI', operation: 'chat', model: 'gpt-4o', azure: true });
  assert.deepEqual(aiEndpointOf('POST', '/openai/deployments/my%20dep/embeddings'), { schema: 'OpenAI', operation: 'embeddings', model: 'my dep', azure: true });
  assert.equal(aiEndpointOf('POST', '/openai/deployments/gpt-4o/completions')?.operation, 'completions');
  assert.equal(aiEndpointOf('POST', '/openai/deployments/gpt-4o/images/generations'), undefined);
  assert.equal(aiEndpointOf('POST', '/openai/deployments//chat/completions'), undefined);
  // A segment that does not percent-decode is taken as written, not a crash.
  assert.equal(aiEndpointOf('POST', '/openai/deployments/%E0%A4%A/chat/completions')?.model, '%E0%A4%A');
});

test('any path: an endpoint or undefined, never a throw', () => {
  fc.assert(
    fc.property(fc.constantFrom('/openai/deployments/', '/v1beta/models/', '/v1/', '/'), fc.string(), (prefix, rest) => {
      const e = aiEndpointOf('POST', prefix + rest);
      return e === undefined || typeof e.operation === 'string';
    }),
  );
});
