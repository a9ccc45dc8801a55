// The cost of the JSON shape check every AI request pays (src/http/json-limits.ts), in ns per KB of
// body, beside JSON.parse of the same body (the reference measured in the same run): chat prompts
// (text-heavy), tool schemas and token-id batches (structure-heavy), escapes, and a hostile body
// that nests past the limit (the scan stops at the limit).
import { checkJsonShape } from '../../src/http/json-limits.ts';

export interface ScanCost {
  readonly body: string;
  readonly bytes: number;
  readonly scanNsPerKB: number;
  readonly parseNsPerKB: number;
  /** scan / parse. */
  readonly ratio: number;
}

function words(n: number): string {
  const w = ['the', 'gateway', 'reads', 'a', 'body', 'whole', 'and', 'counts', 'brackets', 'quickly', 'naïve', '日本語'];
  let s = '';
  for (let k = 0; s.length < n; k++) s += w[(k * 7) % w.length] + ' ';
  return s.slice(0, n);
}

export function scanBodies(): Record<string, Buffer> {
  return {
    'chat 1 KB': Buffer.from(JSON.stringify({ model: 'm', messages: [{ role: 'system', content: words(300) }, { role: 'user', content: words(600) }], stream: true })),
    'chat 100 KB': Buffer.from(JSON.stringify({ model: 'm', messages: Array.from({ length: 20 }, (_, i) => ({ role: i % 2 ? 'assistant' : 'user', content: words(5000) })) })),
    'tools 75 KB': Buffer.from(
      JSON.stringify({
        model: 'm',
        messages: [{ role: 'user', content: 'hi' }],
        tools: Array.from({ length: 300 }, (_, i) => ({ type: 'function', function: { name: `f${i}`, description: 'does a thing', parameters: { type: 'object', properties: { a: { type: 'string', description: 'x' }, b: { type: 'integer' }, c: { type: 'array', items: { type: 'string' } } }, required: ['a'] } } })),
      }),
    ),
    'token ids 750 KB': Buffer.from(JSON.stringify({ model: 'm', input: Array.from({ length: 64 }, () => Array.from({ length: 2000 }, (_, i) => (i * 7919) % 100_000)) })),
    'escapes 90 KB': Buffer.from(JSON.stringify({ model: 'm', messages: [{ role: 'user', content: ('say "hi" \\ ' + words(40) + '\n').repeat(1500) }] })),
    'nested 200 KB (refused)': Buffer.from('{"model":"m","messages":[{"role":"user","content":' + '['.repeat(100_000) + ']'.repeat(100_000) + '}]}'),
  };
}

/** Best of `rounds` timings of `fn` over `iterations` calls, ns per call. */
function best(fn: () => void, iterations: number, rounds: number): number {
  for (let i = 0; i < Math.ceil(iterations / 4); i++) fn();
  let min = Infinity;
  for (let r = 0; r < rounds; r++) {
    const t0 = process.hrtime.bigint();
    for (let i = 0; i < iterations; i++) fn();
    min = Math.min(min, Number(process.hrtime.bigint() - t0) / iterations);
  }
  return min;
}

export function measureScanCost(): ScanCost[] {
  const limits = { maxDepth: 128, maxContainers: 100_000 };
  const out: ScanCost[] = [];
  for (const [name, body] of Object.entries(scanBodies())) {
    const iterations = Math.max(20, Math.floor(20_000_000 / body.length));
    const scan = best(() => checkJsonShape(body, limits), iterations, 5);
    const parse = best(() => JSON.parse(body.toString('utf8')), Math.max(5, Math.ceil(iterations / 8)), 3);
    const kb = body.length / 1024;
    out.push({ body: name, bytes: body.length, scanNsPerKB: scan / kb, parseNsPerKB: parse / kb, ratio: scan / parse });
  }
  return out;
}
