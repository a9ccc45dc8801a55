// Where resources come from (DESIGN.md §2, control plane): a ResourceSource hands the reload loop
// the current validated resources and says when they changed; a StatusSink takes the conditions
// computed from each snapshot. Files (standalone) and Kubernetes informers (controller) implement
// the same two interfaces, so the reload loop, compile() and the data plane do not know which runs.
import type { RunningPod } from '../cluster/emulator.ts';
import type { PlannedPod } from '../cluster/plan.ts';
import type { Problem } from '../config/problems.ts';
import type { IgnoredResource, Resource } from '../config/validate.ts';
import type { ResourceStatus } from '../runtime/snapshot.ts';

export interface ResourceSet {
  /** Validated resources of every kind Sluice reads. */
  readonly resources: readonly Resource[];
  /** Well-formed objects of kinds Sluice has no use for (listed in status). */
  readonly ignored: readonly IgnoredResource[];
  /** Load and validation problems (file:line, resource, field, reason). */
  readonly problems: readonly Problem[];
  /**
   * Pods: planned from Deployments (standalone: the cluster emulator runs them) or observed from the
   * API server (Kubernetes: already running, `direct` addresses).
   */
  readonly pods: readonly (PlannedPod | RunningPod)[];
  /** Whether `pods` still have to be realized by the standalone cluster emulator. */
  readonly podsArePlanned: boolean;
  /** Files read (standalone), so a file watcher can follow includes; empty otherwise. */
  readonly files: readonly string[];
}

export interface ResourceSource {
  /** For logs: `files`, `kubernetes`. */
  readonly kind: string;
  /** The current resources. Never rejects for bad content: problems are reported in the set. */
  load(): Promise<ResourceSet>;
  /**
   * Calls `onChange` (debounced by the source) whenever a later `load()` would return something
   * different. Returns a function that stops watching.
   */
  watch(onChange: () => void): () => void;
  close(): Promise<void>;
}

/** Receives the conditions of every resource after each reload (applied or refused). */
export interface StatusSink {
  write(statuses: readonly ResourceStatus[], context: { readonly generation: number; readonly applied: boolean }): void | Promise<void>;
}
