#!/usr/bin/env node
// Entry point for `sluice` / `npx sluice`: runs the compiled CLI (built by `npm install` via `prepare`).
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const built = fileURLToPath(new URL('../dist/cli/main.js', import.meta.url));
if (!existsSync(built)) {
  process.stderr.write('sluice: dist/ is missing; run `npm run build` (npm install does it for you).\n');
  process.exit(1);
}
const { main } = await import(built);
try {
  await main(process.argv.slice(2));
} catch (err) {
  process.stderr.write(`sluice: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
}
