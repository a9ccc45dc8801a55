// Messages between the harness and the load generator process (bench/loadgen.ts).

export interface LoadConfig {
  /** http://127.0.0.1:PORT of the target. */
  readonly origin: string;
  readonly path: string;
  readonly headers: Readonly<Record<string, string>>;
  /** JSON request body (POST). */
  readonly body: string;
  /** Concurrent connections, each with one request in flight. */
  readonly connections: number;
  readonly warmupMs: number;
  /** Connections start spread over this time, so long streams do not run in lockstep. */
  readonly rampMs?: number;
  readonly durationMs: number;
  /** Per-request limit on headers and on each body gap. */
  readonly timeoutMs: number;
}

export interface Distribution {
  readonly p50: number;
  readonly p90: number;
  readonly p99: number;
  readonly max: number;
  readonly mean: number;
}

export interface LoadResult {
  /** Requests that started and finished inside the measured window with status 200. */
  readonly requests: number;
  /** Requests in the measured window that failed (non-200 or network error). */
  readonly errors: number;
  /** Failures during warm-up. */
  readonly warmupErrors: number;
  readonly firstError?: string;
  readonly durationMs: number;
  readonly rps: number;
  /** Request start to the last byte of the response, ms. */
  readonly latencyMs: Distribution;
  /** Request start to the first byte of the response body, ms. */
  readonly ttfbMs: Distribution;
  readonly responseBytes: number;
  /** CPU the load generator itself spent per measured request, ms (its own ceiling). */
  readonly loadgenCpuMsPerRequest: number;
  /** Requests still waiting for their first byte when the window closed (queued somewhere). */
  readonly awaitingFirstByteAtEnd: number;
}

export type ToLoadgen = { readonly type: 'run'; readonly id: number; readonly config: LoadConfig } | { readonly type: 'exit' };

export type FromLoadgen =
  | { readonly type: 'ready' }
  | { readonly type: 'measuring'; readonly id: number }
  | { readonly type: 'measured'; readonly id: number }
  | { readonly type: 'result'; readonly id: number; readonly result: LoadResult }
  | { readonly type: 'error'; readonly id: number; readonly message: string };
