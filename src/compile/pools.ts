// InferencePools: endpoints (selector × targetPorts over ready pods), the endpoint picker config found
// through endpointPickerRef, failure mode and InferenceObjective priorities.

import { parse as parseYaml } from 'yaml';

import { selectPods } from '../cluster/plan.ts';
import type { ServiceView } from '../cluster/plan.ts';
import { condition, ok } from '../runtime/conditions.ts';
import type { Condition } from '../runtime/conditions.ts';

import type { EndpointState } from '../runtime/endpoint.ts';

import { lookupKind } from '../config/schemas/index.ts';
import type { EndpointPickerConfig } from '../config/schemas/index.ts';
import { PickerConfigError, PoolScheduler } from '../picker/index.ts';
import { flowControlSettings } from '../admission/flow-control.ts';
import type { PoolRuntime, ResourceStatus } from '../runtime/snapshot.ts';
import type { Resource } from '../config/validate.ts';
import { resourceLabel } from '../config/validate.ts';
import type { ConfigMapView, InferenceObjectiveView, InferencePoolView } from '../config/views.ts';

import { all, get } from './context.ts';
import type { Ctx } from './context.ts';
import { podEndpoint } from './backends.ts';

export function compilePool(ctx: Ctx, pool: Resource<InferencePoolView>, statuses: ResourceStatus[]): void {
  const label = resourceLabel('InferencePool', pool.namespace, pool.name);
  const spec = pool.object.spec;
  const selector = 'matchLabels' in spec.selector && typeof spec.selector.matchLabels === 'object' ? spec.selector.matchLabels : (spec.selector as Record<string, string>);
  const targetPorts = spec.targetPorts?.map((t) => t.number) ?? (spec.targetPortNumber !== undefined ? [spec.targetPortNumber] : []);
  const endpoints: EndpointState[] = [];
  const pods = selectPods(ctx.pods, pool.namespace, selector);
  for (const pod of pods) {
    for (const tp of targetPorts) {
      const ep = podEndpoint(ctx, pod, tp);
      if (ep) endpoints.push(ep);
    }
  }
  const conditions: Condition[] = [ok('Accepted')];
  const eppRef = spec.endpointPickerRef ?? (spec.extensionRef ? { name: spec.extensionRef.name, kind: spec.extensionRef.kind, group: spec.extensionRef.group, failureMode: spec.extensionRef.failureMode as 'FailOpen' | 'FailClose' | undefined } : undefined);
  let pickerConfigSource = 'built-in default profile (no endpointPickerRef)';
  let pickerConfig: EndpointPickerConfig | undefined;
  if (eppRef) {
    const kind = eppRef.kind ?? 'Service';
    const svc = kind === 'Service' ? get<ServiceView>(ctx.index, 'Service', pool.namespace, eppRef.name) : undefined;
    if (!svc) {
      const msg = `endpointPickerRef ${kind} ${pool.namespace}/${eppRef.name} not found; Sluice's built-in picker serves the pool with the default profile`;
      conditions.push(condition('ResolvedRefs', 'False', 'InvalidExtensionRef', msg));
      ctx.problems.push({ severity: 'warning', location: pool.source.locationOf(['spec', 'endpointPickerRef', 'name']), resource: label, field: 'spec.endpointPickerRef.name', message: msg });
    } else {
      const found = findPickerConfig(ctx, svc);
      pickerConfigSource = found.source;
      pickerConfig = found.config;
      conditions.push(ok('ResolvedRefs', `endpoint picker ${eppRef.name}: Sluice's built-in picker (${found.source})`));
    }
  }
  if (selector === undefined || Object.keys(selector).length === 0) {
    ctx.problems.push({ severity: 'error', location: pool.source.locationOf(['spec', 'selector']), resource: label, field: 'spec.selector', message: 'selector must name at least one label (matchLabels)' });
  } else if (pods.length === 0) {
    ctx.problems.push({ severity: 'warning', location: pool.source.locationOf(['spec', 'selector']), resource: label, field: 'spec.selector', message: `selects no pods (labels ${JSON.stringify(selector)}); requests to the pool get 503 until a Deployment with those pod labels runs` });
  }
  const key = `${pool.namespace}/${pool.name}`;
  const identity = { namespace: pool.namespace, name: pool.name, failureMode: eppRef?.failureMode ?? 'FailClose' } as const;
  const pickerOptions = { state: ctx.pickerStates.forPool(key), endpoints };
  let picker: PoolScheduler;
  try {
    // The config was validated once (parsePickerConfig); this builds its plugins once per snapshot.
    picker = new PoolScheduler(identity, pickerConfig, pickerOptions);
  } catch (err) {
    if (!(err instanceof PickerConfigError)) throw err;
    ctx.problems.push({ severity: 'error', resource: `EndpointPickerConfig in ${pickerConfigSource}`, message: err.message });
    pickerConfigSource = `default profile (${pickerConfigSource} is invalid)`;
    picker = new PoolScheduler(identity, undefined, pickerOptions);
  }
  const flow = flowControlSettings(pickerConfig);
  const runtime: PoolRuntime = {
    namespace: pool.namespace,
    name: pool.name,
    endpoints,
    failureMode: identity.failureMode,
    objectives: new Map(
      all<InferenceObjectiveView>(ctx.index, 'InferenceObjective')
        .filter((o) => o.namespace === pool.namespace && o.object.spec.poolRef.name === pool.name)
        .map((o) => [o.name, o.object.spec.priority ?? 0]),
    ),
    pickerConfigSource,
    picker,
    // Capacity is judged with the pool's own saturation thresholds (saturationDetector).
    flowControl: flow && { ...flow, thresholds: picker.saturation },
    auth: ctx.credentials.get(`InferencePool ${key}`),
    health: ctx.health.handle(`InferencePool ${key}`),
  };
  ctx.pools.set(key, runtime);
  statuses.push({ kind: 'InferencePool', namespace: pool.namespace, name: pool.name, conditions: [...conditions, ok('Programmed', `${endpoints.length} ready endpoint(s)`)] });
}

