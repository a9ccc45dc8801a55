// kv-cache-utilization-scorer: prefers endpoints with free KV cache: 1 − utilization, where
// utilization is `vllm:kv_cache_usage_perc` as a fraction 0..1. No parameters.
import type { PluginFactory } from '../../framework/registry.ts';
import type { CycleState, Endpoint, SchedulingRequest, Scorer } from '../../framework/types.ts';

export const KV_CACHE_UTILIZATION_SCORER_TYPE = 'kv-cache-utilization-scorer';

export class KvCacheUtilizationScorer implements Scorer {
  readonly type = KV_CACHE_UTILIZATION_SCORER_TYPE;
  readonly name: string;

  constructor(name: string = KV_CACHE_UTILIZATION_SCORER_TYPE) {
    this.name = name;
  }

  score(_cycle: CycleState, _request: SchedulingRequest, endpoints: readonly Endpoint[], out: Float64Array): void {
    for (let i = 0; i < endpoints.length; i++) out[i] = 1 - endpoints[i]!.metrics.kvCacheUsage;
  }
}

export const kvCacheUtilizationScorerFactory: PluginFactory = ({ name }) => new KvCacheUtilizationScorer(name);
