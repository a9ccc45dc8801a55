// The shared-prefix workload (inference-perf `shared_prefix`, llm-d's "b2b-saas" shape, scaled down):
// G groups, each with a long system prompt of its own; every request is its group's system prompt
// followed by a short question no other request asks, as a streaming chat completion of a fixed
// number of output tokens (`ignore_eos`). Arrivals are Poisson, in stages of increasing rate.
//
// Contract: the whole schedule (arrival times, groups, texts) is a pure function of the options and
// the seed, so every profile of a run — and every run with the same flags — sends the very same
// requests at the very same offsets. Text lengths are in characters; the simulator counts a token
// per 4 characters, so `systemChars / 4` is the shared prefix in tokens.

/** A small seeded PRNG (mulberry32): uniform in [0, 1). */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const WORDS = (
  'account billing contract customer dashboard invoice ledger metric onboarding pipeline policy ' +
  'portal quota region renewal report schema service session support tenant ticket upgrade usage ' +
  'workflow audit backup cluster deploy export import migrate notify payment refund release ' +
  'retention rollout sandbox scale secret storage subscription sync token webhook'
).split(' ');

function words(random: () => number, chars: number): string {
  let s = '';
  while (s.length < chars) s += WORDS[Math.floor(random() * WORDS.length)]! + (random() < 0.1 ? '. ' : ' ');
  return s.slice(0, chars);
}

export interface WorkloadOptions {
  readonly groups: number;
  /** Characters of each group's system prompt (≈ 4 per token). */
  readonly systemChars: number;
  /** Characters of each request's question. */
  readonly questionChars: number;
  readonly maxTokens: number;
  /** Requests per second of each stage. */
  readonly rates: readonly number[];
  readonly stageMs: number;
  /** Fraction (0..1) of requests sent with the sheddable InferenceObjective. */
  readonly sheddable: number;
  readonly seed: number;
}

export interface PlannedRequest {
  readonly index: number;
  readonly stage: number;
  /** Offset from the start of the run, ms. */
  readonly atMs: number;
  readonly group: number;
  readonly sheddable: boolean;
  /** The JSON request body. */
  readonly body: string;
}

/** Each group's system prompt: starts with the group's number, so groups share no prefix block. */
export function systemPrompts(o: Pick<WorkloadOptions, 'groups' | 'systemChars' | 'seed'>): string[] {
  return Array.from({ length: o.groups }, (_, g) => {
    const random = mulberry32(o.seed * 7919 + g + 1);
    const head = `Tenant ${String(g).padStart(3, '0')} support assistant. Follow the tenant policy below. `;
    return (head + words(random, o.systemChars)).slice(0, o.systemChars);
  });
}

/** The schedule of every request of the run, in arrival order. */
export function planRequests(o: WorkloadOptions, model: string): PlannedRequest[] {
  const prompts = systemPrompts(o);
  const random = mulberry32(o.seed);
  const out: PlannedRequest[] = [];
  for (let stage = 0; stage < o.rates.length; stage++) {
    const rate = o.rates[stage]!;
    const start = stage * o.stageMs;
    let t = start;
    for (;;) {
      // Exponential inter-arrival times: a Poisson process of `rate` per second.
      t += (-Math.log(1 - random()) / rate) * 1000;
      if (t >= start + o.stageMs) break;
      const group = Math.floor(random() * o.groups);
      const index = out.length;
      const question = `Question ${index} from tenant ${group}: ${words(random, o.questionChars)}`.slice(0, o.questionChars);
      const body = JSON.stringify({
        model,
        messages: [
          { role: 'system', content: prompts[group]! },
          { role: 'user', content: question },
        ],
        max_tokens: o.maxTokens,
        ignore_eos: true,
        stream: true,
        stream_options: { include_usage: true },
      });
      out.push({ index, stage, atMs: t, group, sheddable: random() < o.sheddable, body });
    }
  }
  return out;
}
