import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { emptyMetrics } from '../runtime/endpoint.ts';
import { applyScrape, metricNamesFor, readSamples, tritonTrtllmMetricNames, vllmMetricNames } from './metrics-text.ts';

const VLLM = `# HELP vllm:num_requests_waiting Number of requests waiting.
# TYPE vllm:num_requests_waiting gauge
vllm:num_requests_waiting{model_name="m"} 3
vllm:num_requests_running{model_name="m"} 2
vllm:gpu_cache_usage_perc{model_name="m"} 0.9
vllm:kv_cache_usage_perc{model_name="m"} 0.25
vllm:lora_requests_info{max_lora="2",running_lora_adapters="a,b",waiting_lora_adapters=""} 1700000001
vllm:lora_requests_info{max_lora="2",running_lora_adapters="a",waiting_lora_adapters="c"} 1700000000
vllm:num_requests_waiting_other 99
vllm:cache_config_info{block_size="16",num_gpu_blocks="512"} 1
`;

describe('model-server metrics text', () => {
  it('reads the vLLM signals: the newer KV name wins, the newest LoRA series wins', () => {
    const m = emptyMetrics();
    applyScrape(VLLM, vllmMetricNames, m, 42);
    assert.deepEqual(m, { waiting: 3, running: 2, kvCacheUsage: 0.25, activeAdapters: ['a', 'b'], waitingAdapters: [], maxAdapters: 2, cacheBlocks: 512, cacheBlockTokens: 16, updatedAt: 42 });
  });

  it('falls back to the older gpu_cache_usage_perc when kv_cache_usage_perc is absent', () => {
    const m = emptyMetrics();
    applyScrape('vllm:gpu_cache_usage_perc{model_name="m"} 0.5\n', vllmMetricNames, m, 1);
    assert.equal(m.kvCacheUsage, 0.5);
  });

  it('reads label-filtered series (Triton TRT-LLM)', () => {
    const text = [
      'nv_trt_llm_request_metrics{model="x",request_type="waiting"} 7',
      'nv_trt_llm_request_metrics{model="x",request_type="scheduled"} 4',
      'nv_trt_llm_request_metrics{model="x",request_type="context"} 100',
      'nv_trt_llm_kv_cache_block_metrics{kv_cache_block_type="max"} 512',
      'nv_trt_llm_kv_cache_block_metrics{kv_cache_block_type="fraction"} 0.375',
    ].join('\n');
    const m = emptyMetrics();
    applyScrape(text, tritonTrtllmMetricNames, m, 1);
    assert.equal(m.waiting, 7);
    assert.equal(m.running, 4);
    assert.equal(m.kvCacheUsage, 0.375);
  });

  it('chooses the engine from the pod label', () => {
    assert.equal(metricNamesFor({}).waiting, 'vllm:num_requests_waiting');
    assert.equal(metricNamesFor({ 'llm-d.ai/engine-type': 'sglang' }).waiting, 'sglang:num_queue_reqs');
    assert.equal(metricNamesFor({ 'inference.networking.k8s.io/engine-type': 'trtllm-serve' }).running, 'trtllm_num_requests_running');
    assert.equal(metricNamesFor({ 'llm-d.ai/engine-type': 'unknown' }).waiting, 'vllm:num_requests_waiting');
  });

  it('parses escaped label values and skips malformed lines', () => {
    const samples = readSamples('x{a="q\\"uote",b="n\\nl"} 1.5\nx{broken 2\nx 3 1700000000\n', new Set(['x']));
    assert.deepEqual(samples, [
      { name: 'x', labels: { a: 'q"uote', b: 'n\nl' }, value: 1.5 },
      { name: 'x', labels: {}, value: 3 },
    ]);
  });
});
