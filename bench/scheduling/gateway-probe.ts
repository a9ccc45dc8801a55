// What the benchmark reads from the running gateway besides its responses: the simulated replicas'
// addresses (the pool's endpoints in the admin API's /api/status) and their prefix-cache counters
// (`vllm:prefix_cache_hits_total` / `vllm:prefix_cache_queries_total`, in tokens, counted when a
// sequence starts), as a cross-check of the hit rate the responses' usage reports.
import { request } from 'undici';

export interface Replica {
  readonly pod: string;
  /** `127.0.0.1:PORT` of the simulator. */
  readonly address: string;
}

interface StatusReport {
  pools?: { name: string; endpoints: { pod: string; address: string; ready: boolean }[] }[];
}

/** The ready endpoints of pool `name`, from the admin API. */
export async function poolReplicas(adminOrigin: string, name: string): Promise<Replica[]> {
  const res = await request(`${adminOrigin}/api/status`, { headersTimeout: 5000, bodyTimeout: 5000 });
  const report = (await res.body.json()) as StatusReport;
  const pool = report.pools?.find((p) => p.name === name);
  return (pool?.endpoints ?? []).filter((e) => e.ready).map((e) => ({ pod: e.pod, address: e.address }));
}

export interface PrefixCounters {
  readonly hits: number;
  readonly queries: number;
}

function counter(text: string, name: string): number {
  let total = 0;
  for (const line of text.split('\n')) {
    if (!line.startsWith(name)) continue;
    const rest = line.slice(name.length);
    if (rest[0] !== '{' && rest[0] !== ' ') continue;
    const value = Number(line.slice(line.lastIndexOf(' ') + 1));
    if (Number.isFinite(value)) total += value;
  }
  return total;
}

/** Sums the prefix-cache counters over the replicas; NaN when one cannot be read within 2 s. */
export async function prefixCounters(replicas: readonly Replica[]): Promise<PrefixCounters> {
  const each = await Promise.all(
    replicas.map(async (r) => {
      try {
        const res = await request(`http://${r.address}/metrics`, { headersTimeout: 2000, bodyTimeout: 2000 });
        const text = await res.body.text();
        return { hits: counter(text, 'vllm:prefix_cache_hits_total'), queries: counter(text, 'vllm:prefix_cache_queries_total') };
      } catch {
        return { hits: Number.NaN, queries: Number.NaN };
      }
    }),
  );
  return { hits: each.reduce((s, c) => s + c.hits, 0), queries: each.reduce((s, c) => s + c.queries, 0) };
}
