// Simulator configuration and the llm-d-inference-sim style command line that produces it.
//
// Flag names are the upstream simulator's, so the `args` of a Kubernetes Deployment written for the
// llm-d-inference-sim image start an in-process replica unchanged. Parsing never fails on a flag it does
// not understand: unknown flags and flags whose behaviour is not modelled come back as warnings. A
// malformed value for a flag we do use throws, naming the flag, the value and what was expected.
//
// Besides upstream's flags there are a few of our own (all documented in docs/simulator.md):
// `--host`, `--lora-load-time`, `--replicas`, the fault flags `--fault-*`, and the provider
// credential flags `--api-key`, `--gcp-access-token`, `--aws-access-key-id`,
// `--aws-secret-access-key`, `--aws-region` (see SLUICE_FLAG_HELP and auth.ts). `--config` reads a YAML
// file whose keys are flag names (precedence: command line > `base` (env) > YAML > defaults).

import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
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
  /** Tokens per KV-cache block (8, 16, 32, 64 or 128). */
  blockSize: number;
  /** KV-cache blocks (vllm:cache_config_info num_gpu_blocks). */
  kvCacheSize: number;
  /** Simulate the KV cache with prefix caching. Default true (upstream's --enable-kvcache defaults to false). */
  enableKvCache: boolean;
  /** Time to load a LoRA adapter into a free GPU slot; paid by the first request that needs it there. */
  loraLoadTimeMs: number;
  /** Percentage (0–100) of generation requests answered with an injected error. */
  failureInjectionRate: number;
  /** Upstream error kinds to inject; with failureStatuses empty too, all kinds. */
  failureTypes: FailureType[];
  /** HTTP statuses to inject (given as numbers in --failure-types). */
  failureStatuses: number[];
  /** Added before every generation request is processed (fault: a slow network or server). */
  faultDelayMs: number;
  /** Percentage of generation requests that never get an answer (until the client gives up). */
  faultHangRate: number;
  /** Percentage of generation requests whose connection is reset before any response header. */
  faultResetRate: number;
  /** Percentage of generation requests whose connection is cut after `faultAbortAfterChunks` chunks. */
  faultAbortRate: number;
  faultAbortAfterChunks: number;
  /** Start not ready: /health/ready answers 503 until POST /admin/config {"ready": true}. */
  faultNotReady: boolean;
  /** Embedding vector size when a request does not ask for `dimensions`. */
  defaultEmbeddingDimensions: number;
  /** Request bodies above this are refused with 413. */
  maxRequestBodySizeMb: number;
  /** Echo (or generate) `x-request-id` on completion responses. */
  enableRequestIdHeaders: boolean;

  // Provider credentials (Sluice additions; unset = no check, see auth.ts and sigv4.ts).
  /** Required key of the OpenAI, Anthropic, Azure OpenAI and Gemini Developer API paths. */
  apiKey?: string;
  /** The OAuth access token Vertex AI paths accept (`Authorization: Bearer`). */
  gcpAccessToken?: string;
  /** With awsSecretAccessKey: Bedrock paths require a SigV4 signature by this key. */
  awsAccessKeyId?: string;
  awsSecretAccessKey?: string;
  /** The region Bedrock signatures must be scoped to (default us-east-1). */
  awsRegion: string;
}

/**
 * Latency used when no latency field is given at all (upstream's are all 0): a per-token prefill so the
 * prefix cache shows, and a decode pace so a quickstart feels like a model server while a ~20-token
 * answer to a short prompt still takes only ≈ 45 ms (5 ms + 30 × 0.1 ms + 19 × 2 ms).
 */
export const QUICKSTART_LATENCY = {
  latencyCalculator: '',
  timeToFirstTokenMs: 0,
  timeToFirstTokenStdDevMs: 0,
  prefillOverheadMs: 5,
  prefillTimePerTokenMs: 0.1,
  prefillTimeStdDevMs: 0,
  interTokenLatencyMs: 2,
  interTokenLatencyStdDevMs: 0,
} as const satisfies Partial<SimulatorOptions>;

/** The fields of the latency model that QUICKSTART_LATENCY sets. */
export const LATENCY_FIELDS = Object.keys(QUICKSTART_LATENCY) as (keyof typeof QUICKSTART_LATENCY)[];

/**
 * Keeps upstream's meaning of a latency configuration: when any latency field is given, every latency
 * field not given takes upstream's default (0, or the legacy "" calculator) instead of the quickstart
 * value. With none given, the quickstart latencies stay.
 */
