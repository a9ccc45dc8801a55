// The gRPC Health Checking Protocol (grpc.health.v1.Health) for the endpoint picker, on its own port
// as upstream serves it (9003). Services answered:
//   ""                                            overall: the same as readiness
//   "liveness"                                    SERVING while the process runs
//   "readiness", "inference-extension",           SERVING once the pool is known (its InferencePool
//   "envoy.service.ext_proc.v3.ExternalProcessor"  is in the configuration), NOT_SERVING otherwise
// Kubernetes grpc probes name one of these (GIE v1.0 manifests probe "inference-extension"). Check on
// any other name fails with NOT_FOUND; Watch on it reports SERVICE_UNKNOWN, as the protocol says.
import * as grpc from '@grpc/grpc-js';
import { EXT_PROC_SERVICE, ServingStatus } from './proto.ts';
import type { HealthCheckRequest, HealthCheckResponse } from './proto.ts';

export const READINESS_SERVICES: readonly string[] = ['', 'readiness', 'inference-extension', EXT_PROC_SERVICE];
export const LIVENESS_SERVICES: readonly string[] = ['liveness'];

export class HealthState {
  #ready = false;
  #closed = false;
  readonly #watchers = new Set<{ service: string; call: grpc.ServerWritableStream<HealthCheckRequest, HealthCheckResponse>; last: number }>();

  get ready(): boolean {
    return this.#ready;
  }

  /** Sets readiness; Watch streams hear about a change. */
  setReady(ready: boolean): void {
    if (this.#ready === ready) return;
    this.#ready = ready;
    this.#notify();
  }

  /** The status of a service name, or undefined when the name is not served. */
  statusOf(service: string): number | undefined {
    if (LIVENESS_SERVICES.includes(service)) return this.#closed ? ServingStatus.NOT_SERVING : ServingStatus.SERVING;
    if (READINESS_SERVICES.includes(service)) return this.#ready && !this.#closed ? ServingStatus.SERVING : ServingStatus.NOT_SERVING;
    return undefined;
  }

  /** Shutting down: everything reports NOT_SERVING and Watch streams end. */
  close(): void {
    this.#closed = true;
    this.#notify();
    for (const w of this.#watchers) w.call.end();
    this.#watchers.clear();
  }

  #notify(): void {
    for (const w of this.#watchers) {
      const status = this.statusOf(w.service) ?? ServingStatus.SERVICE_UNKNOWN;
      if (status === w.last) continue;
      w.last = status;
      w.call.write({ status });
    }
  }

  /** The grpc-js implementation of grpc.health.v1.Health. */
  implementation(): grpc.UntypedServiceImplementation {
    return {
      Check: (call: grpc.ServerUnaryCall<HealthCheckRequest, HealthCheckResponse>, callback: grpc.sendUnaryData<HealthCheckResponse>) => {
        const service = call.request.service ?? '';
        const status = this.statusOf(service);
        if (status === undefined) callback({ code: grpc.status.NOT_FOUND, details: `unknown service "${service}"` });
        else callback(null, { status });
      },
      Watch: (call: grpc.ServerWritableStream<HealthCheckRequest, HealthCheckResponse>) => {
        const service = call.request.service ?? '';
        const status = this.statusOf(service) ?? ServingStatus.SERVICE_UNKNOWN;
        const watcher = { service, call, last: status };
        call.write({ status });
        if (this.#closed) {
          call.end();
          return;
        }
        this.#watchers.add(watcher);
        const drop = () => this.#watchers.delete(watcher);
        call.on('cancelled', drop);
        call.on('close', drop);
        call.on('error', drop);
      },
    };
  }
}
