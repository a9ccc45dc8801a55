// What the image and `npm install --omit=dev` installs must be enough to run: every package imported by
// a module the CLI can load (cli/main.ts and everything it reaches through relative imports, static or
// dynamic) is a production dependency in package.json. A package left in devDependencies works in a checkout and
// fails in the image (seen: @grpc/grpc-js, which `sluice epp` loads).
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { dirname, join, relative, resolve } from 'node:path';
import { repoRoot } from '../support/paths.ts';

/** Where `bin/sluice.js` enters (through dist/cli/main.js). */
const ENTRY = 'cli/main.ts';

/** The package a bare specifier names: `@scope/name/sub` → `@scope/name`, `name/sub` → `name`. */
export function packageOf(specifier: string): string | undefined {
  if (specifier.startsWith('.') || specifier.startsWith('/') || specifier.startsWith('node:')) return undefined;
  const parts = specifier.split('/');
  const name = specifier.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0]!;
  return builtinModules.includes(name) ? undefined : name;
}

/** Packages a module loads at run time: static and dynamic imports, without `import type`. */
export function runtimeImports(source: string): string[] {
  const out: string[] = [];
  const statics = /^\s*(?:import|export)\s+(?!type\s)(?:[^'";]*?\sfrom\s+)?['"]([^'"]+)['"]/gm;
  const dynamics = /\bimport\(\s*['"]([^'"]+)['"]\s*\)/g;
  for (const re of [statics, dynamics]) for (const m of source.matchAll(re)) out.push(m[1]!);
  return out;
}

/** Every module reachable from `entry` through relative imports (`.js` specifiers name `.ts` sources). */
function reachable(entry: string): string[] {
  const seen = new Set<string>([entry]);
  const queue = [entry];
  for (let file = queue.shift(); file !== undefined; file = queue.shift()) {
    for (const spec of runtimeImports(readFileSync(join(repoRoot, file), 'utf8'))) {
      if (!spec.startsWith('.')) continue;
      let target = relative(repoRoot, resolve(repoRoot, dirname(file), spec));
      if (target.endsWith('.js') && !existsSync(join(repoRoot, target))) target = `${target.slice(0, -3)}.ts`;
      if (!seen.has(target)) {
        seen.add(target);
        queue.push(target);
      }
    }
  }
  return [...seen];
}

describe('runtime dependencies', () => {
  test('the import scanner sees static, re-exported and dynamic imports and skips type-only ones', () => {
    const src = `import a from 'pkg-a';\nimport type { B } from 'pkg-b';\nexport { c } from '@scope/pkg-c/sub';\nconst d = await import('pkg-d/x');\nimport 'pkg-e';\nimport { f } from './local.ts';\nimport * as g from 'node:fs';`;
    assert.deepEqual(runtimeImports(src).map(packageOf).filter(Boolean).sort(), ['@scope/pkg-c', 'pkg-a', 'pkg-d', 'pkg-e']);
  });

  test('every package imported by code that runs in production is in dependencies', () => {
    const pkg = JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')) as { dependencies: Record<string, string>; devDependencies: Record<string, string> };
    const files = reachable(ENTRY);
    assert.ok(files.length > 100, `modules reached from ${ENTRY} (${files.length})`);
    assert.ok(files.includes('src/extproc/server.ts') && files.includes('simulator/server.ts'), 'sluice epp and sluice sim are reached');
    const missing: string[] = [];
    for (const f of files) {
      for (const spec of runtimeImports(readFileSync(join(repoRoot, f), 'utf8'))) {
        const name = packageOf(spec);
        if (name !== undefined && pkg.dependencies[name] === undefined) missing.push(`${f} imports ${name}${pkg.devDependencies[name] ? ' (a devDependency)' : ''}`);
      }
    }
    assert.deepEqual(missing, [], 'move these to dependencies, or keep the import to test-only code');
  });
});
