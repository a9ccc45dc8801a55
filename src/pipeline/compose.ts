// Stages and their composition (DESIGN.md §2). A stage is a named function of the request context and
// `next`: it reads and writes the context, then either calls `next()` (once) and returns its promise,
// or answers the request itself and returns without calling it. Composition validates the shape
// once, and refuses a `next()` called twice at run time.
import type { RequestContext } from '../runtime/context.ts';

export type Next = () => Promise<void>;
export type Stage = (ctx: RequestContext, next: Next) => Promise<void> | void;

const DONE: Promise<void> = Promise.resolve();

export function compose(stages: readonly Stage[]): (ctx: RequestContext) => Promise<void> {
  for (const [i, s] of stages.entries()) {
    if (typeof s !== 'function' || s.length !== 2 || !s.name) throw new TypeError(`stage ${i} must be a named function (ctx, next)`);
  }
  const n = stages.length;
  return function run(ctx: RequestContext): Promise<void> {
    let called = -1;
    const dispatch = (i: number): Promise<void> => {
      if (i <= called) return Promise.reject(new Error(`stage ${stages[i - 1]?.name ?? '?'} called next() more than once`));
      called = i;
      if (i === n) return DONE;
      try {
        const r = stages[i]!(ctx, () => dispatch(i + 1));
        return r === undefined ? DONE : r;
      } catch (err) {
        return Promise.reject(err);
      }
    };
    return dispatch(0);
  };
}
