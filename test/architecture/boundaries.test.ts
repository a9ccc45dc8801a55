// The import boundaries of .dependency-cruiser.cjs hold for the whole tree, and the rules do catch a
// violation (a cross-stage import in a throwaway tree), so a green run means something.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cruise } from 'dependency-cruiser';
import { repoRoot } from '../support/paths.ts';

const require = createRequire(import.meta.url);
const config = require(join(repoRoot, '.dependency-cruiser.cjs')) as { forbidden: unknown[]; options: Record<string, unknown> };

async function violations(baseDir: string, roots: string[]): Promise<string[]> {
  const cwd = process.cwd();
  process.chdir(baseDir);
  try {
    const result = await cruise(roots, { ...config.options, ruleSet: { forbidden: config.forbidden }, validate: true, tsConfig: undefined } as never);
    const output = result.output as { summary: { violations: { rule: { name: string }; from: string; to: string }[] } };
    return output.summary.violations.map((v) => `${v.rule.name}: ${v.from} → ${v.to}`);
  } finally {
    process.chdir(cwd);
  }
}

describe('import boundaries', () => {
  it('hold for src, simulator and cli', async () => {
    assert.deepEqual(await violations(repoRoot, ['src', 'simulator', 'cli']), []);
  });

  it('report a stage that imports another stage, and a cycle', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sluice-boundaries-'));
    try {
      const file = (path: string, text: string) => {
        mkdirSync(join(dir, path, '..'), { recursive: true });
        writeFileSync(join(dir, path), text);
      };
      file('src/routing/route-stage.ts', "import { pick } from '../picker/pick-stage.ts';\nexport const route = pick;\n");
      file('src/picker/pick-stage.ts', 'export const pick = 1;\n');
      file('src/runtime/a.ts', "import { b } from './b.ts';\nexport const a = b;\n");
      file('src/runtime/b.ts', "import { a } from './a.ts';\nexport const b = a;\n");
      const found = await violations(dir, ['src']);
      assert.ok(found.includes('stage-imports-stage: src/routing/route-stage.ts → src/picker/pick-stage.ts'), found.join('\n'));
      assert.ok(found.some((v) => v.startsWith('no-circular-contracts: src/runtime/')), found.join('\n'));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
