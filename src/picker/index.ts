// The picker's public surface for the rest of the gateway (compile builds PoolSchedulers; tools and
// benchmarks read decisions). Plugin internals stay behind it.
export { PoolScheduler, PickerStates, PoolPickerState, buildScheduler, toPickerConfig } from './pool-scheduler.ts';
export type { PoolIdentity, PoolSchedulerOptions, BuildOptions } from './pool-scheduler.ts';
export { formatDecision, decisionRecord, prefixBlocks } from './decision.ts';
export type { Decision, DecisionRecord } from './decision.ts';
export { promptText, cacheSaltOf } from './request.ts';
export { prefixIndexSize } from './prefix-index-size.ts';
export { PickerConfigError } from './framework/params.ts';
export { Scheduler } from './framework/scheduler.ts';
export { DEFAULT_PICKER_CONFIG } from './framework/loader.ts';
export { PluginRegistry } from './framework/registry.ts';
export type { PluginFactory, PluginHandle } from './framework/registry.ts';
export { seededRandom } from './framework/random.ts';
export { BUILTIN_PLUGINS, builtinRegistry } from './plugins/index.ts';
export type * from './framework/types.ts';
