#!/usr/bin/env node
// Runs every *.test.ts beside the code with node:test (through tsx). Node 20's --test does not expand
// glob patterns, so the files are listed here. Extra arguments are passed to node (e.g. --test-only).
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';

const roots = ['src', 'simulator', 'cli', 'test'];
const files = roots
  .flatMap((root) => readdirSync(root, { recursive: true, withFileTypes: false }).map((f) => join(root, String(f))))
  .filter((f) => f.endsWith('.test.ts') && !f.includes('node_modules'))
  .sort();
const filter = process.argv.slice(2).filter((a) => !a.startsWith('-'));
const flags = process.argv.slice(2).filter((a) => a.startsWith('-'));
const selected = filter.length > 0 ? files.filter((f) => filter.some((x) => f.includes(x))) : files;
const result = spawnSync(
  process.execPath,
  ['--import', 'tsx', '--test', '--test-concurrency=2', '--test-timeout=120000', ...flags, ...selected],
  { stdio: 'inherit' },
);
process.exit(result.status ?? 1);
