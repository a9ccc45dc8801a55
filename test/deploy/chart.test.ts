// The Helm chart deploy/helm/sluice, rendered without a cluster (test/deploy/gotemplate.ts) in its main
// configurations; every object is checked against the Kubernetes API types (@kubernetes/client-node),
// GatewayClass against Sluice's own Gateway API schema, and the RBAC against the kinds the controller
// watches (src/controlplane/kubernetes/kinds.ts).
import { strict as assert } from 'node:assert';
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { Command } from 'commander';
import { parse } from 'yaml';
import { addControllerCommand } from '../../cli/controller.ts';
import { hasErrors } from '../../src/config/problems.ts';
import { gatewayClassSchema } from '../../src/config/schemas/index.ts';
import { loadConfig } from '../../src/controlplane/pipeline.ts';
import type { KubeClient } from '../../src/controlplane/kubernetes/client.ts';
import { WATCHED_KINDS } from '../../src/controlplane/kubernetes/kinds.ts';
import { LeaderElector } from '../../src/controlplane/kubernetes/leader.ts';
import { SLUICE_CONTROLLER_NAME } from '../../src/controlplane/kubernetes/status-sink.ts';
import { BUILTIN_MODELS, CHART_DIR, ROOT, SCHEMA_KEYWORDS, chartValues, find, one, renderChart, strip, validateJsonSchema, validateModel, valuesSchema } from './support.ts';
import type { Obj, Rendered } from './support.ts';

const NS = 'sluice-system';

type Rule = { apiGroups?: string[]; resources?: string[]; verbs?: string[]; resourceNames?: string[]; nonResourceURLs?: string[] };

const meta = (o: Obj) => (o['metadata'] ?? {}) as Obj;
const nameOf = (o: Obj) => String(meta(o)['name']);
const podSpec = (d: Obj) => ((((d['spec'] as Obj)['template'] as Obj)['spec']) as Obj);
const container = (d: Obj, name = 'sluice') => (podSpec(d)['containers'] as Obj[]).find((c) => c['name'] === name)!;
const labelsMatch = (selector: Obj, labels: Obj) => Object.entries(selector).every(([k, v]) => labels[k] === v);

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const CLUSTER_SCOPED = new Set(['ClusterRole', 'ClusterRoleBinding', 'GatewayClass', 'CustomResourceDefinition', 'Namespace']);

/** Checks every rendered object: its API type, names, namespace and labels. */
function assertValidObjects(r: Rendered): void {
  for (const o of r.objects) {
    const obj = strip(o);
    const where = `${o.__source} ${String(obj['kind'])} ${nameOf(obj)}`;
    const key = `${String(obj['apiVersion'])}/${String(obj['kind'])}`;
    assert.match(nameOf(obj), DNS_SUBDOMAIN, `${where}: name`);
    assert.ok(nameOf(obj).length <= 253, `${where}: name length`);
    if (['Service', 'Deployment'].includes(String(obj['kind']))) {
      assert.match(nameOf(obj), DNS_LABEL, `${where}: a ${String(obj['kind'])} name is a DNS label`);
      assert.ok(nameOf(obj).length <= 63, `${where}: name ≤ 63`);
    }
    if (CLUSTER_SCOPED.has(String(obj['kind']))) assert.equal(meta(obj)['namespace'], undefined, `${where}: cluster-scoped`);
    else assert.equal(typeof meta(obj)['namespace'], 'string', `${where}: namespaced objects say their namespace`);
    for (const [k, v] of Object.entries((meta(obj)['labels'] ?? {}) as Obj)) {
      assert.equal(typeof v, 'string', `${where}: label ${k}`);
      assert.ok(String(v).length <= 63 && /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/.test(String(v)), `${where}: label ${k}=${String(v)}`);
    }
    const model = BUILTIN_MODELS[key];
    if (model) {
      assert.deepEqual(validateModel(model, obj, where), [], `${where}: Kubernetes ${model}`);
    } else if (key === 'gateway.networking.k8s.io/v1/GatewayClass') {
      const res = gatewayClassSchema.safeParse(obj);
      assert.ok(res.success, `${where}: ${res.error?.message ?? ''}`);
    } else if (key === 'monitoring.coreos.com/v1/ServiceMonitor') {
      const spec = obj['spec'] as Obj;
      assert.ok(Array.isArray(spec['endpoints']) && spec['endpoints'].length > 0, `${where}: endpoints`);
      assert.ok(((spec['selector'] as Obj)['matchLabels'] as Obj | undefined) !== undefined, `${where}: selector.matchLabels`);
    } else {
      assert.fail(`${where}: ${key} is neither a Kubernetes kind this test knows nor one the chart should render`);
    }
  }
}

