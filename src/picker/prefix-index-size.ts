// The size of a scheduler's prefix index, for the upstream gauge inference_extension_prefix_indexer_size.
import type { Scheduler } from './framework/scheduler.ts';
import { PrefixCacheScorer } from './plugins/scorers/prefix-cache.ts';

/** Blocks held by the prefix index(es) of a scheduler, over all endpoints. */
export function prefixIndexSize(scheduler: Scheduler): number {
  let total = 0;
  for (const p of scheduler.plugins.values()) if (p instanceof PrefixCacheScorer) total += p.index.size;
  return total;
}
