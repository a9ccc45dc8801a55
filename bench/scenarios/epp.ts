// Scenario `epp`: what Sluice's endpoint picker adds to one ext_proc round trip. An Envoy test double
// (src/extproc/testing.ts) plays the request side of one HTTP request as Envoy does in
// FULL_DUPLEX_STREAMED mode — request_headers, then an ~8 KB OpenAI chat body in one request_body
// message — on a new stream of a shared HTTP/2 connection, and waits for the answers (the
// request-headers answer, then the body handed back to end of stream). The same sequence runs against:
//
//   reference  a trivial ExternalProcessor answering CONTINUE (the body handed back as it came), in
//              this process, over the same vendored protos and @grpc/grpc-js: the cost of ext_proc itself;
//   sluice     `sluice epp` (runEpp, as the CLI starts it) for the quickstart's llama pool: three
//              simulator pods realized in this process, metrics scraped every 50 ms, the default
//              profile (queue 2, KV 2, prefix 3); it parses the body, admits, picks and answers with
//              the destination header, metadata and the body.
//
// A second case adds the response phases (response_headers, a 1 KB JSON body) to the same exchange.
// Every request is timed alone (one stream at a time); the targets are interleaved batch by batch so
// that a disturbance of the machine spreads over both. Reported: p50/p90/p99 per target, the added
// p50/p99 (sluice − reference) and the ratio; the goal is an added p50 ≤ 0.5 ms. The machine's load
// during the run (CPU other processes used, load average) is recorded beside the figures.
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { armDeadline } from '../lib/children.ts';
import { cpuTimeMs, machineBusyMs } from '../lib/procstat.ts';
import { describeMachine, fmt, machine, markdownTable, ratio, signed, table, writeResults } from '../lib/report.ts';
import { percentile } from '../lib/stats.ts';
import { runEpp } from '../../cli/epp.ts';
import { chatBody } from '../../src/picker/testing.ts';
import { EnvoyDouble, startContinueProcessor } from '../../src/extproc/testing.ts';
import type { EnvoyRequest } from '../../src/extproc/testing.ts';
import type { Scenario } from './types.ts';

const USAGE = `  --requests N          measured round trips per target and case (default 3000)
  --batch N             round trips per batch before switching target (default 100)
  --warmup N            unmeasured round trips per target and case first (default 1000)
  --body-kb N           size of the chat body in KiB (default 8)
  --out NAME            results file bench/results/NAME.json (default epp)`;

const GOAL_ADDED_P50_MS = 0.5;

type Target = 'reference' | 'sluice';
type CaseName = 'request' | 'request+response';

