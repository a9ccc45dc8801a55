// Watches configuration files for changes and calls back (debounced). Directories are watched rather
// than files, because editors often replace a file (rename) instead of writing it in place, which
// would silently end a watch on the file itself.
import { watch } from 'node:fs';
import type { FSWatcher } from 'node:fs';
import { basename, dirname, resolve } from 'node:path';
import { statSync } from 'node:fs';

export class FileWatcher {
  readonly #onChange: () => void;
  readonly #debounceMs: number;
  readonly #watchers = new Map<string, FSWatcher>();
  /** Directory → file names of interest (undefined = every YAML file in it). */
  #interest = new Map<string, Set<string> | undefined>();
  #timer: NodeJS.Timeout | undefined;
  readonly #roots: readonly string[];

  constructor(paths: readonly string[], onChange: () => void, debounceMs = 150) {
    this.#onChange = onChange;
    this.#debounceMs = debounceMs;
    this.#roots = paths;
    this.update([]);
  }

  /** Re-derives what to watch from the `-f` roots plus the files last loaded. */
  update(files: readonly string[]): void {
    const interest = new Map<string, Set<string> | undefined>();
    for (const p of this.#roots) {
      let isDir = false;
      try {
        isDir = statSync(p).isDirectory();
      } catch {
        // A missing file: watch its directory so that creating it triggers a reload.
      }
      if (isDir) interest.set(resolve(p), undefined);
      else addFile(interest, p);
    }
    for (const f of files) if (!interest.has(resolve(dirname(f))) || interest.get(resolve(dirname(f))) !== undefined) addFile(interest, f);
    this.#interest = interest;
    for (const [dir, w] of this.#watchers) {
      if (!interest.has(dir)) {
        w.close();
        this.#watchers.delete(dir);
      }
    }
    for (const dir of interest.keys()) {
      if (this.#watchers.has(dir)) continue;
      try {
        const w = watch(dir, { persistent: false }, (_event, name) => this.#changed(dir, name === null ? undefined : String(name)));
        w.on('error', () => undefined);
        this.#watchers.set(dir, w);
      } catch {
        // The directory may not exist (yet); the next reload retries.
      }
    }
  }

  #changed(dir: string, name: string | undefined): void {
    const files = this.#interest.get(dir);
    if (name !== undefined) {
      if (files ? !files.has(name) : !/\.(ya?ml|json)$/i.test(name)) return;
    }
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = setTimeout(() => this.#onChange(), this.#debounceMs);
    this.#timer.unref();
  }

  close(): void {
    if (this.#timer) clearTimeout(this.#timer);
    for (const w of this.#watchers.values()) w.close();
    this.#watchers.clear();
  }
}

function addFile(interest: Map<string, Set<string> | undefined>, file: string): void {
  const dir = resolve(dirname(file));
  if (interest.has(dir) && interest.get(dir) === undefined) return;
  const set = interest.get(dir) ?? new Set<string>();
  set.add(basename(file));
  interest.set(dir, set);
}
