// A small Prometheus text-format reader for the handful of model-server series the picker needs.
// Hand-written because it runs every 50 ms per endpoint: it skips every line whose metric name is
// not wanted without splitting or allocating for it.
import type { ModelServerMetrics } from '../runtime/endpoint.ts';

/**
 * Metric names per engine (inference-extension reference §5). A name may carry one label filter,
 * `name{label=value}`, as upstream's metric specs do (Triton reports several series under one name).
 */
export interface MetricNames {
  readonly waiting: string;
  readonly running: string;
  readonly kvCacheUsage: readonly string[];
  readonly lora?: string;
  /** A series whose labels give the KV cache's shape (vLLM: block_size, num_gpu_blocks). */
  readonly cacheInfo?: string;
}

export const vllmMetricNames: MetricNames = {
  waiting: 'vllm:num_requests_waiting',
  running: 'vllm:num_requests_running',
  // vLLM renamed gpu_cache_usage_perc to kv_cache_usage_perc; the first present wins.
  kvCacheUsage: ['vllm:kv_cache_usage_perc', 'vllm:gpu_cache_usage_perc'],
  lora: 'vllm:lora_requests_info',
  cacheInfo: 'vllm:cache_config_info',
};

export const sglangMetricNames: MetricNames = { waiting: 'sglang:num_queue_reqs', running: 'sglang:num_running_reqs', kvCacheUsage: ['sglang:token_usage'] };
export const trtllmServeMetricNames: MetricNames = { waiting: 'trtllm_num_requests_waiting', running: 'trtllm_num_requests_running', kvCacheUsage: ['trtllm_kv_cache_utilization'] };
export const tritonTrtllmMetricNames: MetricNames = {
  waiting: 'nv_trt_llm_request_metrics{request_type=waiting}',
  running: 'nv_trt_llm_request_metrics{request_type=scheduled}',
  kvCacheUsage: ['nv_trt_llm_kv_cache_block_metrics{kv_cache_block_type=fraction}'],
};
export const tritonMetricNames: MetricNames = { waiting: 'nv_inference_pending_request_count', running: 'nv_inference_exec_count', kvCacheUsage: [] };

/** The pod labels that name a model server's engine, newest first; absent → vLLM. */
export const ENGINE_LABELS = ['llm-d.ai/engine-type', 'inference.networking.k8s.io/engine-type'] as const;

const ENGINES: Readonly<Record<string, MetricNames>> = {
  vllm: vllmMetricNames,
  sglang: sglangMetricNames,
  'trtllm-serve': trtllmServeMetricNames,
  trtllm: trtllmServeMetricNames,
  'triton-trtllm': tritonTrtllmMetricNames,
  triton: tritonMetricNames,
};

/** The metric names for an endpoint, from its engine label (unknown engines read vLLM names). */
export function metricNamesFor(labels: Readonly<Record<string, string>>): MetricNames {
  for (const l of ENGINE_LABELS) {
    const engine = labels[l];
    if (engine) return ENGINES[engine.toLowerCase()] ?? vllmMetricNames;
  }
  return vllmMetricNames;
}

interface Spec {
  readonly name: string;
  readonly label?: string | undefined;
  readonly value?: string | undefined;
}

function parseSpec(spec: string): Spec {
  const m = /^([^{]+)\{([^=]+)=([^}]*)\}$/.exec(spec);
  return m ? { name: m[1]!, label: m[2]!, value: m[3]! } : { name: spec };
}

function specMatches(spec: Spec, sample: Sample): boolean {
  return sample.name === spec.name && (spec.label === undefined || sample.labels[spec.label] === spec.value);
}

export interface Sample {
  readonly name: string;
  readonly labels: Record<string, string>;
  readonly value: number;
}

