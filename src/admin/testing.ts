// Test support: a gateway with a flow log and an admin server wired the way the composition root
// wires them (see docs/observability.md, "Flow log, sluice observe and the dashboard"), for the admin,
// CLI and dashboard tests. The gateway itself runs without its own admin server.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { statusReport } from '../controlplane/status-report.ts';
import { Gateway } from '../gateway.ts';
import type { GatewayOptions } from '../gateway.ts';
import { attachFlowLog } from '../telemetry/flow-log.ts';
import type { FlowLog } from '../telemetry/flow-log.ts';
import { AdminServer } from './server.ts';

export interface ObservedGateway {
  readonly gw: Gateway;
  readonly flows: FlowLog;
  readonly admin: AdminServer;
  /** `http://127.0.0.1:PORT` of the admin server. */
  readonly adminUrl: string;
  /** `http://127.0.0.1:PORT` of the first HTTP listener. */
  readonly base: string;
  close(): Promise<void>;
}

/** Starts a gateway from `files` (or from `yaml`, written to a temporary folder) with a flow log and an admin server on loopback port 0. */
export async function startObservedGateway(source: { files: string[] } | { yaml: string }, options: Partial<GatewayOptions> & { flowLogCapacity?: number } = {}): Promise<ObservedGateway> {
  let dir: string | undefined;
  let files: string[];
  if ('yaml' in source) {
    dir = mkdtempSync(join(tmpdir(), 'sluice-observe-'));
    writeFileSync(join(dir, 'manifests.yaml'), source.yaml);
    files = [dir];
  } else {
    files = source.files;
  }
  const { flowLogCapacity, ...gatewayOptions } = options;
  const gw = await Gateway.start({ files, port: 0, adminPort: false, watch: false, log: () => undefined, ...gatewayOptions });
  const flows = attachFlowLog(gw, { capacity: flowLogCapacity });
  const admin = new AdminServer({
    get ready() {
      return gw.ready;
    },
    metrics: async () => ({ contentType: gw.metrics.registry.contentType, body: await gw.metrics.registry.metrics() }),
    status: () => statusReport({ snapshot: gw.snapshot, ignored: gw.resources?.ignored ?? [], problems: gw.problems, lastRejected: gw.lastRejected }),
    flows,
  });
  await admin.listen(0, '127.0.0.1');
  const firstPort = [...(gw.snapshot?.bindings.keys() ?? [])][0] ?? 0;
  return {
    gw,
    flows,
    admin,
    adminUrl: `http://127.0.0.1:${admin.port}`,
    base: `http://127.0.0.1:${gw.listenerPort(firstPort) ?? gw.listenerPort(0)}`,
    close: async () => {
      flows.detach();
      await admin.close();
      await gw.close();
      if (dir) rmSync(dir, { recursive: true, force: true });
    },
  };
}