function rules(r: Rendered): { kind: string; namespace: string | undefined; rules: Rule[] }[] {
  return r.objects.filter((o) => o['kind'] === 'ClusterRole' || o['kind'] === 'Role').map((o) => ({ kind: String(o['kind']), namespace: meta(o)['namespace'] as string | undefined, rules: (o['rules'] ?? []) as Rule[] }));
}

/** "group/resource" pairs granted with `verb`, by Role namespace ('*' for the ClusterRole). */
function granted(r: Rendered, verb: string): Map<string, Set<string>> {
  const out = new Map<string, Set<string>>();
  for (const role of rules(r)) {
    const scope = role.kind === 'ClusterRole' ? '*' : String(role.namespace);
    for (const rule of role.rules) {
      if (!rule.verbs?.includes(verb)) continue;
      for (const g of rule.apiGroups ?? []) for (const res of rule.resources ?? []) {
        const set = out.get(scope) ?? new Set<string>();
        set.add(`${g}/${res}`);
        out.set(scope, set);
      }
    }
  }
  return out;
}

const WRITE_VERBS = new Set(['create', 'update', 'patch', 'delete', 'deletecollection', 'escalate', 'bind', 'impersonate', 'approve', 'sign']);

/** RBAC least privilege: no wildcards, reads only, writes only on /status and the Lease. */
function assertLeastPrivilege(r: Rendered): void {
  for (const role of rules(r)) {
    for (const rule of role.rules) {
      const where = `${role.kind} ${JSON.stringify(rule)}`;
      assert.equal(rule.nonResourceURLs, undefined, `${where}: no nonResourceURLs`);
      for (const list of [rule.apiGroups, rule.resources, rule.verbs]) assert.ok(list && list.length > 0 && !list.includes('*'), `${where}: no wildcards`);
      const writes = rule.verbs!.filter((v) => WRITE_VERBS.has(v));
      for (const v of rule.verbs!) assert.ok(['get', 'list', 'watch', 'create', 'update', 'patch'].includes(v), `${where}: verb ${v}`);
      if (writes.length === 0) continue;
      const lease = rule.apiGroups!.length === 1 && rule.apiGroups![0] === 'coordination.k8s.io' && rule.resources!.every((x) => x === 'leases');
      if (lease) {
        assert.equal(role.kind, 'Role', `${where}: leases only through a namespaced Role`);
        assert.equal(role.namespace, NS, `${where}: leases only in the release namespace`);
        if (rule.verbs!.some((v) => v !== 'create')) assert.ok(rule.resourceNames && rule.resourceNames.length === 1, `${where}: get/update only on the controller's Lease`);
      } else {
        assert.ok(rule.resources!.every((x) => x.endsWith('/status')), `${where}: writes only on status subresources`);
        assert.deepEqual(writes.sort(), ['patch', 'update'], `${where}: status writes are update/patch`);
        assert.ok(!rule.verbs!.some((v) => ['get', 'list', 'watch'].includes(v)), `${where}: status rules grant writes only`);
      }
    }
  }
}

/** The (group, plural) pairs of WATCHED_KINDS, split by scope. */
function watched(): { cluster: Set<string>; namespaced: Set<string> } {
  const cluster = new Set<string>();
  const namespaced = new Set<string>();
  for (const k of WATCHED_KINDS) (k.namespaced ? namespaced : cluster).add(`${k.group}/${k.plural}`);
  return { cluster, namespaced };
}

/** Kinds whose status Sluice writes (src/controlplane/kubernetes/README.md, status-sink.ts). */
const STATUS_WRITTEN = [
  'gateway.networking.k8s.io/gatewayclasses',
  'gateway.networking.k8s.io/gateways',
  'gateway.networking.k8s.io/httproutes',
  'gateway.networking.k8s.io/grpcroutes',
  'gateway.networking.k8s.io/tlsroutes',
  'inference.networking.k8s.io/inferencepools',
  'inference.networking.x-k8s.io/inferencepools',
  'inference.networking.x-k8s.io/inferenceobjectives',
  'inference.networking.x-k8s.io/inferencemodels',
  'aigateway.envoyproxy.io/aigatewayroutes',
  'aigateway.envoyproxy.io/aiservicebackends',
  'aigateway.envoyproxy.io/backendsecuritypolicies',
];

