// The band filter the least-queue and least-KV-cache filters share: keeps the endpoints whose value is
// within (max − min) / n of the minimum over the n candidates. Keeping a band rather than only the
// minimum leaves later filters and scorers a choice; the minimum is always kept, so a non-empty set
// never becomes empty.
import type { Endpoint } from '../../framework/types.ts';

export function lowestBand(endpoints: readonly Endpoint[], value: (ep: Endpoint) => number, integerBand: boolean): readonly Endpoint[] {
  if (endpoints.length === 0) return endpoints;
  let min = Infinity;
  let max = -Infinity;
  for (const ep of endpoints) {
    const v = value(ep);
    min = Math.min(min, v);
    max = Math.max(max, v);
  }
  const width = (max - min) / endpoints.length;
  const limit = min + (integerBand ? Math.floor(width) : width);
  return endpoints.filter((ep) => value(ep) <= limit);
}
