// Shared by the *ObservedGenerationBump cases: after an update (a reload here, as kubectl apply is
// upstream), every condition of the object must carry observedGeneration, and it must have grown.
import assert from 'node:assert/strict';
import type { CaseContext } from '../../harness.ts';

/** The observedGeneration of every condition of the object (and its listeners/parents), or a problem. */
export function observedGenerations(ctx: CaseContext, kind: string, namespace: string, name: string): number[] {
  const s = ctx.gateway.gw.snapshot?.statuses.find((x) => x.kind === kind && x.namespace === namespace && x.name === name);
  assert.ok(s, `no status for ${kind} ${namespace}/${name}`);
  const conditions = [...s.conditions, ...(s.sub ?? []).flatMap((x) => x.conditions)];
  return conditions.map((c) => {
    const g = (c as unknown as Record<string, unknown>)['observedGeneration'];
    assert.equal(typeof g, 'number', `${kind} ${name} condition ${c.type} has no observedGeneration`);
    return g as number;
  });
}

export async function assertGenerationBumps(ctx: CaseContext, kind: string, namespace: string, name: string, updated: string): Promise<void> {
  const before = observedGenerations(ctx, kind, namespace, name);
  await ctx.reload(updated);
  const after = observedGenerations(ctx, kind, namespace, name);
  assert.ok(Math.min(...after) > Math.max(...before), `observedGeneration did not grow: before ${before.join(',')}, after ${after.join(',')}`);
}
