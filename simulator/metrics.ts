// The vLLM metrics a simulator exposes on /metrics, one prom-client Registry per instance (many
// simulators share a process). Gauges and the prefix-cache counters read the engine when scraped, so
// they always equal its state; the other counters and the histograms are fed by the request handler.
// Every series carries `model_name`.
//
// Bucket bounds follow vLLM / llm-d-inference-sim.

import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { Engine } from './engine.ts';

const TTFT_BUCKETS = [
  0.001, 0.005, 0.01, 0.02, 0.04, 0.06, 0.08, 0.1, 0.25, 0.5, 0.75, 1.0, 2.5, 5.0, 7.5, 10.0, 20.0, 40.0, 80.0, 160.0, 640.0,
  2560.0,
];
const ITL_BUCKETS = [
  0.01, 0.025, 0.05, 0.075, 0.1, 0.15, 0.2, 0.3, 0.4, 0.5, 0.75, 1.0, 2.5, 5.0, 7.5, 10.0, 20.0, 40.0, 80.0,
];
const TPOT_BUCKETS = [0.01, 0.025, 0.05, 0.075, 0.1, 0.15, 0.2, 0.3, 0.4, 0.5, 0.75, 1.0, 2.5, 5.0, 7.5, 10.0, 20.0, 40.0, 80.0];
const REQUEST_TIME_BUCKETS = [
  0.3, 0.5, 0.8, 1.0, 1.5, 2.0, 2.5, 5.0, 10.0, 15.0, 20.0, 30.0, 40.0, 50.0, 60.0, 120.0, 240.0, 480.0, 960.0, 1920.0, 7680.0,
];

export interface MetricsConfig {
  modelName: string;
  maxLoras: number;
  blockSize: number;
  kvCacheSize: number;
}

/** What the handler reports when a request ends (all durations in seconds, measured). */
export interface FinishedRequest {
  finishReason: string;
  /** Arrival to first token, queue time included (as vLLM measures TTFT). */
  ttftSec: number;
  e2eSec: number;
  queueSec: number;
  /** Output tokens of the first choice (time per output token is computed over them). */
  completionTokens: number;
}

export class SimulatorMetrics {
  readonly registry = new Registry();
  private readonly labels: { model_name: string };
  private readonly promptTokens: Counter<'model_name'>;
  private readonly generationTokens: Counter<'model_name'>;
  private readonly success: Counter<'model_name' | 'finish_reason'>;
  private readonly ttft: Histogram<'model_name'>;
  private readonly e2e: Histogram<'model_name'>;
  private readonly queueTime: Histogram<'model_name'>;
  private readonly tpot: Histogram<'model_name'>;
  private readonly itl: { observe(v: number): void };

