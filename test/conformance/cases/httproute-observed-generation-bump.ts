import type { ConformanceCase } from '../harness.ts';
import { acceptedRoutes } from '../harness.ts';
import { B1, B2 } from '../fixtures.ts';
import { assertGenerationBumps } from './shared/observed-generation.ts';

const manifests = (backend: string) => `
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: observed-generation-bump, namespace: gateway-conformance-infra}
spec:
  parentRefs: [{name: same-namespace}]
  rules: [{backendRefs: [{name: ${backend}, port: 8080}]}]
`;

export const HTTPRouteObservedGenerationBump: ConformanceCase = {
  name: 'HTTPRouteObservedGenerationBump',
  level: 'core',
  features: ['Gateway', 'HTTPRoute'],
  description: 'after the route is updated, its conditions report the new observedGeneration (standalone: the update is a reload of the changed file)',
  manifests: manifests('infra-backend-v1'),
  status: acceptedRoutes('same-namespace', ['observed-generation-bump']),
  checks: [
    {
      name: 'a reload with the backendRef changed to infra-backend-v2 is served and stays Accepted/ResolvedRefs',
      run: async (ctx) => {
        await ctx.expect({ path: '/', backend: B1 });
        await ctx.reload(manifests('infra-backend-v2'));
        ctx.expectStatus(acceptedRoutes('same-namespace', ['observed-generation-bump']));
        await ctx.expect({ path: '/', backend: B2 });
      },
    },
    {
      name: 'conditions carry observedGeneration, and it grows with the update',
      run: (ctx) => assertGenerationBumps(ctx, 'HTTPRoute', 'gateway-conformance-infra', 'observed-generation-bump', manifests('infra-backend-v1')),
    },
  ],
};
