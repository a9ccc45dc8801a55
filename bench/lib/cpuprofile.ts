// Reads a V8 .cpuprofile (node --cpu-prof) and sums self and inclusive time per function and per file,
// optionally only for samples inside a time window measured from the start of the profile.
import { readFileSync } from 'node:fs';

interface CallFrame {
  readonly functionName: string;
  readonly url: string;
  readonly lineNumber: number;
  readonly columnNumber: number;
}
interface ProfileNode {
  readonly id: number;
  readonly callFrame: CallFrame;
  readonly children?: readonly number[];
}
interface CpuProfile {
  readonly nodes: readonly ProfileNode[];
  readonly startTime: number;
  readonly endTime: number;
  readonly samples: readonly number[];
  readonly timeDeltas: readonly number[];
}

export interface FunctionCost {
  readonly function: string;
  readonly where: string;
  readonly area: string;
  readonly selfMs: number;
  readonly selfPct: number;
  readonly totalMs: number;
  readonly totalPct: number;
}

export interface AreaCost {
  readonly area: string;
  readonly selfMs: number;
  readonly selfPct: number;
}

export interface ProfileSummary {
  /** Sampled time in the window, idle excluded, ms. */
  readonly busyMs: number;
  readonly idleMs: number;
  readonly samples: number;
  readonly functions: readonly FunctionCost[];
  readonly areas: readonly AreaCost[];
  readonly files: readonly AreaCost[];
}

/** Shortens a script URL to something readable: src/server/handler.ts, undici/lib/…, node:_http_server. */
export function shortUrl(url: string, projectRoot: string): string {
  if (url === '') return '';
  let u = url.replace(/^file:\/\//, '');
  const nm = u.lastIndexOf('/node_modules/');
  if (nm >= 0) return u.slice(nm + '/node_modules/'.length);
  if (u.startsWith(projectRoot)) u = u.slice(projectRoot.length).replace(/^\/+/, '');
  // Compiled output (the bench's build, npm run build) maps back to the source folders.
  return u.replace(/^(\.tmp\/bench-dist|dist)\//, '');
}

/** The area a function belongs to: Sluice's own folders, a package, Node's internals, or V8. */
export function areaOf(fn: string, where: string): string {
  if (where === '') return fn.startsWith('(') ? fn : `native: ${fn}`;
  if (where.startsWith('wasm')) return 'wasm (undici llhttp)';
  if (where.startsWith('node:')) {
    const w = where.slice(5);
    if (/^(_http_|http)/.test(w) || w.startsWith('internal/http')) return 'node: http';
    if (/stream/.test(w)) return 'node: streams';
    if (/^(net|internal\/net|internal\/stream_base_commons|internal\/dns)/.test(w)) return 'node: net';
    if (/events|timers|async_hooks|process\/task_queues|internal\/process/.test(w)) return 'node: events, timers, ticks';
    if (/buffer|string_decoder|url|querystring|util/.test(w)) return 'node: buffer, url, util';
    return 'node: other';
  }
  const m = /^(@[^/]+\/[^/]+|[^/]+)\//.exec(where);
  if (m && !where.startsWith('src/') && !where.startsWith('cli/')) return m[1]!;
  const folder = /^(src\/[^/]+|cli)\//.exec(where)?.[1];
  return folder ? `sluice ${folder}` : `sluice ${where}`;
}

export function summarize(file: string, projectRoot: string, window?: { readonly fromMs: number; readonly toMs: number }, top = 30): ProfileSummary {
  const p = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
  const byId = new Map<number, ProfileNode>();
  for (const n of p.nodes) byId.set(n.id, n);
  const parent = new Map<number, number>();
  for (const n of p.nodes) for (const c of n.children ?? []) parent.set(c, n.id);

  const keyOf = new Map<number, { key: string; fn: string; where: string }>();
  for (const n of p.nodes) {
    const cf = n.callFrame;
    const fn = cf.functionName || '(anonymous)';
    const where = shortUrl(cf.url, projectRoot);
    keyOf.set(n.id, { key: `${fn}\u0000${where}:${cf.lineNumber + 1}`, fn, where: where === '' ? '' : `${where}:${cf.lineNumber + 1}` });
  }

  // Sample i is attributed the time delta that follows it (the usual convention).
  const selfByNode = new Map<number, number>();
  let t = 0;
  let idle = 0;
  let busy = 0;
  let counted = 0;
  for (let i = 0; i < p.samples.length; i++) {
    t += p.timeDeltas[i] ?? 0;
    const dt = (p.timeDeltas[i + 1] ?? 0) / 1000;
    const ms = t / 1000;
    if (window && (ms < window.fromMs || ms > window.toMs)) continue;
    const id = p.samples[i]!;
    const fn = byId.get(id)?.callFrame.functionName;
    counted++;
    if (fn === '(idle)') {
      idle += dt;
      continue;
    }
    busy += dt;
    selfByNode.set(id, (selfByNode.get(id) ?? 0) + dt);
  }

  const self = new Map<string, number>();
  const total = new Map<string, number>();
  const meta = new Map<string, { fn: string; where: string }>();
  for (const [id, ms] of selfByNode) {
    const k = keyOf.get(id)!;
    meta.set(k.key, k);
    self.set(k.key, (self.get(k.key) ?? 0) + ms);
    // Inclusive: this sample counts once for every distinct function on its stack.
    const seen = new Set<string>();
    for (let cur: number | undefined = id; cur !== undefined; cur = parent.get(cur)) {
      const kk = keyOf.get(cur)!;
      if (seen.has(kk.key)) continue;
      seen.add(kk.key);
      meta.set(kk.key, kk);
      total.set(kk.key, (total.get(kk.key) ?? 0) + ms);
    }
  }
  const pct = (ms: number) => (busy > 0 ? (100 * ms) / busy : 0);
  const functions = [...self.entries()]
    .sort((a, b) => b[1] - a[1])
    .slice(0, top)
    .map(([key, ms]) => {
      const m = meta.get(key)!;
      const tot = total.get(key) ?? ms;
      return { function: m.fn, where: m.where, area: areaOf(m.fn, m.where.replace(/:\d+$/, '')), selfMs: ms, selfPct: pct(ms), totalMs: tot, totalPct: pct(tot) };
    });
  const areas = new Map<string, number>();
  const files = new Map<string, number>();
  for (const [key, ms] of self) {
    const m = meta.get(key)!;
    const file = m.where.replace(/:\d+$/, '');
    const area = areaOf(m.fn, file);
    areas.set(area, (areas.get(area) ?? 0) + ms);
    const fileKey = file === '' ? area : file;
    files.set(fileKey, (files.get(fileKey) ?? 0) + ms);
  }
  const rank = (m: Map<string, number>, n: number) =>
    [...m.entries()]
      .sort((a, b) => b[1] - a[1])
      .slice(0, n)
      .map(([area, ms]) => ({ area, selfMs: ms, selfPct: pct(ms) }));
  return { busyMs: busy, idleMs: idle, samples: counted, functions, areas: rank(areas, 20), files: rank(files, 20) };
}
