// Retry rows: each request gets its own uuid so the echo's retry simulation counts its attempts.
import type { CustomCheck } from '../../harness.ts';
import { B3 } from '../../fixtures.ts';

export function retryCheck(path: string, params: Record<string, string>, status: number | readonly number[], what: string): CustomCheck {
  return {
    name: `${path} ${new URLSearchParams(params).toString()} → ${typeof status === 'number' ? status : status.join('/')}: ${what}`,
    run: async (ctx) => {
      const query = new URLSearchParams({ ...params, uuid: globalThis.crypto.randomUUID() });
      await ctx.expect({ path: `${path}?${query.toString()}`, status, backend: B3 });
    },
  };
}