describe('chart: default values (controller mode)', () => {
  const r = renderChart();

  test('renders the expected objects, each valid for its Kubernetes API type', () => {
    const kinds = r.objects.map((o) => `${String(o['kind'])}/${nameOf(o)}`).sort();
    assert.deepEqual(kinds, [
      'ClusterRole/sluice',
      'ClusterRoleBinding/sluice',
      'Deployment/sluice',
      'GatewayClass/sluice',
      'PodDisruptionBudget/sluice',
      'Role/sluice-leader-election',
      'RoleBinding/sluice-leader-election',
      'Service/sluice',
      'Service/sluice-admin',
      'ServiceAccount/sluice',
    ]);
    assertValidObjects(r);
  });

  test('the GatewayClass names Sluice controller', () => {
    const gc = one(r, 'GatewayClass');
    assert.equal((gc['spec'] as Obj)['controllerName'], SLUICE_CONTROLLER_NAME);
    assert.equal((gc['spec'] as Obj)['controllerName'], 'sluice.dev/gateway-controller');
  });

  test('the Deployment runs `sluice controller` non-root on a read-only root file system with a /tmp emptyDir', () => {
    const d = one(r, 'Deployment');
    const c = container(d);
    const args = c['args'] as string[];
    assert.equal(args[0], 'controller');
    assert.ok(args.includes('--admin-port=9901') && args.includes('--admin-host=0.0.0.0') && args.includes('--host=0.0.0.0'));
    assert.equal(c['image'], `sluice:${String(parse(readFileSync(join(CHART_DIR, 'Chart.yaml'), 'utf8')).appVersion)}`);
    assert.equal((d['spec'] as Obj)['replicas'], 2);
    const pod = podSpec(d);
    const psc = pod['securityContext'] as Obj;
    assert.equal(psc['runAsNonRoot'], true);
    assert.ok(Number(psc['runAsUser']) > 0, 'a non-root uid');
    assert.equal((psc['seccompProfile'] as Obj)['type'], 'RuntimeDefault');
    const sc = c['securityContext'] as Obj;
    assert.equal(sc['readOnlyRootFilesystem'], true);
    assert.equal(sc['allowPrivilegeEscalation'], false);
    assert.equal(sc['runAsNonRoot'], true);
    assert.deepEqual((sc['capabilities'] as Obj)['drop'], ['ALL']);
    assert.equal((sc['capabilities'] as Obj)['add'], undefined);
    const tmp = (pod['volumes'] as Obj[]).find((v) => v['name'] === 'tmp')!;
    assert.ok(tmp['emptyDir'], 'tmp is an emptyDir');
    assert.deepEqual((c['volumeMounts'] as Obj[]).find((m) => m['name'] === 'tmp'), { name: 'tmp', mountPath: '/tmp' });
    const res = c['resources'] as Obj;
    assert.ok((res['requests'] as Obj)['cpu'] && (res['requests'] as Obj)['memory'] && (res['limits'] as Obj)['memory'], 'requests and a memory limit');
    assert.equal(pod['automountServiceAccountToken'], true, 'the controller needs its token');
    assert.ok(Number(pod['terminationGracePeriodSeconds']) > 30, 'the grace period exceeds the drain timeout');
  });

  test('probes call /healthz and /readyz on the admin port', () => {
    const c = container(one(r, 'Deployment'));
    const ports = c['ports'] as Obj[];
    const portOf = (p: unknown) => (typeof p === 'number' ? p : ports.find((x) => x['name'] === p)?.['containerPort']);
    const live = (c['livenessProbe'] as Obj)['httpGet'] as Obj;
    const ready = (c['readinessProbe'] as Obj)['httpGet'] as Obj;
    assert.equal(live['path'], '/healthz');
    assert.equal(ready['path'], '/readyz');
    assert.equal(portOf(live['port']), 9901);
    assert.equal(portOf(ready['port']), 9901);
  });

  test('the data Service exposes the listener ports; admin and metrics stay on a separate ClusterIP Service', () => {
    const d = one(r, 'Deployment');
    const containerPorts = new Map((container(d)['ports'] as Obj[]).map((p) => [p['name'], p['containerPort']]));
    const data = one(r, 'Service', 'sluice');
    const admin = one(r, 'Service', 'sluice-admin');
    const podLabels = (((d['spec'] as Obj)['template'] as Obj)['metadata'] as Obj)['labels'] as Obj;
    for (const svc of [data, admin]) {
      assert.ok(labelsMatch((svc['spec'] as Obj)['selector'] as Obj, podLabels), `${nameOf(svc)} selects the gateway pods`);
      for (const p of (svc['spec'] as Obj)['ports'] as Obj[]) assert.ok(containerPorts.has(p['targetPort']), `${nameOf(svc)}: targetPort ${String(p['targetPort'])} is a container port`);
    }
    assert.deepEqual(((data['spec'] as Obj)['ports'] as Obj[]).map((p) => [p['name'], p['port']]), [['http', 80]]);
    assert.ok(!((data['spec'] as Obj)['ports'] as Obj[]).some((p) => p['port'] === 9901), 'no admin port on the data Service');
    assert.equal((admin['spec'] as Obj)['type'], 'ClusterIP');
    assert.deepEqual(((admin['spec'] as Obj)['ports'] as Obj[]).map((p) => p['port']), [9901]);
  });

  test('the PodDisruptionBudget selects exactly the gateway pods', () => {
    const d = one(r, 'Deployment');
    const pdb = one(r, 'PodDisruptionBudget');
    assert.deepEqual(((pdb['spec'] as Obj)['selector'] as Obj)['matchLabels'], ((d['spec'] as Obj)['selector'] as Obj)['matchLabels']);
  });

  test('RBAC: least privilege (no wildcards; reads; writes only on status subresources and the Lease)', () => {
    assertLeastPrivilege(r);
  });

  test('RBAC: reads exactly the kinds the controller watches, writes the status of the kinds it reports on', () => {
    const { cluster, namespaced } = watched();
    const reads = granted(r, 'list');
    assert.deepEqual([...(reads.get('*') ?? [])].sort(), [...cluster, ...namespaced].sort());
    for (const verb of ['get', 'watch']) assert.deepEqual([...(granted(r, verb).get('*') ?? [])].sort(), [...cluster, ...namespaced].sort(), verb);
    const statusWrites = [...(granted(r, 'update').get('*') ?? [])].sort();
    assert.deepEqual(statusWrites, STATUS_WRITTEN.map((k) => `${k}/status`).sort());
    assert.deepEqual([...(granted(r, 'patch').get('*') ?? [])].sort(), statusWrites);
    assert.equal(granted(r, 'create').get('*'), undefined, 'the ClusterRole creates nothing');
    assert.deepEqual([...(granted(r, 'create').get(NS) ?? [])], ['coordination.k8s.io/leases']);
  });

  test('RBAC is bound to the chart ServiceAccount, which the pods use', () => {
    const sa = nameOf(one(r, 'ServiceAccount'));
    assert.equal(podSpec(one(r, 'Deployment'))['serviceAccountName'], sa);
    for (const b of [...find(r, 'ClusterRoleBinding'), ...find(r, 'RoleBinding')]) {
      assert.deepEqual(b['subjects'], [{ kind: 'ServiceAccount', name: sa, namespace: NS }]);
      const ref = b['roleRef'] as Obj;
      const target = find(r, String(ref['kind']), String(ref['name']));
      assert.equal(target.length, 1, `${nameOf(b)} refers to a rendered ${String(ref['kind'])}`);
    }
  });

  test('the leader-election Role names the Lease the controller uses, in the namespace it uses (its own)', () => {
    const lease = new LeaderElector({ client: { defaultNamespace: NS } as unknown as KubeClient }).leaseName;
    const role = one(r, 'Role', 'sluice-leader-election');
    assert.equal(meta(role)['namespace'], NS);
    assert.ok((role['rules'] as Rule[]).some((x) => x.resourceNames?.length === 1 && x.resourceNames[0] === lease), `resourceNames [${lease}]`);
    const args = container(one(r, 'Deployment'))['args'] as string[];
    assert.ok(!args.some((a) => a.startsWith('--lease-namespace')), 'the Lease lives in the pod namespace (the controller default)');
    const env = container(one(r, 'Deployment'))['env'] as Obj[];
    assert.deepEqual(env.find((e) => e['name'] === 'POD_NAME'), { name: 'POD_NAME', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } }, 'the identity in the Lease');
  });

  test('NOTES.txt renders', () => {
    assert.match(r.notes, /sluice\.dev\/gateway-controller/);
    assert.match(r.notes, /port-forward svc\/sluice-admin 9901/);
    assert.match(r.notes, /No Redis is configured/);
  });
});