/**
 * The EndpointPickerConfig of an epp Deployment behind the endpointPickerRef Service: its
 * `--config-file` path is looked up in the ConfigMap volume mounted at that path.
 */
function findPickerConfig(ctx: Ctx, svc: Resource<ServiceView>): { source: string; config?: EndpointPickerConfig } {
  const eppPods = selectPods(ctx.pods, svc.namespace, svc.object.spec?.selector).filter((p) => p.role === 'epp');
  const pod = eppPods[0];
  if (!pod) return { source: `default profile (Service ${svc.name} selects no epp pod)` };
  const args = [...(pod.container.command ?? []), ...(pod.container.args ?? [])];
  const flag = (name: string) => {
    const i = args.indexOf(name);
    if (i >= 0) return args[i + 1];
    return args.find((a) => a.startsWith(name + '='))?.slice(name.length + 1);
  };
  const text = flag('--config-text');
  if (text !== undefined) return parsePickerConfig(ctx, text, `--config-text of Deployment ${pod.deployment}`);
  const file = flag('--config-file');
  if (file === undefined) return { source: `default profile (Deployment ${pod.deployment} has no --config-file)` };
  const mount = (pod.container.volumeMounts ?? []).filter((m) => file.startsWith(m.mountPath.replace(/\/?$/, '/'))).sort((a, b) => b.mountPath.length - a.mountPath.length)[0];
  const volume = mount && (pod.volumes ?? []).find((v) => v.name === mount.name);
  if (!mount || !volume?.configMap) {
    ctx.problems.push({ severity: 'warning', resource: `Deployment ${pod.deployment}`, message: `--config-file ${file} is not inside a ConfigMap volume mount; the default profile is used` });
    return { source: `default profile (${file} not found)` };
  }
  const key = file.slice(mount.mountPath.replace(/\/?$/, '/').length);
  const cm = get<ConfigMapView>(ctx.index, 'ConfigMap', pod.namespace, volume.configMap.name);
  const data = cm?.object.data?.[key];
  if (data === undefined) {
    ctx.problems.push({ severity: 'warning', resource: `Deployment ${pod.deployment}`, message: `--config-file ${file}: ConfigMap ${pod.namespace}/${volume.configMap.name} ${cm ? `has no key ${key}` : 'not found'}; the default profile is used` });
    return { source: `default profile (${file} not found)` };
  }
  return parsePickerConfig(ctx, data, `ConfigMap ${pod.namespace}/${volume.configMap.name} key ${key}`);
}

function parsePickerConfig(ctx: Ctx, text: string, source: string): { source: string; config?: EndpointPickerConfig } {
  let doc: unknown;
  try {
    doc = parseYaml(text);
  } catch (err) {
    ctx.problems.push({ severity: 'error', resource: source, message: `EndpointPickerConfig is not valid YAML: ${(err as Error).message.split('\n')[0]}` });
    return { source: `default profile (${source} is invalid)` };
  }
  const d = doc as { apiVersion?: string; kind?: string } | null;
  const info = d && typeof d.apiVersion === 'string' && typeof d.kind === 'string' ? lookupKind(d.apiVersion, d.kind) : undefined;
  if (!info || d?.kind !== 'EndpointPickerConfig') {
    ctx.problems.push({ severity: 'error', resource: source, message: 'expected an EndpointPickerConfig (apiVersion inference.networking.x-k8s.io/v1alpha1)' });
    return { source: `default profile (${source} is invalid)` };
  }
  const result = info.schema.safeParse(doc);
  if (!result.success) {
    for (const issue of result.error.issues) ctx.problems.push({ severity: 'error', resource: `EndpointPickerConfig in ${source}`, field: issue.path.join('.'), message: issue.message });
    return { source: `default profile (${source} is invalid)` };
  }
  return { source, config: result.data as EndpointPickerConfig };
}
