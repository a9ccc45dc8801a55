// The scheduler of a simulated vLLM engine: continuous-batching slots and a bounded waiting queue.
//
// Contract:
// - At most `maxNumSeqs` sequences run at once; further requests wait in a queue of at most
//   `maxWaitingQueueLength`; one more is refused with QueueFullError (the server answers 429).
// - A LoRA request runs only if its adapter is already running or fewer than `maxLoras` distinct
//   adapters are running. When a slot frees up, the queue is scanned in arrival order first for a
//   request that needs no new adapter (base model, or adapter already running), then for one whose
//   adapter can be loaded, like the upstream simulator.
// - Every state change is synchronous, so `running`, `waiting` and the adapter lists read by /metrics
//   always describe the engine exactly.
// - A waiting request whose signal aborts leaves the queue; a running sequence frees its slot on
//   release() (idempotent), which the server calls when the response ends or the client goes away.
//
// The KV cache plugs in through KvCacheModel: it is told when a sequence starts and finishes and
// answers how many prompt tokens were already cached (the per-token latency discount) and its usage.
// Only the no-op model exists for now.

import { performance } from 'node:perf_hooks';

export interface KvCacheModel {
  /** A sequence starts running. Returns the prompt tokens served from cache. May throw when the cache cannot hold the prompt. */
  onStart(seq: { id: number; adapter: string | undefined; promptText: string; promptTokens: number }): { cachedTokens: number };
  /** The sequence finished or was aborted: its blocks become evictable. */
  onFinish(id: number): void;
  /** Fraction 0..1 of the cache in use, reported as vllm:kv_cache_usage_perc. */
  usage(): number;
}

/** No KV-cache simulation: nothing is ever cached, usage stays 0. */
export const noKvCache: KvCacheModel = {
  onStart: () => ({ cachedTokens: 0 }),
  onFinish: () => {},
  usage: () => 0,
};

export interface EngineLimits {
  maxNumSeqs: number;
  maxWaitingQueueLength: number;
  maxLoras: number;
}

export interface SequenceRequest {
  /** LoRA adapter name, or undefined for the base model. */
  adapter: string | undefined;
  promptText: string;
  promptTokens: number;
  signal?: AbortSignal;
}

/** A running sequence: holds one slot until released. */
export interface Sequence {
  readonly id: number;
  readonly adapter: string | undefined;
  readonly promptTokens: number;
  readonly cachedTokens: number;
  /** Milliseconds spent in the waiting queue (0 when a slot was free). */
  readonly queuedMs: number;
  release(): void;
}

export class QueueFullError extends Error {
  constructor(readonly maxWaitingQueueLength: number) {
    super(`the waiting queue is full (${maxWaitingQueueLength} requests waiting)`);
    this.name = 'QueueFullError';
  }
}

interface Waiter {
  id: number;
  req: SequenceRequest;
  enqueuedAt: number;
  resolve(seq: Sequence): void;
  reject(err: unknown): void;
  detach(): void;
}

export class Engine {
  private nextId = 1;
  private runningCount = 0;
  private readonly queue: Waiter[] = [];
  /** Running sequences per adapter (only adapters with ≥ 1 running sequence are present). */
  private readonly runningByAdapter = new Map<string, number>();
  /** Waiting requests per adapter. */
  private readonly waitingByAdapter = new Map<string, number>();
  private loraChangedAtSec = Date.now() / 1000;

  constructor(
    readonly limits: EngineLimits,
    readonly kvCache: KvCacheModel = noKvCache,
  ) {}

  get running(): number {
    return this.runningCount;
  }

  get waiting(): number {
    return this.queue.length;
  }

  /** Adapters with running sequences (vllm:lora_requests_info running_lora_adapters). */
  runningAdapters(): string[] {
    return [...this.runningByAdapter.keys()];
  }

  /** Adapters with waiting requests (waiting_lora_adapters). */
  waitingAdapters(): string[] {
    return [...this.waitingByAdapter.keys()];
  }

  /** Unix time (seconds) of the last change of either adapter list: the value of vllm:lora_requests_info. */
  get loraInfoUpdatedAt(): number {
    return this.loraChangedAtSec;
  }

