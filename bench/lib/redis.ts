// A real redis-server for a benchmark (the Debian package, or SLUICE_REDIS_SERVER): on a free loopback
// port, persistence off, in a temporary directory; registered in children.ts, so it is stopped
// however the benchmark ends. Resolves once it answers PING.
import { accessSync, constants, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { onCleanup, spawnChild } from './children.ts';
import type { Child } from './children.ts';
import { freePort } from './targets.ts';

export interface BenchRedis {
  readonly child: Child;
  readonly port: number;
  readonly url: string;
}

export async function startRedis(echo: boolean): Promise<BenchRedis> {
  const binary = process.env['SLUICE_REDIS_SERVER'] ?? '/usr/bin/redis-server';
  try {
    accessSync(binary, constants.X_OK);
  } catch {
    throw new Error(`redis-server not found at ${binary}: install it (apt-get install redis-server) or set SLUICE_REDIS_SERVER`);
  }
  const dir = mkdtempSync(join(tmpdir(), 'sluice-bench-redis-'));
  onCleanup(() => rmSync(dir, { recursive: true, force: true }));
  const port = await freePort();
  const child = spawnChild('redis-server', binary, ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir, '--loglevel', 'warning'], { echo });
  const url = `redis://127.0.0.1:${port}`;
  const probe = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0, enableOfflineQueue: false, retryStrategy: () => null });
  probe.on('error', () => undefined);
  const deadline = Date.now() + 10_000;
  try {
    while (Date.now() < deadline) {
      if (child.hasExited) throw new Error(`redis-server exited:\n${child.tail()}`);
      try {
        if (probe.status !== 'ready') await probe.connect();
        if ((await probe.ping()) === 'PONG') return { child, port, url };
      } catch {
        probe.disconnect();
      }
      await new Promise((r) => setTimeout(r, 50));
    }
    throw new Error(`redis-server on port ${port} did not answer PING within 10 s:\n${child.tail()}`);
  } finally {
    probe.disconnect();
  }
}
