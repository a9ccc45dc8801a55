// `sluice controller`: serve the Gateway API, Inference Extension and AI Gateway resources of a
// Kubernetes cluster (informers through the API server), write their status back (one writer at a
// time, chosen by a coordination.k8s.io Lease), and serve traffic on every replica.
import { hostname } from 'node:os';
import type { Command } from 'commander';
import { ConfigError, Gateway } from '../src/gateway.ts';
import { KubeClient, KubernetesSource, KubernetesStatusSink, LeaderElector, SLUICE_CONTROLLER_NAME } from '../src/controlplane/kubernetes/index.ts';
import { formatProblem } from '../src/config/problems.ts';

export interface ControllerOptions {
  readonly kubeconfig?: string | undefined;
  readonly context?: string | undefined;
  readonly namespace: string[];
  readonly controllerName: string;
  readonly leaseNamespace?: string | undefined;
  readonly leaderElect: boolean;
  readonly host: string;
  readonly adminPort: number;
  readonly adminHost: string;
  readonly drainTimeout: number;
  /** Leader election timing (defaults as upstream controllers: 15 s lease, 10 s renew deadline, 2 s retry). */
  readonly leaseDurationMs?: number | undefined;
  readonly renewDeadlineMs?: number | undefined;
  readonly retryPeriodMs?: number | undefined;
  /** The replica's identity in the Lease (default: $POD_NAME, else host and pid). */
  readonly identity?: string | undefined;
}

export interface RunningController {
  readonly gateway: Gateway;
  readonly elector: LeaderElector | undefined;
  /** `release: false` leaves the Lease to expire (as a crashed replica would). */
  close(drainMs?: number, release?: boolean): Promise<void>;
}

/** Starts a controller replica; resolves once the first configuration from the cluster serves. */
export async function startController(o: ControllerOptions, log: (line: string) => void): Promise<RunningController> {
  const client = KubeClient.create({ kubeconfig: o.kubeconfig, context: o.context });
  const source = new KubernetesSource({ client, namespaces: o.namespace.length > 0 ? o.namespace : undefined, controllerName: o.controllerName, log });
  const elector = o.leaderElect
    ? new LeaderElector({
        client,
        identity: o.identity ?? process.env['POD_NAME'] ?? `${hostname()}-${process.pid}`,
        leaseNamespace: o.leaseNamespace ?? client.defaultNamespace,
        leaseDurationMs: o.leaseDurationMs,
        renewDeadlineMs: o.renewDeadlineMs,
        retryPeriodMs: o.retryPeriodMs,
        log,
      })
    : undefined;
  const sink = new KubernetesStatusSink({ client, objects: source, controllerName: o.controllerName, leader: elector, log });
  elector?.start();
  let gateway: Gateway;
  try {
    // A cluster always holds something invalid somewhere: serve it with Gateway API semantics (the
    // problem shows in that resource's status) rather than refusing everything.
    gateway = await Gateway.start({ files: [], source, statusSink: sink, invalidReferences: 'serve', host: o.host, adminPort: o.adminPort, adminHost: o.adminHost, log });
  } catch (err) {
    sink.close();
    await elector?.stop();
    await source.close();
    throw err;
  }
  return {
    gateway,
    elector,
    close: async (drainMs = 0, release = true) => {
      await gateway.close({ drainMs });
      sink.close();
      await elector?.stop({ release });
      await source.close();
    },
  };
}

/** Adds the `controller` subcommand to the CLI. */
export function addControllerCommand(program: Command, io: { out: (s: string) => void; err: (s: string) => void }, parsePort: (v: string) => number): void {
  program
    .command('controller')
    .description('run as a Kubernetes Gateway controller: watch the cluster, serve its routes, write status back')
    .option('--kubeconfig <path>', 'kubeconfig file (default: $KUBECONFIG, else in-cluster service account)')
    .option('--context <name>', 'kubeconfig context (default: the current one)')
    .option('--namespace <name>', 'watch only this namespace (repeatable; default: all)', (v: string, prev: string[]) => [...prev, v], [])
    .option('--controller-name <name>', 'GatewayClass controllerName Sluice claims', SLUICE_CONTROLLER_NAME)
    .option('--lease-namespace <name>', 'namespace of the leader-election Lease (default: the current namespace)')
    .option('--no-leader-elect', 'write status from this replica without electing a leader')
    .option('--host <address>', 'address the data listeners bind to', '0.0.0.0')
    .option('--admin-port <port>', 'admin server port (/healthz, /readyz, /metrics, /api/status)', parsePort, 9901)
    .option('--admin-host <address>', 'address the admin server binds to', '0.0.0.0')
    .option('--drain-timeout <seconds>', 'on SIGTERM/SIGINT, how long requests in flight may finish', (v) => Number(v), 30)
    .action(async (opts: ControllerOptions) => {
      let running: RunningController;
      try {
        running = await startController(opts, (l) => io.err(l + '\n'));
      } catch (err) {
        if (err instanceof ConfigError) {
          io.err(`sluice: the configuration from the cluster was refused:\n${err.problems.filter((p) => p.severity === 'error').map((p) => '  ' + formatProblem(p)).join('\n')}\n`);
          process.exitCode = 1;
          return;
        }
        throw err;
      }
      io.out(`Sluice controller ${opts.controllerName} serving the cluster's routes (admin on ${opts.adminHost}:${running.gateway.adminPort ?? opts.adminPort})\n`);
      const stop = () => {
        io.err(`sluice: shutting down; requests in flight get ${opts.drainTimeout} s to finish\n`);
        void running.close(opts.drainTimeout * 1000).then(() => process.exit(0));
      };
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
    });
}
