// least-KV-cache (GIE filter; the type name keeps upstream's capitals): keeps the endpoints in the
// lowest band of KV-cache utilization:
//   kv ≤ minKV + (maxKV − minKV) / n   over the n candidates.
// No parameters. Never empties a non-empty set.
import type { PluginFactory } from '../../framework/registry.ts';
import type { CycleState, Endpoint, Filter, SchedulingRequest } from '../../framework/types.ts';
import { lowestBand } from './lowest-band.ts';

export const LEAST_KV_CACHE_FILTER_TYPE = 'least-KV-cache';

export class LeastKvCacheFilter implements Filter {
  readonly type = LEAST_KV_CACHE_FILTER_TYPE;
  readonly name: string;

  constructor(name: string = LEAST_KV_CACHE_FILTER_TYPE) {
    this.name = name;
  }

  filter(_cycle: CycleState, _request: SchedulingRequest, endpoints: readonly Endpoint[]): readonly Endpoint[] {
    return lowestBand(endpoints, (ep) => ep.metrics.kvCacheUsage, false);
  }
}

export const leastKvCacheFilterFactory: PluginFactory = ({ name }) => new LeastKvCacheFilter(name);
