// An endpoint picker for an emulated epp pod (standalone cluster emulation): when manifests run a
// Deployment of the upstream epp image, this serves its ext_proc and health ports in-process, for the
// pool its args name, from the pools of the snapshot the gateway is serving (the same endpoints,
// metrics, picker and prefix index as Sluice's own pick stage). The composition root passes the pool
// lookup and calls `refresh()` after every snapshot swap so that health follows the pool.
//
// The container's args are read as upstream's EPP reads them: --pool-name (required),
// --pool-namespace (default: the pod's namespace), --secure-serving (default true: TLS with a
// self-signed certificate, since the container's --cert-path is not on this machine), and the ports
// are remapped like every emulated pod's (any free port).
import type { PoolRuntime } from '../runtime/snapshot.ts';
import { selfSignedCertificate } from './self-signed.ts';
import { ExtProcServer } from './server.ts';
import type { FlowGate } from './session.ts';

export interface EmulatedEppOptions {
  /** The container's command after the program, then its args. */
  readonly args: readonly string[];
  /** The pod's namespace (upstream's --pool-namespace default is "default"; a pod's own namespace is what its manifests mean). */
  readonly namespace: string;
  readonly host?: string | undefined;
  /** The pool `namespace/name` of the snapshot being served, if any. */
  readonly pool: (key: string) => PoolRuntime | undefined;
  readonly flows?: FlowGate | undefined;
  readonly log?: ((line: string) => void) | undefined;
}

export interface EmulatedEpp {
  /** `namespace/name` of the pool the pod picks for. */
  readonly poolKey: string;
  /** Where the pod's ext_proc port (container port, e.g. 9002) is served. */
  readonly grpcPort: number;
  /** Where its health port (e.g. 9003) is served. */
  readonly healthPort: number;
  /** PEM certificate of the ext_proc port when it serves TLS. */
  readonly certificate: string | undefined;
  /** Re-reads whether the pool exists (health SERVING / NOT_SERVING); call after each snapshot swap. */
  refresh(): void;
  close(): Promise<void>;
}

/** A flag's value in `--name value` or `--name=value` form; `true` for a bare boolean flag. */
export function flagValue(args: readonly string[], name: string): string | undefined {
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (a === name) {
      const next = args[i + 1];
      return next === undefined || next.startsWith('--') ? 'true' : next;
    }
    if (a.startsWith(name + '=')) return a.slice(name.length + 1);
  }
  return undefined;
}

/** Throws when the args do not name a pool. */
export async function startEmulatedEpp(o: EmulatedEppOptions): Promise<EmulatedEpp> {
  const name = flagValue(o.args, '--pool-name');
  if (!name || name === 'true') throw new Error('the epp container has no --pool-name');
  const namespace = flagValue(o.args, '--pool-namespace') ?? o.namespace;
  const key = `${namespace}/${name}`;
  const secure = (flagValue(o.args, '--secure-serving') ?? 'true') !== 'false';
  if (secure && flagValue(o.args, '--cert-path') !== undefined) o.log?.(`epp pod for ${key}: --cert-path is a path inside the container; a self-signed certificate is used instead`);
  const cert = secure ? selfSignedCertificate('sluice-epp', [`${name}-epp`, `${name}-epp.${namespace}.svc`]) : undefined;
  const server = await ExtProcServer.start({
    host: o.host ?? '127.0.0.1',
    grpcPort: 0,
    healthPort: 0,
    tls: cert && { cert: Buffer.from(cert.cert), key: Buffer.from(cert.key) },
    pool: () => o.pool(key),
    poolKey: key,
    flows: o.flows,
    log: o.log,
  });
  const refresh = () => server.health.setReady(o.pool(key) !== undefined);
  refresh();
  return { poolKey: key, grpcPort: server.grpcPort, healthPort: server.healthPort, certificate: cert?.cert, refresh, close: () => server.close() };
}
