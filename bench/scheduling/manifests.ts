// The manifest set the scheduling benchmark serves: one Gateway, N simulated replicas (one Deployment
// of the llm-d-inference-sim image, realized in-process by Sluice's cluster emulation), an
// InferencePool over them whose endpointPickerRef names an epp Deployment, the EndpointPickerConfig of
// the profile under test in that epp's ConfigMap, a plain Service selecting the same pods, and an
// AIGatewayRoute for the model.
//
// Contract: every profile gets the same replicas, pool, Service and epp objects; only the ConfigMap's
// EndpointPickerConfig and the route's backendRef differ. `round-robin` routes the model to the
// Service instead of the pool (Sluice spreads a Service's requests round robin over its endpoints, as
// kube-proxy would spread connections) while the pool stays defined, so its endpoints are still
// scraped every 50 ms and the gateway does the same background work in every run.

/** Profiles compared, in run order. */
export const PROFILES = ['random', 'round-robin', 'queue-only', 'default'] as const;
export type ProfileName = (typeof PROFILES)[number];

export const MODEL = 'meta-llama/Llama-3.1-8B-Instruct';
export const NAMESPACE = 'default';
export const POOL = 'sim';
export const SERVICE = 'sim-svc';

/** Simulator settings (llm-d-inference-sim flags); times in ms. */
export interface SimSettings {
  readonly replicas: number;
  readonly maxNumSeqs: number;
  readonly kvCacheSize: number;
  readonly blockSize: number;
  readonly maxModelLen: number;
  readonly prefillOverheadMs: number;
  readonly prefillPerTokenMs: number;
  readonly interTokenMs: number;
  readonly timeFactorUnderLoad: number;
  readonly seed: number;
}

/** The llm-d-inference-sim `args` of the Deployment (std-devs 0: every latency is exact). */
export function simArgs(s: SimSettings): string[] {
  return [
    '--model', MODEL,
    '--port', '8000',
    '--mode', 'random',
    '--max-num-seqs', String(s.maxNumSeqs),
    '--max-model-len', String(s.maxModelLen),
    '--enable-kvcache', 'true',
    '--kv-cache-size', String(s.kvCacheSize),
    '--block-size', String(s.blockSize),
    '--latency-calculator', 'per-token',
    '--prefill-overhead', `${s.prefillOverheadMs}ms`,
    '--prefill-time-per-token', `${Math.round(s.prefillPerTokenMs * 1000)}us`,
    '--prefill-time-std-dev', '0',
    '--inter-token-latency', `${s.interTokenMs}ms`,
    '--inter-token-latency-std-dev', '0',
    '--time-factor-under-load', String(s.timeFactorUnderLoad),
    '--seed', String(s.seed),
  ];
}

/** The EndpointPickerConfig of a pool profile (YAML text); undefined for round-robin (no picker). */
export function pickerConfig(profile: ProfileName): string | undefined {
  const head = 'apiVersion: inference.networking.x-k8s.io/v1alpha1\nkind: EndpointPickerConfig\n';
  switch (profile) {
    case 'random':
      return `${head}plugins:\n- type: random-picker\nschedulingProfiles:\n- name: default\n  plugins:\n  - pluginRef: random-picker\n`;
    case 'queue-only':
      return `${head}plugins:\n- type: queue-scorer\n- type: max-score-picker\nschedulingProfiles:\n- name: default\n  plugins:\n  - pluginRef: queue-scorer\n    weight: 1\n  - pluginRef: max-score-picker\n`;
    case 'default':
      // The upstream default (GIE chart, llm-d base config), written out as the seed manifests do.
      return (
        `${head}plugins:\n- type: queue-scorer\n- type: kv-cache-utilization-scorer\n- type: prefix-cache-scorer\n` +
        `schedulingProfiles:\n- name: default\n  plugins:\n  - pluginRef: queue-scorer\n    weight: 2\n` +
        `  - pluginRef: kv-cache-utilization-scorer\n    weight: 2\n  - pluginRef: prefix-cache-scorer\n    weight: 3\n`
      );
    case 'round-robin':
      return undefined;
  }
}

