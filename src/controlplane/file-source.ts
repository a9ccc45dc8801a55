// Standalone's ResourceSource: YAML files and directories (and stdin), validated, with the pods the
// Deployments would create planned for the cluster emulator; watched for changes (debounced). The
// files an earlier load read are followed too, so editing any of them triggers a reload.
import type { ResourceSet, ResourceSource } from './source.ts';
import { loadConfig } from './pipeline.ts';
import { FileWatcher } from './watch.ts';

export class FileSource implements ResourceSource {
  readonly kind = 'files';
  readonly #paths: readonly string[];
  readonly #readStdin: (() => string) | undefined;
  #watcher: FileWatcher | undefined;
  #lastFiles: readonly string[] = [];

  constructor(paths: readonly string[], options: { readStdin?: (() => string) | undefined } = {}) {
    this.#paths = paths;
    this.#readStdin = options.readStdin;
  }

  load(): Promise<ResourceSet> {
    const c = loadConfig(this.#paths, this.#readStdin);
    this.#lastFiles = c.files;
    if (this.#watcher && c.files.length > 0) this.#watcher.update(c.files);
    return Promise.resolve({ resources: c.resources, ignored: c.ignored, problems: c.problems, pods: c.pods, podsArePlanned: true, files: c.files });
  }

  /** Stdin cannot be watched; the other paths are. */
  watch(onChange: () => void): () => void {
    this.#watcher?.close();
    const watcher = new FileWatcher(this.#paths.filter((f) => f !== '-'), onChange);
    if (this.#lastFiles.length > 0) watcher.update(this.#lastFiles);
    this.#watcher = watcher;
    return () => {
      watcher.close();
      if (this.#watcher === watcher) this.#watcher = undefined;
    };
  }

  close(): Promise<void> {
    this.#watcher?.close();
    this.#watcher = undefined;
    return Promise.resolve();
  }
}
