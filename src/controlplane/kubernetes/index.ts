// Sluice as a Kubernetes controller: resources from the API server (KubernetesSource), status written
// back (KubernetesStatusSink), one status writer at a time (LeaderElector). See README.md here.
export { onlyClaimed } from './claim.ts';
export { KubeApiError, KubeClient, isApiError, loadKubeConfig } from './client.ts';
export type { KubeClientOptions, KubeList, KubeMeta, KubeObject, RequestOptions, WatchEvent } from './client.ts';
export { WATCHED_KINDS, apiVersionOf, collectionPath, objectPath } from './kinds.ts';
export type { ResourceRef, WatchedKind } from './kinds.ts';
export { LeaderElector } from './leader.ts';
export type { LeaderElectionOptions } from './leader.ts';
export { clusterPod } from './pods.ts';
export type { ClusterPod } from './pods.ts';
export { Backoff, Reflector } from './reflector.ts';
export type { BackoffOptions, ReflectorHandlers, ReflectorOptions, ReflectorState } from './reflector.ts';
export { KubernetesSource } from './source.ts';
export type { CachedObject, KubernetesSourceOptions, ObjectLookup } from './source.ts';
export { KubernetesStatusSink, SLUICE_CONTROLLER_NAME } from './status-sink.ts';
export type { KubernetesStatusSinkOptions, LeadershipView, StatusSinkStats } from './status-sink.ts';