export function applyLatencyDefaults(o: SimulatorOptions, given: ReadonlySet<string>): void {
  if (!LATENCY_FIELDS.some((f) => given.has(f))) return;
  for (const f of LATENCY_FIELDS) {
    if (given.has(f)) continue;
    if (f === 'latencyCalculator') o.latencyCalculator = '';
    else o[f] = 0;
  }
}

/**
 * Upstream defaults for capacity (maxNumSeqs 5, queue 1000, context 1024, one LoRA, 1024 KV blocks of
 * 16 tokens), the KV cache switched on, and QUICKSTART_LATENCY.
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
    ...QUICKSTART_LATENCY,
    timeFactorUnderLoad: 1,
    startupDurationMs: 0,
    blockSize: 16,
    kvCacheSize: 1024,
    enableKvCache: true,
    loraLoadTimeMs: 10,
    failureInjectionRate: 0,
    failureTypes: [],
    failureStatuses: [],
    faultDelayMs: 0,
    faultHangRate: 0,
    faultResetRate: 0,
    faultAbortRate: 0,
    faultAbortAfterChunks: 1,
    faultNotReady: false,
    defaultEmbeddingDimensions: 384,
    maxRequestBodySizeMb: 4,
    enableRequestIdHeaders: false,
    awsRegion: 'us-east-1',
  };
}

// ---------------------------------------------------------------------------------------------------
// Flag table

type FlagKind = 'bool' | 'single' | 'multi';

interface ModelledFlag {
  kind: FlagKind;
  /** One line of help, for flags that are ours (upstream's are documented upstream). */
  help?: string;
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
  'enable-kvcache': { kind: 'bool', apply: (o, values, flag) => (o.enableKvCache = bool(flag, first(values))) },
  'lora-load-time': durationFlag((o, ms) => (o.loraLoadTimeMs = ms)),
  'failure-injection-rate': single((o, v, flag) => (o.failureInjectionRate = float(0, 100)(flag, v))),
  'failure-types': {
    kind: 'multi',
    apply: (o, values, flag) => {
      const kinds = values.flatMap((v) => v.split(',')).map((v) => v.trim()).filter((v) => v !== '');
      const types: FailureType[] = [];
      const statuses: number[] = [];
      for (const k of kinds) {
        if (/^\d+$/.test(k)) {
          const status = Number(k);
          if (status < 400 || status > 599) bad(flag, k, 'an error kind or an HTTP status between 400 and 599');
          statuses.push(status);
        } else if ((FAILURE_TYPES as readonly string[]).includes(k)) {
          types.push(k as FailureType);
        } else {
          bad(flag, k, `one of ${FAILURE_TYPES.join(', ')}, or an HTTP status between 400 and 599`);
        }
      }
      o.failureTypes = [...o.failureTypes, ...types];
      o.failureStatuses = [...o.failureStatuses, ...statuses];
    },
  },
  'fault-delay': durationFlag((o, ms) => (o.faultDelayMs = ms)),
  'fault-hang-rate': single((o, v, flag) => (o.faultHangRate = float(0, 100)(flag, v))),
  'fault-reset-rate': single((o, v, flag) => (o.faultResetRate = float(0, 100)(flag, v))),
  'fault-abort-rate': single((o, v, flag) => (o.faultAbortRate = float(0, 100)(flag, v))),
  'fault-abort-after': single((o, v, flag) => (o.faultAbortAfterChunks = int0(flag, v))),
  'fault-not-ready': { kind: 'bool', apply: (o, values, flag) => (o.faultNotReady = bool(flag, first(values))) },
  'default-embedding-dimensions': single((o, v, flag) => (o.defaultEmbeddingDimensions = int1(flag, v))),
  'max-request-body-size-mb': single((o, v, flag) => {
    const n = int1(flag, v);
    if (n > 512) bad(flag, v, 'an integer between 1 and 512');
    o.maxRequestBodySizeMb = n;
  }),
  'enable-request-id-headers': { kind: 'bool', apply: (o, values, flag) => (o.enableRequestIdHeaders = bool(flag, first(values))) },
  'api-key': credential(
    (o, v) => (o.apiKey = v),
    'KEY: require this key (OpenAI paths: Authorization: Bearer KEY; Anthropic: x-api-key or Bearer; Azure: api-key or Bearer; ' +
      'Gemini Developer API: x-goog-api-key or ?key=); wrong or missing answers as each provider does (auth.ts)',
  ),
  'gcp-access-token': credential(
    (o, v) => (o.gcpAccessToken = v),
    'TOKEN: Vertex AI paths require Authorization: Bearer TOKEN; wrong or missing is 401 UNAUTHENTICATED',
  ),
  'aws-access-key-id': credential(
    (o, v) => (o.awsAccessKeyId = v),
    'ID: with --aws-secret-access-key, every Bedrock path (/model/…) requires a SigV4 signature (service bedrock) by this key',
  ),
  'aws-secret-access-key': credential((o, v) => (o.awsSecretAccessKey = v), 'SECRET: the secret key SigV4 signatures are verified with'),
  'aws-region': credential((o, v) => (o.awsRegion = v), 'REGION: the region SigV4 credential scopes must name (default us-east-1)'),
};

