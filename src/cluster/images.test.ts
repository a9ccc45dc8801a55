import { it } from 'node:test';
import assert from 'node:assert/strict';
import { classifyImage, imageRepository } from './images.ts';

it('recognises the standalone images from any registry and tag', () => {
  assert.equal(classifyImage('ghcr.io/llm-d/llm-d-inference-sim:v0.4.0'), 'simulator');
  assert.equal(classifyImage('my-registry.example.com:5000/mirror/llm-d-inference-sim@sha256:abc'), 'simulator');
  assert.equal(classifyImage('docker.io/envoyproxy/ai-gateway-testupstream:latest'), 'testupstream');
  assert.equal(classifyImage('envoyproxy/ai-gateway-testupstream'), 'testupstream');
  assert.equal(classifyImage('registry.k8s.io/gateway-api-inference-extension/epp:v1.0.1'), 'epp');
  assert.equal(classifyImage('vllm/vllm-openai:latest'), 'unknown');
  assert.equal(imageRepository('localhost:5000/a/b:1'), 'a/b');
});
