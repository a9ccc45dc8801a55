// The dashboard's static files (plain HTML, CSS and JavaScript in admin/dashboard/: no build step, no
// CDN). They are read from disk beside this module when it runs from the source tree; tsc does not
// copy them, so a module compiled into dist/src/admin/ finds them in the checkout's src/admin/dashboard/.
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import type { ServerResponse } from 'node:http';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const TYPES: Record<string, string> = {
  html: 'text/html; charset=utf-8',
  js: 'text/javascript; charset=utf-8',
  css: 'text/css; charset=utf-8',
  svg: 'image/svg+xml',
};

/** Same-origin only: the dashboard loads nothing from elsewhere and runs no inline script. */
const CSP = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

/**
 * The folder holding index.html: beside the module in the source tree (src/admin/dashboard), else the
 * checkout's src/admin/dashboard found by walking up from a build (dist/src/admin → dist → checkout).
 */
export function dashboardDir(from: string = dirname(fileURLToPath(import.meta.url))): string | undefined {
  const beside = join(from, 'dashboard');
  if (existsSync(join(beside, 'index.html'))) return beside;
  let dir = from;
  for (let i = 0; i < 6; i++) {
    const candidate = join(dir, 'src', 'admin', 'dashboard');
    if (existsSync(join(candidate, 'index.html'))) return candidate;
    const parent = dirname(dir);
    if (parent === dir) break;
    dir = parent;
  }
  return undefined;
}

let cached: string | undefined;

export async function serveDashboardAsset(res: ServerResponse, name: string): Promise<void> {
  const m = /^[a-z0-9][a-z0-9-]*\.(html|js|css|svg)$/.exec(name);
  const dir = (cached ??= dashboardDir());
  if (!m || !dir) {
    res.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' });
    res.end(dir ? `no dashboard file ${JSON.stringify(name)}\n` : 'the dashboard files (src/admin/dashboard/) are not installed beside this build\n');
    return;
  }
  let body: Buffer;
  try {
    body = await readFile(join(dir, name));
  } catch {
    res.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' });
    res.end(`no dashboard file ${JSON.stringify(name)}\n`);
    return;
  }
  res.writeHead(200, {
    'content-type': TYPES[m[1]!]!,
    'cache-control': 'no-cache',
    'content-security-policy': CSP,
    'x-content-type-options': 'nosniff',
    'referrer-policy': 'no-referrer',
  });
  res.end(body);
}
