// `sluice epp`: Sluice's endpoint picker for one InferencePool, served over Envoy's ext_proc protocol
// so that Envoy Gateway, Istio or kgateway can point the pool's endpointPickerRef at it instead of the
// upstream epp image (src/extproc/). The flags follow the upstream EPP's, so a Deployment written for
// the epp image keeps its args; upstream flags with no meaning here are accepted with a warning.
//
// Where the pool comes from:
//   -f FILES            standalone: the manifests are loaded as `sluice run` loads them and the pool's
//                       simulator Deployments run in-process (addresses 127.0.0.1:<port>);
//   (no -f)             Kubernetes: the pool, its InferenceObjectives and its Pods from the API server
//                       (--kubeconfig/--context, else in-cluster or $KUBECONFIG), pods at podIP:port.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Command, InvalidArgumentError } from 'commander';
import { parse as parseYaml } from 'yaml';
import { FlowQueues } from '../src/admission/flow-queues.ts';
import { flowControlSettings } from '../src/admission/flow-control.ts';
import { priorityOf } from '../src/admission/pool-admission.ts';
import { ClusterEmulator } from '../src/cluster/emulator.ts';
import { formatProblem } from '../src/config/problems.ts';
import { FileSource } from '../src/controlplane/file-source.ts';
import type { ResourceSource } from '../src/controlplane/source.ts';
import { KubeClient, KubernetesSource, WATCHED_KINDS } from '../src/controlplane/kubernetes/index.ts';
import { EndpointPickerService, EppConfigError } from '../src/extproc/service.ts';
import type { EndpointPickerOptions } from '../src/extproc/service.ts';
import type { FlowGate } from '../src/extproc/session.ts';
import { selfSignedCertificate } from '../src/extproc/self-signed.ts';
import { PickerStates, PoolScheduler, toPickerConfig } from '../src/picker/index.ts';
import type { EndpointPickerConfig } from '../src/config/schemas/index.ts';
import type { PoolRuntime } from '../src/runtime/snapshot.ts';
import { parseGoDurationMs } from '../src/config/schemas/meta.ts';

interface Io {
  out: (s: string) => void;
  err: (s: string) => void;
}

const stdio: Io = { out: (s) => process.stdout.write(s), err: (s) => process.stderr.write(s) };

export interface EppRunOptions {
  readonly poolName: string;
  readonly poolNamespace: string;
  /** Manifests (standalone); empty: Kubernetes. */
  readonly filename: readonly string[];
  readonly kubeconfig?: string | undefined;
  readonly context?: string | undefined;
  readonly host: string;
  readonly grpcPort: number;
  readonly grpcHealthPort: number;
  /** false: no metrics server. */
  readonly metricsPort: number | false;
  /** EndpointPickerConfig overriding the one the endpointPickerRef leads to. */
  readonly configFile?: string | undefined;
  readonly configText?: string | undefined;
  readonly secureServing: boolean;
  /** Directory with tls.crt and tls.key (else a self-signed certificate). */
  readonly certPath?: string | undefined;
  readonly disableEndpointSubsetFilter: boolean;
  readonly refreshMetricsIntervalMs: number;
  readonly watch: boolean;
}

/** Kinds the picker reads from the API server: what upstream's EPP role may read, plus the Services, ConfigMaps and Deployments of the endpointPickerRef. */
const EPP_KINDS = new Set(['InferencePool', 'InferenceObjective', 'InferenceModel', 'Pod', 'Service', 'ConfigMap', 'Deployment']);

/** Parses and validates an EndpointPickerConfig given as YAML text; throws with the reason. */
export function parsePickerConfigText(text: string, source: string): EndpointPickerConfig {
  let doc: unknown;
  try {
    doc = parseYaml(text);
  } catch (err) {
    throw new Error(`${source}: not valid YAML: ${(err as Error).message.split('\n')[0]}`);
  }
  const kind = (doc as { kind?: unknown } | null)?.kind;
  if (kind !== 'EndpointPickerConfig') throw new Error(`${source}: expected kind EndpointPickerConfig (apiVersion inference.networking.x-k8s.io/v1alpha1 or llm-d.ai/v1alpha1)`);
  try {
    return toPickerConfig(doc)!;
  } catch (err) {
    throw new Error(`${source}: ${(err as Error).message}`);
  }
}

/** The flow-control view the sessions use: the pool's queue, waited on with the request's priority. */
function flowGate(flows: FlowQueues): FlowGate {
  return {
    for(pool: PoolRuntime) {
      const queue = flows.for(pool);
      if (!queue) return undefined;
      return {
        wait: (headers, onCancel) => queue.wait(priorityOf(headers, pool.objectives).priority, onCancel),
        get size() {
          return queue.size;
        },
      };
    },
  };
}

