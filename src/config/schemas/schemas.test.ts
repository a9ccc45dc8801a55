// Tests of the resource schemas and the registry: the walkthrough manifests load unmodified, typos and
// wrong types fail at the right path with a readable message, loose kinds and kubectl noise pass, and
// the CEL-style cross-field rules hold.
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { parse, parseAllDocuments } from 'yaml';
import type { z } from 'zod';
import { endpointPickerConfigSchema, isIgnoredKind, knownKinds, lookupKind, parseDurationMs, resourceKey } from './index.ts';
import { seedManifests, seedSkip } from '../../../test/support/paths.ts';

const SEEDS = seedManifests;

/** Validates a document through the registry; throws when the kind is unknown. */
function check(doc: unknown): z.ZodSafeParseResult<unknown> {
  const { apiVersion, kind } = doc as { apiVersion: string; kind: string };
  const info = lookupKind(apiVersion, kind);
  assert.ok(info, `no schema registered for ${apiVersion} ${kind}`);
  return info.schema.safeParse(doc);
}

function issues(doc: unknown): z.core.$ZodIssue[] {
  const r = check(doc);
  assert.equal(r.success, false, 'expected validation to fail');
  return r.error?.issues ?? [];
}

function assertValid(doc: unknown): void {
  const r = check(doc);
  if (!r.success) assert.fail(r.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('\n'));
}

/** The single issue at `path` (fails if there is none). */
function issueAt(list: readonly z.core.$ZodIssue[], path: PropertyKey[]): z.core.$ZodIssue {
  const found = list.find((i) => JSON.stringify(i.path) === JSON.stringify(path));
  assert.ok(found, `no issue at ${JSON.stringify(path)}; got ${JSON.stringify(list.map((i) => [i.path, i.message]))}`);
  return found;
}

const clone = <T>(v: T): T => structuredClone(v);

const gateway = {
  apiVersion: 'gateway.networking.k8s.io/v1',
  kind: 'Gateway',
  metadata: { name: 'gw', namespace: 'default' },
  spec: {
    gatewayClassName: 'sluice',
    listeners: [{ name: 'http', protocol: 'HTTP', port: 80 }],
  },
};

const httpRoute = {
  apiVersion: 'gateway.networking.k8s.io/v1',
  kind: 'HTTPRoute',
  metadata: { name: 'route' },
  spec: {
    parentRefs: [{ name: 'gw', sectionName: 'http' }],
    hostnames: ['api.example.com', '*.example.org'],
    rules: [
      {
        name: 'main',
        matches: [{ path: { type: 'PathPrefix', value: '/v1' }, headers: [{ name: 'x-tenant', value: 'a' }], queryParams: [{ name: 'q', value: '1' }], method: 'POST' }],
        backendRefs: [{ name: 'svc', port: 8080, weight: 3 }],
        timeouts: { request: '30s', backendRequest: '10s' },
      },
    ],
  },
};

const inferencePool = {
  apiVersion: 'inference.networking.k8s.io/v1',
  kind: 'InferencePool',
  metadata: { name: 'pool' },
  spec: {
    selector: { matchLabels: { app: 'vllm' } },
    targetPorts: [{ number: 8000 }],
    endpointPickerRef: { name: 'epp', port: { number: 9002 }, failureMode: 'FailOpen' },
  },
};

const aiGatewayRoute = {
  apiVersion: 'aigateway.envoyproxy.io/v1beta1',
  kind: 'AIGatewayRoute',
  metadata: { name: 'ai' },
  spec: {
    parentRefs: [{ name: 'gw', kind: 'Gateway', group: 'gateway.networking.k8s.io' }],
    rules: [
      {
        matches: [{ headers: [{ type: 'Exact', name: 'x-ai-eg-model', value: 'gpt-4o-mini' }] }],
        backendRefs: [
          {
            name: 'openai',
            modelNameOverride: 'gpt-4o-mini-2024-07-18',
            weight: 1,
            priority: 0,
            headerMutation: { set: [{ name: 'X-Foo', value: 'bar' }], remove: ['x-internal'] },
            bodyMutation: { set: [{ path: 'service_tier', value: '"scale"' }], remove: ['internal_flag'] },
          },
        ],
        timeouts: { request: '60s' },
        streamIdleTimeout: '5s',
      },
    ],
    llmRequestCosts: [
      { metadataKey: 'llm_input_token', type: 'InputToken' },
      { metadataKey: 'weighted', type: 'CEL', cel: 'input_tokens + output_tokens' },
    ],
  },
};

