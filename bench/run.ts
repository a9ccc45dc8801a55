// Benchmark dispatcher: `npm run bench -- NAME [flags]` (node --import tsx bench/run.ts NAME …).
// Each scenario prints a table and writes bench/results/NAME.json; every figure is a ratio against a
// reference measured in the same run (DESIGN.md §5). All traffic stays on 127.0.0.1; every child
// process is stopped at the end, on failure, on Ctrl-C and at a hard deadline.
import { killAllSync, stopAll } from './lib/children.ts';
import { readdirSync } from 'node:fs';
import type { Scenario } from './scenarios/types.ts';

// Every bench/scenarios/NAME.ts that exports a Scenario named NAME is the scenario NAME.
const scenarioDir = new URL('./scenarios/', import.meta.url);
const scenarios: Record<string, Scenario> = {};
for (const file of readdirSync(scenarioDir).filter((f) => f.endsWith('.ts') && !f.endsWith('.test.ts')).sort()) {
  const name = file.slice(0, -'.ts'.length);
  const mod = (await import(new URL(file, scenarioDir).href)) as Record<string, unknown>;
  const s = mod[name] as Scenario | undefined;
  if (s && typeof s.run === 'function') scenarios[name] = s;
}

function help(): string {
  const lines = ['usage: npm run bench -- NAME [flags]', ''];
  for (const [name, s] of Object.entries(scenarios)) lines.push(`${name}: ${s.description}`, s.usage, '');
  return lines.join('\n');
}

async function main(): Promise<number> {
  const [name, ...rest] = process.argv.slice(2);
  if (!name || name === '--help' || name === '-h') {
    process.stdout.write(help());
    return name ? 0 : 1;
  }
  const scenario = scenarios[name];
  if (!scenario) {
    process.stderr.write(`bench: no scenario "${name}" (${Object.keys(scenarios).join(', ')})\n`);
    return 1;
  }
  if (rest.includes('--help') || rest.includes('-h')) {
    process.stdout.write(`npm run bench -- ${name} [flags]: ${scenario.description}\n${scenario.usage}\n`);
    return 0;
  }
  try {
    await scenario.run(rest);
    return 0;
  } catch (err) {
    if (interrupted) process.stderr.write(`bench ${name}: interrupted\n`);
    else process.stderr.write(`\nbench ${name} failed: ${err instanceof Error ? err.message : String(err)}\n`);
    return 1;
  } finally {
    await stopAll();
  }
}

let interrupted = false;
process.once('exit', killAllSync);
for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
  process.once(sig, () => {
    interrupted = true;
    process.stderr.write(`\nbench: ${sig}, stopping every process\n`);
    void stopAll().finally(() => process.exit(130));
  });
}
process.exitCode = await main();
