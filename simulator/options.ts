// Simulator configuration and the llm-d-inference-sim style command line that produces it.
//
// Flag names are the upstream simulator's, so the `args` of a Kubernetes Deployment written for the
// llm-d-inference-sim image start an in-process replica unchanged. Parsing never fails on a flag it does
// not understand: unknown flags and flags whose behaviour is not modelled come back as warnings. A
// malformed value for a flag we do use throws, naming the flag, the value and what was expected.

import { parseDurationMs } from './duration.ts';

export interface LoraModule {
  name: string;
  path?: string;
  baseModelName?: string;
}

/** Failure kinds of upstream `--failure-types`, each mapped to a status and OpenAI error by the server. */
export const FAILURE_TYPES = [
  'rate_limit',
  'invalid_api_key',
  'context_length',
  'server_error',
  'invalid_request',
  'model_not_found',
] as const;
export type FailureType = (typeof FAILURE_TYPES)[number];

export interface SimulatorOptions {
  /** The base model ("loaded" model). Required. */
  model: string;
  /** Extra names the base model answers to; the first one labels metrics (`model_name`) like vLLM. */
  servedModelNames?: string[];
  /** Listen port; 0 picks an ephemeral port. */
  port: number;
  host: string;
  /** `random`: generated sentences; `echo`: the last user message (chat) or the prompt (completions). */
  mode: 'random' | 'echo';

  /** Concurrent running sequences (continuous-batching slots). */
  maxNumSeqs: number;
  /** Requests that may wait for a slot; one more is refused with 429. */
  maxWaitingQueueLength: number;
  /** Context window in tokens: prompt + max_tokens above this is refused with 400. */
  maxModelLen: number;
  /** Distinct LoRA adapters that may run at once. */
  maxLoras: number;
  loraModules: LoraModule[];

  // Latency model, all in milliseconds (see latency.ts for the formulas).
  timeToFirstTokenMs: number;
  timeToFirstTokenStdDevMs: number;
  interTokenLatencyMs: number;
  interTokenLatencyStdDevMs: number;
  prefillOverheadMs: number;
  prefillTimePerTokenMs: number;
  prefillTimeStdDevMs: number;
  /** ≥ 1: latency multiplier when all maxNumSeqs slots are busy, interpolated linearly from 1 at one running request. */
  timeFactorUnderLoad: number;
  /** `''` is upstream's legacy rule: constant when time-to-first-token (or its std-dev) ≠ 0, else per-token. */
  latencyCalculator: 'constant' | 'per-token' | '';

  /** Seeds text generation, output lengths, latency jitter and failure injection; unset = time-based. */
  seed?: number;
  /** Pod identity, echoed in `x-inference-pod` / `x-inference-namespace` when set (upstream reads POD_NAME / POD_NAMESPACE). */
  podName?: string;
  namespace?: string;

  /** /health/ready answers 503 for this long after start (simulated model loading). */
  startupDurationMs: number;
  /** Reported in `vllm:cache_config_info` only: the KV cache is not simulated yet. */
  blockSize: number;
  kvCacheSize: number;
  /** Percentage (0–100) of completion requests answered with an injected error. */
  failureInjectionRate: number;
  /** Kinds to inject; empty means all kinds. */
  failureTypes: FailureType[];
  /** Embedding vector size when a request does not ask for `dimensions`. */
  defaultEmbeddingDimensions: number;
  /** Request bodies above this are refused with 413. */
  maxRequestBodySizeMb: number;
  /** Echo (or generate) `x-request-id` on completion responses. */
  enableRequestIdHeaders: boolean;
}

/**
 * Upstream defaults for capacity (maxNumSeqs 5, queue 1000, context 1024, one LoRA), but small non-zero
 * latencies (upstream: 0) so a quickstart feels like a model server while a ~20-token answer still
 * takes only tens of milliseconds (10 ms + 19 × 2 ms).
 */
export function defaultSimulatorOptions(): SimulatorOptions {
  return {
    model: '',
    port: 8000,
    host: '127.0.0.1',
    mode: 'random',
    maxNumSeqs: 5,
    maxWaitingQueueLength: 1000,
    maxModelLen: 1024,
    maxLoras: 1,
    loraModules: [],
    timeToFirstTokenMs: 10,
    timeToFirstTokenStdDevMs: 0,
    interTokenLatencyMs: 2,
    interTokenLatencyStdDevMs: 0,
    prefillOverheadMs: 0,
    prefillTimePerTokenMs: 0,
    prefillTimeStdDevMs: 0,
    timeFactorUnderLoad: 1,
    latencyCalculator: '',
    startupDurationMs: 0,
    blockSize: 16,
    kvCacheSize: 1024,
    failureInjectionRate: 0,
    failureTypes: [],
    defaultEmbeddingDimensions: 384,
    maxRequestBodySizeMb: 4,
    enableRequestIdHeaders: false,
  };
}

