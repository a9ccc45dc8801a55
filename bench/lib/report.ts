// What every benchmark prints and writes: the machine, a text table, bench/results/NAME.json.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, totalmem, type } from 'node:os';
import { join } from 'node:path';
import { BENCH_DIR } from './targets.ts';

export interface Machine {
  readonly cpus: number;
  readonly cpuModel: string;
  readonly memoryGiB: number;
  readonly os: string;
  readonly kernel: string;
  readonly node: string;
}

export function machine(): Machine {
  let cpuModel = cpus()[0]?.model ?? 'unknown';
  let kernel = '';
  try {
    cpuModel = /^model name\s*:\s*(.*)$/m.exec(readFileSync('/proc/cpuinfo', 'utf8'))?.[1] ?? cpuModel;
    kernel = readFileSync('/proc/sys/kernel/osrelease', 'utf8').trim();
  } catch {
    // not Linux
  }
  return { cpus: cpus().length, cpuModel, memoryGiB: Math.round(totalmem() / 2 ** 30), os: type(), kernel, node: process.version };
}

export function describeMachine(m: Machine): string {
  return `${m.cpus} CPUs (${m.cpuModel}), ${m.memoryGiB} GiB, ${m.os} ${m.kernel}, Node ${m.node}`;
}

/** A plain text table: the first row is the header; numbers align right. */
export function table(rows: readonly (readonly string[])[]): string {
  const widths: number[] = [];
  for (const r of rows) r.forEach((c, i) => (widths[i] = Math.max(widths[i] ?? 0, c.length)));
  const numeric = (s: string) => /^[-+]?[\d,.]+(x|%)?$|^—$|^n\/a$/.test(s);
  const line = (r: readonly string[]) => r.map((c, i) => (i > 0 && numeric(c) ? c.padStart(widths[i]!) : c.padEnd(widths[i]!))).join('  ').trimEnd();
  const out = [line(rows[0] ?? []), widths.map((w) => '-'.repeat(w)).join('  ')];
  for (const r of rows.slice(1)) out.push(line(r));
  return out.join('\n');
}

/** The same table as Markdown (for docs/performance.md). */
export function markdownTable(rows: readonly (readonly string[])[]): string {
  const [head, ...body] = rows;
  if (!head) return '';
  return [`| ${head.join(' | ')} |`, `| ${head.map(() => '---').join(' | ')} |`, ...body.map((r) => `| ${r.join(' | ')} |`)].join('\n');
}

/** Formats a number for a table: n/a for NaN, thousands separators, sensible decimals. */
export function fmt(v: number, decimals?: number): string {
  if (!Number.isFinite(v)) return 'n/a';
  const d = decimals ?? (Math.abs(v) >= 100 ? 0 : Math.abs(v) >= 10 ? 1 : Math.abs(v) >= 1 ? 2 : 3);
  return v.toLocaleString('en-US', { minimumFractionDigits: d, maximumFractionDigits: d });
}

export function signed(v: number, decimals?: number): string {
  const s = fmt(v, decimals);
  return Number.isFinite(v) && v >= 0 ? `+${s}` : s;
}

export function ratio(v: number): string {
  return Number.isFinite(v) ? `${fmt(v, v >= 10 ? 1 : 2)}x` : 'n/a';
}

export function writeResults(name: string, data: unknown): string {
  const dir = join(BENCH_DIR, 'results');
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `${name}.json`);
  writeFileSync(file, JSON.stringify(data, (_k, v: unknown) => (typeof v === 'number' && !Number.isFinite(v) ? null : v), 2) + '\n');
  return file;
}
