// The picker's public surface for the rest of the gateway. Stages import from here; plugin
// internals stay behind it.
export { PoolScheduler, PoolSchedulers, PickerStates, PoolPickerState, buildScheduler, toPickerConfig } from './pool-scheduler.ts';
export type { PoolInput, ScheduleInput, PoolSchedulerOptions, PoolSchedulersOptions, BuildOptions } from './pool-scheduler.ts';
export { admit, priorityOf, headerValue, OBJECTIVE_HEADERS, SHED_RETRY_AFTER_SECONDS, DROPPED_REASON_HEADER } from '../admission/pool-admission.ts';
export type { AdmissionPool, PriorityInfo } from '../admission/pool-admission.ts';
export { formatDecision, decisionRecord, prefixBlocks } from './decision.ts';
export type { Decision, DecisionRecord } from './decision.ts';
export { promptText, cacheSaltOf } from './request.ts';
export { prefixIndexSize } from './prefix-index-size.ts';

export { DEFAULT_SATURATION, isSaturated, hasCapacity, metricsFresh } from '../endpoints/saturation.ts';
export type { SaturationThresholds } from '../endpoints/saturation.ts';
export { PickerConfigError } from './framework/params.ts';
export { Scheduler } from './framework/scheduler.ts';
export { DEFAULT_PICKER_CONFIG } from './framework/loader.ts';
export { PluginRegistry } from './framework/registry.ts';
export type { PluginFactory, PluginHandle } from './framework/registry.ts';
export { seededRandom } from './framework/random.ts';
export { BUILTIN_PLUGINS, builtinRegistry } from './plugins/index.ts';
export type * from './framework/types.ts';

export { FlowQueue, flowControlSettings, DEFAULT_FLOW_CONTROL } from '../admission/flow-control.ts';
export type { FlowControlSettings } from '../admission/flow-control.ts';
