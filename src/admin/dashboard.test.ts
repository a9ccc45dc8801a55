// The dashboard in headless Chromium (test/support/browser.ts): a gateway serving the quickstart (a
// simulated vLLM pool and an OpenAI-compatible backend) with a flow log and an admin server, traffic
// from the official openai client (plain, streamed, an unknown model → 404), then the page: no console
// errors, the service map's nodes, the pool's endpoints, the drop, live numbers that move under more
// traffic, and a screenshot for the docs (docs/images/dashboard.png).
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import OpenAI from 'openai';
import { launchBrowser } from '../../test/support/browser.ts';
import type { TestBrowser } from '../../test/support/browser.ts';
import { quickstart, repoRoot } from '../../test/support/paths.ts';
import { startObservedGateway } from './testing.ts';
import type { ObservedGateway } from './testing.ts';

const MODEL = 'meta-llama/Llama-3.1-8B-Instruct';
const CANNED = 'canned-test-model';
// Long enough to fill prefix-cache blocks, so the pool shows prefix hits.
const SYSTEM = 'You are a careful assistant for the Sluice gateway docs. '.repeat(40);
// The docs' screenshot is refreshed on request (UPDATE_SCREENSHOTS=1); otherwise the test writes a
// scratch copy, so running the tests never dirties the checkout.
const SCREENSHOT = process.env['UPDATE_SCREENSHOTS'] === '1' ? join(repoRoot, 'docs', 'images', 'dashboard.png') : join(tmpdir(), `sluice-dashboard-${process.pid}.png`);

// The page's globals, as the functions run inside the browser see them.
declare const document: {
  getElementById(id: string): { textContent: string | null } | null;
  querySelector(selector: string): { children: { length: number } } | null;
};

describe('dashboard in headless Chromium', () => {
  let o: ObservedGateway;
  let client: OpenAI;
  let browser: TestBrowser | undefined;

  async function traffic(n: number): Promise<void> {
    for (let i = 0; i < n; i++) {
      await client.chat.completions.create({ model: MODEL, messages: [{ role: 'system', content: SYSTEM }, { role: 'user', content: `Question ${i}` }], max_tokens: 6 });
      const stream = await client.chat.completions.create({ model: MODEL, messages: [{ role: 'system', content: SYSTEM }, { role: 'user', content: `Stream ${i}` }], max_tokens: 6, stream: true, stream_options: { include_usage: true } });
      for await (const chunk of stream) void chunk;
      await client.chat.completions.create({ model: CANNED, messages: [{ role: 'user', content: 'hello' }] });
    }
  }

  before(async () => {
    o = await startObservedGateway({ files: [quickstart] });
    client = new OpenAI({ baseURL: `${o.base}/v1`, apiKey: 'unused', maxRetries: 0 });
    await traffic(3);
    await assert.rejects(client.chat.completions.create({ model: 'no-such-model', messages: [{ role: 'user', content: 'x' }] }), (e: unknown) => e instanceof OpenAI.NotFoundError);
  });
  after(async () => {
    await browser?.close();
    await o?.close();
  });

  it('shows the map, pools, drops and live numbers without console errors', async () => {
    // Fails here, saying what to install, when Chromium is missing.
    browser = await launchBrowser();
    const { page, problems } = await browser.page();
    await page.goto(`${o.adminUrl}/dashboard`, { waitUntil: 'load' });
    const flowsSeen = () => page.locator('#stat-requests').textContent().then((t) => Number((t ?? '').replace(/,/g, '')));
    // The first summary arrived: every flow so far is counted.
    await page.waitForFunction((n) => Number(document.getElementById('stat-requests')?.textContent?.replace(/,/g, '')) >= n, o.flows.lastSeq, { timeout: 15_000 });

    // Service map: clients → routes → backends → endpoints.
    const nodes = await page.locator('#service-map [data-node]').evaluateAll((els) => els.map((e) => e.getAttribute('data-node')));
    for (const id of ['client:127.0.0.1', 'route:default/quickstart', 'route:(no route)', 'backend:InferencePool default/llama']) assert.ok(nodes.includes(id), `${id} in ${nodes.join(', ')}`);
    assert.ok(nodes.some((n) => n?.startsWith('backend:') && n.endsWith(' default/canned')), `the canned backend in ${nodes.join(', ')}`);
    assert.ok(nodes.some((n) => n?.startsWith('endpoint:')), 'an endpoint node');
    assert.ok((await page.locator('#service-map path.edge').count()) >= 5);
    const pods = await page.locator('#service-map [data-kind="endpoint"] text').allTextContents();
    assert.ok(pods.some((t) => t.startsWith('llama-')), `pod names on the map: ${pods.join(', ')}`);

    // Pools: the three simulated replicas with their metrics.
    assert.equal(await page.locator('#pools [data-pool="default/llama"] tbody tr').count(), 3);
    // Models and drops.
    const models = await page.locator('#models tbody td:first-child').allTextContents();
    assert.ok(models.includes(MODEL) && models.includes(CANNED) && models.includes('no-such-model'), models.join(', '));
    const drops = await page.locator('#drops tbody').textContent();
    assert.match(drops ?? '', /model-not-found/);
    // The live flow list follows the stream.
    await page.waitForFunction(() => (document.querySelector('#flows tbody')?.children.length ?? 0) > 0, undefined, { timeout: 15_000 });
    await page.waitForFunction(() => document.getElementById('live')?.textContent === 'live', undefined, { timeout: 15_000 });

    // Live: more traffic moves the counter and reaches the flow list.
    const before = await flowsSeen();
    const rowsBefore = await page.locator('#flows tbody tr').count();
    await traffic(2);
    // Six requests: the counter reaches them all (polled every second; bounded wait).
    await page.waitForFunction((n) => Number(document.getElementById('stat-requests')?.textContent?.replace(/,/g, '')) >= n, before + 6, { timeout: 15_000 });
    await page.waitForFunction((n) => (document.querySelector('#flows tbody')?.children.length ?? 0) > n, rowsBefore, { timeout: 15_000 });
    // Charts have lines once tokens and streams were seen.
    assert.ok((await page.locator('#chart-tokens polyline, #chart-tokens circle').count()) > 0);
    assert.ok((await page.locator('#chart-ttft polyline, #chart-ttft circle').count()) > 0);

    mkdirSync(join(repoRoot, 'docs', 'images'), { recursive: true });
    await page.screenshot({ path: SCREENSHOT, fullPage: true });
    assert.ok(statSync(SCREENSHOT).size < 300 * 1024, 'the committed screenshot stays small');
    assert.deepEqual(problems, []);
    await page.close();
  });
});