// ---------------------------------------------------------------------------------------------------
// Flag table

type FlagKind = 'bool' | 'single' | 'multi';

interface ModelledFlag {
  kind: FlagKind;
  /** Stores the value(s); throws via `bad()` on a malformed value. For bool flags, values[0] is "true"/"false". */
  apply(o: SimulatorOptions, values: string[], flag: string): void;
}

function bad(flag: string, value: string, expected: string): never {
  throw new Error(`invalid value ${JSON.stringify(value)} for --${flag}: expected ${expected}`);
}

function first(values: string[]): string {
  return values[0] ?? '';
}

function int(min: number): (flag: string, value: string) => number {
  return (flag, value) => {
    const s = value.trim();
    if (!/^[+-]?\d+$/.test(s)) bad(flag, value, `an integer ≥ ${min}`);
    const n = Number(s);
    if (!Number.isSafeInteger(n) || n < min) bad(flag, value, `an integer ≥ ${min}`);
    return n;
  };
}

function float(min: number, max = Number.POSITIVE_INFINITY): (flag: string, value: string) => number {
  return (flag, value) => {
    const s = value.trim();
    const n = s === '' ? Number.NaN : Number(s);
    const expected = max === Number.POSITIVE_INFINITY ? `a number ≥ ${min}` : `a number between ${min} and ${max}`;
    if (!Number.isFinite(n) || n < min || n > max) bad(flag, value, expected);
    return n;
  };
}

function duration(flag: string, value: string): number {
  const ms = parseDurationMs(value);
  if (ms === undefined) bad(flag, value, 'a duration such as "10ms", "1.5s" or a number of milliseconds');
  return ms;
}

function bool(flag: string, value: string): boolean {
  const v = value.trim().toLowerCase();
  if (v === 'true' || v === '1' || v === 't') return true;
  if (v === 'false' || v === '0' || v === 'f') return false;
  return bad(flag, value, 'true or false');
}

const int0 = int(0);
const int1 = int(1);

function single(apply: (o: SimulatorOptions, value: string, flag: string) => void): ModelledFlag {
  return { kind: 'single', apply: (o, values, flag) => apply(o, first(values), flag) };
}

function durationFlag(set: (o: SimulatorOptions, ms: number) => void): ModelledFlag {
  return single((o, v, flag) => set(o, duration(flag, v)));
}