/**
 * Starts the endpoint picker; resolves once the first configuration is loaded. `overrides` replace
 * what the flags chose (tests: no scraping, a fixed random source, a different picker).
 */
export async function runEpp(o: EppRunOptions, log: (line: string) => void, overrides: Partial<EndpointPickerOptions> = {}): Promise<EndpointPickerService> {
  const pickerStates = new PickerStates();
  const flows = new FlowQueues();
  let override: { config: EndpointPickerConfig; source: string } | undefined;
  if (o.configText !== undefined) override = { config: parsePickerConfigText(o.configText, '--config-text'), source: '--config-text' };
  else if (o.configFile !== undefined) override = { config: parsePickerConfigText(readFileSync(o.configFile, 'utf8'), `--config-file ${o.configFile}`), source: `--config-file ${o.configFile}` };
  const adaptPool = override
    ? (pool: PoolRuntime): PoolRuntime => {
        const key = `${pool.namespace}/${pool.name}`;
        const picker = new PoolScheduler({ namespace: pool.namespace, name: pool.name, failureMode: pool.failureMode }, override.config, { state: pickerStates.forPool(key), endpoints: pool.endpoints });
        const flow = flowControlSettings(override.config);
        return { ...pool, picker, pickerConfigSource: override.source, flowControl: flow && { ...flow, thresholds: picker.saturation } };
      }
    : undefined;
  let tls: EndpointPickerOptions['tls'];
  if (o.secureServing) {
    if (o.certPath !== undefined) {
      tls = { cert: readFileSync(join(o.certPath, 'tls.crt')), key: readFileSync(join(o.certPath, 'tls.key')) };
    } else {
      const made = selfSignedCertificate('sluice-epp', [`${o.poolName}-epp`, `${o.poolName}-epp.${o.poolNamespace}.svc`]);
      tls = { cert: Buffer.from(made.cert), key: Buffer.from(made.key) };
    }
  }
  let source: ResourceSource;
  let emulator: ClusterEmulator | undefined;
  if (o.filename.length > 0) {
    source = new FileSource(o.filename);
    emulator = new ClusterEmulator({ host: '127.0.0.1', log });
  } else {
    const client = KubeClient.create({ kubeconfig: o.kubeconfig, context: o.context });
    source = new KubernetesSource({ client, namespaces: [o.poolNamespace], kinds: WATCHED_KINDS.filter((k) => EPP_KINDS.has(k.kind)), log });
  }
  return EndpointPickerService.start({
    poolName: o.poolName,
    poolNamespace: o.poolNamespace,
    source,
    emulator,
    pickerStates,
    flows: flowGate(flows),
    adaptPool,
    host: o.host,
    grpcPort: o.grpcPort,
    healthPort: o.grpcHealthPort,
    metricsPort: o.metricsPort,
    tls,
    scrapeIntervalMs: o.refreshMetricsIntervalMs,
    watch: o.watch,
    disableSubsetFilter: o.disableEndpointSubsetFilter,
    log,
    ...overrides,
  });
}

function port(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > 65535) throw new InvalidArgumentError(`"${value}" is not a port number (0-65535)`);
  return n;
}

function goBool(value: string | undefined): boolean {
  if (value === undefined || value === '' || value === 'true') return true;
  if (value === 'false') return false;
  throw new InvalidArgumentError(`"${value}" is not true or false`);
}

function duration(value: string): number {
  const ms = parseGoDurationMs(value);
  if (ms === undefined || ms < 10) throw new InvalidArgumentError(`"${value}" is not a duration of at least 10ms (e.g. 50ms, 1s)`);
  return ms;
}

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

/** Upstream EPP flags that have no effect here: accepted (a Deployment keeps its args) and named in a warning. */
const IGNORED_FLAGS: readonly [flag: string, why: string][] = [
  ['--v <level>', 'log verbosity'],
  ['--zap-encoder <encoder>', 'log encoding'],
  ['--zap-log-level <level>', 'log level'],
  ['--zap-devel [bool]', 'development logging'],
  ['--metrics-endpoint-auth [bool]', 'metrics endpoint authentication (not supported: /metrics is open)'],
  ['--enable-pprof [bool]', 'Go profiling'],
  ['--streaming [bool]', 'full-duplex streaming is always on'],
  ['--ha-enable-leader-election [bool]', 'leader election (every replica picks)'],
];

/** Bind address default: every interface inside a pod (probes and gateways dial the pod IP), loopback elsewhere. */
function defaultHost(): string {
  return process.env['KUBERNETES_SERVICE_HOST'] ? '0.0.0.0' : '127.0.0.1';
}

