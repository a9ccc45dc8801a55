// EndpointPickerConfig → Scheduler, with upstream's defaulting (GIE v1.3 loader, inference-extension
// reference §4.1):
//   - no config at all → queue-scorer ×2, kv-cache-utilization-scorer ×2, prefix-cache-scorer ×3;
//     so does a config that declares no plugins and no profiles (e.g. one that only sets
//     saturationDetector thresholds): Sluice's choice, so that tuning admission keeps the default
//     scheduling instead of silently degrading to a random pick;
//   - plugin name ← type;
//   - no schedulingProfiles → one profile `default` with every filter, scorer and picker plugin;
//   - a profile without a picker → a max-score-picker with default parameters;
//   - a scorer reference without a weight → weight 1;
//   - no profile handler plugin and exactly one profile → single-profile-handler.
// Every error is a PickerConfigError naming the plugin, the parameter and the fix. Parts of the
// config Sluice accepts but does not act on become `warnings` (reported, never silent).
import { parseGoDurationMs } from '../../config/schemas/meta.ts';
import type { EndpointPickerConfig } from '../../config/schemas/index.ts';
import { PickerConfigError, Params, describePlugin } from './params.ts';
import type { PluginHandle, PluginRegistry } from './registry.ts';
import { DEFAULT_SATURATION } from '../../endpoints/saturation.ts';
import type { SaturationThresholds } from '../../endpoints/saturation.ts';
import { Scheduler } from './scheduler.ts';
import { isFilter, isPicker, isProfileHandler, isScorer } from './types.ts';
import type { Filter, Picker, Plugin, ProfileHandler, SchedulingProfile, WeightedScorer } from './types.ts';

export const DEFAULT_PICKER_TYPE = 'max-score-picker';
export const DEFAULT_PROFILE_HANDLER_TYPE = 'single-profile-handler';
export const DEFAULT_PROFILE_NAME = 'default';

/** The profile used when a pool has no EndpointPickerConfig (the GIE chart's and llm-d's default). */
export const DEFAULT_PICKER_CONFIG: EndpointPickerConfig = {
  apiVersion: 'inference.networking.x-k8s.io/v1alpha1',
  kind: 'EndpointPickerConfig',
  plugins: [{ type: 'queue-scorer' }, { type: 'kv-cache-utilization-scorer' }, { type: 'prefix-cache-scorer' }],
  schedulingProfiles: [
    {
      name: DEFAULT_PROFILE_NAME,
      plugins: [
        { pluginRef: 'queue-scorer', weight: 2 },
        { pluginRef: 'kv-cache-utilization-scorer', weight: 2 },
        { pluginRef: 'prefix-cache-scorer', weight: 3 },
      ],
    },
  ],
};