  constructor(engine: Engine, config: MetricsConfig) {
    const labels = { model_name: config.modelName };
    this.labels = labels;
    const registers = [this.registry];

    new Gauge({
      name: 'vllm:num_requests_running',
      help: 'Number of requests currently running on the engine.',
      labelNames: ['model_name'],
      registers,
      collect() {
        this.set(labels, engine.running);
      },
    });
    new Gauge({
      name: 'vllm:num_requests_waiting',
      help: 'Number of requests waiting to be processed.',
      labelNames: ['model_name'],
      registers,
      collect() {
        this.set(labels, engine.waiting);
      },
    });
    for (const name of ['vllm:kv_cache_usage_perc', 'vllm:gpu_cache_usage_perc']) {
      new Gauge({
        name,
        help: 'KV-cache usage, 0 to 1 (1 = full).',
        labelNames: ['model_name'],
        registers,
        collect() {
          this.set(labels, engine.kvCache.usage());
        },
      });
    }
    new Gauge({
      name: 'vllm:lora_requests_info',
      help: 'Running and waiting LoRA adapters; the value is the Unix time of the last change.',
      labelNames: ['model_name', 'max_lora', 'running_lora_adapters', 'waiting_lora_adapters'],
      registers,
      collect() {
        // One series describing the current state; earlier label sets are dropped.
        this.reset();
        this.set(
          {
            ...labels,
            max_lora: String(config.maxLoras),
            running_lora_adapters: engine.runningAdapters().join(','),
            waiting_lora_adapters: engine.waitingAdapters().join(','),
          },
          engine.loraInfoUpdatedAt,
        );
      },
    });
    new Gauge({
      name: 'vllm:cache_config_info',
      help: 'Information of the KV-cache configuration.',
      labelNames: ['model_name', 'block_size', 'num_gpu_blocks'],
      registers,
    }).set({ ...labels, block_size: String(config.blockSize), num_gpu_blocks: String(config.kvCacheSize) }, 1);

    // Prefix-cache counters (in tokens), read from the KV cache: queries = prompt tokens of started
    // sequences, hits = those served from cache.
    new Counter({
      name: 'vllm:prefix_cache_queries_total',
      help: 'Prefix-cache queries, in tokens: prompt tokens of the sequences started.',
      labelNames: ['model_name'],
      registers,
      collect() {
        this.reset();
        this.inc(labels, engine.kvCache.queriedTokens);
      },
    });
    new Counter({
      name: 'vllm:prefix_cache_hits_total',
      help: 'Prefix-cache hits, in tokens: prompt tokens served from the cache.',
      labelNames: ['model_name'],
      registers,
      collect() {
        this.reset();
        this.inc(labels, engine.kvCache.hitTokens);
      },
    });

    this.promptTokens = new Counter({
      name: 'vllm:prompt_tokens_total',
      help: 'Number of prefill tokens processed.',
      labelNames: ['model_name'],
      registers,
    });
    this.generationTokens = new Counter({
      name: 'vllm:generation_tokens_total',
      help: 'Number of generation tokens processed.',
      labelNames: ['model_name'],
      registers,
    });
    this.success = new Counter({
      name: 'vllm:request_success_total',
      help: 'Count of successfully processed requests.',
      labelNames: ['model_name', 'finish_reason'],
      registers,
    });
    this.ttft = histogram('vllm:time_to_first_token_seconds', 'Histogram of time to first token in seconds.', TTFT_BUCKETS, registers);
    this.e2e = histogram('vllm:e2e_request_latency_seconds', 'Histogram of end to end request latency in seconds.', REQUEST_TIME_BUCKETS, registers);
    this.queueTime = histogram('vllm:request_queue_time_seconds', 'Histogram of time spent in the waiting queue in seconds.', REQUEST_TIME_BUCKETS, registers);
    this.tpot = histogram('vllm:time_per_output_token_seconds', 'Histogram of time per output token in seconds.', TPOT_BUCKETS, registers);
    this.itl = histogram('vllm:inter_token_latency_seconds', 'Histogram of inter-token latency in seconds.', ITL_BUCKETS, registers).labels(labels);

    // Zero-valued series exist from the start, so a scraper sees every name before the first request.
    this.promptTokens.inc(labels, 0);
    this.generationTokens.inc(labels, 0);
    for (const finish_reason of ['stop', 'length']) this.success.inc({ ...labels, finish_reason }, 0);
  }

  /** The prompt was prefilled (the first token is out). */
  promptProcessed(tokens: number): void {
    this.promptTokens.inc(this.labels, tokens);
  }

  /** Tokens generated by a request, counted when it ends (also when the client went away). */
  tokensGenerated(tokens: number): void {
    if (tokens > 0) this.generationTokens.inc(this.labels, tokens);
  }

  /** One computed inter-token wait (seconds). */
  interToken(seconds: number): void {
    this.itl.observe(seconds);
  }

  requestFinished(r: FinishedRequest): void {
    this.success.inc({ ...this.labels, finish_reason: r.finishReason });
    this.ttft.observe(this.labels, r.ttftSec);
    this.e2e.observe(this.labels, r.e2eSec);
    this.queueTime.observe(this.labels, r.queueSec);
    if (r.completionTokens > 1) this.tpot.observe(this.labels, (r.e2eSec - r.ttftSec) / (r.completionTokens - 1));
  }

  render(): Promise<string> {
    return this.registry.metrics();
  }

  get contentType(): string {
    return this.registry.contentType;
  }
}

function histogram(name: string, help: string, buckets: number[], registers: Registry[]): Histogram<'model_name'> {
  return new Histogram({ name, help, buckets, labelNames: ['model_name'], registers });
}