describe('chart: variants', () => {
  test('controller.watchNamespaces: namespaced kinds granted per namespace by Roles, the ClusterRole keeps cluster-scoped kinds only', () => {
    const r = renderChart({ controller: { watchNamespaces: ['team-a', 'team-b'] } });
    assertValidObjects(r);
    assertLeastPrivilege(r);
    const { cluster, namespaced } = watched();
    assert.deepEqual([...(granted(r, 'list').get('*') ?? [])].sort(), [...cluster].sort());
    for (const ns of ['team-a', 'team-b']) {
      assert.deepEqual([...(granted(r, 'list').get(ns) ?? [])].sort(), [...namespaced].sort(), ns);
      const binding = find(r, 'RoleBinding').find((b) => meta(b)['namespace'] === ns)!;
      assert.deepEqual(binding['subjects'], [{ kind: 'ServiceAccount', name: 'sluice', namespace: NS }]);
    }
    const args = container(one(r, 'Deployment'))['args'] as string[];
    assert.deepEqual(args.filter((a) => a.startsWith('--namespace=')), ['--namespace=team-a', '--namespace=team-b']);
  });

  test('autoscaling: an autoscaling/v2 HPA on CPU, and on a custom per-pod metric when enabled; no fixed replicas', () => {
    const cpu = renderChart({ autoscaling: { enabled: true } });
    assertValidObjects(cpu);
    const hpa = one(cpu, 'HorizontalPodAutoscaler');
    assert.equal(hpa['apiVersion'], 'autoscaling/v2');
    assert.deepEqual((hpa['spec'] as Obj)['metrics'], [{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 70 } } }]);
    assert.deepEqual((hpa['spec'] as Obj)['scaleTargetRef'], { apiVersion: 'apps/v1', kind: 'Deployment', name: 'sluice' });
    assert.equal((one(cpu, 'Deployment')['spec'] as Obj)['replicas'], undefined);

    const both = renderChart({ autoscaling: { enabled: true, customMetric: { enabled: true, name: 'sluice_requests_per_second', targetAverageValue: '20' } } });
    assertValidObjects(both);
    const metrics = (one(both, 'HorizontalPodAutoscaler')['spec'] as Obj)['metrics'] as Obj[];
    assert.deepEqual(metrics[1], { type: 'Pods', pods: { metric: { name: 'sluice_requests_per_second' }, target: { type: 'AverageValue', averageValue: '20' } } });

    const customOnly = renderChart({ autoscaling: { enabled: true, targetCPUUtilizationPercentage: null, customMetric: { enabled: true } } });
    assert.deepEqual(((one(customOnly, 'HorizontalPodAutoscaler')['spec'] as Obj)['metrics'] as Obj[]).map((m) => m['type']), ['Pods']);
    assert.throws(() => renderChart({ autoscaling: { enabled: true, targetCPUUtilizationPercentage: null } }), /autoscaling needs a metric/);
    assert.equal(find(renderChart(), 'HorizontalPodAutoscaler').length, 0, 'off by default');
  });

  test('serviceMonitor: scrapes /metrics on the admin Service', () => {
    const r = renderChart({ serviceMonitor: { enabled: true, labels: { release: 'prometheus' } } });
    assertValidObjects(r);
    const sm = one(r, 'ServiceMonitor');
    assert.equal(sm['apiVersion'], 'monitoring.coreos.com/v1');
    assert.equal(meta(sm)['labels'] && (meta(sm)['labels'] as Obj)['release'], 'prometheus');
    const selector = ((sm['spec'] as Obj)['selector'] as Obj)['matchLabels'] as Obj;
    const selected = find(r, 'Service').filter((s) => labelsMatch(selector, meta(s)['labels'] as Obj));
    assert.deepEqual(selected.map(nameOf), ['sluice-admin']);
    const ep = ((sm['spec'] as Obj)['endpoints'] as Obj[])[0]!;
    assert.equal(ep['path'], '/metrics');
    assert.ok(((selected[0]!['spec'] as Obj)['ports'] as Obj[]).some((p) => p['name'] === ep['port']));
  });

  test('redis.existingSecret: the URL comes from the Secret as SLUICE_REDIS_URL, never from a plain value', () => {
    const r = renderChart({ redis: { existingSecret: 'sluice-redis', secretKey: 'url' } });
    assertValidObjects(r);
    const env = container(one(r, 'Deployment'))['env'] as Obj[];
    assert.deepEqual(env.find((e) => e['name'] === 'SLUICE_REDIS_URL'), { name: 'SLUICE_REDIS_URL', valueFrom: { secretKeyRef: { name: 'sluice-redis', key: 'url' } } });
    assert.equal(find(r, 'Deployment').length, 1, 'no demo Redis');
    assert.doesNotMatch(r.notes, /No Redis is configured/);
  });

  test('redis.demo: a separate Redis Deployment and Service, selectors that do not overlap with the gateway', () => {
    const r = renderChart({ redis: { demo: { enabled: true } } });
    assertValidObjects(r);
    const gw = one(r, 'Deployment', 'sluice');
    const redis = one(r, 'Deployment', 'sluice-redis');
    const env = container(gw)['env'] as Obj[];
    assert.deepEqual(env.find((e) => e['name'] === 'SLUICE_REDIS_URL'), { name: 'SLUICE_REDIS_URL', value: 'redis://sluice-redis:6379' });
    assert.ok(find(r, 'Service', 'sluice-redis').length === 1);
    const labelsOf = (d: Obj) => (((d['spec'] as Obj)['template'] as Obj)['metadata'] as Obj)['labels'] as Obj;
    const selOf = (d: Obj) => ((d['spec'] as Obj)['selector'] as Obj)['matchLabels'] as Obj;
    assert.ok(!labelsMatch(selOf(gw), labelsOf(redis)), 'the gateway Deployment does not select Redis pods');
    assert.ok(!labelsMatch(selOf(redis), labelsOf(gw)), 'the Redis Deployment does not select gateway pods');
    for (const s of find(r, 'Service').filter((x) => nameOf(x) !== 'sluice-redis')) assert.ok(!labelsMatch((s['spec'] as Obj)['selector'] as Obj, labelsOf(redis)), `${nameOf(s)} does not select Redis`);
    assert.ok(!labelsMatch(((one(r, 'PodDisruptionBudget')['spec'] as Obj)['selector'] as Obj)['matchLabels'] as Obj, labelsOf(redis)));
    const rc = container(redis, 'redis');
    assert.equal((rc['securityContext'] as Obj)['readOnlyRootFilesystem'], true);
    assert.throws(() => renderChart({ redis: { existingSecret: 's', demo: { enabled: true } } }), /not both/);
  });

  test('mode run: `sluice run -f` over a ConfigMap of manifests; no RBAC, no GatewayClass, no API token', () => {
    const files: Record<string, string> = {};
    for (const f of readdirSync(join(ROOT, 'examples', 'quickstart')).filter((n) => n.endsWith('.yaml'))) files[f] = readFileSync(join(ROOT, 'examples', 'quickstart', f), 'utf8');
    const r = renderChart({ mode: 'run', run: { files }, listeners: [{ name: 'http', port: 8080 }] });
    assertValidObjects(r);
    assert.deepEqual(r.objects.map((o) => String(o['kind'])).sort(), ['ConfigMap', 'Deployment', 'PodDisruptionBudget', 'Service', 'Service', 'ServiceAccount']);
    const d = one(r, 'Deployment');
    const c = container(d);
    assert.deepEqual((c['args'] as string[]).slice(0, 2), ['run', '--filename=/etc/sluice/config']);
    assert.equal(podSpec(d)['automountServiceAccountToken'], false);
    assert.deepEqual((c['volumeMounts'] as Obj[]).find((m) => m['name'] === 'config'), { name: 'config', mountPath: '/etc/sluice/config', readOnly: true });
    const cm = one(r, 'ConfigMap');
    assert.deepEqual(cm['data'], files, 'the files reach the ConfigMap byte for byte');

    // The mounted ConfigMap (files as symlinks into a ..data directory, as the kubelet lays it out) loads.
    const dir = mkdtempSync(join(tmpdir(), 'sluice-cm-'));
    try {
      mkdirSync(join(dir, '..2025_01_01_00_00_00.000000001'));
      for (const [name, text] of Object.entries(cm['data'] as Record<string, string>)) writeFileSync(join(dir, '..2025_01_01_00_00_00.000000001', name), text);
      symlinkSync('..2025_01_01_00_00_00.000000001', join(dir, '..data'));
      for (const name of Object.keys(files)) symlinkSync(join('..data', name), join(dir, name));
      const config = loadConfig([dir]);
      assert.ok(!hasErrors(config.problems), JSON.stringify(config.problems));
      assert.ok(config.resources.some((x) => (x.object as { kind?: string }).kind === 'Gateway'));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    assert.throws(() => renderChart({ mode: 'run' }), /needs run.files or run.existingConfigMap/);
    const existing = renderChart({ mode: 'run', run: { existingConfigMap: 'my-manifests' } });
    assert.equal(find(existing, 'ConfigMap').length, 0);
    assert.equal(((podSpec(one(existing, 'Deployment'))['volumes'] as Obj[]).find((v) => v['name'] === 'config')!['configMap'] as Obj)['name'], 'my-manifests');
  });

  test('service type NodePort with node ports, and listeners on several ports', () => {
    const r = renderChart({ service: { type: 'NodePort', externalTrafficPolicy: 'Local', sessionAffinity: 'ClientIP' }, listeners: [{ name: 'http', port: 80, nodePort: 30080 }, { name: 'https', port: 443 }] });
    assertValidObjects(r);
    const svc = one(r, 'Service', 'sluice');
    assert.equal((svc['spec'] as Obj)['externalTrafficPolicy'], 'Local');
    assert.equal((svc['spec'] as Obj)['sessionAffinity'], 'ClientIP');
    assert.deepEqual((svc['spec'] as Obj)['ports'], [
      { name: 'http', port: 80, targetPort: 'http', protocol: 'TCP', nodePort: 30080 },
      { name: 'https', port: 443, targetPort: 'https', protocol: 'TCP' },
    ]);
  });

  test('names: a long name is cut to 63 characters; fullnameOverride wins; the release name is not repeated', () => {
    // Helm allows release names of up to 53 characters.
    const long = renderChart({ nameOverride: 'x'.repeat(20) }, { name: 'a'.repeat(53) });
    assertValidObjects(long);
    assert.equal(nameOf(one(long, 'Deployment')).length, 63);
    const longDemo = renderChart({ nameOverride: 'x'.repeat(20), redis: { demo: { enabled: true } } }, { name: 'a'.repeat(53) });
    assertValidObjects(longDemo);
    const services = find(longDemo, 'Service').map(nameOf);
    assert.equal(new Set(services).size, 3, `distinct Service names: ${services.join(', ')}`);
    assert.ok(services.some((n) => n.endsWith('-admin')) && services.some((n) => n.endsWith('-redis')));
    assert.equal(nameOf(one(renderChart({ fullnameOverride: 'gw' }), 'Deployment')), 'gw');
    assert.equal(nameOf(one(renderChart({}, { name: 'prod' }), 'Deployment')), 'prod-sluice');
    assert.equal(nameOf(one(renderChart({}, { name: 'sluice-prod' }), 'Deployment')), 'sluice-prod');
  });

  test('rbac.create=false and gatewayClass.create=false leave those objects out', () => {
    const r = renderChart({ rbac: { create: false }, gatewayClass: { create: false }, podDisruptionBudget: { enabled: false }, serviceAccount: { create: false, name: 'existing' } });
    assertValidObjects(r);
    assert.deepEqual(r.objects.map((o) => String(o['kind'])).sort(), ['Deployment', 'Service', 'Service']);
    assert.equal(podSpec(one(r, 'Deployment'))['serviceAccountName'], 'existing');
  });
});

