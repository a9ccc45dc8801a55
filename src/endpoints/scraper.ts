// Scrapes model-server metrics from every pool endpoint on a fixed interval (50 ms by default, as the
// upstream endpoint picker does). One scrape per endpoint is in flight at a time; an endpoint whose
// /metrics fails keeps its last values, which age and so count as stale for the picker.
import { Agent, request } from 'undici';
import type { EndpointState } from '../runtime/endpoint.ts';
import { applyScrape, metricNamesFor } from './metrics-text.ts';
import type { MetricNames } from './metrics-text.ts';

export interface ScraperOptions {
  readonly intervalMs?: number;
  readonly timeoutMs?: number;
  readonly path?: string;
  /** Fixed metric names; by default each endpoint's engine label chooses them (vLLM when absent). */
  readonly names?: MetricNames;
}

export class MetricsScraper {
  readonly #intervalMs: number;
  readonly #timeoutMs: number;
  readonly #path: string;
  readonly #names: MetricNames | undefined;
  readonly #agent = new Agent({ connections: 1, keepAliveTimeout: 30_000 });
  #targets: EndpointState[] = [];
  readonly #busy = new Set<string>();
  #timer: NodeJS.Timeout | undefined;
  /** Consecutive failures per endpoint, to back off from endpoints without a /metrics. */
  readonly #failures = new Map<string, number>();
  #tick = 0;

  constructor(options: ScraperOptions = {}) {
    this.#intervalMs = options.intervalMs ?? 50;
    this.#timeoutMs = options.timeoutMs ?? 1000;
    this.#path = options.path ?? '/metrics';
    this.#names = options.names;
  }

  setTargets(endpoints: Iterable<EndpointState>): void {
    this.#targets = [...new Set(endpoints)];
    if (!this.#timer && this.#targets.length > 0) {
      this.#timer = setInterval(() => this.#scrapeAll(), this.#intervalMs);
      this.#timer.unref();
      this.#scrapeAll();
    }
  }

  /** Scrapes every target once and resolves when all have answered (for tests and start-up). */
  async scrapeNow(): Promise<void> {
    await Promise.all(this.#targets.map((ep) => this.#scrape(ep)));
  }

  async close(): Promise<void> {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = undefined;
    await this.#agent.close();
  }

  #scrapeAll(): void {
    this.#tick++;
    for (const ep of this.#targets) {
      const failures = this.#failures.get(ep.key) ?? 0;
      // Back off to about once a second after repeated failures (e.g. a server with no /metrics).
      if (failures >= 3 && this.#tick % 20 !== 0) continue;
      void this.#scrape(ep);
    }
  }

  async #scrape(ep: EndpointState): Promise<void> {
    if (this.#busy.has(ep.key)) return;
    this.#busy.add(ep.key);
    try {
      const res = await request(ep.origin + this.#path, { dispatcher: this.#agent, headersTimeout: this.#timeoutMs, bodyTimeout: this.#timeoutMs });
      const text = await res.body.text();
      if (res.statusCode === 200) {
        applyScrape(text, this.#names ?? metricNamesFor(ep.labels), ep.metrics, performance.now());
        this.#failures.delete(ep.key);
      } else {
        this.#failures.set(ep.key, (this.#failures.get(ep.key) ?? 0) + 1);
      }
    } catch {
      this.#failures.set(ep.key, (this.#failures.get(ep.key) ?? 0) + 1);
    } finally {
      this.#busy.delete(ep.key);
    }
  }
}
