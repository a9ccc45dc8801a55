// The scheduler of a simulated vLLM engine: continuous-batching slots, a bounded waiting queue, KV-cache
// admission and LoRA adapter slots.
//
// Contract:
// - At most `maxNumSeqs` sequences run at once; further requests wait in a queue of at most
//   `maxWaitingQueueLength`; one more is refused with QueueFullError (the server answers 429).
// - KV cache: a request starts only when the blocks it will need fit (see kvcache.ts). A request that
//   could never fit, even in an empty cache, is refused with KvCapacityError.
// - LoRA: at most `maxLoras` adapters are loaded in GPU slots. A LoRA request runs only if its adapter
//   is already running or fewer than `maxLoras` distinct adapters are running. Starting a request whose
//   adapter is not loaded loads it (evicting the least recently used loaded adapter with nothing
//   running), which takes `loraLoadTimeMs`; requests for an adapter still loading wait out the rest
//   of its load. The wait is reported on the Sequence (adapterLoadMs) and is part of its TTFT.
// - When a slot frees up, the queue is scanned in arrival order first for a request that needs no new
//   adapter (base model, or adapter already running), then for one whose adapter can be loaded, like
//   the upstream simulator. If that request's blocks do not fit in the KV cache, scheduling stops
//   there (first come, first served: smaller requests behind it do not overtake it), and a new request
//   with a free slot queues behind it too.
// - Every state change is synchronous, so `running`, `waiting`, the adapter lists and the KV usage read
//   by /metrics always describe the engine exactly.
// - A waiting request whose signal aborts leaves the queue; a running sequence frees its slot and
//   blocks on release() (idempotent), which the server calls when the response ends or the client
//   goes away.

import { performance } from 'node:perf_hooks';
import { NoKvCache } from './kvcache.ts';
import type { KvCacheModel, KvTicket } from './kvcache.ts';

export type { KvCacheModel } from './kvcache.ts';

/** No KV-cache simulation: nothing is ever cached, usage stays 0. */
export const noKvCache: KvCacheModel = new NoKvCache(1, 16);

export interface EngineLimits {
  maxNumSeqs: number;
  maxWaitingQueueLength: number;
  maxLoras: number;
  /** Time to load an adapter into a free GPU slot (default 0). */
  loraLoadTimeMs?: number;
}

export interface SequenceRequest {
  /** LoRA adapter name, or undefined for the base model. */
  adapter: string | undefined;
  promptText: string;
  promptTokens: number;
  /** Prompt token ids when the prompt was given as ids (prefix-cache blocks are cut from them). */
  promptTokenIds?: readonly number[] | undefined;
  /** Output tokens the sequence will generate, reserved in the KV cache at admission (default 0). */
  outputTokens?: number;
  /** Prefix-cache namespace; defaults to the adapter name, or "" for the base model. */
  cacheKey?: string;
  signal?: AbortSignal;
}

/** A running sequence: holds one slot and its KV blocks until released. */
export interface Sequence {
  readonly id: number;
  readonly adapter: string | undefined;
  readonly promptTokens: number;
  /** Prompt tokens served from the prefix cache. */
  readonly cachedTokens: number;
  /** Milliseconds spent in the waiting queue (0 when it could start at once). */
  readonly queuedMs: number;
  /** Milliseconds of adapter loading before prefill can start (0 for the base model or a loaded adapter). */
  readonly adapterLoadMs: number;
  /** Running sequences when this one started, itself included. */
  readonly runningAtStart: number;
  /** Reports output progress (grows the sequence's KV blocks). */
  generated(tokens: number): void;
  release(): void;
}

export class QueueFullError extends Error {
  constructor(readonly maxWaitingQueueLength: number) {
    super(`the waiting queue is full (${maxWaitingQueueLength} requests waiting)`);
    this.name = 'QueueFullError';
  }
}

export class KvCapacityError extends Error {
  constructor(
    readonly neededBlocks: number,
    readonly totalBlocks: number,
    readonly blockSize: number,
  ) {
    super(`the request needs ${neededBlocks} KV-cache blocks of ${blockSize} tokens, more than the ${totalBlocks} blocks of the whole cache`);
    this.name = 'KvCapacityError';
  }
}

interface Waiter {
  id: number;
  req: SequenceRequest;
  ticket: KvTicket;
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
  /** Adapters in GPU slots → time (performance.now ms) their load completes; least recently used first. */
  private readonly loaded = new Map<string, number>();
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

  /** Adapters loaded in GPU slots, least recently used first. */
  loadedAdapters(): string[] {
    return [...this.loaded.keys()];
  }

