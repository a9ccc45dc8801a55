// Starts a gateway on loopback from a YAML string (written to a temp dir), for integration tests.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Gateway } from '../../src/gateway.ts';
import type { GatewayOptions } from '../../src/gateway.ts';

export interface TestGateway {
  readonly gw: Gateway;
  /** `http://127.0.0.1:PORT` of the single HTTP listener. */
  readonly base: string;
  readonly dir: string;
  close(): Promise<void>;
}

/** A Gateway with one HTTP listener named `http`, in namespace default, for test manifests. */
export const TEST_GATEWAY_YAML = `apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata: {name: gw}
spec:
  gatewayClassName: any
  listeners: [{name: http, protocol: HTTP, port: 80}]
---
`;

/** A gateway.envoyproxy.io Backend named `name` with one ip endpoint on loopback. */
export function backendYaml(name: string, port: number): string {
  return `apiVersion: gateway.envoyproxy.io/v1alpha1
kind: Backend
metadata: {name: ${name}}
spec:
  endpoints: [{ip: {address: 127.0.0.1, port: ${port}}}]
---
`;
}

export async function startTestGateway(yaml: string, options: Partial<GatewayOptions> = {}): Promise<TestGateway> {
  const dir = mkdtempSync(join(tmpdir(), 'sluice-test-'));
  writeFileSync(join(dir, 'manifests.yaml'), yaml);
  const gw = await Gateway.start({ files: [dir], port: 0, adminPort: false, watch: false, log: () => undefined, ...options });
  return {
    gw,
    base: `http://127.0.0.1:${gw.listenerPort(0)}`,
    dir,
    close: async () => {
      await gw.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
