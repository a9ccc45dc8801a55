// Pods observed in a cluster, in the shape compile() takes (RunningPod): already running, reachable at
// status.podIP on their container ports (`direct`), ready when the kubelet says so.
import { createHash } from 'node:crypto';
import type { RunningPod } from '../../cluster/emulator.ts';
import { classifyImage } from '../../cluster/images.ts';
import type { ImageRole } from '../../cluster/images.ts';
import type { ContainerView, PlannedPod } from '../../cluster/plan.ts';
import type { KubeObject } from './client.ts';

/**
 * A pod of the cluster. `direct: true` says the pod is reachable at `address` (its pod IP) on every
 * container port; compile() must then use `address:containerPort` for any target port, not
 * `actualPort` (which is set to `servingPort`, so a compile() that does not know `direct` yet still
 * reaches the pod's main port).
 */
export interface ClusterPod extends RunningPod {
  readonly direct: true;
}

interface PodView {
  metadata: KubeObject['metadata'];
  spec?: {
    containers?: (ContainerView & { ports?: { containerPort: number; name?: string; protocol?: string }[] })[];
    volumes?: { name: string; configMap?: { name: string } }[];
  };
  status?: {
    phase?: string;
    podIP?: string;
    conditions?: { type: string; status: string }[];
  };
}

/** A Pod object → the pod view compile() reads. */
export function clusterPod(object: KubeObject): ClusterPod {
  const pod = object as unknown as PodView;
  const containers = pod.spec?.containers ?? [];
  // As in standalone planning, the first container with a known image decides the role; sidecars are not modelled.
  const index = containers.findIndex((c) => c.image !== undefined && classifyImage(c.image) !== 'unknown');
  const container: ContainerView = containers[index < 0 ? 0 : index] ?? { name: '' };
  const role: ImageRole = index < 0 ? 'unknown' : classifyImage(container.image!);
  const labels = { ...(pod.metadata.labels ?? {}) };
  // A Service's targetPort name may name a port of any container of the pod.
  const namedPorts = new Map<string, number>();
  for (const c of containers) for (const p of c.ports ?? []) if (p.name && !namedPorts.has(p.name)) namedPorts.set(p.name, p.containerPort);
  const volumes = pod.spec?.volumes?.map((v) => ({ name: v.name, ...(v.configMap ? { configMap: { name: v.configMap.name } } : {}) }));
  const ready =
    !pod.metadata.deletionTimestamp &&
    pod.status?.phase !== 'Succeeded' &&
    pod.status?.phase !== 'Failed' &&
    !!pod.status?.podIP &&
    (pod.status.conditions ?? []).some((c) => c.type === 'Ready' && c.status === 'True');
  const servingPort = servingPortOf(role, container);
  const planned: PlannedPod = {
    name: pod.metadata.name,
    namespace: pod.metadata.namespace ?? 'default',
    labels,
    deployment: deploymentOf(pod),
    role,
    container,
    namedPorts,
    servingPort,
    specHash: createHash('sha256').update(JSON.stringify({ container, labels, volumes: volumes ?? [] })).digest('hex').slice(0, 10),
    volumes,
  };
  return { ...planned, address: pod.status?.podIP ?? '', actualPort: servingPort === 0 ? undefined : servingPort, ready, direct: true };
}

/**
 * The port the workload serves on: the simulator's `--port` (default 8000), the test upstream's 8080,
 * else the container's first declared port (0 when it declares none).
 */
function servingPortOf(role: ImageRole, c: ContainerView): number {
  if (role === 'simulator') {
    const args = c.args ?? [];
    for (let i = 0; i < args.length; i++) {
      const a = args[i]!;
      if (a === '--port' && args[i + 1] !== undefined) return Number(args[i + 1]) || 8000;
      if (a.startsWith('--port=')) return Number(a.slice(7)) || 8000;
    }
    return c.ports?.[0]?.containerPort ?? 8000;
  }
  if (role === 'testupstream') return c.ports?.[0]?.containerPort ?? 8080;
  return c.ports?.[0]?.containerPort ?? 0;
}

/**
 * `namespace/name` of the Deployment that owns the pod (through its ReplicaSet `NAME-HASH`, the hash
 * being the pod's pod-template-hash label), or of whatever else owns it, or the pod itself.
 */
function deploymentOf(pod: PodView): string {
  const ns = pod.metadata.namespace ?? 'default';
  const owner = pod.metadata.ownerReferences?.find((o) => o.controller) ?? pod.metadata.ownerReferences?.[0];
  if (!owner) return `${ns}/${pod.metadata.name}`;
  const hash = pod.metadata.labels?.['pod-template-hash'];
  if (owner.kind === 'ReplicaSet' && hash && owner.name.endsWith(`-${hash}`)) return `${ns}/${owner.name.slice(0, -hash.length - 1)}`;
  return `${ns}/${owner.name}`;
}

/**
 * What of a Pod matters to Sluice; a change elsewhere (container statuses, restarts, annotations) does
 * not need a reload.
 */
export function podFingerprint(object: KubeObject): string {
  const p = clusterPod(object);
  return JSON.stringify([p.labels, p.container, [...p.namedPorts], p.volumes ?? null, p.address, p.ready, p.deployment]);
}
