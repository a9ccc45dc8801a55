// The peer: Portkey's open-source gateway (@portkey-ai/gateway from npm), installed by the bench into
// a folder under the system temp dir (reused by later runs), with @hono/node-server pinned through npm
// `overrides` (later versions break its streaming). It listens on all interfaces; a `--import` preload
// forces every net.Server.listen onto 127.0.0.1.
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { spawnChild } from './children.ts';
import { freePort, waitHttp } from './targets.ts';
import type { Running } from './targets.ts';

export const PORTKEY_VERSION = '1.15.2';
const HONO_NODE_SERVER = '1.13.5';

const PRELOAD = `// Written by Sluice's bench: bind every listening socket to loopback.
import net from 'node:net';
const listen = net.Server.prototype.listen;
net.Server.prototype.listen = function (...args) {
  const cb = typeof args[args.length - 1] === 'function' ? args.pop() : undefined;
  const first = args[0];
  let options;
  if (first !== null && typeof first === 'object' && !('_handle' in first) && first.path === undefined && first.fd === undefined) options = { ...first, host: '127.0.0.1' };
  else if (typeof first === 'number' || (typeof first === 'string' && /^\\d+$/.test(first))) options = { port: Number(first), host: '127.0.0.1' };
  else return listen.apply(this, cb ? [...args, cb] : args);
  return cb ? listen.call(this, options, cb) : listen.call(this, options);
};
`;

export interface PortkeyInstall {
  readonly dir: string;
  readonly entry: string;
  readonly preload: string;
  readonly version: string;
}

function run(cmd: string, args: string[], cwd: string, timeoutMs: number): Promise<void> {
  return new Promise((resolve, reject) => {
    execFile(cmd, args, { cwd, timeout: timeoutMs, maxBuffer: 16 * 1024 * 1024 }, (err, _stdout, stderr) => {
      if (err) reject(new Error(`${cmd} ${args.join(' ')} failed: ${err.message}\n${stderr.trim().split('\n').slice(-8).join('\n')}`));
      else resolve();
    });
  });
}

/** Installs (or reuses) Portkey's gateway; rejects with a one-line reason if it cannot. */
export async function installPortkey(version = PORTKEY_VERSION, log: (s: string) => void = () => undefined): Promise<PortkeyInstall> {
  const dir = join(tmpdir(), `sluice-bench-portkey-${version}`);
  const entry = join(dir, 'node_modules', '@portkey-ai', 'gateway', 'build', 'start-server.js');
  const preload = join(dir, 'loopback.mjs');
  const pkg = JSON.stringify({ name: 'sluice-bench-portkey', private: true, type: 'module', dependencies: { '@portkey-ai/gateway': version }, overrides: { '@hono/node-server': HONO_NODE_SERVER } }, null, 2) + '\n';
  mkdirSync(dir, { recursive: true });
  const current = existsSync(join(dir, 'package.json')) ? readFileSync(join(dir, 'package.json'), 'utf8') : '';
  if (current !== pkg || !existsSync(entry)) {
    log(`installing @portkey-ai/gateway@${version} into ${dir} (npm install)…`);
    writeFileSync(join(dir, 'package.json'), pkg);
    const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
    await run(npm, ['install', '--no-audit', '--no-fund', '--ignore-scripts', '--loglevel=error', '--no-package-lock'], dir, 240_000);
    if (!existsSync(entry)) throw new Error(`npm install finished but ${entry} is missing`);
  }
  writeFileSync(preload, PRELOAD);
  return { dir, entry, preload, version };
}

export async function startPortkey(install: PortkeyInstall, echo: boolean): Promise<Running> {
  const port = await freePort();
  const child = spawnChild('portkey', process.execPath, ['--import', pathToFileURL(install.preload).href, install.entry, `--port=${port}`, '--headless'], {
    cwd: install.dir,
    env: { ...process.env, NODE_ENV: 'production' },
    echo,
  });
  await waitHttp(child, `http://127.0.0.1:${port}/`, 30_000);
  return { child, port, origin: `http://127.0.0.1:${port}` };
}

/** Headers that make Portkey forward an OpenAI request to the bench upstream. */
export function portkeyHeaders(upstreamOrigin: string): Record<string, string> {
  return { 'x-portkey-provider': 'openai', 'x-portkey-custom-host': `${upstreamOrigin}/v1`, authorization: 'Bearer sk-bench' };
}