async function runEppBench(argv: string[]): Promise<void> {
  const { values } = parseArgs({
    args: argv,
    options: {
      requests: { type: 'string', default: '3000' },
      batch: { type: 'string', default: '100' },
      warmup: { type: 'string', default: '1000' },
      'body-kb': { type: 'string', default: '8' },
      out: { type: 'string', default: 'epp' },
    },
  });
  const requests = Number(values.requests);
  const batch = Number(values.batch);
  const warmup = Number(values.warmup);
  const bodyKb = Number(values['body-kb']);
  if (!(Number.isInteger(requests) && requests >= 10 && requests <= 1_000_000)) throw new Error('--requests: an integer from 10 to 1000000');
  if (!(Number.isInteger(batch) && batch >= 1 && batch <= requests)) throw new Error('--batch: an integer from 1 to --requests');
  if (!(Number.isInteger(warmup) && warmup >= 0)) throw new Error('--warmup: a non-negative integer');
  if (!(bodyKb > 0 && bodyKb <= 1024)) throw new Error('--body-kb: from 1 to 1024');
  armDeadline(Math.max(120_000, (requests + warmup) * 4 * 5 + 60_000), 'the epp benchmark');

  const m = machine();
  const log = (s: string) => process.stdout.write(s + '\n');
  log(`bench epp: ${describeMachine(m)}`);

  const reference = await startContinueProcessor();
  const quickstart = join(import.meta.dirname, '..', '..', 'examples', 'quickstart');
  const epp = await runEpp(
    { poolName: 'llama', poolNamespace: 'default', filename: [quickstart], host: '127.0.0.1', grpcPort: 0, grpcHealthPort: 0, metricsPort: false, secureServing: false, disableEndpointSubsetFilter: false, refreshMetricsIntervalMs: 50, watch: false },
    () => undefined,
  );
  const envoys: Record<Target, EnvoyDouble> = { reference: new EnvoyDouble(`127.0.0.1:${reference.port}`), sluice: new EnvoyDouble(`127.0.0.1:${epp.grpcPort}`) };
  try {
    await epp.scrapeNow();
    // Bodies of one group: the same system prompt, distinct questions (as a chat workload sends).
    const bodies = Array.from({ length: 64 }, (_, q) => JSON.stringify(chatBody(bodyKb * 1024, 1, `question ${q}: what does the policy say about refunds?`)).replace('"m"', '"meta-llama/Llama-3.1-8B-Instruct"'));
    const responseJson = JSON.stringify({ id: 'chatcmpl-1', object: 'chat.completion', choices: [{ index: 0, message: { role: 'assistant', content: 'x'.repeat(800) }, finish_reason: 'stop' }], usage: { prompt_tokens: 2048, completion_tokens: 200 } });
    const cases: Record<CaseName, (i: number) => EnvoyRequest> = {
      request: (i) => ({ body: Buffer.from(bodies[i & 63]!), chunkBytes: 64 * 1024, headers: { 'x-request-id': `r${i}` } }),
      'request+response': (i) => ({ body: Buffer.from(bodies[i & 63]!), chunkBytes: 64 * 1024, headers: { 'x-request-id': `r${i}` }, response: { chunks: [responseJson] } }),
    };
    // Check once that each target does what it claims.
    const probe = await envoys.sluice.request(cases['request+response'](0));
    if (!probe.destination || !epp.pool!.endpoints.some((e) => e.key === probe.destination)) throw new Error(`sluice epp did not route: ${JSON.stringify(probe.immediate ?? probe.setHeaders)}`);
    const refProbe = await envoys.reference.request(cases.request(0));
    if (refProbe.destination !== undefined || refProbe.forwardedBody.length !== Buffer.byteLength(bodies[0]!)) throw new Error('the reference processor did not answer CONTINUE with the body');
    log(`  sluice epp routes to ${epp.pool!.endpoints.length} endpoints (${epp.pool!.pickerConfigSource}); body ${fmt(Buffer.byteLength(bodies[0]!) / 1024, 1)} KiB`);

    const samples: Record<CaseName, Record<Target, number[]>> = { request: { reference: [], sluice: [] }, 'request+response': { reference: [], sluice: [] } };
    const once = async (c: CaseName, t: Target, i: number): Promise<number> => {
      const t0 = performance.now();
      const x = await envoys[t].request(cases[c](i));
      const ms = performance.now() - t0;
      if (x.immediate) throw new Error(`${t}: refused with ${x.immediate.status}: ${x.immediate.body}`);
      return ms;
    };
    let counter = 0;
    for (const c of Object.keys(cases) as CaseName[]) for (const t of ['reference', 'sluice'] as Target[]) for (let k = 0; k < warmup; k++) await once(c, t, counter++);

    const busy0 = machineBusyMs();
    const own0 = cpuTimeMs(process.pid);
    const wall0 = performance.now();
    const load0 = loadavg()[0] ?? Number.NaN;
    for (let done = 0; done < requests; done += batch) {
      const n = Math.min(batch, requests - done);
      for (const c of Object.keys(cases) as CaseName[]) {
        for (const t of ['reference', 'sluice'] as Target[]) {
          for (let k = 0; k < n; k++) samples[c][t].push(await once(c, t, counter++));
        }
      }
    }
    const wallMs = performance.now() - wall0;
    const foreignCores = (machineBusyMs() - busy0 - (cpuTimeMs(process.pid) - own0)) / wallMs;
    const load1 = loadavg()[0] ?? Number.NaN;

    const rows: string[][] = [['case', 'target', 'p50 ms', 'p90 ms', 'p99 ms', 'added p50 ms', 'added p99 ms', 'p50 × reference']];
    const results = [];
    const goals = [];
    for (const c of Object.keys(cases) as CaseName[]) {
      const stats = (t: Target) => {
        const s = Float64Array.from(samples[c][t]).sort();
        return { n: s.length, p50: percentile(s, 50), p90: percentile(s, 90), p99: percentile(s, 99) };
      };
      const ref = stats('reference');
      const slu = stats('sluice');
      const addedP50 = slu.p50 - ref.p50;
      const addedP99 = slu.p99 - ref.p99;
      rows.push([c, 'reference (CONTINUE)', fmt(ref.p50, 3), fmt(ref.p90, 3), fmt(ref.p99, 3), '—', '—', '—']);
      rows.push([c, 'sluice epp', fmt(slu.p50, 3), fmt(slu.p90, 3), fmt(slu.p99, 3), signed(addedP50, 3), signed(addedP99, 3), ratio(slu.p50 / ref.p50)]);
      results.push({ case: c, reference: ref, sluice: slu, addedP50Ms: addedP50, addedP99Ms: addedP99, p50Ratio: slu.p50 / ref.p50 });
      if (c === 'request') goals.push({ goal: `one ext_proc round trip (headers + ${bodyKb} KB body): added p50 ≤ ${GOAL_ADDED_P50_MS} ms`, value: `${fmt(addedP50, 3)} ms (${ratio(slu.p50 / ref.p50)} the reference p50)`, met: addedP50 <= GOAL_ADDED_P50_MS });
    }
    log('');
    log(table(rows));
    log('');
    const loadNote = `machine load during the run: ${fmt(foreignCores, 2)} cores used by other processes; load average ${fmt(load0, 2)} → ${fmt(load1, 2)}`;
    log(`  ${loadNote}`);
    for (const g of goals) log(`  ${g.met ? 'met ' : 'MISS'}  ${g.goal}: ${g.value}`);
    const file = writeResults(values.out, {
      scenario: 'epp',
      date: new Date().toISOString(),
      machine: m,
      options: { requests, batch, warmup, bodyKb, pool: 'examples/quickstart llama (3 simulator endpoints, default profile)', transport: 'plaintext gRPC on loopback, one stream at a time, client and both servers in one process' },
      load: { foreignCores, loadAverage1mBefore: load0, loadAverage1mAfter: load1 },
      results,
      goals,
      table: markdownTable(rows),
    });
    log(`  results: ${file}`);
  } finally {
    envoys.reference.close();
    envoys.sluice.close();
    await epp.close();
    await reference.close();
  }
}

export const epp: Scenario = {
  description: 'one ext_proc round trip (request headers + 8 KB body, and with the response phases) through sluice epp against a CONTINUE-only ExternalProcessor, same run',
  usage: USAGE,
  run: runEppBench,
};
