// The built-in plugins, registered by their upstream type names. This is the one list: a new
// plugin is a factory in plugins/{filters,scorers,pickers}/ and a line here.
import { PluginRegistry } from '../framework/registry.ts';
import { LEAST_KV_CACHE_FILTER_TYPE, leastKvCacheFilterFactory } from './filters/least-kv-cache.ts';
import { LEAST_QUEUE_FILTER_TYPE, leastQueueFilterFactory } from './filters/least-queue.ts';
import { LOW_QUEUE_FILTER_TYPE, lowQueueFilterFactory } from './filters/low-queue.ts';
import { MAX_SCORE_PICKER_TYPE, maxScorePickerFactory } from './pickers/max-score.ts';
import { RANDOM_PICKER_TYPE, randomPickerFactory } from './pickers/random.ts';
import { SINGLE_PROFILE_HANDLER_TYPE, singleProfileHandlerFactory } from './pickers/single-profile-handler.ts';
import { WEIGHTED_RANDOM_PICKER_TYPE, weightedRandomPickerFactory } from './pickers/weighted-random.ts';
import { KV_CACHE_UTILIZATION_SCORER_TYPE, kvCacheUtilizationScorerFactory } from './scorers/kv-cache-utilization.ts';
import { LORA_AFFINITY_SCORER_TYPE, loraAffinityScorerFactory } from './scorers/lora-affinity.ts';
import { PREFIX_CACHE_SCORER_TYPE, prefixCacheScorerFactory } from './scorers/prefix-cache.ts';
import { QUEUE_SCORER_TYPE, queueScorerFactory } from './scorers/queue.ts';

/** A fresh registry holding every built-in plugin (callers may register more on it). */
export function builtinRegistry(): PluginRegistry {
  return new PluginRegistry()
    .register(LOW_QUEUE_FILTER_TYPE, lowQueueFilterFactory)
    .register(LEAST_QUEUE_FILTER_TYPE, leastQueueFilterFactory)
    .register(LEAST_KV_CACHE_FILTER_TYPE, leastKvCacheFilterFactory)
    .register(QUEUE_SCORER_TYPE, queueScorerFactory)
    .register(KV_CACHE_UTILIZATION_SCORER_TYPE, kvCacheUtilizationScorerFactory)
    .register(PREFIX_CACHE_SCORER_TYPE, prefixCacheScorerFactory)
    .register(LORA_AFFINITY_SCORER_TYPE, loraAffinityScorerFactory)
    .register(MAX_SCORE_PICKER_TYPE, maxScorePickerFactory)
    .register(RANDOM_PICKER_TYPE, randomPickerFactory)
    .register(WEIGHTED_RANDOM_PICKER_TYPE, weightedRandomPickerFactory)
    .register(SINGLE_PROFILE_HANDLER_TYPE, singleProfileHandlerFactory);
}

/** The shared built-in registry (read-only use). */
export const BUILTIN_PLUGINS: PluginRegistry = builtinRegistry();
