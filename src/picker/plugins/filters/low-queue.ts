// low-queue (GIE filter): keeps endpoints whose waiting queue is at most `threshold`.
// Parameter: threshold (default 128, the legacy QUEUING_THRESHOLD_LORA). May keep none, which fails
// the profile (503): put it first in a profile only when that is what you want.
import type { PluginFactory } from '../../framework/registry.ts';
import type { CycleState, Endpoint, Filter, SchedulingRequest } from '../../framework/types.ts';

export const LOW_QUEUE_FILTER_TYPE = 'low-queue';
export const DEFAULT_LOW_QUEUE_THRESHOLD = 128;

export class LowQueueFilter implements Filter {
  readonly type = LOW_QUEUE_FILTER_TYPE;
  readonly name: string;
  readonly threshold: number;

  constructor(name: string = LOW_QUEUE_FILTER_TYPE, threshold: number = DEFAULT_LOW_QUEUE_THRESHOLD) {
    this.name = name;
    this.threshold = threshold;
  }

  filter(_cycle: CycleState, _request: SchedulingRequest, endpoints: readonly Endpoint[]): readonly Endpoint[] {
    return endpoints.filter((ep) => ep.metrics.waiting <= this.threshold);
  }
}

export const lowQueueFilterFactory: PluginFactory = ({ name, params }) => new LowQueueFilter(name, params.int('threshold', DEFAULT_LOW_QUEUE_THRESHOLD, { min: 0 }));
