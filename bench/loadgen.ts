// The load generator: a separate Node process (forked by the harness, IPC channel) that keeps a fixed
// number of connections busy with one request each, through an undici Pool driven by the low-level
// dispatch API (no Readable per response), and times each request with performance.now() (monotonic,
// from the same clock as process.hrtime). Requests that start and finish inside the measured window
// count; the warm-up before it does not. Its own CPU per request is reported: that is its ceiling.
import { Pool } from 'undici';
import type { Dispatcher } from 'undici';
import type { Distribution, FromLoadgen, LoadConfig, LoadResult, ToLoadgen } from './lib/load-types.ts';
import { mean, percentile } from './lib/stats.ts';

class Samples {
  #data = new Float64Array(1 << 16);
  #n = 0;
  push(v: number): void {
    if (this.#n === this.#data.length) {
      if (this.#n >= 1 << 24) return; // bounded: 16M samples is far beyond any run
      const next = new Float64Array(this.#data.length * 2);
      next.set(this.#data);
      this.#data = next;
    }
    this.#data[this.#n++] = v;
  }
  distribution(): Distribution {
    const sorted = this.#data.subarray(0, this.#n).sort();
    return { p50: percentile(sorted, 50), p90: percentile(sorted, 90), p99: percentile(sorted, 99), max: this.#n > 0 ? sorted[this.#n - 1]! : Number.NaN, mean: mean(sorted) };
  }
}

function send(msg: FromLoadgen): void {
  process.send?.(msg);
}

function runLoad(id: number, cfg: LoadConfig): Promise<LoadResult> {
  const pool = new Pool(cfg.origin, { connections: cfg.connections, pipelining: 1, keepAliveTimeout: 60_000, headersTimeout: cfg.timeoutMs, bodyTimeout: cfg.timeoutMs });
  const body = Buffer.from(cfg.body);
  const options: Dispatcher.DispatchOptions = {
    origin: cfg.origin,
    path: cfg.path,
    method: 'POST',
    headers: { ...cfg.headers, 'content-type': 'application/json', 'content-length': String(body.length) },
    body,
  };
  const latency = new Samples();
  const ttfb = new Samples();
  let requests = 0;
  let errors = 0;
  let warmupErrors = 0;
  let firstError: string | undefined;
  let bytes = 0;
  /** Requests sent whose response has not yet delivered a byte. */
  let awaitingFirst = 0;
  let awaitingFirstAtEnd = 0;

  const start = performance.now();
  const measureStart = start + cfg.warmupMs;
  const measureEnd = measureStart + cfg.durationMs;
  let cpuAtStart = process.cpuUsage();
  const timers = [
    setTimeout(() => {
      cpuAtStart = process.cpuUsage();
      send({ type: 'measuring', id });
    }, cfg.warmupMs),
  ];
  let cpuMs = Number.NaN;
  let measuredSent = false;
  const markMeasured = () => {
    if (measuredSent) return;
    measuredSent = true;
    awaitingFirstAtEnd = awaitingFirst;
    const d = process.cpuUsage(cpuAtStart);
    cpuMs = (d.user + d.system) / 1000;
    send({ type: 'measured', id });
  };
  timers.push(setTimeout(markMeasured, cfg.warmupMs + cfg.durationMs));

  return new Promise<LoadResult>((resolve) => {
    let inflight = 0;
    let finished = false;
    const finish = () => {
      if (finished) return;
      finished = true;
      for (const t of timers) clearTimeout(t);
      clearTimeout(hardStop);
      // The last request can end a hair before the window's timer fires: close the window here then.
      markMeasured();
      void pool.destroy().catch(() => undefined);
      const lat = latency.distribution();
      resolve({
        requests,
        errors,
        warmupErrors,
        ...(firstError !== undefined ? { firstError } : {}),
        durationMs: cfg.durationMs,
        rps: requests / (cfg.durationMs / 1000),
        latencyMs: lat,
        ttfbMs: ttfb.distribution(),
        responseBytes: requests > 0 ? bytes / requests : 0,
        loadgenCpuMsPerRequest: requests > 0 ? cpuMs / requests : Number.NaN,
        awaitingFirstByteAtEnd: awaitingFirstAtEnd,
      });
    };
    // Bounded in time even if a target hangs: requests still out after this are abandoned.
    const hardStop = setTimeout(finish, cfg.warmupMs + cfg.durationMs + cfg.timeoutMs + 2000);

    const issue = () => {
      const t0 = performance.now();
      if (t0 >= measureEnd || finished) {
        if (inflight === 0) finish();
        return;
      }
      inflight++;
      awaitingFirst++;
      let status = 0;
      let first = -1;
      let size = 0;
      const done = (err: Error | undefined) => {
        inflight--;
        if (first < 0) awaitingFirst--;
        const t1 = performance.now();
        const measured = t0 >= measureStart && t1 <= measureEnd;
        const failed = err !== undefined || status !== 200;
        if (failed) {
          firstError ??= err ? `${err.name}: ${err.message}` : `status ${status}`;
          if (measured) errors++;
          else if (t0 < measureStart) warmupErrors++;
          // Do not spin on a refusing target.
          setTimeout(issue, 5);
          return;
        }
        if (measured) {
          requests++;
          bytes += size;
          latency.push(t1 - t0);
          ttfb.push((first < 0 ? t1 : first) - t0);
        }
        issue();
      };
      const handler: Dispatcher.DispatchHandler = {
        onRequestStart() {},
        onResponseStart(_c, statusCode) {
          status = statusCode;
        },
        onResponseData(_c, chunk) {
          if (first < 0) {
            first = performance.now();
            awaitingFirst--;
          }
          size += chunk.length;
        },
        onResponseEnd() {
          done(undefined);
        },
        onResponseError(_c, err) {
          done(err);
        },
      };
      pool.dispatch(options, handler);
    };
    const ramp = Math.min(cfg.rampMs ?? 0, cfg.warmupMs + cfg.durationMs);
    for (let i = 0; i < cfg.connections; i++) {
      if (ramp > 0 && i > 0) timers.push(setTimeout(issue, (i * ramp) / cfg.connections));
      else issue();
    }
  });
}

process.on('message', (msg: ToLoadgen) => {
  if (msg.type === 'exit') {
    process.exit(0);
  }
  if (msg.type === 'run') {
    runLoad(msg.id, msg.config).then(
      (result) => send({ type: 'result', id: msg.id, result }),
      (err: unknown) => send({ type: 'error', id: msg.id, message: (err as Error).message }),
    );
  }
});
// The harness going away ends the load generator too; Ctrl-C is the harness's to handle (it stops
// every child in order), so the load generator does not die under a run.
process.on('disconnect', () => process.exit(0));
process.on('SIGINT', () => undefined);
send({ type: 'ready' });