function credential(set: (o: SimulatorOptions, value: string) => void, help: string): ModelledFlag {
  return {
    kind: 'single',
    help,
    apply: (o, values, flag) => {
      const v = first(values);
      if (v.trim() === '' || v !== v.trim()) bad(flag, flag.includes('secret') ? '…' : v, 'a non-empty value without surrounding spaces');
      set(o, v);
    },
  };
}

/**
 * Help for the flags that are Sluice's own additions with a help line (the provider credential
 * flags), as `--flag  help` lines. With none of them given, no credential is checked.
 */
export function sluiceFlagHelp(): string {
  return Object.entries(MODELLED)
    .filter(([, f]) => f.help !== undefined)
    .map(([name, f]) => `--${name} ${f.help as string}`)
    .join('\n');
}

/** Upstream flags whose behaviour is not reproduced: accepted, reported as a warning. */
const NOT_MODELLED: Record<string, { kind: FlagKind; reason: string }> = {};
function notModelled(kind: FlagKind, reason: string, ...names: string[]): void {
  for (const n of names) NOT_MODELLED[n] = { kind, reason };
}
notModelled('single', 'cache-hit thresholds are not modelled', 'global-cache-hit-threshold');
notModelled('single', 'block hashes are seeded by the model name only', 'hash-seed');
notModelled('single', 'KV-cache events are not published', 'zmq-endpoint', 'zmq-max-connect-attempts', 'event-batch-size',
  'kv-events-replay-endpoint', 'kv-events-replay-queue-size');
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
notModelled('single', 'tool-call arguments follow the tool schema only (see tools.ts); this knob is not modelled', 'max-tool-call-integer-param', 'min-tool-call-integer-param',
  'max-tool-call-number-param', 'min-tool-call-number-param', 'max-tool-call-array-param-length',
  'min-tool-call-array-param-length', 'tool-call-not-required-param-probability',
  'object-tool-call-not-required-field-probability', 'tool-call-extra-call-probability');
notModelled('bool', 'tool definitions are validated as vLLM does; this knob is not modelled', 'skip-tool-validation');
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

/** Latency flags and the fields they set (for applyLatencyDefaults). */
const LATENCY_FLAG_FIELDS: Record<string, keyof SimulatorOptions> = {
  'latency-calculator': 'latencyCalculator',
  'time-to-first-token': 'timeToFirstTokenMs',
  'time-to-first-token-std-dev': 'timeToFirstTokenStdDevMs',
  'prefill-overhead': 'prefillOverheadMs',
  'prefill-time-per-token': 'prefillTimePerTokenMs',
  'prefill-time-std-dev': 'prefillTimeStdDevMs',
  'inter-token-latency': 'interTokenLatencyMs',
  'inter-token-latency-std-dev': 'interTokenLatencyStdDevMs',
};

/** Flags handled by parseSimulatorArgs itself rather than stored in SimulatorOptions. */
const SPECIAL: Record<string, FlagKind> = { config: 'single', replicas: 'single' };

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
  return MODELLED[name]?.kind ?? SPECIAL[name] ?? NOT_MODELLED[name]?.kind ?? SILENT[name];
}

export interface FlagEntry {
  name: string;
  values: string[];
}

/** Splits argv into flag entries; stray arguments become warnings. Throws on a missing value of a used flag. */
function collect(argv: readonly string[], warnings: string[]): FlagEntry[] {
  const entries: FlagEntry[] = [];
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
      else if (MODELLED[name] || SPECIAL[name]) throw new Error(`missing value for --${name}`);
      else values = []; // an ignored flag never stops a replica from starting
    } else {
      // Unknown: guess whether it has a value, so the following flags still parse.
      values = i + 1 < argv.length && !(argv[i + 1] as string).startsWith('-') ? [argv[++i] as string] : [];
    }
    entries.push({ name, values });
  }
  return entries;
}

