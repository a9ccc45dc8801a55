// max-score-picker: the endpoints with the highest total score; ties are broken at random (upstream
// shuffles, then stable-sorts by score), so equal endpoints share the load instead of the first one
// taking every request.
// Parameter: maxNumOfEndpoints (default 1): more than one returns ordered fallbacks.
import type { PluginFactory } from '../../framework/registry.ts';
import { shuffle } from '../../framework/random.ts';
import type { CycleState, Endpoint, Picker, SchedulingRequest } from '../../framework/types.ts';

export const MAX_SCORE_PICKER_TYPE = 'max-score-picker';

export class MaxScorePicker implements Picker {
  readonly type = MAX_SCORE_PICKER_TYPE;
  readonly name: string;
  readonly maxNumOfEndpoints: number;

  constructor(name: string = MAX_SCORE_PICKER_TYPE, maxNumOfEndpoints = 1) {
    this.name = name;
    this.maxNumOfEndpoints = maxNumOfEndpoints;
  }

  pick(cycle: CycleState, _request: SchedulingRequest, endpoints: readonly Endpoint[], scores: Float64Array): Endpoint[] {
    const n = endpoints.length;
    if (n === 0) return [];
    if (this.maxNumOfEndpoints === 1) {
      // One pass: reservoir sampling keeps a uniform choice among the best (same law as shuffle + sort).
      let chosen = 0;
      let best = -Infinity;
      let ties = 0;
      for (let i = 0; i < n; i++) {
        const s = scores[i]!;
        if (s > best) {
          best = s;
          chosen = i;
          ties = 1;
        } else if (s === best) {
          ties++;
          if (cycle.random() * ties < 1) chosen = i;
        }
      }
      return [endpoints[chosen]!];
    }
    const order = shuffle(Array.from({ length: n }, (_, i) => i), cycle.random);
    order.sort((a, b) => scores[b]! - scores[a]!);
    return order.slice(0, this.maxNumOfEndpoints).map((i) => endpoints[i]!);
  }
}

export const maxScorePickerFactory: PluginFactory = ({ name, params }) => new MaxScorePicker(name, params.int('maxNumOfEndpoints', 1, { min: 1 }));
