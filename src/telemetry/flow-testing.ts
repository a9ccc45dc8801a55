// Test support: flow records without a gateway (tests of the log, filters, summary and readers).
import type { FlowRecord } from './flow-record.ts';

type Overrides = Omit<Partial<FlowRecord>, 'source' | 'destination' | 'model' | 'tokens'> & {
  source?: Partial<FlowRecord['source']>;
  destination?: Partial<FlowRecord['destination']>;
  model?: FlowRecord['model'];
  tokens?: Partial<FlowRecord['tokens']>;
};

/** A FORWARDED chat completion to pool default/llama, changed by `o`. */
export function fakeFlow(seq: number, o: Overrides = {}): FlowRecord {
  const { source, destination, model, tokens, ...rest } = o;
  return {
    seq,
    time: new Date(Date.UTC(2025, 0, 2, 3, 4, 5) + seq * 1000).toISOString(),
    id: `req-${seq}`,
    verdict: 'FORWARDED',
    status: 200,
    method: 'POST',
    host: 'localhost',
    path: '/v1/chat/completions',
    source: { address: '127.0.0.1', labels: {}, ...source },
    destination: { route: 'default/chat', rule: 'AIGatewayRoute default/chat rule 0', backend: 'InferencePool default/llama', pool: 'default/llama', endpoint: '10.0.0.1:8000', pod: 'llama-0', labels: { app: 'llama' }, ...destination },
    model: model ?? { original: 'llama', request: 'llama', response: 'llama' },
    client: { schema: 'OpenAI', operation: 'chat' },
    stream: false,
    tokens: { input: 10, output: 5, cached: 0, cacheCreation: 0, reasoning: 0, total: 15, ...tokens },
    cost: undefined,
    durationMs: 12,
    attempts: 1,
    retries: 0,
    ...rest,
  };
}
