// The configuration pipeline shared by `run`, `validate` and `status`:
// files → documents → validated resources → cluster plan → (realized pods) → compiled snapshot.
import { planCluster } from '../cluster/plan.ts';
import type { PlannedPod } from '../cluster/plan.ts';
import type { RunningPod } from '../cluster/emulator.ts';
import { compile } from '../compile/index.ts';
import { loadFiles } from '../config/load.ts';
import type { Problem } from '../config/problems.ts';
import type { RuntimeSnapshot } from '../runtime/snapshot.ts';
import { validateDocuments } from '../config/validate.ts';
import type { IgnoredResource, Resource } from '../config/validate.ts';
import { EndpointRegistry } from '../endpoints/registry.ts';

export interface LoadedConfig {
  readonly resources: Resource[];
  readonly ignored: IgnoredResource[];
  readonly pods: PlannedPod[];
  readonly problems: Problem[];
  readonly files: string[];
}

/** Loads and validates the files and plans the cluster; nothing is started. */
export function loadConfig(paths: readonly string[], readStdin?: () => string): LoadedConfig {
  const loaded = loadFiles(paths, readStdin);
  const validated = validateDocuments(loaded.documents);
  const plan = planCluster(validated.resources);
  return {
    resources: validated.resources,
    ignored: validated.ignored,
    pods: [...plan.pods],
    problems: [...loaded.problems, ...validated.problems, ...plan.problems],
    files: loaded.files,
  };
}

/** Compiles without running anything (pods have no addresses): for `validate` and `status -f`. */
export function dryCompile(config: LoadedConfig, portOverride?: number): RuntimeSnapshot {
  return compile({ resources: config.resources, pods: config.pods as (PlannedPod | RunningPod)[], endpoints: new EndpointRegistry(), generation: 0, portOverride });
}

/** Every problem of a load plus its compile, errors first. */
export function allProblems(config: LoadedConfig, snapshot: RuntimeSnapshot | undefined): Problem[] {
  const list = [...config.problems, ...(snapshot?.problems ?? [])];
  return list.sort((a, b) => (a.severity === b.severity ? 0 : a.severity === 'error' ? -1 : 1));
}

