// least-queue (GIE filter): keeps the endpoints in the lowest band of waiting-queue sizes:
//   q ≤ minQ + floor((maxQ − minQ) / n)   over the n candidates.
// Keeping a band rather than only the minimum leaves later filters and scorers a choice.
// No parameters. Never empties a non-empty set (the minimum is always kept).
import type { PluginFactory } from '../../framework/registry.ts';
import type { CycleState, Endpoint, Filter, SchedulingRequest } from '../../framework/types.ts';
import { lowestBand } from './lowest-band.ts';

export const LEAST_QUEUE_FILTER_TYPE = 'least-queue';

export class LeastQueueFilter implements Filter {
  readonly type = LEAST_QUEUE_FILTER_TYPE;
  readonly name: string;

  constructor(name: string = LEAST_QUEUE_FILTER_TYPE) {
    this.name = name;
  }

  filter(_cycle: CycleState, _request: SchedulingRequest, endpoints: readonly Endpoint[]): readonly Endpoint[] {
    return lowestBand(endpoints, (ep) => ep.metrics.waiting, true);
  }
}

export const leastQueueFilterFactory: PluginFactory = ({ name }) => new LeastQueueFilter(name);
