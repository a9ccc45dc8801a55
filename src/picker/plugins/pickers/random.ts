// random-picker: endpoints chosen uniformly at random, ignoring scores.
// Parameter: maxNumOfEndpoints (default 1).
import type { PluginFactory } from '../../framework/registry.ts';
import { shuffle } from '../../framework/random.ts';
import type { CycleState, Endpoint, Picker, SchedulingRequest } from '../../framework/types.ts';

export const RANDOM_PICKER_TYPE = 'random-picker';

export class RandomPicker implements Picker {
  readonly type = RANDOM_PICKER_TYPE;
  readonly name: string;
  readonly maxNumOfEndpoints: number;

  constructor(name: string = RANDOM_PICKER_TYPE, maxNumOfEndpoints = 1) {
    this.name = name;
    this.maxNumOfEndpoints = maxNumOfEndpoints;
  }

  pick(cycle: CycleState, _request: SchedulingRequest, endpoints: readonly Endpoint[]): Endpoint[] {
    return randomChoice(endpoints, this.maxNumOfEndpoints, cycle.random);
  }
}

/** `k` distinct endpoints in random order (all of them when fewer). */
export function randomChoice(endpoints: readonly Endpoint[], k: number, random: () => number): Endpoint[] {
  const n = endpoints.length;
  if (n === 0) return [];
  if (k === 1) return [endpoints[Math.floor(random() * n)]!];
  return shuffle([...endpoints], random).slice(0, k);
}

export const randomPickerFactory: PluginFactory = ({ name, params }) => new RandomPicker(name, params.int('maxNumOfEndpoints', 1, { min: 1 }));
