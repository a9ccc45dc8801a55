// The Gateway API conformance cases (./cases) against Sluice in standalone mode: one gateway per case
// (its manifests plus the base fixtures, see fixtures.ts), shared echo backends, one test per request
// row, status check and custom check. Cases or checks for features Sluice does not implement yet run
// as node:test `todo`: they report but do not fail. docs/conformance.md lists every upstream test.
import { after, before, describe, it } from 'node:test';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startTestGateway } from '../support/gateway.ts';
import type { TestGateway } from '../support/gateway.ts';
import { CASES } from './cases/index.ts';
import { generateManifests, startFixtures } from './fixtures.ts';
import type { BaseGateway, Fixtures, PortMap } from './fixtures.ts';
import { compareRoundTrip, describeRow, describeStatus, sendRequest, statusProblems } from './harness.ts';
import type { CaseContext, ConformanceCase, RequestCase, StatusCheck } from './harness.ts';

let fixtures: Promise<Fixtures> | undefined;
const getFixtures = () => (fixtures ??= startFixtures());

function fail(what: string, problems: readonly string[]): void {
  if (problems.length > 0) throw new Error(`${what}:\n  - ${problems.join('\n  - ')}`);
}

async function startCase(c: ConformanceCase): Promise<CaseContext & { close(): Promise<void> }> {
  const f = await getFixtures();
  const gateways: readonly BaseGateway[] = c.gateways ?? ['same-namespace'];
  const text = typeof c.manifests === 'function' ? c.manifests(f) : c.manifests;
  let generated = await generateManifests(f, text, { gateways, keepServiceRefs: c.keepServiceRefs });
  // No port override: every Gateway listener is served on the port the generator gave it.
  const gateway: TestGateway = await startTestGateway(generated.yaml, { invalidReferences: 'serve', port: undefined });
  const ctx: CaseContext & { close(): Promise<void> } = {
    gateway,
    fixtures: f,
    get ports(): PortMap {
      return generated.ports;
    },
    send: (row: RequestCase) => sendRequest(generated.ports, row),
    expect: async (row: RequestCase) => {
      const rt = await sendRequest(generated.ports, row);
      fail(describeRow(row), compareRoundTrip(row, rt));
      return rt;
    },
    reload: async (manifests: string) => {
      generated = await generateManifests(f, manifests, { gateways, keepServiceRefs: c.keepServiceRefs, ports: generated.ports });
      writeFileSync(join(gateway.dir, 'manifests.yaml'), generated.yaml);
      const result = await gateway.gw.reload();
      if (!result.applied) throw new Error(`reload refused: ${result.problems.map((p) => p.message).join('; ')}`);
    },
    expectStatus: (checks: readonly StatusCheck[]) => {
      const statuses = gateway.gw.snapshot?.statuses ?? [];
      fail('status', checks.flatMap((s) => statusProblems(statuses, s)));
    },
    close: () => gateway.close(),
  };
  return ctx;
}

describe('Gateway API conformance (standalone)', () => {
  before(async () => {
    await getFixtures();
  });
  after(async () => {
    if (fixtures) await (await fixtures).close();
  });

  for (const c of CASES) {
    describe(`${c.name} [${c.level}]`, () => {
      let env: ReturnType<typeof startCase> | undefined;
      // Started by the first test that needs it, so a configuration error fails (or todo-reports) each check.
      const getEnv = () => (env ??= startCase(c));
      after(async () => {
        if (!env) return;
        const e = await env.catch(() => undefined);
        await e?.close();
      });
      const todo = (own?: string) => own ?? c.todo;

      for (const s of c.status ?? []) {
        it(describeStatus(s), { todo: todo(s.todo) }, async () => {
          const e = await getEnv();
          e.expectStatus([s]);
        });
      }
      for (const row of c.requests ?? []) {
        it(describeRow(row), { todo: todo(row.todo) }, async () => {
          const e = await getEnv();
          await e.expect(row);
        });
      }
      for (const check of c.checks ?? []) {
        it(check.name, { todo: todo(check.todo) }, async () => {
          const e = await getEnv();
          await check.run(e);
        });
      }
    });
  }
});
