// Reloads: a valid change applies without dropping a stream in flight; an invalid one is refused with
// an error naming file, resource and field while the last good configuration keeps serving.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { request } from 'undici';
import { Gateway } from './gateway.ts';
import { formatProblem } from './config/problems.ts';
import { quickstart } from '../test/support/paths.ts';

const LLAMA = 'meta-llama/Llama-3.1-8B-Instruct';

async function chat(base: string, model: string, extra: Record<string, unknown> = {}) {
  const res = await request(`${base}/v1/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ model, messages: [{ role: 'user', content: 'hello' }], max_tokens: 4, ...extra }),
  });
  return { status: res.statusCode, headers: res.headers, body: await res.body.text() };
}

describe('configuration reload', () => {
  let dir: string;
  let gw: Gateway;
  let base: string;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'sluice-reload-'));
    cpSync(quickstart, dir, { recursive: true });
    // Slow the canned upstream's stream so that a stream is surely in flight during a reload.
    const canned = join(dir, 'canned-backend.yaml');
    writeFileSync(canned, readFileSync(canned, 'utf8').replace('value: canned\n', 'value: canned\n            - name: STREAMING_INTERVAL\n              value: 250ms\n'));
    gw = await Gateway.start({ files: [dir], port: 0, adminPort: false, watch: true, log: () => undefined });
    base = `http://127.0.0.1:${gw.listenerPort(0)}`;
  });
  after(async () => {
    await gw?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('refuses an unknown field, naming file, resource and field, and keeps serving', async () => {
    const file = join(dir, 'gateway.yaml');
    const good = readFileSync(file, 'utf8');
    writeFileSync(file, good.replace('protocol: HTTP', 'protocol: HTTP\n      prot: HTTP'));
    const result = await gw.reload();
    assert.equal(result.applied, false);
    const text = result.problems.map(formatProblem).join('\n');
    assert.match(text, /gateway\.yaml:\d+ \(document 2\): error: Gateway default\/quickstart: spec\.listeners\[0\]\.prot: unknown field "prot"/);
    assert.match(text, /did you mean "port"\?|did you mean "protocol"\?/);
    assert.equal(gw.snapshot?.generation, 1);
    assert.equal((await chat(base, LLAMA)).status, 200);
    writeFileSync(file, good);
  });

  it('refuses a bad reference and a wrong type', async () => {
    const file = join(dir, 'route.yaml');
    const good = readFileSync(file, 'utf8');
    writeFileSync(file, good.replace('name: llama', 'name: no-such-pool'));
    let result = await gw.reload();
    assert.equal(result.applied, false);
    assert.match(result.problems.map(formatProblem).join('\n'), /route\.yaml:\d+ \(document 1\): error: AIGatewayRoute default\/quickstart: spec\.rules\[0\]\.backendRefs\[0\]: BackendNotFound: InferencePool default\/no-such-pool not found/);

    writeFileSync(file, good);
    const gwFile = join(dir, 'gateway.yaml');
    const gwGood = readFileSync(gwFile, 'utf8');
    writeFileSync(gwFile, gwGood.replace('port: 8080', 'port: eighty'));
    result = await gw.reload();
    assert.equal(result.applied, false);
    assert.match(result.problems.map(formatProblem).join('\n'), /Gateway default\/quickstart: spec\.listeners\[0\]\.port: /);
    writeFileSync(gwFile, gwGood);
    assert.equal((await chat(base, LLAMA)).status, 200);
  });

  it('applies a valid change picked up by the file watcher without dropping a stream in flight', async () => {
    const before = gw.snapshot!.generation;
    // A slow stream that is still running when the new configuration is swapped in.
    const stream = request(`${base}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'canned-test-model', messages: [{ role: 'user', content: 'x' }], stream: true }),
    });
    const res = await stream;
    assert.equal(res.statusCode, 200);

    const file = join(dir, 'route.yaml');
    const added = readFileSync(file, 'utf8') + `
    - matches:
        - headers:
            - type: Exact
              name: x-ai-eg-model
              value: second-name-for-canned
      backendRefs:
        - name: canned
`;
    writeFileSync(file, added);
    const deadline = Date.now() + 10_000;
    while (gw.snapshot!.generation === before && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    assert.ok(gw.snapshot!.generation > before, 'the watcher applied the change');

    const body = await res.body.text();
    assert.match(body, /data: \[DONE\]/, 'the in-flight stream completed');
    assert.equal((await chat(base, 'second-name-for-canned')).status, 200);
    assert.equal((await chat(base, LLAMA)).status, 200);
  });
});
