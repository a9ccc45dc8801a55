// weighted-random-picker: endpoints drawn at random with probability proportional to their total
// score, by A-Res weighted reservoir sampling: each endpoint draws key = U^(1/score) with U uniform
// in (0, 1], and the k largest keys win. A score ≤ 0 gets key 0 (drawn last); when every score is
// ≤ 0 the choice is uniform (as random-picker).
// Parameter: maxNumOfEndpoints (default 1).
import type { PluginFactory } from '../../framework/registry.ts';
import { shuffle } from '../../framework/random.ts';
import type { CycleState, Endpoint, Picker, SchedulingRequest } from '../../framework/types.ts';
import { randomChoice } from './random.ts';

export const WEIGHTED_RANDOM_PICKER_TYPE = 'weighted-random-picker';

export class WeightedRandomPicker implements Picker {
  readonly type = WEIGHTED_RANDOM_PICKER_TYPE;
  readonly name: string;
  readonly maxNumOfEndpoints: number;

  constructor(name: string = WEIGHTED_RANDOM_PICKER_TYPE, maxNumOfEndpoints = 1) {
    this.name = name;
    this.maxNumOfEndpoints = maxNumOfEndpoints;
  }

  pick(cycle: CycleState, _request: SchedulingRequest, endpoints: readonly Endpoint[], scores: Float64Array): Endpoint[] {
    const n = endpoints.length;
    if (n === 0) return [];
    let anyPositive = false;
    for (let i = 0; i < n; i++) if (scores[i]! > 0) anyPositive = true;
    if (!anyPositive) return randomChoice(endpoints, this.maxNumOfEndpoints, cycle.random);
    const keys = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      const s = scores[i]!;
      keys[i] = s > 0 ? Math.pow(1 - cycle.random(), 1 / s) : 0;
    }
    if (this.maxNumOfEndpoints === 1) {
      let best = 0;
      for (let i = 1; i < n; i++) if (keys[i]! > keys[best]!) best = i;
      return [endpoints[best]!];
    }
    // Shuffle first so that equal keys (the zeros) come out in random order.
    const order = shuffle(Array.from({ length: n }, (_, i) => i), cycle.random);
    order.sort((a, b) => keys[b]! - keys[a]!);
    return order.slice(0, this.maxNumOfEndpoints).map((i) => endpoints[i]!);
  }
}

export const weightedRandomPickerFactory: PluginFactory = ({ name, params }) => new WeightedRandomPicker(name, params.int('maxNumOfEndpoints', 1, { min: 1 }));
