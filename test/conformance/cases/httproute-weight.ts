import assert from 'node:assert/strict';
import type { ConformanceCase } from '../harness.ts';
import { acceptedRoutes } from '../harness.ts';
import { B1, B2, B3 } from '../fixtures.ts';

/** Upstream derives the backend from the pod name minus its last two `-` segments. */
const backendOfPod = (pod: string) => pod.split('-').slice(0, -2).join('-');

export const HTTPRouteWeight: ConformanceCase = {
  name: 'HTTPRouteWeight',
  level: 'core',
  features: ['Gateway', 'HTTPRoute'],
  description: 'backendRef weights 70/30/0 split 500 requests within ±0.05, and a weight-0 backend gets none',
  manifests: `
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: weighted-backends, namespace: gateway-conformance-infra}
spec:
  parentRefs: [{name: same-namespace}]
  rules:
    - backendRefs:
        - {name: infra-backend-v1, port: 8080, weight: 70}
        - {name: infra-backend-v2, port: 8080, weight: 30}
        - {name: infra-backend-v3, port: 8080, weight: 0}
`,
  status: acceptedRoutes('same-namespace', ['weighted-backends']),
  checks: [
    {
      name: '500 requests, 10 concurrent: v1 0.70, v2 0.30, v3 exactly 0 (±0.05, up to 5 tries as upstream retries)',
      run: async (ctx) => {
        const expected: Record<string, number> = { [B1]: 0.7, [B2]: 0.3, [B3]: 0 };
        const total = 500;
        let lastProblem = '';
        for (let attempt = 0; attempt < 5; attempt++) {
          const counts: Record<string, number> = {};
          let next = 0;
          const worker = async () => {
            while (next < total) {
              next++;
              const rt = await ctx.send({ path: '/' });
              assert.equal(rt.status, 200, `a request failed with ${rt.status}: ${rt.body.slice(0, 200)}`);
              const backend = backendOfPod(rt.echo?.pod ?? '');
              counts[backend] = (counts[backend] ?? 0) + 1;
            }
          };
          await Promise.all(Array.from({ length: 10 }, worker));
          const problems = Object.entries(expected).flatMap(([b, want]) => {
            const got = (counts[b] ?? 0) / total;
            if (want === 0) return got === 0 ? [] : [`${b} got ${counts[b]} requests with weight 0`];
            return Math.abs(got - want) <= 0.05 ? [] : [`${b} got ${got.toFixed(3)}, expected ${want} ± 0.05`];
          });
          const unknown = Object.keys(counts).filter((b) => !(b in expected));
          if (unknown.length) problems.push(`requests reached unexpected backends: ${unknown.join(', ')}`);
          if (problems.length === 0) return;
          // A weight-0 violation is never a sampling accident.
          if (problems.some((p) => p.includes('weight 0'))) assert.fail(problems.join('; '));
          lastProblem = problems.join('; ');
        }
        assert.fail(lastProblem);
      },
    },
  ],
};