/** Reads the samples of the wanted metric names from Prometheus exposition text. */
export function readSamples(text: string, wanted: ReadonlySet<string>): Sample[] {
  const out: Sample[] = [];
  let pos = 0;
  const len = text.length;
  while (pos < len) {
    let end = text.indexOf('\n', pos);
    if (end < 0) end = len;
    if (text.charCodeAt(pos) !== 35 /* '#' */ && end > pos) {
      let nameEnd = pos;
      while (nameEnd < end) {
        const c = text.charCodeAt(nameEnd);
        if (c === 123 /* { */ || c === 32 /* space */) break;
        nameEnd++;
      }
      const name = text.slice(pos, nameEnd);
      if (wanted.has(name)) {
        const sample = parseSampleLine(name, text, nameEnd, end);
        if (sample) out.push(sample);
      }
    }
    pos = end + 1;
  }
  return out;
}

function parseSampleLine(name: string, text: string, from: number, end: number): Sample | undefined {
  const labels: Record<string, string> = {};
  let i = from;
  if (text.charCodeAt(i) === 123) {
    i++;
    while (i < end && text.charCodeAt(i) !== 125 /* } */) {
      const eq = text.indexOf('=', i);
      if (eq < 0 || eq >= end) return undefined;
      const key = text.slice(i, eq).trim();
      let j = eq + 1;
      if (text.charCodeAt(j) !== 34 /* " */) return undefined;
      j++;
      let value = '';
      while (j < end && text.charCodeAt(j) !== 34) {
        if (text.charCodeAt(j) === 92 /* \ */ && j + 1 < end) {
          const next = text[j + 1];
          value += next === 'n' ? '\n' : next;
          j += 2;
        } else {
          value += text[j];
          j++;
        }
      }
      labels[key] = value;
      i = j + 1;
      if (text.charCodeAt(i) === 44 /* , */) i++;
    }
    i++;
  }
  const rest = text.slice(i, end).trim();
  const space = rest.indexOf(' ');
  const value = Number(space < 0 ? rest : rest.slice(0, space));
  if (Number.isNaN(value)) return undefined;
  return { name, labels, value };
}

/** Applies a scrape to `metrics` in place. Missing series leave the previous value untouched. */
export function applyScrape(text: string, names: MetricNames, metrics: ModelServerMetrics, now: number): void {
  const waiting = parseSpec(names.waiting);
  const running = parseSpec(names.running);
  const kv = names.kvCacheUsage.map(parseSpec);
  const lora = names.lora ? parseSpec(names.lora) : undefined;
  const cacheInfo = names.cacheInfo ? parseSpec(names.cacheInfo) : undefined;
  const wanted = new Set<string>([waiting.name, running.name, ...kv.map((k) => k.name)]);
  if (lora) wanted.add(lora.name);
  if (cacheInfo) wanted.add(cacheInfo.name);
  const samples = readSamples(text, wanted);
  let kvRank = Infinity;
  let loraStamp = -Infinity;
  for (const s of samples) {
    if (specMatches(waiting, s)) metrics.waiting = s.value;
    else if (specMatches(running, s)) metrics.running = s.value;
    else if (cacheInfo && specMatches(cacheInfo, s)) {
      metrics.cacheBlocks = Number(s.labels['num_gpu_blocks'] ?? 0) || 0;
      metrics.cacheBlockTokens = Number(s.labels['block_size'] ?? 0) || 0;
    }
    else if (lora && specMatches(lora, s)) {
      // The series with the newest timestamp value among those naming adapters wins.
      const runningAdapters = s.labels['running_lora_adapters'] ?? '';
      const waitingAdapters = s.labels['waiting_lora_adapters'] ?? '';
      if (s.value > loraStamp) {
        loraStamp = s.value;
        metrics.activeAdapters = runningAdapters ? runningAdapters.split(',') : [];
        metrics.waitingAdapters = waitingAdapters ? waitingAdapters.split(',') : [];
        metrics.maxAdapters = Number(s.labels['max_lora'] ?? 0) || 0;
      }
    } else {
      const rank = kv.findIndex((k) => specMatches(k, s));
      if (rank >= 0 && rank < kvRank) {
        kvRank = rank;
        metrics.kvCacheUsage = s.value;
      }
    }
  }
  metrics.updatedAt = now;
}
