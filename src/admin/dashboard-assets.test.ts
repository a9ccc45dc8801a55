// The dashboard's static files: found beside the module (source) or in the checkout from a build in
// dist/src/admin/, served with a strict same-origin CSP, nothing outside the folder.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { request } from 'undici';
import { AdminServer } from './server.ts';
import { dashboardDir } from './dashboard-assets.ts';
import { repoRoot } from '../../test/support/paths.ts';
import type { StatusReport } from '../controlplane/status-report.ts';

const EMPTY_STATUS: StatusReport = { generation: 3, resources: [], ignored: [], pools: [], problems: [] };

describe('dashboard assets', () => {
  let admin: AdminServer;
  let base: string;
  before(async () => {
    admin = new AdminServer({ ready: true, metrics: async () => ({ contentType: 'text/plain', body: 'm 1\n' }), status: () => EMPTY_STATUS });
    await admin.listen(0, '127.0.0.1');
    base = `http://127.0.0.1:${admin.port}`;
  });
  after(() => admin?.close());

  it('finds the files from the source tree and from a build in dist/src/admin', () => {
    const src = join(repoRoot, 'src', 'admin', 'dashboard');
    assert.equal(dashboardDir(join(repoRoot, 'src', 'admin')), src);
    assert.equal(dashboardDir(join(repoRoot, 'dist', 'src', 'admin')), src);
    assert.equal(dashboardDir('/nonexistent/a/b/c'), undefined);
    for (const f of ['index.html', 'app.js', 'map.js', 'charts.js', 'style.css']) assert.ok(existsSync(join(src, f)), f);
  });

  it('serves the page at / and /dashboard, and its scripts and styles, with a same-origin CSP', async () => {
    for (const path of ['/', '/dashboard', '/dashboard/']) {
      const res = await request(base + path);
      assert.equal(res.statusCode, 200, path);
      assert.match(String(res.headers['content-type']), /^text\/html/);
      assert.match(String(res.headers['content-security-policy']), /default-src 'none'; script-src 'self'/);
      assert.match(await res.body.text(), /<script type="module" src="\/dashboard\/app\.js">/);
    }
    for (const [file, type] of [['app.js', /^text\/javascript/], ['map.js', /^text\/javascript/], ['charts.js', /^text\/javascript/], ['style.css', /^text\/css/]] as const) {
      const res = await request(`${base}/dashboard/${file}`);
      assert.equal(res.statusCode, 200, file);
      assert.match(String(res.headers['content-type']), type);
      await res.body.dump();
    }
  });

  it('serves nothing else from disk', async () => {
    for (const path of ['/dashboard/../server.ts', '/dashboard/%2e%2e%2fserver.ts', '/dashboard/server.ts', '/dashboard/nope.js', '/dashboard/.hidden.js']) {
      const res = await request(base + path);
      assert.equal(res.statusCode, 404, path);
      await res.body.dump();
    }
  });

  it('keeps the existing admin routes, and a summary without a flow log still lists pools', async () => {
    for (const [path, status] of [['/healthz', 200], ['/readyz', 200], ['/metrics', 200], ['/api/status', 200], ['/api/flows', 404], ['/nope', 404]] as const) {
      const res = await request(base + path);
      assert.equal(res.statusCode, status, path);
      await res.body.dump();
    }
    const res = await request(`${base}/api/summary`);
    assert.equal(res.statusCode, 200);
    const s = (await res.body.json()) as { generation: number; flowLog: { enabled: boolean }; pools: unknown[]; totals: { flows: number } };
    assert.equal(s.generation, 3);
    assert.equal(s.flowLog.enabled, false);
    assert.equal(s.totals.flows, 0);
    const bad = await request(`${base}/api/summary?window=forever`);
    assert.equal(bad.statusCode, 400);
    await bad.body.dump();
  });
});