const MODELLED: Record<string, ModelledFlag> = {
  model: single((o, v, flag) => {
    if (v.trim() === '') bad(flag, v, 'a model name');
    o.model = v;
  }),
  'served-model-name': {
    kind: 'multi',
    apply: (o, values) => {
      o.servedModelNames = [...(o.servedModelNames ?? []), ...values.filter((v) => v.trim() !== '')];
    },
  },
  port: single((o, v, flag) => {
    const n = int0(flag, v);
    if (n > 65535) bad(flag, v, 'a port number between 0 and 65535');
    o.port = n;
  }),
  host: single((o, v, flag) => {
    if (v.trim() === '') bad(flag, v, 'a host name or address');
    o.host = v;
  }),
  mode: single((o, v, flag) => {
    if (v !== 'random' && v !== 'echo') bad(flag, v, '"random" or "echo"');
    o.mode = v;
  }),
  'max-num-seqs': single((o, v, flag) => (o.maxNumSeqs = int1(flag, v))),
  'max-waiting-queue-length': single((o, v, flag) => (o.maxWaitingQueueLength = int0(flag, v))),
  'max-model-len': single((o, v, flag) => (o.maxModelLen = int1(flag, v))),
  'max-loras': single((o, v, flag) => (o.maxLoras = int1(flag, v))),
  'lora-modules': {
    kind: 'multi',
    apply: (o, values, flag) => {
      o.loraModules = [...o.loraModules, ...values.filter((v) => v.trim() !== '').flatMap((v) => parseLoraModules(flag, v))];
    },
  },
  'time-to-first-token': durationFlag((o, ms) => (o.timeToFirstTokenMs = ms)),
  'time-to-first-token-std-dev': durationFlag((o, ms) => (o.timeToFirstTokenStdDevMs = ms)),
  'inter-token-latency': durationFlag((o, ms) => (o.interTokenLatencyMs = ms)),
  'inter-token-latency-std-dev': durationFlag((o, ms) => (o.interTokenLatencyStdDevMs = ms)),
  'prefill-overhead': durationFlag((o, ms) => (o.prefillOverheadMs = ms)),
  'prefill-time-per-token': durationFlag((o, ms) => (o.prefillTimePerTokenMs = ms)),
  'prefill-time-std-dev': durationFlag((o, ms) => (o.prefillTimeStdDevMs = ms)),
  'time-factor-under-load': single((o, v, flag) => (o.timeFactorUnderLoad = float(1)(flag, v))),
  'latency-calculator': single((o, v, flag) => {
    if (v !== 'constant' && v !== 'per-token' && v !== '') bad(flag, v, '"constant", "per-token" or ""');
    o.latencyCalculator = v;
  }),
  seed: single((o, v, flag) => (o.seed = int(Number.MIN_SAFE_INTEGER)(flag, v))),
  'startup-duration': durationFlag((o, ms) => (o.startupDurationMs = ms)),
  'block-size': single((o, v, flag) => {
    const n = int1(flag, v);
    if (![8, 16, 32, 64, 128].includes(n)) bad(flag, v, 'one of 8, 16, 32, 64, 128');
    o.blockSize = n;
  }),
  'kv-cache-size': single((o, v, flag) => (o.kvCacheSize = int1(flag, v))),
  'failure-injection-rate': single((o, v, flag) => (o.failureInjectionRate = float(0, 100)(flag, v))),
  'failure-types': {
    kind: 'multi',
    apply: (o, values, flag) => {
      const kinds = values.flatMap((v) => v.split(',')).map((v) => v.trim()).filter((v) => v !== '');
      for (const k of kinds) {
        if (!(FAILURE_TYPES as readonly string[]).includes(k)) bad(flag, k, `one of ${FAILURE_TYPES.join(', ')}`);
      }
      o.failureTypes = [...o.failureTypes, ...(kinds as FailureType[])];
    },
  },
  'default-embedding-dimensions': single((o, v, flag) => (o.defaultEmbeddingDimensions = int1(flag, v))),
  'max-request-body-size-mb': single((o, v, flag) => {
    const n = int1(flag, v);
    if (n > 512) bad(flag, v, 'an integer between 1 and 512');
    o.maxRequestBodySizeMb = n;
  }),
  'enable-request-id-headers': { kind: 'bool', apply: (o, values, flag) => (o.enableRequestIdHeaders = bool(flag, first(values))) },
};

/** Upstream flags whose behaviour is not reproduced: accepted, reported as a warning. */
const NOT_MODELLED: Record<string, { kind: FlagKind; reason: string }> = {};
function notModelled(kind: FlagKind, reason: string, ...names: string[]): void {
  for (const n of names) NOT_MODELLED[n] = { kind, reason };
}
notModelled('single', 'YAML configuration files are not read; pass flags instead', 'config');
notModelled('bool', 'KV-cache simulation is not modelled yet (kv_cache_usage_perc stays 0, no prefix-cache hits)', 'enable-kvcache');
notModelled('single', 'KV-cache simulation is not modelled yet', 'global-cache-hit-threshold', 'hash-seed', 'zmq-endpoint',
  'zmq-max-connect-attempts', 'event-batch-size', 'kv-events-replay-endpoint', 'kv-events-replay-queue-size');
notModelled('bool', 'KV-cache events are not published', 'use-vllm-map-event-format');
notModelled('single', 'prefill/decode disaggregation is not modelled', 'kv-cache-transfer-latency',
  'kv-cache-transfer-latency-std-dev', 'kv-cache-transfer-time-per-token', 'kv-cache-transfer-time-std-dev');
notModelled('single', 'LoRA CPU offload is not modelled', 'max-cpu-loras');
notModelled('single', 'data parallelism is not modelled: one replica serves one port', 'data-parallel-size', 'data-parallel-rank');
notModelled('single', 'datasets are not used: random mode generates its own sentences', 'dataset-path', 'dataset-url', 'dataset-table-name');
notModelled('bool', 'datasets are not used', 'dataset-in-memory');
notModelled('single', 'tokenization is approximated (about 4 characters per token)', 'render-url', 'render-timeout',
  'mm-render-timeout', 'uds-socket-path');
notModelled('bool', 'tokenization is approximated (about 4 characters per token)', 'force-dummy-tokenizer');
notModelled('single', 'tool calls are not generated', 'max-tool-call-integer-param', 'min-tool-call-integer-param',
  'max-tool-call-number-param', 'min-tool-call-number-param', 'max-tool-call-array-param-length',
  'min-tool-call-array-param-length', 'tool-call-not-required-param-probability',
  'object-tool-call-not-required-field-probability', 'tool-call-extra-call-probability');