/** Stores modelled entries into `o`, reporting the others; records the latency fields given in `given`. */
function applyEntries(o: SimulatorOptions, entries: readonly FlagEntry[], warnings: string[], given: Set<string>, source = ''): void {
  for (const { name, values } of entries) {
    const modelled = MODELLED[name];
    if (modelled) {
      modelled.apply(o, values, name);
      const field = LATENCY_FLAG_FIELDS[name];
      if (field !== undefined) given.add(field);
    } else if (SPECIAL[name] !== undefined) {
      // handled by parseSimulatorArgs
    } else if (NOT_MODELLED[name]) {
      warnings.push(`${source}--${name} is accepted but ignored: ${NOT_MODELLED[name].reason}`);
    } else if (SILENT[name] === undefined) {
      warnings.push(`${source}unknown flag --${name} ignored`);
    }
  }
}

/** A YAML scalar or list item as a flag value: objects become JSON (e.g. LoRA modules). */
function yamlValue(v: unknown): string {
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  return JSON.stringify(v);
}

/**
 * Reads a `--config` YAML file: a mapping from flag names (as on the command line, without dashes) to
 * values. Lists give multi-valued flags (`served-model-name`, `lora-modules`, `failure-types`); LoRA
 * modules may be JSON strings or mappings; durations may be Go strings or milliseconds.
 */
export function readConfigFile(path: string): FlagEntry[] {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new Error(`--config: cannot read ${path}: ${(err as Error).message}`);
  }
  let doc: unknown;
  try {
    doc = parseYaml(text);
  } catch (err) {
    throw new Error(`--config: ${path} is not valid YAML: ${(err as Error).message}`);
  }
  if (doc === null || doc === undefined) return [];
  if (typeof doc !== 'object' || Array.isArray(doc)) throw new Error(`--config: ${path} must be a YAML mapping of flag names to values`);
  const entries: FlagEntry[] = [];
  for (const [name, value] of Object.entries(doc as Record<string, unknown>)) {
    if (value === null || value === undefined) continue;
    if (name === 'config') throw new Error(`--config: ${path} may not name another config file`);
    const values = Array.isArray(value) ? value.map(yamlValue) : [yamlValue(value)];
    entries.push({ name, values });
  }
  return entries;
}

export interface ParsedSimulatorArgs {
  options: SimulatorOptions;
  warnings: string[];
  /** `--replicas N` (ours, default 1): how many replicas startSimulators should run. */
  replicas: number;
}

/**
 * Parses llm-d-inference-sim style argv over `base` (over the defaults).
 *
 * - `--flag value` and `--flag=value`; a single leading dash is accepted too (Go flag style).
 * - Boolean flags never consume the next argument (`--enable-kvcache`, or `--enable-kvcache=false`).
 * - `--served-model-name`, `--lora-modules`, `--failure-types`, `--fake-metrics` take every following
 *   argument up to the next one starting with `--`.
 * - An unknown flag takes the next argument as its value unless that starts with `-`; it is reported.
 * - `--config file.yaml` is read first: command line > `base` (e.g. env) > YAML > defaults. A flag given
 *   on the command line replaces the YAML value, lists included.
 * - Latency: see applyLatencyDefaults. With no latency flag anywhere the quickstart latencies apply;
 *   with any, every latency flag not given is upstream's 0.
 */
export function parseSimulatorArgs(argv: string[], base: Partial<SimulatorOptions> = {}): ParsedSimulatorArgs {
  const options: SimulatorOptions = defaultSimulatorOptions();
  const warnings: string[] = [];
  const given = new Set<string>();
  const cli = collect(argv, warnings);

  const configEntry = [...cli].reverse().find((e) => e.name === 'config');
  if (configEntry !== undefined) {
    const path = first(configEntry.values);
    if (path.trim() === '') throw new Error('missing value for --config');
    const onCli = new Set(cli.map((e) => e.name));
    const fromFile = readConfigFile(path).filter((e) => !onCli.has(e.name));
    applyEntries(options, fromFile, warnings, given, `${path}: `);
    const replicas = fromFile.find((e) => e.name === 'replicas');
    if (replicas !== undefined) cli.push(replicas);
  }
  const baseDefined = stripUndefined(base);
  Object.assign(options, baseDefined);
  for (const k of Object.keys(baseDefined)) given.add(k);
  applyEntries(options, cli, warnings, given);

  let replicas = 1;
  const replicasEntry = [...cli].reverse().find((e) => e.name === 'replicas');
  if (replicasEntry !== undefined) {
    replicas = int1('replicas', first(replicasEntry.values));
    if (replicas > 256) bad('replicas', first(replicasEntry.values), 'an integer between 1 and 256');
  }

  applyLatencyDefaults(options, given);
  validate(options, warnings);
  return { options, warnings, replicas };
}