describe('chart: the arguments it passes are flags the CLI has', () => {
  const flagsOf = (args: string[]) => args.filter((a) => a.startsWith('--')).map((a) => a.split('=')[0]!);

  test('controller mode: every flag is an option of `sluice controller`', () => {
    const program = new Command();
    addControllerCommand(program, { out: () => undefined, err: () => undefined }, Number);
    const cmd = program.commands.find((c) => c.name() === 'controller')!;
    const known = new Set(cmd.options.map((o) => o.long));
    const args = container(one(renderChart({ controller: { watchNamespaces: ['a'] } }), 'Deployment'))['args'] as string[];
    assert.equal(args[0], 'controller');
    for (const f of flagsOf(args)) assert.ok(known.has(f), `sluice controller has ${f}`);
  });

  test('run mode: every flag is an option of `sluice run` (cli/main.ts)', () => {
    const src = readFileSync(join(ROOT, 'cli', 'main.ts'), 'utf8');
    const block = /\.command\('run'\)([\s\S]*?)\.action\(/.exec(src);
    assert.ok(block, 'the run command is found in cli/main.ts');
    const known = new Set([...block[1]!.matchAll(/\.option\('(?:-\w, )?(--[\w-]+)/g)].map((m) => m[1]!));
    assert.ok(known.has('--filename') && known.has('--admin-port'));
    const args = container(one(renderChart({ mode: 'run', run: { files: { 'a.yaml': 'x: 1' }, port: 8080 } }), 'Deployment'))['args'] as string[];
    assert.equal(args[0], 'run');
    for (const f of flagsOf(args)) assert.ok(known.has(f), `sluice run has ${f}`);
  });
});

describe('chart: values.schema.json', () => {
  test('uses only the JSON Schema keywords the test validator implements, and the defaults meet it', () => {
    const walk = (s: unknown, path: string): void => {
      if (typeof s !== 'object' || s === null) return;
      for (const [k, v] of Object.entries(s)) {
        assert.ok(SCHEMA_KEYWORDS.has(k), `${path}: keyword ${k}`);
        if (k === 'properties') for (const [p, sub] of Object.entries(v as Obj)) walk(sub, `${path}.${p}`);
        if (k === 'items' || (k === 'additionalProperties' && typeof v === 'object')) walk(v, `${path}.${k}`);
      }
    };
    walk(valuesSchema(), '$');
    assert.deepEqual(validateJsonSchema(valuesSchema(), chartValues()), []);
  });

  test('every key in values.yaml is described by the schema, and typos are refused', () => {
    const schema = valuesSchema();
    const keys = Object.keys(schema['properties'] as Obj).filter((k) => k !== 'global').sort();
    assert.deepEqual(Object.keys(chartValues()).sort(), keys);
    assert.throws(() => renderChart({ replicas: 3 }), /unknown key replicas/);
    assert.throws(() => renderChart({ mode: 'sidecar' }), /\$\.mode: must be one of/);
    assert.throws(() => renderChart({ listeners: [{ name: 'HTTP', port: 80 }] }), /does not match/);
    assert.throws(() => renderChart({ admin: { port: 70000 } }), /must be ≤ 65535/);
    assert.throws(() => renderChart({ service: { type: 'ExternalName' } }), /must be one of/);
  });
});

describe('chart files', () => {
  test('Chart.yaml is a v2 application chart; its crds/ are the generated CRDs', () => {
    const chart = parse(readFileSync(join(CHART_DIR, 'Chart.yaml'), 'utf8')) as Obj;
    assert.equal(chart['apiVersion'], 'v2');
    assert.equal(chart['type'], 'application');
    assert.match(String(chart['version']), /^\d+\.\d+\.\d+/);
    const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string };
    assert.equal(chart['appVersion'], pkg.version, 'appVersion follows package.json');
    assert.deepEqual(readdirSync(join(CHART_DIR, 'crds')).sort(), readdirSync(join(ROOT, 'deploy', 'crds')).sort());
  });
});

describe('validateModel (the Kubernetes type check the chart tests rely on)', () => {
  test('reports unknown fields, missing required fields and wrong types', () => {
    const errors = validateModel('V1Deployment', { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'x' }, spec: { replicas: '2', selector: {}, template: { spec: { containers: [{ image: 'x', bogus: 1 }] } } } }, 'd');
    assert.ok(errors.some((e) => /replicas: must be a number/.test(e)), errors.join('\n'));
    assert.ok(errors.some((e) => /unknown field bogus/.test(e)), errors.join('\n'));
    assert.ok(errors.some((e) => /name is required \(V1Container\)/.test(e)), errors.join('\n'));
  });
});
