// Standalone cluster emulation, planning half (pure): which pods the Deployments would create, with
// their labels and container ports, and what each Service selects. The emulator realizes the plan.
import { createHash } from 'node:crypto';
import type { Problem } from '../config/problems.ts';
import type { Resource } from '../config/validate.ts';
import { resourceLabel } from '../config/validate.ts';
import { classifyImage } from './images.ts';
import type { ImageRole } from './images.ts';

/** The fields of a Deployment that the emulation reads (core kinds are read loosely). */
export interface DeploymentView {
  spec?: {
    replicas?: number | undefined;
    template?: {
      metadata?: { labels?: Record<string, string> | undefined } | undefined;
      spec?: {
        containers?: ContainerView[] | undefined;
        volumes?: { name: string; configMap?: { name: string } | undefined }[] | undefined;
      } | undefined;
    } | undefined;
  } | undefined;
}

export interface ContainerView {
  name: string;
  image?: string | undefined;
  args?: string[] | undefined;
  command?: string[] | undefined;
  env?: { name: string; value?: string | undefined }[] | undefined;
  ports?: { containerPort: number; name?: string | undefined }[] | undefined;
  volumeMounts?: { name: string; mountPath: string }[] | undefined;
}

export interface ServiceView {
  spec?: {
    selector?: Record<string, string> | undefined;
    ports?: { name?: string | undefined; port: number; targetPort?: number | string | undefined; appProtocol?: string | undefined }[] | undefined;
  } | undefined;
}

export interface PlannedPod {
  readonly name: string;
  readonly namespace: string;
  readonly labels: Readonly<Record<string, string>>;
  /** `namespace/name` of the owning Deployment. */
  readonly deployment: string;
  readonly role: ImageRole;
  readonly container: ContainerView;
  /** Named container ports (for Service targetPort names). */
  readonly namedPorts: ReadonlyMap<string, number>;
  /** The port the workload listens on inside the "pod" (e.g. the simulator's --port, default 8000). */
  readonly servingPort: number;
  /** Hash of everything that shapes the running replica: same hash → the running replica is reused. */
  readonly specHash: string;
  readonly volumes: NonNullable<NonNullable<NonNullable<DeploymentView['spec']>['template']>['spec']>['volumes'];
}

export interface ClusterPlan {
  readonly pods: readonly PlannedPod[];
  readonly problems: readonly Problem[];
}

/** Port the workload of a role listens on when its args do not say otherwise. */
function defaultServingPort(role: ImageRole, container: ContainerView): number {
  if (role === 'simulator') {
    const args = container.args ?? [];
    for (let i = 0; i < args.length; i++) {
      const a = args[i]!;
      if (a === '--port' && args[i + 1] !== undefined) return Number(args[i + 1]) || 8000;
      if (a.startsWith('--port=')) return Number(a.slice(7)) || 8000;
    }
    return 8000;
  }
  if (role === 'testupstream') return 8080;
  return container.ports?.[0]?.containerPort ?? 0;
}

export function planCluster(resources: readonly Resource[]): ClusterPlan {
  const pods: PlannedPod[] = [];
  const problems: Problem[] = [];
  for (const r of resources) {
    if (r.kind !== 'Deployment') continue;
    const dep = r.object as DeploymentView;
    const label = resourceLabel(r.kind, r.namespace, r.name);
    const template = dep.spec?.template;
    const containers = template?.spec?.containers ?? [];
    const replicas = dep.spec?.replicas ?? 1;
    // The first container with a known image decides what the pod is; sidecars are not modelled.
    const index = containers.findIndex((c) => c.image !== undefined && classifyImage(c.image) !== 'unknown');
    if (index < 0) {
      const images = containers.map((c) => c.image).filter(Boolean).join(', ') || '(none)';
      problems.push({
        severity: 'warning',
        location: r.source.locationOf(['spec', 'template', 'spec', 'containers', 0, 'image']),
        resource: label,
        field: 'spec.template.spec.containers[0].image',
        message:
          `image ${images} cannot run in standalone mode (Sluice runs llm-d-inference-sim, ai-gateway-testupstream and the ` +
          `Inference Extension epp in-process); its pods get no endpoints. Run it yourself and give its address with a ` +
          `Backend (gateway.envoyproxy.io/v1alpha1) with ip endpoints, and point the route's backendRef at that Backend.`,
      });
      continue;
    }
    const container = containers[index]!;
    const role = classifyImage(container.image!);
    const labels = { ...(template?.metadata?.labels ?? {}) };
    const namedPorts = new Map<string, number>();
    for (const p of container.ports ?? []) if (p.name) namedPorts.set(p.name, p.containerPort);
    const specHash = createHash('sha256')
      .update(JSON.stringify({ container, labels, volumes: template?.spec?.volumes ?? [] }))
      .digest('hex')
      .slice(0, 10);
    for (let i = 0; i < replicas; i++) {
      pods.push({
        name: `${r.name}-${specHash}-${i}`,
        namespace: r.namespace,
        labels,
        deployment: `${r.namespace}/${r.name}`,
        role,
        container,
        namedPorts,
        servingPort: defaultServingPort(role, container),
        specHash,
        volumes: template?.spec?.volumes,
      });
    }
  }
  return { pods, problems };
}

export function selectorMatches(selector: Readonly<Record<string, string>> | undefined, labels: Readonly<Record<string, string>>): boolean {
  if (!selector) return false;
  const keys = Object.keys(selector);
  if (keys.length === 0) return false; // an empty selector selects nothing here (as for Services)
  return keys.every((k) => labels[k] === selector[k]);
}

/** Pods of `namespace` selected by a label selector. */
export function selectPods<P extends { namespace: string; labels: Readonly<Record<string, string>> }>(pods: readonly P[], namespace: string, selector: Readonly<Record<string, string>> | undefined): P[] {
  return pods.filter((p) => p.namespace === namespace && selectorMatches(selector, p.labels));
}

/** Resolves a Service port's targetPort (number or container port name) on a pod; defaults to the port. */
export function targetPortOf(pod: PlannedPod, servicePort: { port: number; targetPort?: number | string | undefined }): number | undefined {
  const t = servicePort.targetPort;
  if (t === undefined) return servicePort.port;
  if (typeof t === 'number') return t;
  if (/^\d+$/.test(t)) return Number(t);
  return pod.namedPorts.get(t);
}

/** `NAME.NAMESPACE.svc.cluster.local` (or `NAME.NAMESPACE.svc`, `NAME.NAMESPACE`) → the Service identity. */
export function parseServiceHostname(hostname: string): { name: string; namespace: string } | undefined {
  const m = /^([a-z0-9]([-a-z0-9]*[a-z0-9])?)\.([a-z0-9]([-a-z0-9]*[a-z0-9])?)(\.svc(\.cluster\.local)?)?\.?$/.exec(hostname.toLowerCase());
  if (!m) return undefined;
  return { name: m[1]!, namespace: m[3]! };
}