export function loadScheduler(config: EndpointPickerConfig | undefined, registry: PluginRegistry, handle: PluginHandle): Scheduler {
  const declaresNothing = (config?.plugins ?? []).length === 0 && (config?.schedulingProfiles ?? []).length === 0;
  const cfg: EndpointPickerConfig = config === undefined ? DEFAULT_PICKER_CONFIG : declaresNothing ? { ...config, plugins: DEFAULT_PICKER_CONFIG.plugins, schedulingProfiles: DEFAULT_PICKER_CONFIG.schedulingProfiles } : config;
  const warnings: string[] = [];

  // 1. Instantiate the declared plugins.
  const plugins = new Map<string, Plugin>();
  for (const decl of cfg.plugins ?? []) {
    const name = decl.name ?? decl.type;
    if (plugins.has(name)) throw new PickerConfigError(`EndpointPickerConfig: two plugins are named "${name}"; give each a distinct name`, { plugin: name, type: decl.type });
    plugins.set(name, instantiate(registry, handle, name, decl.type, decl.parameters, warnings));
  }

  // 2. Profiles.
  const declaredProfiles = cfg.schedulingProfiles ?? [];
  const profileSpecs =
    declaredProfiles.length > 0
      ? declaredProfiles.map((p) => ({ name: p.name, refs: p.plugins.map((r) => ({ pluginRef: r.pluginRef, weight: r.weight })) }))
      : [{ name: DEFAULT_PROFILE_NAME, refs: [...plugins.entries()].filter(([, p]) => isFilter(p) || isScorer(p) || isPicker(p)).map(([n]) => ({ pluginRef: n, weight: undefined })) }];
  let defaultPicker: Picker | undefined;
  const profiles = new Map<string, SchedulingProfile>();
  for (const spec of profileSpecs) {
    if (profiles.has(spec.name)) throw new PickerConfigError(`EndpointPickerConfig: two schedulingProfiles are named "${spec.name}"; give each a distinct name`);
    const filters: Filter[] = [];
    const scorers: WeightedScorer[] = [];
    let picker: Picker | undefined;
    const seen = new Set<string>();
    for (const ref of spec.refs) {
      const where = `EndpointPickerConfig schedulingProfiles "${spec.name}"`;
      const plugin = plugins.get(ref.pluginRef);
      if (!plugin) {
        const known = [...plugins.keys()];
        throw new PickerConfigError(`${where}: pluginRef "${ref.pluginRef}" names no plugin; declare it under plugins (${known.length > 0 ? `declared: ${known.join(', ')}` : 'none is declared'})`, { plugin: ref.pluginRef });
      }
      const what = describePlugin(plugin.name, plugin.type);
      if (seen.has(ref.pluginRef)) throw new PickerConfigError(`${where}: ${what} is referenced twice; reference it once`, { plugin: plugin.name, type: plugin.type });
      seen.add(ref.pluginRef);
      let role = false;
      if (isFilter(plugin)) {
        filters.push(plugin);
        role = true;
      }
      if (isScorer(plugin)) {
        const weight = ref.weight ?? 1;
        if (!Number.isFinite(weight) || weight < 0) {
          throw new PickerConfigError(`${where}: ${what}: weight must be a number of at least 0 (got ${String(weight)}); write e.g. weight: 1`, { plugin: plugin.name, type: plugin.type, parameter: 'weight' });
        }
        scorers.push({ scorer: plugin, weight });
        role = true;
      } else if (ref.weight !== undefined) {
        warnings.push(`${where}: ${what} is not a scorer, so its weight ${ref.weight} has no effect`);
      }
      if (isPicker(plugin)) {
        if (picker) throw new PickerConfigError(`${where}: has two pickers (${picker.name} and ${plugin.name}); keep one`, { plugin: plugin.name, type: plugin.type });
        picker = plugin;
        role = true;
      }
      if (!role) {
        const extra = isProfileHandler(plugin) ? '; profile handlers are declared under plugins only' : '';
        throw new PickerConfigError(`${where}: ${what} is not a filter, scorer or picker, so it cannot be part of a profile${extra}`, { plugin: plugin.name, type: plugin.type });
      }
    }
    if (!picker) {
      defaultPicker ??= instantiate(registry, handle, DEFAULT_PICKER_TYPE, DEFAULT_PICKER_TYPE, undefined, warnings) as Picker;
      picker = defaultPicker;
    }
    profiles.set(spec.name, { name: spec.name, filters, scorers, picker });
  }

  // 3. The profile handler.
  const handlers = [...plugins.values()].filter(isProfileHandler);
  let handler: ProfileHandler;
  if (handlers.length > 1) {
    throw new PickerConfigError(`EndpointPickerConfig: declares ${handlers.length} profile handlers (${handlers.map((h) => h.name).join(', ')}); keep one`);
  } else if (handlers[0]) {
    handler = handlers[0];
  } else if (profiles.size === 1) {
    const h = instantiate(registry, handle, DEFAULT_PROFILE_HANDLER_TYPE, DEFAULT_PROFILE_HANDLER_TYPE, undefined, warnings);
    if (!isProfileHandler(h)) throw new Error(`${DEFAULT_PROFILE_HANDLER_TYPE} is not registered as a profile handler`);
    handler = h;
  } else {
    throw new PickerConfigError(`EndpointPickerConfig: ${profiles.size} schedulingProfiles need a profile handler that chooses between them; declare one under plugins or keep a single profile`);
  }
  handler.validate?.(profiles);
  plugins.set(handler.name, handler);
  if (defaultPicker && !plugins.has(defaultPicker.name)) plugins.set(defaultPicker.name, defaultPicker);

  // 4. Admission thresholds and sections Sluice does not act on.
  const saturation = saturationThresholds(cfg, warnings);
  for (const key of ['data', 'dataLayer', 'requestHandler', 'parser'] as const) {
    if (cfg[key] !== undefined) warnings.push(`EndpointPickerConfig: ${key} has no effect; Sluice scrapes model-server metrics itself and parses OpenAI bodies`);
  }

  return new Scheduler({ profiles, handler, plugins, saturation, warnings });
}

function instantiate(registry: PluginRegistry, handle: PluginHandle, name: string, type: string, parameters: unknown, warnings: string[]): Plugin {
  const factory = registry.get(type);
  if (!factory) {
    throw new PickerConfigError(`EndpointPickerConfig ${describePlugin(name, type)}: unknown plugin type ${type}; the built-in types are ${registry.types().join(', ')}`, { plugin: name, type });
  }
  const params = new Params(name, type, parameters, warnings);
  const plugin = factory({ name, type, params, handle });
  params.done();
  return plugin;
}

function saturationThresholds(cfg: EndpointPickerConfig, warnings: string[]): SaturationThresholds {
  const sd = cfg.saturationDetector;
  if (!sd) return DEFAULT_SATURATION;
  if (sd.pluginRef !== undefined) warnings.push(`EndpointPickerConfig: saturationDetector.pluginRef ${sd.pluginRef} has no effect; the utilization detector with queueDepthThreshold, kvCacheUtilThreshold and metricsStalenessThreshold is used`);
  let stalenessMs = DEFAULT_SATURATION.metricsStalenessMs;
  if (sd.metricsStalenessThreshold !== undefined) {
    const ms = parseGoDurationMs(sd.metricsStalenessThreshold);
    if (ms === undefined || ms <= 0) {
      throw new PickerConfigError(`EndpointPickerConfig saturationDetector: metricsStalenessThreshold must be a positive Go duration such as 200ms (got ${JSON.stringify(sd.metricsStalenessThreshold)})`, { parameter: 'metricsStalenessThreshold' });
    }
    stalenessMs = ms;
  }
  return {
    queueDepthThreshold: sd.queueDepthThreshold ?? DEFAULT_SATURATION.queueDepthThreshold,
    kvCacheUtilThreshold: sd.kvCacheUtilThreshold ?? DEFAULT_SATURATION.kvCacheUtilThreshold,
    metricsStalenessMs: stalenessMs,
  };
}