  /**
   * Resolves with a running Sequence once a slot is granted. Rejects with QueueFullError when the request
   * cannot start and the queue is full, or with the signal's reason when aborted while waiting.
   */
  admit(req: SequenceRequest): Promise<Sequence> {
    if (req.signal?.aborted) return Promise.reject(req.signal.reason);
    const id = this.nextId++;
    const now = performance.now();
    if (this.runningCount < this.limits.maxNumSeqs && this.canRun(req.adapter)) {
      try {
        return Promise.resolve(this.start(id, req, undefined));
      } catch (err) {
        return Promise.reject(err);
      }
    }
    if (this.queue.length >= this.limits.maxWaitingQueueLength) {
      return Promise.reject(new QueueFullError(this.limits.maxWaitingQueueLength));
    }
    return new Promise<Sequence>((resolve, reject) => {
      const signal = req.signal;
      const onAbort = (): void => {
        const i = this.queue.indexOf(waiter);
        if (i >= 0) {
          this.queue.splice(i, 1);
          this.countAdapter(this.waitingByAdapter, req.adapter, -1);
        }
        reject(signal?.reason);
      };
      const waiter: Waiter = {
        id,
        req,
        enqueuedAt: now,
        resolve,
        reject,
        detach: () => signal?.removeEventListener('abort', onAbort),
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      this.queue.push(waiter);
      this.countAdapter(this.waitingByAdapter, req.adapter, +1);
    });
  }

  /** True for the base model or an adapter that is already running. */
  private needsNoLoad(adapter: string | undefined): boolean {
    return adapter === undefined || this.runningByAdapter.has(adapter);
  }

  /** True when the request may take a slot as far as LoRA limits go. */
  private canRun(adapter: string | undefined): boolean {
    return this.needsNoLoad(adapter) || this.runningByAdapter.size < this.limits.maxLoras;
  }

  /** `enqueuedAt` is undefined for a request that found a free slot (queue time exactly 0). */
  private start(id: number, req: SequenceRequest, enqueuedAt: number | undefined): Sequence {
    const { cachedTokens } = this.kvCache.onStart({
      id,
      adapter: req.adapter,
      promptText: req.promptText,
      promptTokens: req.promptTokens,
    });
    this.runningCount++;
    this.countAdapter(this.runningByAdapter, req.adapter, +1);
    let released = false;
    return {
      id,
      adapter: req.adapter,
      promptTokens: req.promptTokens,
      cachedTokens,
      queuedMs: enqueuedAt === undefined ? 0 : performance.now() - enqueuedAt,
      release: () => {
        if (released) return;
        released = true;
        this.runningCount--;
        this.countAdapter(this.runningByAdapter, req.adapter, -1);
        this.kvCache.onFinish(id);
        this.schedule();
      },
    };
  }

  /** Fills free slots from the queue (see the class contract for the order). */
  private schedule(): void {
    while (this.runningCount < this.limits.maxNumSeqs && this.queue.length > 0) {
      let index = this.queue.findIndex((w) => this.needsNoLoad(w.req.adapter));
      if (index < 0) index = this.queue.findIndex((w) => this.canRun(w.req.adapter));
      if (index < 0) return;
      const [waiter] = this.queue.splice(index, 1) as [Waiter];
      this.countAdapter(this.waitingByAdapter, waiter.req.adapter, -1);
      waiter.detach();
      try {
        waiter.resolve(this.start(waiter.id, waiter.req, waiter.enqueuedAt));
      } catch (err) {
        waiter.reject(err);
      }
    }
  }

  private countAdapter(map: Map<string, number>, adapter: string | undefined, delta: 1 | -1): void {
    if (adapter === undefined) return;
    const n = (map.get(adapter) ?? 0) + delta;
    if (n <= 0) {
      map.delete(adapter);
      this.loraChangedAtSec = Date.now() / 1000;
    } else {
      if (n === 1 && delta === 1) this.loraChangedAtSec = Date.now() / 1000;
      map.set(adapter, n);
    }
  }
}
