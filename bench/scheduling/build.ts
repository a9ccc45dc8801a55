// How the scheduling benchmark runs Sluice: compiled from this checkout with its own tsc (the
// tsconfig.build.json sources: src, simulator, cli) into .tmp/bench-scheduling-dist (git-ignored), then
// `node .tmp/bench-scheduling-dist/cli/main.js run …`, as `npm run build` output runs. Its own folder,
// not bench/lib's .tmp/bench-dist, so that it never deletes the build another benchmark is running
// from. `source` runs cli/main.ts through tsx instead (slower per request; for quick checks).
import { execFile } from 'node:child_process';
import { existsSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { PROJECT_ROOT, TSX } from '../lib/targets.ts';

export type SluiceBuild = 'build' | 'source';

/** Node arguments that start Sluice's CLI. */
export async function sluiceCommand(how: SluiceBuild, log: (s: string) => void): Promise<readonly string[]> {
  if (how === 'source') return ['--import', TSX, join(PROJECT_ROOT, 'cli', 'main.ts')];
  const out = join(PROJECT_ROOT, '.tmp', 'bench-scheduling-dist');
  rmSync(out, { recursive: true, force: true });
  const started = Date.now();
  const tsc = join(PROJECT_ROOT, 'node_modules', 'typescript', 'bin', 'tsc');
  const problem = await new Promise<string | undefined>((resolve) => {
    execFile(process.execPath, [tsc, '-p', 'tsconfig.build.json', '--outDir', out, '--sourceMap', 'false', '--declaration', 'false'], { cwd: PROJECT_ROOT, timeout: 180_000, maxBuffer: 16 * 1024 * 1024 }, (err, stdout) => {
      resolve(err ? (stdout.trim().split('\n')[0] ?? err.message) : undefined);
    });
  });
  const main = join(out, 'cli', 'main.js');
  if (!existsSync(main)) throw new Error(`compiling the checkout produced no ${main}: ${problem ?? 'unknown error'}`);
  log(`  compiled the checkout into .tmp/bench-scheduling-dist in ${((Date.now() - started) / 1000).toFixed(1)} s${problem ? ` (tsc reported type errors; its output is used anyway: ${problem})` : ''}`);
  return [main];
}