const indent = (text: string, spaces: number) =>
  text
    .split('\n')
    .filter((l) => l.length > 0)
    .map((l) => ' '.repeat(spaces) + l)
    .join('\n');

/**
 * The whole manifest set for one profile. `sheddableObjective` names an InferenceObjective of
 * priority −1 on the pool (requests that carry it are sheddable: 429 when the pool is saturated).
 */
export function schedulingManifests(profile: ProfileName, sim: SimSettings, sheddableObjective: string): string {
  // round-robin has no picker of its own; its epp ConfigMap keeps the default so the pool is valid.
  const config = pickerConfig(profile) ?? pickerConfig('default')!;
  const args = simArgs(sim)
    .map((a) => `            - ${JSON.stringify(a)}`)
    .join('\n');
  const backendRef =
    profile === 'round-robin'
      ? `        - name: ${SERVICE}`
      : `        - group: inference.networking.k8s.io\n          kind: InferencePool\n          name: ${POOL}`;
  return `apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata: {name: bench, namespace: ${NAMESPACE}}
spec:
  gatewayClassName: sluice
  listeners: [{name: http, protocol: HTTP, port: 8080}]
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: ${POOL}, namespace: ${NAMESPACE}}
spec:
  replicas: ${sim.replicas}
  selector: {matchLabels: {app: ${POOL}}}
  template:
    metadata: {labels: {app: ${POOL}}}
    spec:
      containers:
        - name: vllm-sim
          image: ghcr.io/llm-d/llm-d-inference-sim:v0.4.0
          args:
${args}
          ports: [{containerPort: 8000, name: http}]
---
apiVersion: inference.networking.k8s.io/v1
kind: InferencePool
metadata: {name: ${POOL}, namespace: ${NAMESPACE}}
spec:
  targetPorts: [{number: 8000}]
  selector: {matchLabels: {app: ${POOL}}}
  endpointPickerRef: {name: ${POOL}-epp, port: {number: 9002}}
---
apiVersion: v1
kind: Service
metadata: {name: ${POOL}-epp, namespace: ${NAMESPACE}}
spec:
  selector: {app: ${POOL}-epp}
  ports: [{protocol: TCP, port: 9002, targetPort: 9002, appProtocol: http2}]
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: ${POOL}-epp, namespace: ${NAMESPACE}}
spec:
  replicas: 1
  selector: {matchLabels: {app: ${POOL}-epp}}
  template:
    metadata: {labels: {app: ${POOL}-epp}}
    spec:
      containers:
        - name: epp
          image: registry.k8s.io/gateway-api-inference-extension/epp:v1.0.1
          args: ["--pool-name", "${POOL}", "--pool-namespace", "${NAMESPACE}", "--config-file", "/config/picker.yaml"]
          ports: [{containerPort: 9002}]
          volumeMounts: [{name: picker-config, mountPath: /config}]
      volumes: [{name: picker-config, configMap: {name: ${POOL}-picker-config}}]
---
apiVersion: v1
kind: ConfigMap
metadata: {name: ${POOL}-picker-config, namespace: ${NAMESPACE}}
data:
  picker.yaml: |
${indent(config, 4)}
---
apiVersion: inference.networking.x-k8s.io/v1alpha2
kind: InferenceObjective
metadata: {name: ${sheddableObjective}, namespace: ${NAMESPACE}}
spec:
  priority: -1
  poolRef: {group: inference.networking.k8s.io, name: ${POOL}}
---
apiVersion: v1
kind: Service
metadata: {name: ${SERVICE}, namespace: ${NAMESPACE}}
spec:
  selector: {app: ${POOL}}
  ports: [{port: 80, targetPort: 8000}]
---
apiVersion: aigateway.envoyproxy.io/v1beta1
kind: AIGatewayRoute
metadata: {name: bench, namespace: ${NAMESPACE}}
spec:
  parentRefs: [{name: bench}]
  rules:
    - matches: [{headers: [{type: Exact, name: x-ai-eg-model, value: ${MODEL}}]}]
      backendRefs:
${backendRef}
`;
}