  /** Unix time (seconds) of the last change of either adapter list: the value of vllm:lora_requests_info. */
  get loraInfoUpdatedAt(): number {
    return this.loraChangedAtSec;
  }

  /** Drops an adapter from its GPU slot (runtime unload). Running sequences keep it until they end. */
  unloadAdapter(name: string): void {
    if (!this.runningByAdapter.has(name)) this.loaded.delete(name);
  }

  /**
   * Resolves with a running Sequence once it may start. Rejects with QueueFullError when it cannot start
   * and the queue is full, KvCapacityError when it can never fit in the KV cache, or with the signal's
   * reason when aborted while waiting.
   */
  admit(req: SequenceRequest): Promise<Sequence> {
    if (req.signal?.aborted) return Promise.reject(req.signal.reason);
    const ticket = this.kvCache.prepare({
      cacheKey: req.cacheKey ?? req.adapter ?? '',
      promptText: req.promptText,
      promptTokens: req.promptTokens,
      promptTokenIds: req.promptTokenIds,
      outputTokens: req.outputTokens ?? 0,
    });
    if (!this.kvCache.fitsEver(ticket)) {
      return Promise.reject(new KvCapacityError(ticket.finalBlocks, this.kvCache.totalBlocks, this.kvCache.blockSize));
    }
    const id = this.nextId++;
    const now = performance.now();
    if (this.runningCount < this.limits.maxNumSeqs && this.canRun(req.adapter) && !this.blockedWaiter() && this.kvCache.fits(ticket)) {
      try {
        return Promise.resolve(this.start(id, req, ticket, undefined));
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
          this.schedule(); // a request it was blocking may fit now
        }
        reject(signal?.reason);
      };
      const waiter: Waiter = {
        id,
        req,
        ticket,
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

  /** True when a waiter could run as far as slots and adapters go, i.e. it waits for KV blocks. */
  private blockedWaiter(): boolean {
    if (this.queue.length === 0) return false;
    return this.queue.some((w) => this.canRun(w.req.adapter));
  }

  /** True for the base model or an adapter that is already running. */
  private needsNoLoad(adapter: string | undefined): boolean {
    return adapter === undefined || this.runningByAdapter.has(adapter);
  }

  /** True when the request may take a slot as far as LoRA limits go. */
  private canRun(adapter: string | undefined): boolean {
    return this.needsNoLoad(adapter) || this.runningByAdapter.size < this.limits.maxLoras;
  }

  /** Puts the adapter in a GPU slot if needed; returns the milliseconds until it is usable. */
  private acquireAdapter(adapter: string, now: number): number {
    const readyAt = this.loaded.get(adapter);
    if (readyAt !== undefined) {
      this.loaded.delete(adapter); // re-insert: most recently used
      this.loaded.set(adapter, readyAt);
      return Math.max(0, readyAt - now);
    }
    // Free a slot: evict the least recently used adapter with nothing running.
    if (this.loaded.size >= this.limits.maxLoras) {
      for (const name of this.loaded.keys()) {
        if (!this.runningByAdapter.has(name)) {
          this.loaded.delete(name);
          break;
        }
      }
    }
    const load = this.limits.loraLoadTimeMs ?? 0;
    this.loaded.set(adapter, now + load);
    return load;
  }

  /** `enqueuedAt` is undefined for a request that started at once (queue time exactly 0). */
  private start(id: number, req: SequenceRequest, ticket: KvTicket, enqueuedAt: number | undefined): Sequence {
    const now = performance.now();
    const { cachedTokens } = this.kvCache.start(id, ticket);
    const adapterLoadMs = req.adapter === undefined ? 0 : this.acquireAdapter(req.adapter, now);
    this.runningCount++;
    this.countAdapter(this.runningByAdapter, req.adapter, +1);
    let released = false;
    return {
      id,
      adapter: req.adapter,
      promptTokens: req.promptTokens,
      cachedTokens,
      queuedMs: enqueuedAt === undefined ? 0 : now - enqueuedAt,
      adapterLoadMs,
      runningAtStart: this.runningCount,
      generated: (tokens) => {
        if (!released) this.kvCache.progress(id, tokens);
      },
      release: () => {
        if (released) return;
        released = true;
        this.runningCount--;
        this.countAdapter(this.runningByAdapter, req.adapter, -1);
        this.kvCache.finish(id);
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
      const waiter = this.queue[index] as Waiter;
      if (!this.kvCache.fits(waiter.ticket)) return; // head-of-line: wait for blocks to free up
      this.queue.splice(index, 1);
      this.countAdapter(this.waitingByAdapter, waiter.req.adapter, -1);
      waiter.detach();
      try {
        waiter.resolve(this.start(waiter.id, waiter.req, waiter.ticket, waiter.enqueuedAt));
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
