// Every Prometheus metric the gateway exports is named here (DESIGN.md §3: telemetry/).
// Recording is a counter increment and a histogram observation per request: cheap enough for the hot path.
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

export class GatewayMetrics {
  readonly registry = new Registry();
  readonly requests: Counter<'route' | 'code'>;
  readonly duration: Histogram<'route'>;
  readonly configGeneration: Gauge;
  readonly configReloads: Counter<'result'>;

  constructor(options: { defaultMetrics?: boolean } = {}) {
    if (options.defaultMetrics !== false) collectDefaultMetrics({ register: this.registry, prefix: 'sluice_process_' });
    this.requests = new Counter({ name: 'sluice_requests_total', help: 'Data-plane requests by route (namespace/name) and HTTP status', labelNames: ['route', 'code'], registers: [this.registry] });
    this.duration = new Histogram({
      name: 'sluice_request_duration_seconds',
      help: 'Data-plane request duration, from the request to the end of the response',
      labelNames: ['route'],
      buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120],
      registers: [this.registry],
    });
    this.configGeneration = new Gauge({ name: 'sluice_config_generation', help: 'Generation of the configuration being served', registers: [this.registry] });
    this.configReloads = new Counter({ name: 'sluice_config_reloads_total', help: 'Configuration reloads by result (applied, rejected)', labelNames: ['result'], registers: [this.registry] });
  }

  observe(route: string, status: number, ms: number): void {
    this.requests.inc({ route, code: String(status) });
    this.duration.observe({ route }, ms / 1000);
  }
}