describe('seed manifests (001-manifests)', { skip: seedSkip }, () => {
  const files = seedSkip ? [] : readdirSync(SEEDS).filter((f) => /\.ya?ml$/.test(f));

  it('finds the walkthrough files', () => {
    assert.ok(files.length >= 6);
  });

  for (const file of files) {
    it(`every document of ${file} validates or is ignored`, () => {
      const docs = parseAllDocuments(readFileSync(join(SEEDS, file), 'utf8'));
      let count = 0;
      for (const doc of Array.isArray(docs) ? docs : [docs]) {
        assert.equal(doc.errors.length, 0, `YAML errors in ${file}`);
        const value = doc.toJS() as { apiVersion: string; kind: string; metadata?: { name?: string } } | null;
        if (value === null) continue;
        count++;
        const info = lookupKind(value.apiVersion, value.kind);
        if (!info) {
          assert.ok(isIgnoredKind(value.apiVersion, value.kind), `${file}: ${value.apiVersion} ${value.kind} is neither known nor ignored`);
          continue;
        }
        const r = info.schema.safeParse(value);
        if (!r.success) {
          assert.fail(`${file}: ${value.kind} ${value.metadata?.name}: ${r.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
        }
        // The EndpointPickerConfig lives in a ConfigMap data key: it validates on its own.
        if (value.kind === 'ConfigMap') {
          for (const text of Object.values((value as { data?: Record<string, string> }).data ?? {})) {
            if (!text.includes('EndpointPickerConfig')) continue;
            const epc = endpointPickerConfigSchema.safeParse(parse(text));
            assert.ok(epc.success, JSON.stringify(epc.error?.issues));
          }
        }
      }
      assert.ok(count > 0);
    });
  }
});

describe('strict kinds reject unknown fields at the right path', () => {
  it('Gateway spec', () => {
    const doc = clone(gateway) as Record<string, unknown> & typeof gateway;
    (doc.spec as Record<string, unknown>)['listenrs'] = [];
    const issue = issueAt(issues(doc), ['spec']);
    assert.equal(issue.code, 'unrecognized_keys');
    assert.deepEqual((issue as z.core.$ZodIssueUnrecognizedKeys).keys, ['listenrs']);
  });

  it('Gateway listener', () => {
    const doc = clone(gateway);
    (doc.spec.listeners[0] as Record<string, unknown>)['protocl'] = 'HTTP';
    const issue = issueAt(issues(doc), ['spec', 'listeners', 0]);
    assert.equal(issue.code, 'unrecognized_keys');
  });

  it('HTTPRoute rule', () => {
    const doc = clone(httpRoute);
    (doc.spec.rules[0] as Record<string, unknown>)['backendRef'] = [];
    const issue = issueAt(issues(doc), ['spec', 'rules', 0]);
    assert.equal(issue.code, 'unrecognized_keys');
    assert.deepEqual((issue as z.core.$ZodIssueUnrecognizedKeys).keys, ['backendRef']);
  });

  it('InferencePool spec and endpointPickerRef', () => {
    const doc = clone(inferencePool);
    (doc.spec as Record<string, unknown>)['targetPortNumber'] = 8000;
    (doc.spec.endpointPickerRef as Record<string, unknown>)['namespace'] = 'other';
    const list = issues(doc);
    assert.equal(issueAt(list, ['spec']).code, 'unrecognized_keys');
    assert.equal(issueAt(list, ['spec', 'endpointPickerRef']).code, 'unrecognized_keys');
  });

  it('AIGatewayRoute backendRef', () => {
    const doc = clone(aiGatewayRoute);
    (doc.spec.rules[0]!.backendRefs[0] as Record<string, unknown>)['modelNameOveride'] = 'x';
    const issue = issueAt(issues(doc), ['spec', 'rules', 0, 'backendRefs', 0]);
    assert.equal(issue.code, 'unrecognized_keys');
    assert.deepEqual((issue as z.core.$ZodIssueUnrecognizedKeys).keys, ['modelNameOveride']);
  });

  it('unknown top-level field', () => {
    const doc = { ...clone(gateway), specs: {} };
    assert.equal(issueAt(issues(doc), []).code, 'unrecognized_keys');
  });
});

describe('wrong types and values give clear messages at the right path', () => {
  it('port as a string', () => {
    const doc = clone(gateway) as { spec: { listeners: Record<string, unknown>[] } };
    doc.spec.listeners[0]!['port'] = 'eighty';
    const issue = issueAt(issues(doc), ['spec', 'listeners', 0, 'port']);
    assert.match(issue.message, /port must be an integer from 1 to 65535/);
    assert.match(issue.message, /"eighty"/);
  });

  it('port out of range', () => {
    const doc = clone(gateway);
    doc.spec.listeners[0]!.port = 70000;
    assert.match(issueAt(issues(doc), ['spec', 'listeners', 0, 'port']).message, /from 1 to 65535 \(got 70000\)/);
  });

  it('missing required field reads "is required"', () => {
    const doc = clone(gateway) as { spec: Record<string, unknown> };
    delete doc.spec['gatewayClassName'];
    assert.match(issueAt(issues(doc), ['spec', 'gatewayClassName']).message, /^is required/);
  });

  it('enum messages list what is allowed', () => {
    const doc = clone(httpRoute);
    doc.spec.rules[0]!.matches[0]!.path.type = 'Prefix';
    const issue = issueAt(issues(doc), ['spec', 'rules', 0, 'matches', 0, 'path', 'type']);
    assert.equal(issue.message, 'type must be one of Exact, PathPrefix or RegularExpression (got "Prefix")');
  });

  it('protocol pattern message', () => {
    const doc = clone(gateway);
    doc.spec.listeners[0]!.protocol = 'HTTP 1.1';
    assert.match(issueAt(issues(doc), ['spec', 'listeners', 0, 'protocol']).message, /protocol must be one of HTTP, HTTPS, TLS, TCP, UDP or a domain-prefixed name/);
  });

  it('a well-formed but unsupported protocol loads (reported later as UnsupportedProtocol)', () => {
    const doc = clone(gateway);
    doc.spec.listeners[0]!.protocol = 'INVALID';
    assertValid(doc);
  });

  it('an unquoted YAML number for a string enum gets a quoting hint', () => {
    const backend = parse(`
apiVersion: gateway.envoyproxy.io/v1alpha1
kind: Backend
metadata: {name: b}
spec:
  endpoints: [{fqdn: {hostname: api.openai.com, port: 443}}]
  tls: {minVersion: 1.2}
`);
    assert.match(issueAt(issues(backend), ['spec', 'tls', 'minVersion']).message, /quote it in YAML/);
  });

  it('duration pattern', () => {
    const doc = clone(httpRoute);
    doc.spec.rules[0]!.timeouts.request = '30 seconds';
    assert.match(issueAt(issues(doc), ['spec', 'rules', 0, 'timeouts', 'request']).message, /must be a duration such as 500ms/);
  });

  it('metadata.name must be an RFC 1123 subdomain', () => {
    const doc = clone(gateway);
    doc.metadata.name = 'My_Gateway';
    assert.match(issueAt(issues(doc), ['metadata', 'name']).message, /RFC 1123 subdomain/);
  });

  it('label values must be strings', () => {
    const doc = { ...clone(gateway), metadata: { name: 'gw', labels: { tier: 1 } } };
    assert.match(issueAt(issues(doc), ['metadata', 'labels', 'tier']).message, /quote numbers/);
  });
});

describe('loose kinds, kubectl noise and status', () => {
  it('a Deployment with many extra fields passes and keeps them', () => {
    const deployment = parse(`
apiVersion: apps/v1
kind: Deployment
metadata:
  name: vllm
  labels: {app: vllm}
spec:
  replicas: 2
  revisionHistoryLimit: 3
  strategy: {type: RollingUpdate, rollingUpdate: {maxSurge: 1, maxUnavailable: 0}}
  selector:
    matchLabels: {app: vllm}
    matchExpressions: [{key: tier, operator: In, values: [gpu]}]
  template:
    metadata:
      labels: {app: vllm}
      annotations: {prometheus.io/scrape: "true"}
    spec:
      nodeSelector: {gpu: "true"}
      tolerations: [{key: nvidia.com/gpu, operator: Exists, effect: NoSchedule}]
      affinity: {podAntiAffinity: {preferredDuringSchedulingIgnoredDuringExecution: []}}
      securityContext: {runAsNonRoot: true}
      initContainers: [{name: init, image: busybox, command: [sh, -c, "true"]}]
      containers:
      - name: vllm
        image: vllm/vllm-openai:latest
        imagePullPolicy: IfNotPresent
        command: [python3, -m, vllm.entrypoints.openai.api_server]
        args: [--model, meta-llama/Llama-3.1-8B-Instruct, --port, "8000"]
        env:
        - {name: HF_TOKEN, valueFrom: {secretKeyRef: {name: hf, key: token}}}
        - {name: PORT, value: "8000"}
        ports: [{containerPort: 8000, name: http, protocol: TCP}]
        resources: {limits: {nvidia.com/gpu: 1}, requests: {cpu: "4", memory: 16Gi}}
        readinessProbe: {httpGet: {path: /health, port: http}, periodSeconds: 5}
        lifecycle: {preStop: {sleep: {seconds: 30}}}
        volumeMounts: [{name: shm, mountPath: /dev/shm}, {name: cfg, mountPath: /config, readOnly: true}]
      volumes:
      - {name: shm, emptyDir: {medium: Memory, sizeLimit: 2Gi}}
      - {name: cfg, configMap: {name: plugins, items: [{key: a.yaml, path: a.yaml}], defaultMode: 420}}
status: {replicas: 2, readyReplicas: 2}
`);
    const r = check(deployment);
    assert.ok(r.success, JSON.stringify(r.error?.issues));
    const data = r.data as { spec: { strategy: unknown; template: { spec: { containers: { resources: unknown }[] } } } };
    assert.deepEqual(data.spec.strategy, { type: 'RollingUpdate', rollingUpdate: { maxSurge: 1, maxUnavailable: 0 } });
    assert.ok(data.spec.template.spec.containers[0]?.resources);
  });

  it('Deployment args must be strings (as in Kubernetes)', () => {
    const deployment = parse(`
apiVersion: apps/v1
kind: Deployment
metadata: {name: d}
spec:
  selector: {matchLabels: {app: d}}
  template:
    metadata: {labels: {app: d}}
    spec:
      containers: [{name: c, image: x, args: [--port, 8000]}]
`);
    const issue = issueAt(issues(deployment), ['spec', 'template', 'spec', 'containers', 0, 'args', 1]);
    assert.match(issue.message, /quote numbers/);
  });

  it('metadata with kubectl get -o yaml noise passes on a strict kind', () => {
    const doc = {
      ...clone(gateway),
      metadata: {
        name: 'gw',
        namespace: 'default',
        uid: '6f1c1c3e-0a7b-4b0e-9a43-7b8e1c2d3f4a',
        resourceVersion: '123456',
        generation: 3,
        creationTimestamp: '2025-01-02T15:04:05Z',
        labels: { app: 'gw' },
        annotations: { 'kubectl.kubernetes.io/last-applied-configuration': '{"apiVersion":"gateway.networking.k8s.io/v1"}' },
        finalizers: ['gateway-exists-finalizer.gateway.networking.k8s.io'],
        ownerReferences: [{ apiVersion: 'v1', kind: 'ConfigMap', name: 'x', uid: 'u' }],
        managedFields: [{ manager: 'kubectl', operation: 'Apply', apiVersion: 'gateway.networking.k8s.io/v1', fieldsType: 'FieldsV1', fieldsV1: { 'f:spec': {} } }],
      },
    };
    assertValid(doc);
  });

  it('creationTimestamp: null (kubectl --dry-run output) and empty labels pass', () => {
    assertValid({ ...clone(gateway), metadata: { name: 'gw', creationTimestamp: null, labels: null } });
  });

  it('status is tolerated whatever it holds', () => {
    assertValid({ ...clone(gateway), status: { conditions: [{ type: 'Accepted', status: 'True' }], listeners: [{ name: 'http', attachedRoutes: 1 }] } });
    assertValid({ ...clone(httpRoute), status: { parents: [] } });
    assertValid({ ...clone(inferencePool), status: 'anything' });
  });

  it('Service targetPort by number or name; named ports follow IANA rules', () => {
    const svc = { apiVersion: 'v1', kind: 'Service', metadata: { name: 'epp' }, spec: { selector: { app: 'epp' }, ports: [{ port: 9002, targetPort: 'grpc' }, { port: 9090, targetPort: 9090 }], sessionAffinity: 'None' } };
    assertValid(svc);
    const bad = clone(svc);
    bad.spec.ports[0]!.targetPort = 'Not A Name';
    assert.match(issueAt(issues(bad), ['spec', 'ports', 0, 'targetPort']).message, /IANA service name/);
  });

  it('Secret data must be base64, stringData is plain', () => {
    assertValid({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 's' }, type: 'Opaque', data: { apiKey: 'c2stMTIz' }, stringData: { other: 'plain' } });
    assert.match(issueAt(issues({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 's' }, data: { apiKey: 'sk-123' } }), ['data', 'apiKey']).message, /stringData/);
  });
});

describe('Gateway API rules', () => {
  it('a full HTTPRoute with every filter type validates', () => {
    const route = parse(`
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: full, namespace: apps}
spec:
  parentRefs: [{name: gw, namespace: infra, sectionName: https, port: 443}]
  rules:
  - matches: [{path: {type: PathPrefix, value: /api}}]
    filters:
    - type: RequestHeaderModifier
      requestHeaderModifier: {set: [{name: X-A, value: "1"}], add: [{name: X-B, value: "2"}], remove: [X-C]}
    - type: ResponseHeaderModifier
      responseHeaderModifier: {add: [{name: X-Served-By, value: sluice}]}
    - type: URLRewrite
      urlRewrite: {hostname: internal.example.com, path: {type: ReplacePrefixMatch, replacePrefixMatch: /v2}}
    - type: RequestMirror
      requestMirror: {backendRef: {name: shadow, port: 80}, fraction: {numerator: 1, denominator: 10}}
    - type: CORS
      cors: {allowOrigins: ["https://*.example.com"], allowMethods: [GET, POST], allowHeaders: ["*"], allowCredentials: true, maxAge: 600}
    - type: ExtensionRef
      extensionRef: {group: example.com, kind: Limiter, name: l}
    - type: ExternalAuth
      externalAuth: {protocol: HTTP, backendRef: {name: auth, port: 9000}, http: {path: /check, allowedHeaders: [authorization]}, forwardBody: {maxSize: 1024}}
    backendRefs:
    - name: api
      port: 8080
      weight: 90
      filters: [{type: RequestHeaderModifier, requestHeaderModifier: {set: [{name: X-Canary, value: "no"}]}}]
    - {group: inference.networking.k8s.io, kind: InferencePool, name: pool, weight: 10}
    timeouts: {request: 1m, backendRequest: 30s}
    retry: {codes: [500, 502, 503], attempts: 2, backoff: 100ms}
    sessionPersistence: {type: Cookie, cookie: {name: sid, lifetimeType: Permanent}, absoluteTimeout: 1h}
  - name: redirect
    matches: [{path: {type: Exact, value: /old}, method: GET}]
    filters: [{type: RequestRedirect, requestRedirect: {scheme: https, hostname: new.example.com, port: 8443, statusCode: 301, path: {type: ReplaceFullPath, replaceFullPath: /new}}}]
`);
    assertValid(route);
  });

  it('filter type and config must agree', () => {
    const doc = clone(httpRoute) as { spec: { rules: Record<string, unknown>[] } };
    doc.spec.rules[0]!['filters'] = [{ type: 'RequestHeaderModifier', responseHeaderModifier: { remove: ['x'] } }];
    const list = issues(doc);
    issueAt(list, ['spec', 'rules', 0, 'filters', 0, 'requestHeaderModifier']);
    issueAt(list, ['spec', 'rules', 0, 'filters', 0, 'responseHeaderModifier']);
  });

  it('RequestRedirect cannot be combined with backendRefs, and singleton filters cannot repeat', () => {
    const doc = clone(httpRoute) as { spec: { rules: Record<string, unknown>[] } };
    doc.spec.rules[0]!['filters'] = [
      { type: 'RequestRedirect', requestRedirect: { statusCode: 302 } },
      { type: 'RequestRedirect', requestRedirect: { statusCode: 301 } },
    ];
    const list = issues(doc);
    assert.match(issueAt(list, ['spec', 'rules', 0, 'filters', 0]).message, /must not be used together with backendRefs/);
    assert.match(issueAt(list, ['spec', 'rules', 0, 'filters', 1, 'type']).message, /cannot be repeated/);
  });

  it('a Service backendRef needs a port; an InferencePool does not', () => {
    const doc = clone(httpRoute) as { spec: { rules: { backendRefs: Record<string, unknown>[] }[] } };
    doc.spec.rules[0]!.backendRefs = [{ name: 'svc' }, { group: 'inference.networking.k8s.io', kind: 'InferencePool', name: 'p' }];
    const list = issues(doc);
    issueAt(list, ['spec', 'rules', 0, 'backendRefs', 0, 'port']);
    assert.equal(list.length, 1);
  });

  it('weight range 0..1000000', () => {
    const doc = clone(httpRoute);
    doc.spec.rules[0]!.backendRefs[0]!.weight = 1_000_001;
    assert.match(issueAt(issues(doc), ['spec', 'rules', 0, 'backendRefs', 0, 'weight']).message, /from 0 to 1000000/);
  });

  it('path values follow the CRD rules', () => {
    const doc = clone(httpRoute);
    doc.spec.rules[0]!.matches[0]!.path.value = 'v1/../x';
    assert.match(issueAt(issues(doc), ['spec', 'rules', 0, 'matches', 0, 'path', 'value']).message, /must be an absolute path/);
  });

  it('backendRequest timeout cannot exceed request timeout', () => {
    const doc = clone(httpRoute);
    doc.spec.rules[0]!.timeouts = { request: '10s', backendRequest: '1m' };
    issueAt(issues(doc), ['spec', 'rules', 0, 'timeouts', 'backendRequest']);
    doc.spec.rules[0]!.timeouts = { request: '0s', backendRequest: '1m' };
    assertValid(doc);
  });

  it('listener rules: unique names, tls only where allowed, TLS needs tls', () => {
    const doc = clone(gateway) as { spec: { listeners: Record<string, unknown>[] } };
    doc.spec.listeners = [
      { name: 'a', protocol: 'HTTP', port: 80, tls: { mode: 'Terminate', certificateRefs: [{ name: 'c' }] } },
      { name: 'a', protocol: 'TLS', port: 443 },
      { name: 'b', protocol: 'HTTPS', port: 8443, tls: { certificateRefs: [{ name: 'cert' }] } },
    ];
    const list = issues(doc);
    issueAt(list, ['spec', 'listeners', 0, 'tls']);
    issueAt(list, ['spec', 'listeners', 1, 'name']);
    issueAt(list, ['spec', 'listeners', 1, 'tls']);
    assert.equal(list.length, 3);
  });

  it('GatewayClass, ReferenceGrant and GRPCRoute validate; v1beta1 is accepted', () => {
    assertValid({ apiVersion: 'gateway.networking.k8s.io/v1beta1', kind: 'GatewayClass', metadata: { name: 'c' }, spec: { controllerName: 'sluice.dev/gateway-controller' } });
    assertValid({
      apiVersion: 'gateway.networking.k8s.io/v1beta1',
      kind: 'ReferenceGrant',
      metadata: { name: 'g', namespace: 'backends' },
      spec: { from: [{ group: 'gateway.networking.k8s.io', kind: 'HTTPRoute', namespace: 'apps' }], to: [{ group: '', kind: 'Service' }] },
    });
    assertValid({
      apiVersion: 'gateway.networking.k8s.io/v1',
      kind: 'GRPCRoute',
      metadata: { name: 'g' },
      spec: { parentRefs: [{ name: 'gw' }], rules: [{ matches: [{ method: { service: 'helloworld.Greeter', method: 'SayHello' } }], backendRefs: [{ name: 'grpc', port: 50051 }] }] },
    });
  });
});

describe('Inference Extension rules', () => {
  it('targetPorts must be unique and at most 8', () => {
    const dup = clone(inferencePool);
    dup.spec.targetPorts = [{ number: 8000 }, { number: 8000 }];
    issueAt(issues(dup), ['spec', 'targetPorts', 1, 'number']);
    const many = clone(inferencePool);
    many.spec.targetPorts = Array.from({ length: 9 }, (_, i) => ({ number: 8000 + i }));
    assert.match(issueAt(issues(many), ['spec', 'targetPorts']).message, /at most 8/);
  });

  it('endpointPickerRef needs a port for a Service and is optional', () => {
    const doc = clone(inferencePool) as { spec: { endpointPickerRef?: Record<string, unknown> } };
    delete doc.spec.endpointPickerRef!['port'];
    issueAt(issues(doc), ['spec', 'endpointPickerRef', 'port']);
    delete doc.spec.endpointPickerRef;
    assertValid(doc);
  });

  it('legacy v1alpha2 InferencePool, InferenceModel and the llm-d group', () => {
    assertValid({
      apiVersion: 'inference.networking.x-k8s.io/v1alpha2',
      kind: 'InferencePool',
      metadata: { name: 'p' },
      spec: { selector: { app: 'vllm' }, targetPortNumber: 8000, extensionRef: { name: 'epp', failureMode: 'FailClose' } },
    });
    assertValid({
      apiVersion: 'inference.networking.x-k8s.io/v1alpha2',
      kind: 'InferenceModel',
      metadata: { name: 'm' },
      spec: { modelName: 'tweet-summary', criticality: 'Critical', targetModels: [{ name: 'a', weight: 50 }, { name: 'b', weight: 50 }], poolRef: { name: 'p' } },
    });
    assertValid({ apiVersion: 'llm-d.ai/v1alpha2', kind: 'InferenceObjective', metadata: { name: 'o' }, spec: { priority: -1, poolRef: { name: 'p' } } });
    assertValid({
      apiVersion: 'llm-d.ai/v1alpha2',
      kind: 'InferenceModelRewrite',
      metadata: { name: 'rw' },
      spec: { poolRef: { name: 'p' }, rules: [{ matches: [{ model: { value: 'food-review' } }], targets: [{ modelRewrite: 'food-review-v1', weight: 90 }, { modelRewrite: 'food-review-v2', weight: 10 }] }] },
    });
  });

  it('InferenceModel weights are all-or-none', () => {
    const doc = {
      apiVersion: 'inference.networking.x-k8s.io/v1alpha2',
      kind: 'InferenceModel',
      metadata: { name: 'm' },
      spec: { modelName: 'x', targetModels: [{ name: 'a', weight: 50 }, { name: 'b' }], poolRef: { name: 'p' } },
    };
    issueAt(issues(doc), ['spec', 'targetModels']);
  });

  it('EndpointPickerConfig needs no metadata, keeps parameters free-form and checks pluginRefs', () => {
    const cfg = {
      apiVersion: 'llm-d.ai/v1alpha1',
      kind: 'EndpointPickerConfig',
      featureGates: ['flowControl'],
      plugins: [
        { type: 'prefix-cache-scorer', name: 'prefix', parameters: { blockSize: 64, nested: { anything: [1, 'two', null] } } },
        { type: 'queue-scorer' },
        { type: 'max-score-picker' },
      ],
      schedulingProfiles: [{ name: 'default', plugins: [{ pluginRef: 'prefix', weight: 3 }, { pluginRef: 'queue-scorer', weight: 2.5 }, { pluginRef: 'max-score-picker' }] }],
      saturationDetector: { queueDepthThreshold: 5, kvCacheUtilThreshold: 0.8, metricsStalenessThreshold: '200ms' },
      flowControl: { maxBytes: '1Gi', defaultRequestTTL: '30s', priorityBands: [{ priority: 0, maxRequests: 100 }] },
      requestHandler: { parsers: [{ pluginRef: 'openai-parser' }] },
    };
    assertValid(cfg);
    const bad = clone(cfg);
    bad.schedulingProfiles[0]!.plugins[0]!.pluginRef = 'prefx';
    assert.match(issueAt(issues(bad), ['schedulingProfiles', 0, 'plugins', 0, 'pluginRef']).message, /does not name a plugin/);
    const typo = { ...clone(cfg), schedulingProfile: [] };
    assert.equal(issueAt(issues(typo), []).code, 'unrecognized_keys');
  });
});

describe('AI Gateway rules', () => {
  it('v1beta1 and v1alpha1 AIGatewayRoute validate', () => {
    assertValid(aiGatewayRoute);
    assertValid({ ...clone(aiGatewayRoute), apiVersion: 'aigateway.envoyproxy.io/v1alpha1' });
  });

  it('v1alpha1 accepts the deprecated schema/targetRefs/filterConfig; v1beta1 does not', () => {
    const legacy = {
      apiVersion: 'aigateway.envoyproxy.io/v1alpha1',
      kind: 'AIGatewayRoute',
      metadata: { name: 'old' },
      spec: {
        schema: { name: 'OpenAI' },
        targetRefs: [{ group: 'gateway.networking.k8s.io', kind: 'Gateway', name: 'gw' }],
        filterConfig: { type: 'ExternalProcessor', externalProcessor: { resources: { limits: { cpu: '1' } } } },
        rules: [{ matches: [{ headers: [{ name: 'x-ai-eg-model', value: 'm' }] }], backendRefs: [{ name: 'b' }] }],
      },
    };
    assertValid(legacy);
    const beta = { ...clone(legacy), apiVersion: 'aigateway.envoyproxy.io/v1beta1' };
    assert.equal(issueAt(issues(beta), ['spec']).code, 'unrecognized_keys');
  });

  it('more than 15 rules is accepted on purpose (upstream caps at 15)', () => {
    const doc = clone(aiGatewayRoute);
    const rule = doc.spec.rules[0]!;
    doc.spec.rules = Array.from({ length: 20 }, () => clone(rule));
    assertValid(doc);
  });

  it('InferencePool backendRefs: group and kind together, one per rule, not mixed', () => {
    const doc = clone(aiGatewayRoute) as { spec: { rules: { backendRefs: Record<string, unknown>[] }[] } };
    doc.spec.rules[0]!.backendRefs = [{ name: 'p', group: 'inference.networking.k8s.io' }];
    issueAt(issues(doc), ['spec', 'rules', 0, 'backendRefs', 0, 'kind']);
    doc.spec.rules[0]!.backendRefs = [{ name: 'p', group: 'inference.networking.k8s.io', kind: 'InferencePool' }, { name: 'b' }];
    assert.match(issueAt(issues(doc), ['spec', 'rules', 0, 'backendRefs']).message, /cannot mix/);
  });

  it('CEL cost needs an expression', () => {
    const doc = clone(aiGatewayRoute) as { spec: { llmRequestCosts: Record<string, unknown>[] } };
    doc.spec.llmRequestCosts = [{ metadataKey: 'c', type: 'CEL' }];
    issueAt(issues(doc), ['spec', 'llmRequestCosts', 0, 'cel']);
  });

  it('AIServiceBackend must point at an Envoy Gateway Backend (v1beta1)', () => {
    const asb = {
      apiVersion: 'aigateway.envoyproxy.io/v1beta1',
      kind: 'AIServiceBackend',
      metadata: { name: 'openai' },
      spec: { schema: { name: 'OpenAI', prefix: '/v1' }, backendRef: { name: 'openai', kind: 'Backend', group: 'gateway.envoyproxy.io' } },
    };
    assertValid(asb);
    const svc = clone(asb) as { spec: { backendRef: Record<string, unknown> } };
    svc.spec.backendRef = { name: 'svc', port: 80 };
    assert.match(issueAt(issues(svc), ['spec', 'backendRef', 'group']).message, /Envoy Gateway Backend/);
    const badSchema = clone(asb);
    badSchema.spec.schema.name = 'OpenAi';
    assert.match(issueAt(issues(badSchema), ['spec', 'schema', 'name']).message, /must be one of OpenAI, Cohere/);
  });

  it('BackendSecurityPolicy: only the field matching type', () => {
    const bsp = {
      apiVersion: 'aigateway.envoyproxy.io/v1beta1',
      kind: 'BackendSecurityPolicy',
      metadata: { name: 'k' },
      spec: {
        targetRefs: [{ group: 'aigateway.envoyproxy.io', kind: 'AIServiceBackend', name: 'openai' }],
        type: 'APIKey',
        apiKey: { secretRef: { name: 'openai-key' } },
        credentialOverride: { fromRequestHeaders: { header: 'x-aigw-api-key', fallbackToConfigured: true } },
      },
    };
    assertValid(bsp);
    const aws = { ...clone(bsp), spec: { ...clone(bsp.spec), awsCredentials: { region: 'us-east-1' } } };
    assert.match(issueAt(issues(aws), ['spec', 'awsCredentials']).message, /must not be set when type is APIKey/);
    assertValid({
      ...clone(bsp),
      spec: { type: 'AWSCredentials', awsCredentials: { region: 'us-east-1', credentialsFile: { secretRef: { name: 'aws' }, profile: 'default' } } },
    });
  });

  it('GatewayConfig', () => {
    assertValid({
      apiVersion: 'aigateway.envoyproxy.io/v1beta1',
      kind: 'GatewayConfig',
      metadata: { name: 'c' },
      spec: {
        extProc: { kubernetes: { env: [{ name: 'A', value: 'b' }], resources: { requests: { cpu: '100m' } } } },
        globalLLMRequestCosts: [{ metadataKey: 'llm_total_token', type: 'TotalToken' }],
        forwardProxy: { address: 'proxy.corp:3128' },
      },
    });
  });
});

describe('Envoy Gateway Backend', () => {
  const backend = (endpoints: unknown[]) => ({ apiVersion: 'gateway.envoyproxy.io/v1alpha1', kind: 'Backend', metadata: { name: 'b' }, spec: { endpoints } });

  it('exactly one of fqdn, ip or unix per endpoint', () => {
    assertValid(backend([{ fqdn: { hostname: 'api.openai.com', port: 443 } }]));
    assertValid(backend([{ ip: { address: '10.0.0.1', port: 8000 } }, { unix: { path: '/run/sim.sock' } }]));
    issueAt(issues(backend([{}])), ['spec', 'endpoints', 0]);
    issueAt(issues(backend([{ fqdn: { hostname: 'a.com', port: 1 }, ip: { address: '1.2.3.4', port: 1 } }])), ['spec', 'endpoints', 0, 'ip']);
  });

  it('fqdn endpoints cannot be mixed with ip endpoints', () => {
    issueAt(issues(backend([{ fqdn: { hostname: 'a.com', port: 1 } }, { ip: { address: '1.2.3.4', port: 1 } }])), ['spec', 'endpoints']);
  });

  it('policies are accepted loosely', () => {
    assertValid({
      apiVersion: 'gateway.envoyproxy.io/v1alpha1',
      kind: 'BackendTrafficPolicy',
      metadata: { name: 'p' },
      spec: { targetRefs: [{ group: 'gateway.networking.k8s.io', kind: 'HTTPRoute', name: 'r' }], retry: { numRetries: 3 }, rateLimit: { type: 'Global', global: { rules: [] } } },
    });
  });
});

describe('registry', () => {
  it('looks kinds up by exact apiVersion', () => {
    assert.equal(lookupKind('gateway.networking.k8s.io/v1', 'Gateway')?.strict, true);
    assert.equal(lookupKind('gateway.networking.k8s.io/v1beta1', 'HTTPRoute')?.kind, 'HTTPRoute');
    assert.equal(lookupKind('apps/v1', 'Deployment')?.strict, false);
    assert.equal(lookupKind('gateway.networking.k8s.io/v2', 'Gateway'), undefined);
    assert.equal(lookupKind('v1', 'ServiceAccount'), undefined);
    assert.equal(lookupKind('gateway.envoyproxy.io/v1alpha1', 'SecurityPolicy')?.strict, false);
    assert.equal(lookupKind('inference.networking.x-k8s.io/v1alpha1', 'EndpointPickerConfig')?.strict, true);
  });

  it('lists ignored kinds by group and kind, any version', () => {
    for (const [apiVersion, kind] of [
      ['rbac.authorization.k8s.io/v1', 'ClusterRoleBinding'],
      ['v1', 'ServiceAccount'],
      ['v1', 'LimitRange'],
      ['policy/v1', 'PodDisruptionBudget'],
      ['autoscaling/v2', 'HorizontalPodAutoscaler'],
      ['apiextensions.k8s.io/v1', 'CustomResourceDefinition'],
      ['gateway.envoyproxy.io/v1alpha1', 'EnvoyProxy'],
    ] as const) {
      assert.ok(isIgnoredKind(apiVersion, kind), `${apiVersion} ${kind}`);
    }
    assert.equal(isIgnoredKind('v1', 'Service'), false);
    // Namespaces are read for their labels (allowedRoutes from: Selector).
    assert.equal(isIgnoredKind('v1', 'Namespace'), false);
    assert.equal(lookupKind('v1', 'Namespace')?.strict, false);
    assert.equal(isIgnoredKind('aigateway.envoyproxy.io/v1beta1', 'MCPRoute'), false);
  });

  it('has one entry per (apiVersion, kind)', () => {
    const keys = knownKinds.map((k) => resourceKey(k.apiVersion, k.kind));
    assert.equal(new Set(keys).size, keys.length);
    assert.ok(keys.includes('aigateway.envoyproxy.io/v1alpha1/AIGatewayRoute'));
    assert.ok(keys.includes('llm-d.ai/v1alpha2/InferenceObjective'));
  });
});

describe('parseDurationMs', () => {
  it('parses GEP-2257 durations and rejects others', () => {
    assert.equal(parseDurationMs('500ms'), 500);
    assert.equal(parseDurationMs('1h30m'), 5_400_000);
    assert.equal(parseDurationMs('1m1s1ms'), 61_001);
    assert.equal(parseDurationMs('0s'), 0);
    assert.equal(parseDurationMs('1.5s'), undefined);
    assert.equal(parseDurationMs('10'), undefined);
    assert.equal(parseDurationMs('1h1h1h1h1h'), undefined);
  });
});