notModelled('bool', 'tool calls are not generated', 'skip-tool-validation');
notModelled('single', 'TLS is not served by the simulator', 'ssl-certfile', 'ssl-keyfile');
notModelled('bool', 'TLS is not served by the simulator', 'self-signed-certs');
notModelled('multi', 'fake metrics are not supported: metrics always reflect the simulated engine', 'fake-metrics');
notModelled('single', 'fake metrics are not supported', 'fake-metrics-refresh-interval');
notModelled('bool', 'sleep mode is not modelled', 'enable-sleep-mode', 'no-enable-sleep-mode');
notModelled('bool', 'multi-modal output is not modelled', 'omni', 'no-omni', 'mm-encoder-only', 'no-mm-encoder-only');
notModelled('single', 'multi-modal output is not modelled', 'image-emission-rate', 'time-to-generate-image',
  'time-to-generate-image-std-dev');
notModelled('bool', 'strict request validation is not modelled', 'strict');
notModelled('bool', 'HTTP logging is not modelled', 'log-http');

/** Flags the upstream simulator itself ignores, and its logging flags: accepted silently (no behaviour to miss). */
const SILENT: Record<string, FlagKind> = {
  'mm-processor-kwargs': 'single',
  'ec-transfer-config': 'single',
  'tensor-parallel-size': 'single',
  'enforce-eager': 'bool',
  'no-enforce-eager': 'bool',
  'enable-prefix-caching': 'bool',
  'no-enable-prefix-caching': 'bool',
  // klog
  v: 'single',
  vmodule: 'single',
  log_dir: 'single',
  log_file: 'single',
  log_file_max_size: 'single',
  log_backtrace_at: 'single',
  stderrthreshold: 'single',
  add_dir_header: 'bool',
  alsologtostderr: 'bool',
  logtostderr: 'bool',
  one_output: 'bool',
  skip_headers: 'bool',
  skip_log_headers: 'bool',
};

// Per-token latency flags: see the legacy-calculator note in parseSimulatorArgs.
const PER_TOKEN_FLAGS = new Set(['prefill-overhead', 'prefill-time-per-token', 'prefill-time-std-dev']);
const CONSTANT_FLAGS = new Set(['time-to-first-token', 'time-to-first-token-std-dev', 'latency-calculator']);

/**
 * Parses one `--lora-modules` value: a JSON object `{"name","path","base_model_name"}`, a JSON list of
 * them, or vLLM's `name=path` shorthand.
 */
function parseLoraModules(flag: string, text: string): LoraModule[] {
  const s = text.trim();
  if (!s.startsWith('{') && !s.startsWith('[')) {
    const eq = s.indexOf('=');
    if (eq > 0) return [{ name: s.slice(0, eq), path: s.slice(eq + 1) }];
    bad(flag, text, 'a JSON object {"name": ..., "path": ..., "base_model_name": ...}, a JSON list of them, or name=path');
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(s);
  } catch {
    bad(flag, text, 'valid JSON: {"name": ..., "path": ..., "base_model_name": ...} or a list of them');
  }
  const items = Array.isArray(parsed) ? parsed : [parsed];
  return items.map((item) => {
    if (typeof item !== 'object' || item === null || Array.isArray(item)) {
      bad(flag, text, 'each LoRA module to be a JSON object');
    }
    const rec = item as Record<string, unknown>;
    if (typeof rec['name'] !== 'string' || rec['name'] === '') bad(flag, text, 'each LoRA module to have a non-empty "name"');
    const mod: LoraModule = { name: rec['name'] };
    if (typeof rec['path'] === 'string') mod.path = rec['path'];
    if (typeof rec['base_model_name'] === 'string') mod.baseModelName = rec['base_model_name'];
    return mod;
  });
}

function kindOf(name: string): FlagKind | undefined {
  return MODELLED[name]?.kind ?? NOT_MODELLED[name]?.kind ?? SILENT[name];
}

/**
 * Parses llm-d-inference-sim style argv over `base` (over the defaults).
 *
 * - `--flag value` and `--flag=value`; a single leading dash is accepted too (Go flag style).
 * - Boolean flags never consume the next argument (`--enable-kvcache`, or `--enable-kvcache=false`).
 * - `--served-model-name`, `--lora-modules`, `--failure-types`, `--fake-metrics` take every following
 *   argument up to the next one starting with `--`.
 * - An unknown flag takes the next argument as its value unless that starts with `-`; it is reported.
 * - Legacy latency rule: upstream's `time-to-first-token` defaults to 0, so with no calculator a set of
 *   args that only gives prefill-* flags selects the per-token formula there. Our default TTFT is not 0,
 *   so in that case (prefill-* given; time-to-first-token, its std-dev and latency-calculator not
 *   given) the TTFT default is dropped to 0 to keep the upstream meaning of those args.
 */
