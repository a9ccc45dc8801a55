// queue-scorer: prefers endpoints with fewer waiting requests (`vllm:num_requests_waiting`), scaled
// min–max over the candidates: (maxQ − q) / (maxQ − minQ); all equal → 1 for every endpoint.
// No parameters.
import type { PluginFactory } from '../../framework/registry.ts';
import type { CycleState, Endpoint, SchedulingRequest, Scorer } from '../../framework/types.ts';

export const QUEUE_SCORER_TYPE = 'queue-scorer';

export class QueueScorer implements Scorer {
  readonly type = QUEUE_SCORER_TYPE;
  readonly name: string;

  constructor(name: string = QUEUE_SCORER_TYPE) {
    this.name = name;
  }

  score(_cycle: CycleState, _request: SchedulingRequest, endpoints: readonly Endpoint[], out: Float64Array): void {
    let min = Infinity;
    let max = -Infinity;
    for (const ep of endpoints) {
      const q = ep.metrics.waiting;
      if (q < min) min = q;
      if (q > max) max = q;
    }
    const range = max - min;
    for (let i = 0; i < endpoints.length; i++) {
      out[i] = range > 0 ? (max - endpoints[i]!.metrics.waiting) / range : 1;
    }
  }
}

export const queueScorerFactory: PluginFactory = ({ name }) => new QueueScorer(name);