// ---------------------------------------------------------------------------------------------------
// Runtime configuration (GET/POST /admin/config)

/** Flags that POST /admin/config may change without a restart. */
export const RUNTIME_FLAGS = [
  'latency-calculator',
  'time-to-first-token',
  'time-to-first-token-std-dev',
  'prefill-overhead',
  'prefill-time-per-token',
  'prefill-time-std-dev',
  'inter-token-latency',
  'inter-token-latency-std-dev',
  'time-factor-under-load',
  'lora-load-time',
  'failure-injection-rate',
  'failure-types',
  'fault-delay',
  'fault-hang-rate',
  'fault-reset-rate',
  'fault-abort-rate',
  'fault-abort-after',
  'fault-not-ready',
] as const;

/** The runtime-changeable part of the options, keyed by flag name (durations in milliseconds). */
export function describeRuntimeConfig(o: SimulatorOptions): Record<(typeof RUNTIME_FLAGS)[number], unknown> {
  return {
    'latency-calculator': o.latencyCalculator,
    'time-to-first-token': o.timeToFirstTokenMs,
    'time-to-first-token-std-dev': o.timeToFirstTokenStdDevMs,
    'prefill-overhead': o.prefillOverheadMs,
    'prefill-time-per-token': o.prefillTimePerTokenMs,
    'prefill-time-std-dev': o.prefillTimeStdDevMs,
    'inter-token-latency': o.interTokenLatencyMs,
    'inter-token-latency-std-dev': o.interTokenLatencyStdDevMs,
    'time-factor-under-load': o.timeFactorUnderLoad,
    'lora-load-time': o.loraLoadTimeMs,
    'failure-injection-rate': o.failureInjectionRate,
    'failure-types': [...o.failureTypes, ...o.failureStatuses],
    'fault-delay': o.faultDelayMs,
    'fault-hang-rate': o.faultHangRate,
    'fault-reset-rate': o.faultResetRate,
    'fault-abort-rate': o.faultAbortRate,
    'fault-abort-after': o.faultAbortAfterChunks,
    'fault-not-ready': o.faultNotReady,
  };
}

/**
 * Applies a runtime patch `{flag: value}` (values as in YAML: numbers are milliseconds for durations,
 * lists for failure-types, which replace the current list) to `o` in place, all or nothing. Throws an
 * Error naming the key for an unknown key or a bad value; returns warnings (e.g. clamped std-devs).
 */
export function applyRuntimeConfig(o: SimulatorOptions, patch: Record<string, unknown>): string[] {
  const next: SimulatorOptions = { ...o, failureTypes: [...o.failureTypes], failureStatuses: [...o.failureStatuses] };
  for (const [name, value] of Object.entries(patch)) {
    if (!(RUNTIME_FLAGS as readonly string[]).includes(name)) {
      throw new Error(`"${name}" cannot be changed at runtime; the keys are ${RUNTIME_FLAGS.join(', ')}`);
    }
    if (value === null || value === undefined) continue;
    if (name === 'failure-types') {
      next.failureTypes = [];
      next.failureStatuses = [];
    }
    const values = Array.isArray(value) ? value.map(yamlValue) : [yamlValue(value)];
    (MODELLED[name] as ModelledFlag).apply(next, values, name);
  }
  const warnings: string[] = [];
  validate(next, warnings);
  Object.assign(o, next);
  return warnings;
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
  if (o.enableKvCache && o.kvCacheSize * o.blockSize < o.maxModelLen) {
    warnings.push(
      `the KV cache holds ${o.kvCacheSize * o.blockSize} tokens (--kv-cache-size ${o.kvCacheSize} × --block-size ${o.blockSize}), ` +
        `less than --max-model-len ${o.maxModelLen}: longer requests will be refused`,
    );
  }
  if ((o.awsAccessKeyId === undefined) !== (o.awsSecretAccessKey === undefined)) {
    throw new Error('--aws-access-key-id and --aws-secret-access-key must be given together (SigV4 needs both)');
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
