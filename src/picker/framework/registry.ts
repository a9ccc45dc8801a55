// The plugin registry: upstream type name → factory. The built-in list is in ../plugins/index.ts;
// a registry is a plain value, so tests can build one with extra or fake plugins.
import type { Params } from './params.ts';
import type { Plugin } from './types.ts';

/**
 * Services a factory may use. `state` returns the value kept under `key` for this pool, creating it
 * with `create` the first time: it survives config reloads (see PoolPickerState), so a plugin keeps
 * learned state (the prefix index) when the configuration is rebuilt.
 */
export interface PluginHandle {
  state<T>(key: string, create: () => T): T;
}

export interface FactoryInput {
  /** Instance name (defaults to the type). */
  readonly name: string;
  readonly type: string;
  /** Read every parameter, then call `params.done()` so unknown ones are reported. */
  readonly params: Params;
  readonly handle: PluginHandle;
}

export type PluginFactory = (input: FactoryInput) => Plugin;

export class PluginRegistry {
  readonly #factories = new Map<string, PluginFactory>();

  /** Registers `factory` under `type`; throws when the type is taken (one list, no silent override). */
  register(type: string, factory: PluginFactory): this {
    if (this.#factories.has(type)) throw new Error(`plugin type ${type} is registered twice`);
    this.#factories.set(type, factory);
    return this;
  }

  get(type: string): PluginFactory | undefined {
    return this.#factories.get(type);
  }

  types(): string[] {
    return [...this.#factories.keys()].sort();
  }
}

/** A handle whose state lives only as long as the handle (tests, one-off schedulers). */
export function transientHandle(): PluginHandle {
  const values = new Map<string, unknown>();
  return {
    state<T>(key: string, create: () => T): T {
      if (!values.has(key)) values.set(key, create());
      return values.get(key) as T;
    },
  };
}
