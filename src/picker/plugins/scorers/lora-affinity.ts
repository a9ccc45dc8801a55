// lora-affinity-scorer: prefers endpoints where the request's target model (a LoRA adapter) is
// already loaded, from `vllm:lora_requests_info`:
//   adapter running on the endpoint                          → 1.0
//   else a free adapter slot (running + waiting < max_lora)  → 0.8
//   else adapter waiting to load on the endpoint             → 0.6
//   else                                                     → 0
// No parameters. An endpoint that reports no LoRA info (max 0, no adapters) scores 0.
import type { PluginFactory } from '../../framework/registry.ts';
import type { CycleState, Endpoint, SchedulingRequest, Scorer } from '../../framework/types.ts';

export const LORA_AFFINITY_SCORER_TYPE = 'lora-affinity-scorer';

export class LoraAffinityScorer implements Scorer {
  readonly type = LORA_AFFINITY_SCORER_TYPE;
  readonly name: string;

  constructor(name: string = LORA_AFFINITY_SCORER_TYPE) {
    this.name = name;
  }

  score(_cycle: CycleState, request: SchedulingRequest, endpoints: readonly Endpoint[], out: Float64Array): void {
    const adapter = request.targetModel;
    for (let i = 0; i < endpoints.length; i++) {
      const m = endpoints[i]!.metrics;
      if (m.activeAdapters.includes(adapter)) out[i] = 1;
      else if (m.activeAdapters.length + m.waitingAdapters.length < m.maxAdapters) out[i] = 0.8;
      else if (m.waitingAdapters.includes(adapter)) out[i] = 0.6;
      else out[i] = 0;
    }
  }
}

export const loraAffinityScorerFactory: PluginFactory = ({ name }) => new LoraAffinityScorer(name);
