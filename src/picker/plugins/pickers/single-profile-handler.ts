// single-profile-handler: runs the only scheduling profile once and makes it the primary result.
// The loader adds it when a config has exactly one profile and declares no handler; declaring it
// with more than one profile is a configuration error. No parameters.
import { PickerConfigError } from '../../framework/params.ts';
import type { PluginFactory } from '../../framework/registry.ts';
import type { CycleState, ProfileHandler, ProfileRun, SchedulingProfile, SchedulingRequest } from '../../framework/types.ts';

export const SINGLE_PROFILE_HANDLER_TYPE = 'single-profile-handler';

export class SingleProfileHandler implements ProfileHandler {
  readonly type = SINGLE_PROFILE_HANDLER_TYPE;
  readonly name: string;

  constructor(name: string = SINGLE_PROFILE_HANDLER_TYPE) {
    this.name = name;
  }

  validate(profiles: ReadonlyMap<string, SchedulingProfile>): void {
    if (profiles.size !== 1) {
      throw new PickerConfigError(
        `EndpointPickerConfig plugin "${this.name}" (type ${this.type}) runs exactly one scheduling profile, but ${profiles.size} are configured (${[...profiles.keys()].join(', ')}); keep one profile`,
        { plugin: this.name, type: this.type },
      );
    }
  }

  pickProfiles(_cycle: CycleState, _request: SchedulingRequest, profiles: ReadonlyMap<string, SchedulingProfile>, results: ReadonlyMap<string, ProfileRun>): SchedulingProfile[] {
    return results.size > 0 ? [] : [...profiles.values()];
  }

  processResults(_cycle: CycleState, _request: SchedulingRequest, results: ReadonlyMap<string, ProfileRun>): { primaryProfile: string } {
    const names = [...results.keys()];
    if (names.length !== 1) throw new Error(`${this.type} expected one profile result, got ${names.length}`);
    return { primaryProfile: names[0]! };
  }
}

export const singleProfileHandlerFactory: PluginFactory = ({ name }) => new SingleProfileHandler(name);