/** The `epp` subcommand. */
export function eppCommand(io: Io = stdio): Command {
  const cmd = new Command('epp')
    .description("serve one InferencePool's endpoint picker to Envoy-based gateways (ext_proc, as the upstream epp image)")
    .requiredOption('--pool-name <name>', 'the InferencePool to pick endpoints for')
    .option('--pool-namespace <namespace>', "the InferencePool's namespace", 'default')
    .option('-f, --filename <path>', 'a YAML file or directory (repeatable; - for stdin); without -f the pool is read from Kubernetes', collect, [])
    .option('--kubeconfig <path>', 'kubeconfig file (without -f; default: in-cluster, $KUBECONFIG or ~/.kube/config)')
    .option('--context <name>', 'kubeconfig context (without -f)')
    .option('--host <address>', 'address the gRPC and metrics servers bind to (default 0.0.0.0 in a pod, else 127.0.0.1)')
    .option('--grpc-port <port>', 'ext_proc port (envoy.service.ext_proc.v3.ExternalProcessor)', port, 9002)
    .option('--grpc-health-port <port>', 'gRPC health port (grpc.health.v1.Health)', port, 9003)
    .option('--metrics-port <port>', 'Prometheus /metrics port (0: any free port)', port, 9090)
    .option('--no-metrics', 'do not serve /metrics')
    .option('--config-file <path>', 'EndpointPickerConfig YAML (instead of the one behind the endpointPickerRef)')
    .option('--config-text <yaml>', 'EndpointPickerConfig YAML given inline')
    .option('--secure-serving [bool]', 'serve ext_proc over TLS (as upstream, on by default; --secure-serving=false for plaintext)', goBool, true)
    .option('--cert-path <dir>', 'directory with tls.crt and tls.key for secure serving (default: a self-signed certificate)')
    .option('--disable-endpoint-subset-filter [bool]', "ignore the data plane's subset hint (envoy.lb.subset_hint)", goBool, false)
    .option('--refresh-metrics-interval <duration>', 'how often model-server metrics are scraped', duration, 50)
    .option('--no-watch', 'do not reload when the files change')
    .configureOutput({ writeOut: io.out, writeErr: io.err })
    .showHelpAfterError();
  for (const [flag] of IGNORED_FLAGS) cmd.option(flag, 'accepted for compatibility with the upstream epp; ignored');
  cmd.action(async (opts: Record<string, unknown>) => {
    const log = (line: string) => io.err(line + '\n');
    for (const [flag, why] of IGNORED_FLAGS) {
      const name = flag.split(' ')[0]!.slice(2).replace(/-([a-z])/g, (_m, c: string) => c.toUpperCase());
      if (opts[name] !== undefined) log(`sluice epp: ${flag.split(' ')[0]} is ignored (${why})`);
    }
    let running: EndpointPickerService;
    try {
      running = await runEpp(
        {
          poolName: opts['poolName'] as string,
          poolNamespace: opts['poolNamespace'] as string,
          filename: opts['filename'] as string[],
          kubeconfig: opts['kubeconfig'] as string | undefined,
          context: opts['context'] as string | undefined,
          host: (opts['host'] as string | undefined) ?? defaultHost(),
          grpcPort: opts['grpcPort'] as number,
          grpcHealthPort: opts['grpcHealthPort'] as number,
          metricsPort: opts['metrics'] === false ? false : (opts['metricsPort'] as number),
          configFile: opts['configFile'] as string | undefined,
          configText: opts['configText'] as string | undefined,
          secureServing: opts['secureServing'] as boolean,
          certPath: opts['certPath'] as string | undefined,
          disableEndpointSubsetFilter: opts['disableEndpointSubsetFilter'] as boolean,
          refreshMetricsIntervalMs: opts['refreshMetricsInterval'] as number,
          watch: opts['watch'] as boolean,
        },
        log,
      );
    } catch (err) {
      if (err instanceof EppConfigError) {
        io.err(`sluice epp: the configuration was refused:\n${err.problems.filter((p) => p.severity === 'error').map((p) => '  ' + formatProblem(p)).join('\n')}\n`);
      } else {
        io.err(`sluice epp: ${(err as Error).message}\n`);
      }
      process.exitCode = 1;
      return;
    }
    const tls = opts['secureServing'] ? `TLS${opts['certPath'] ? '' : ' (self-signed)'}` : 'plaintext';
    io.out(
      `sluice epp: InferencePool ${running.key}: ext_proc on port ${running.grpcPort} (${tls}), health on ${running.healthPort}` +
        `${running.metricsPort !== undefined ? `, metrics on ${running.metricsPort}` : ''}; ${running.pool ? `${running.pool.endpoints.length} endpoint(s)` : 'pool not found yet (NOT_SERVING)'}\n`,
    );
    const stop = () => {
      io.err('sluice epp: shutting down\n');
      void running.close().then(() => process.exit(0));
    };
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
  return cmd;
}
