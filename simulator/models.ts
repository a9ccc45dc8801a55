// Which model names a simulator answers to, and the /v1/models listing.
//
// A request's `model` may be the base model, one of the served model names, or a LoRA adapter from
// --lora-modules or /v1/load_lora_adapter; a missing `model` means the base model (as vLLM does).
// Anything else is unknown (404).

import type { LoraModule, SimulatorOptions } from './options.ts';
import type { ModelCard } from './openai-shapes.ts';

export interface ResolvedModel {
  /** The name echoed in responses: what the client asked for. */
  name: string;
  /** The adapter to run, or undefined for the base model. */
  adapter: string | undefined;
}

export class ModelCatalog {
  /** Name labelling metrics (`model_name`): the first served name, else the base model, like vLLM. */
  readonly metricsName: string;
  private readonly baseNames: string[];
  private readonly adapters = new Map<string, LoraModule>();

  constructor(options: Pick<SimulatorOptions, 'model' | 'servedModelNames' | 'loraModules'>) {
    this.baseNames = [...new Set([options.model, ...(options.servedModelNames ?? [])])];
    this.metricsName = options.servedModelNames?.[0] ?? options.model;
    for (const lora of options.loraModules) this.adapters.set(lora.name, lora);
  }

  /** Registers an adapter (POST /v1/load_lora_adapter). False when the name is taken. */
  addAdapter(lora: LoraModule): boolean {
    if (this.adapters.has(lora.name) || this.baseNames.includes(lora.name)) return false;
    this.adapters.set(lora.name, lora);
    return true;
  }

  /** Forgets an adapter (POST /v1/unload_lora_adapter). False when it is not known. */
  removeAdapter(name: string): boolean {
    return this.adapters.delete(name);
  }

  resolve(requested: string | undefined): ResolvedModel | undefined {
    if (requested === undefined || requested === '') return { name: this.metricsName, adapter: undefined };
    if (this.baseNames.includes(requested)) return { name: requested, adapter: undefined };
    if (this.adapters.has(requested)) return { name: requested, adapter: requested };
    return undefined;
  }

  /**
   * The model that serves a resolved name: the adapter, else the base model (`--model`), whatever
   * served name was asked for. Azure answers with it (the deployment's model).
   */
  servingModel(resolved: ResolvedModel): string {
    return resolved.adapter ?? (this.baseNames[0] as string);
  }

  /** Base names first, then adapters with vLLM's `root` (adapter path) and `parent` (base model). */
  cards(createdSec: number, maxModelLen: number): ModelCard[] {
    const cards: ModelCard[] = this.baseNames.map((id) => ({
      id,
      object: 'model',
      created: createdSec,
      owned_by: 'vllm',
      root: id,
      parent: null,
      max_model_len: maxModelLen,
    }));
    for (const lora of this.adapters.values()) {
      cards.push({
        id: lora.name,
        object: 'model',
        created: createdSec,
        owned_by: 'vllm',
        root: lora.path ?? lora.name,
        parent: lora.baseModelName ?? this.metricsName,
      });
    }
    return cards;
  }
}