export function parseSimulatorArgs(
  argv: string[],
  base: Partial<SimulatorOptions> = {},
): { options: SimulatorOptions; warnings: string[] } {
  const options: SimulatorOptions = { ...defaultSimulatorOptions(), ...stripUndefined(base) };
  const warnings: string[] = [];
  const seen = new Set<string>();

  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    if (!arg.startsWith('-') || arg === '-' || arg === '--') {
      warnings.push(`unexpected argument ${JSON.stringify(arg)} ignored`);
      continue;
    }
    const body = arg.replace(/^--?/, '');
    const eq = body.indexOf('=');
    const name = eq >= 0 ? body.slice(0, eq) : body;
    const inline = eq >= 0 ? body.slice(eq + 1) : undefined;
    const kind = kindOf(name);

    // Collect the flag's values.
    let values: string[];
    if (kind === 'bool') {
      values = [inline ?? 'true'];
    } else if (inline !== undefined) {
      values = [inline];
    } else if (kind === 'multi') {
      values = [];
      while (i + 1 < argv.length && !(argv[i + 1] as string).startsWith('--')) values.push(argv[++i] as string);
    } else if (kind === 'single') {
      if (i + 1 < argv.length) values = [argv[++i] as string];
      else if (MODELLED[name]) throw new Error(`missing value for --${name}`);
      else values = []; // an ignored flag never stops a replica from starting
    } else {
      // Unknown: guess whether it has a value, so the following flags still parse.
      values = i + 1 < argv.length && !(argv[i + 1] as string).startsWith('-') ? [argv[++i] as string] : [];
    }

    const modelled = MODELLED[name];
    if (modelled) {
      modelled.apply(options, values, name);
      seen.add(name);
    } else if (NOT_MODELLED[name]) {
      warnings.push(`--${name} is accepted but ignored: ${NOT_MODELLED[name].reason}`);
    } else if (SILENT[name] === undefined) {
      warnings.push(`unknown flag --${name} ignored`);
    }
  }

  const perTokenGiven = [...PER_TOKEN_FLAGS].some((f) => seen.has(f));
  const constantGiven = [...CONSTANT_FLAGS].some((f) => seen.has(f));
  if (perTokenGiven && !constantGiven && options.latencyCalculator === '' && base.timeToFirstTokenMs === undefined) {
    options.timeToFirstTokenMs = 0;
  }

  validate(options, warnings);
  return { options, warnings };
}

/**
 * Cross-field checks. Hard errors throw; a std-dev above 30 % of its mean (refused upstream) is clamped
 * with a warning so the replica still starts.
 */
function validate(o: SimulatorOptions, warnings: string[]): void {
  if (o.model.trim() === '') throw new Error('--model is required: the name of the simulated base model');
  const pairs: [string, keyof SimulatorOptions, keyof SimulatorOptions][] = [
    ['time-to-first-token-std-dev', 'timeToFirstTokenStdDevMs', 'timeToFirstTokenMs'],
    ['inter-token-latency-std-dev', 'interTokenLatencyStdDevMs', 'interTokenLatencyMs'],
  ];
  for (const [flag, sdKey, meanKey] of pairs) {
    const sd = o[sdKey] as number;
    const mean = o[meanKey] as number;
    if (sd > 0.3 * mean) {
      warnings.push(`--${flag} ${sd}ms is more than 30% of its mean ${mean}ms; clamped to ${0.3 * mean}ms`);
      (o as unknown as Record<string, number>)[sdKey] = 0.3 * mean;
    }
  }
  const prefillMean = o.prefillOverheadMs + o.prefillTimePerTokenMs;
  if (o.prefillTimeStdDevMs > 0 && prefillMean === 0) {
    warnings.push('--prefill-time-std-dev has no effect without --prefill-overhead or --prefill-time-per-token');
  }
  for (const lora of o.loraModules) {
    if (lora.name === o.model || (o.servedModelNames ?? []).includes(lora.name)) {
      throw new Error(`--lora-modules: adapter name ${JSON.stringify(lora.name)} collides with a base model name`);
    }
  }
}

function stripUndefined<T extends object>(o: T): T {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;
}
