// One flow-control queue per InferencePool (`namespace/name`), kept across snapshots so that requests
// waiting in a queue survive a reload; a pool whose new config turns flow control off loses its queue.
import type { PoolRuntime } from '../runtime/snapshot.ts';
import { FlowQueue } from './flow-control.ts';

export class FlowQueues {
  readonly #byKey = new Map<string, FlowQueue>();
  /** The queue of each pool runtime object (null: flow control off), so a request pays one lookup. */
  #byPool = new WeakMap<PoolRuntime, FlowQueue | null>();

  /** The pool's queue when its EndpointPickerConfig enables flow control. */
  for(pool: PoolRuntime): FlowQueue | undefined {
    let queue = this.#byPool.get(pool);
    if (queue === undefined) {
      const key = `${pool.namespace}/${pool.name}`;
      const settings = pool.flowControl;
      queue = null;
      if (settings) {
        queue = this.#byKey.get(key) ?? new FlowQueue(() => pool.endpoints, settings);
        queue.update(() => pool.endpoints, settings);
        this.#byKey.set(key, queue);
      } else {
        this.#byKey.delete(key);
      }
      this.#byPool.set(pool, queue);
    }
    return queue ?? undefined;
  }

  /** After a snapshot swap: forget queues of pools that are gone. */
  retain(poolKeys: ReadonlySet<string> | ReadonlyMap<string, unknown>): void {
    this.#byPool = new WeakMap();
    for (const key of this.#byKey.keys()) if (!poolKeys.has(key)) this.#byKey.delete(key);
  }
}
