// A small Prometheus text-format reader for the handful of model-server series the picker needs.
// Hand-written because it runs every 50 ms per endpoint: it skips every line whose metric name is
// not wanted without splitting or allocating for it.
import type { ModelServerMetrics } from './endpoint.ts';

/** Metric names per engine (inference-extension reference §5). */
export interface MetricNames {
  readonly waiting: string;
  readonly running: string;
  readonly kvCacheUsage: readonly string[];
  readonly lora?: string;
}

export const vllmMetricNames: MetricNames = {
  waiting: 'vllm:num_requests_waiting',
  running: 'vllm:num_requests_running',
  // vLLM renamed gpu_cache_usage_perc to kv_cache_usage_perc; the first present wins.
  kvCacheUsage: ['vllm:kv_cache_usage_perc', 'vllm:gpu_cache_usage_perc'],
  lora: 'vllm:lora_requests_info',
};

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
  const wanted = new Set<string>([names.waiting, names.running, ...names.kvCacheUsage]);
  if (names.lora) wanted.add(names.lora);
  const samples = readSamples(text, wanted);
  let kvRank = Infinity;
  let loraStamp = -Infinity;
  for (const s of samples) {
    if (s.name === names.waiting) metrics.waiting = s.value;
    else if (s.name === names.running) metrics.running = s.value;
    else if (s.name === names.lora) {
      // The series with the newest timestamp value among those naming adapters wins.
      const running = s.labels['running_lora_adapters'] ?? '';
      const waiting = s.labels['waiting_lora_adapters'] ?? '';
      if (s.value > loraStamp) {
        loraStamp = s.value;
        metrics.activeAdapters = running ? running.split(',') : [];
        metrics.waitingAdapters = waiting ? waiting.split(',') : [];
        metrics.maxAdapters = Number(s.labels['max_lora'] ?? 0) || 0;
      }
    } else {
      const rank = names.kvCacheUsage.indexOf(s.name);
      if (rank >= 0 && rank < kvRank) {
        kvRank = rank;
        metrics.kvCacheUsage = s.value;
      }
    }
  }
  metrics.updatedAt = now;
}
