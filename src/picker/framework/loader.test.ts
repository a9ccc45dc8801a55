import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse as parseYaml, parseAllDocuments } from 'yaml';
import { quickstart, seedManifests, seedSkip } from '../../../test/support/paths.ts';
import type { EndpointPickerConfig } from '../../config/schemas/index.ts';
import { buildScheduler, toPickerConfig } from '../pool-scheduler.ts';
import { PickerConfigError } from './params.ts';
import { parseGoDurationMs } from '../../config/schemas/meta.ts';
import { PrefixCacheScorer } from '../plugins/scorers/prefix-cache.ts';
import { MaxScorePicker } from '../plugins/pickers/max-score.ts';

function cfg(rest: Partial<EndpointPickerConfig>): EndpointPickerConfig {
  return { apiVersion: 'inference.networking.x-k8s.io/v1alpha1', kind: 'EndpointPickerConfig', ...rest };
}

function profileSummary(config: EndpointPickerConfig | undefined) {
  const s = buildScheduler(config);
  return [...s.profiles.values()].map((p) => ({
    name: p.name,
    filters: p.filters.map((f) => f.name),
    scorers: p.scorers.map((w) => `${w.scorer.name}:${w.scorer.type}*${w.weight}`),
    picker: `${p.picker.name}:${p.picker.type}`,
    handler: s.handler.type,
  }));
}

function configError(config: EndpointPickerConfig): PickerConfigError {
  try {
    buildScheduler(config);
  } catch (err) {
    assert.ok(err instanceof PickerConfigError, `expected a PickerConfigError, got ${String(err)}`);
    return err;
  }
  assert.fail('expected the config to be refused');
}

describe('buildScheduler defaulting', () => {
  it('no config → queue 2, kv 2, prefix 3, max-score-picker, single-profile-handler', () => {
    assert.deepEqual(profileSummary(undefined), [
      {
        name: 'default',
        filters: [],
        scorers: ['queue-scorer:queue-scorer*2', 'kv-cache-utilization-scorer:kv-cache-utilization-scorer*2', 'prefix-cache-scorer:prefix-cache-scorer*3'],
        picker: 'max-score-picker:max-score-picker',
        handler: 'single-profile-handler',
      },
    ]);
    const prefix = buildScheduler(undefined).plugins.get('prefix-cache-scorer');
    assert.ok(prefix instanceof PrefixCacheScorer);
    assert.deepEqual(prefix.parameters, { blockSize: 64, maxPrefixBlocksToMatch: 256, lruCapacityPerServer: 31250, autoTune: true });
  });

  it('a config with no plugins and no profiles keeps the default profile (and its other settings)', () => {
    const summary = profileSummary(cfg({ saturationDetector: { queueDepthThreshold: 3 } }));
    assert.deepEqual(summary, profileSummary(undefined));
    assert.equal(buildScheduler(cfg({ saturationDetector: { queueDepthThreshold: 3 } })).saturation.queueDepthThreshold, 3);
  });

  it('name ← type, missing weight → 1, missing picker → max-score-picker (the seed manifests’ config)', () => {
    const seed = cfg({
      plugins: [{ type: 'queue-scorer' }, { type: 'kv-cache-utilization-scorer' }, { type: 'prefix-cache-scorer' }],
      schedulingProfiles: [{ name: 'default', plugins: [{ pluginRef: 'queue-scorer' }, { pluginRef: 'kv-cache-utilization-scorer' }, { pluginRef: 'prefix-cache-scorer' }] }],
    });
    assert.deepEqual(profileSummary(seed)[0]?.scorers, ['queue-scorer:queue-scorer*1', 'kv-cache-utilization-scorer:kv-cache-utilization-scorer*1', 'prefix-cache-scorer:prefix-cache-scorer*1']);
    assert.equal(profileSummary(seed)[0]?.picker, 'max-score-picker:max-score-picker');
  });

  it('no profiles → one profile "default" with every filter, scorer and picker, in declaration order', () => {
    const summary = profileSummary(
      cfg({ plugins: [{ type: 'low-queue', name: 'lq', parameters: { threshold: 10 } }, { type: 'queue-scorer' }, { type: 'random-picker', name: 'rnd' }] }),
    );
    assert.deepEqual(summary, [{ name: 'default', filters: ['lq'], scorers: ['queue-scorer:queue-scorer*1'], picker: 'rnd:random-picker', handler: 'single-profile-handler' }]);
  });

  it('keeps filter order, named instances and parameters', () => {
    const s = buildScheduler(
      cfg({
        plugins: [
          { type: 'least-KV-cache' },
          { type: 'low-queue', name: 'short-queues' },
          { type: 'max-score-picker', name: 'top2', parameters: { maxNumOfEndpoints: 2 } },
          { type: 'prefix-cache-scorer', name: 'px', parameters: { blockSize: 32, maxPrefixBlocksToMatch: 8, lruCapacityPerServer: 100 } },
        ],
        schedulingProfiles: [{ name: 'p', plugins: [{ pluginRef: 'short-queues' }, { pluginRef: 'least-KV-cache' }, { pluginRef: 'px', weight: 2.5 }, { pluginRef: 'top2' }] }],
      }),
    );
    const p = s.profiles.get('p')!;
    assert.deepEqual(p.filters.map((f) => f.name), ['short-queues', 'least-KV-cache']);
    assert.equal(p.scorers[0]?.weight, 2.5);
    assert.ok(p.picker instanceof MaxScorePicker);
    assert.equal(p.picker.maxNumOfEndpoints, 2);
    const px = s.plugins.get('px') as PrefixCacheScorer;
    assert.deepEqual(px.parameters, { blockSize: 32, maxPrefixBlocksToMatch: 8, lruCapacityPerServer: 100, autoTune: true });
    assert.equal(s.promptChars, 32 * 8);
  });

  it('reads saturationDetector thresholds, defaulting to 5, 0.8 and 200ms', () => {
    assert.deepEqual(buildScheduler(undefined).saturation, { queueDepthThreshold: 5, kvCacheUtilThreshold: 0.8, metricsStalenessMs: 200 });
    const s = buildScheduler(cfg({ saturationDetector: { queueDepthThreshold: 9, metricsStalenessThreshold: '1.5s' } }));
    assert.deepEqual(s.saturation, { queueDepthThreshold: 9, kvCacheUtilThreshold: 0.8, metricsStalenessMs: 1500 });
  });

  it('warns about sections it accepts without acting on them', () => {
    // flowControl (src/picker/flow-control.ts) and autoTune (prefix-cache.ts) are acted on; a
    // saturationDetector plugin reference is not.
    const s = buildScheduler(cfg({ featureGates: ['flowControl'], plugins: [{ type: 'prefix-cache-scorer', parameters: { autoTune: true } }], saturationDetector: { pluginRef: 'x' } }));
    assert.equal(s.warnings.length, 1);
    assert.match(s.warnings.join('\n'), /saturationDetector\.pluginRef x has no effect/);
  });
});

describe('buildScheduler config errors', () => {
  it('an unknown plugin type names the plugin and lists the built-in types', () => {
    const err = configError(cfg({ plugins: [{ type: 'queue-scorr', name: 'q' }] }));
    assert.equal(err.plugin, 'q');
    assert.equal(err.pluginType, 'queue-scorr');
    assert.match(err.message, /plugin "q" \(type queue-scorr\): unknown plugin type queue-scorr; the built-in types are .*queue-scorer/);
  });

  it('a bad parameter names plugin, type and parameter, and says what to write', () => {
    const err = configError(cfg({ plugins: [{ type: 'prefix-cache-scorer', name: 'px', parameters: { blockSize: -4 } }] }));
    assert.equal(err.plugin, 'px');
    assert.equal(err.pluginType, 'prefix-cache-scorer');
    assert.equal(err.parameter, 'blockSize');
    assert.match(err.message, /plugin "px" \(type prefix-cache-scorer\): parameters\.blockSize: must be an integer from 1 to 1048576 \(got -4\); write e\.g\. blockSize: 64/);
  });

  it('a wrongly typed parameter is refused, not coerced', () => {
    const err = configError(cfg({ plugins: [{ type: 'max-score-picker', parameters: { maxNumOfEndpoints: '2' } }] }));
    assert.equal(err.parameter, 'maxNumOfEndpoints');
    assert.match(err.message, /got "2"/);
  });

  it('an unknown parameter is refused and the known ones are listed', () => {
    const err = configError(cfg({ plugins: [{ type: 'prefix-cache-scorer', parameters: { blocksize: 64 } }] }));
    assert.equal(err.parameter, 'blocksize');
    assert.match(err.message, /parameters\.blocksize: is not a parameter of prefix-cache-scorer; its parameters are blockSize, maxPrefixBlocksToMatch, lruCapacityPerServer, autoTune/);
    const none = configError(cfg({ plugins: [{ type: 'queue-scorer', parameters: { x: 1 } }] }));
    assert.match(none.message, /it takes no parameters/);
  });

  it('a prefix buffer that would be huge is refused', () => {
    const err = configError(cfg({ plugins: [{ type: 'prefix-cache-scorer', parameters: { blockSize: 1 << 20, maxPrefixBlocksToMatch: 1 << 16 } }] }));
    assert.equal(err.parameter, 'maxPrefixBlocksToMatch');
  });

  it('profile mistakes: unknown pluginRef, two pickers, a duplicate ref, negative weight', () => {
    const unknown = configError(cfg({ plugins: [{ type: 'queue-scorer' }], schedulingProfiles: [{ name: 'p', plugins: [{ pluginRef: 'kv' }] }] }));
    assert.match(unknown.message, /pluginRef "kv" names no plugin; declare it under plugins \(declared: queue-scorer\)/);
    const twoPickers = configError(cfg({ plugins: [{ type: 'random-picker' }, { type: 'max-score-picker' }], schedulingProfiles: [{ name: 'p', plugins: [{ pluginRef: 'random-picker' }, { pluginRef: 'max-score-picker' }] }] }));
    assert.match(twoPickers.message, /two pickers \(random-picker and max-score-picker\); keep one/);
    const dup = configError(cfg({ plugins: [{ type: 'queue-scorer' }], schedulingProfiles: [{ name: 'p', plugins: [{ pluginRef: 'queue-scorer' }, { pluginRef: 'queue-scorer' }] }] }));
    assert.match(dup.message, /referenced twice/);
    const neg = configError(cfg({ plugins: [{ type: 'queue-scorer' }], schedulingProfiles: [{ name: 'p', plugins: [{ pluginRef: 'queue-scorer', weight: -1 }] }] }));
    assert.equal(neg.parameter, 'weight');
  });

  it('several profiles need a handler; single-profile-handler refuses them', () => {
    const profiles = [
      { name: 'a', plugins: [{ pluginRef: 'queue-scorer' }] },
      { name: 'b', plugins: [{ pluginRef: 'queue-scorer' }] },
    ];
    assert.match(configError(cfg({ plugins: [{ type: 'queue-scorer' }], schedulingProfiles: profiles })).message, /2 schedulingProfiles need a profile handler/);
    const err = configError(cfg({ plugins: [{ type: 'queue-scorer' }, { type: 'single-profile-handler' }], schedulingProfiles: profiles }));
    assert.equal(err.pluginType, 'single-profile-handler');
    assert.match(err.message, /runs exactly one scheduling profile, but 2 are configured \(a, b\)/);
  });

  it('a bad staleness duration names the parameter', () => {
    const err = configError(cfg({ saturationDetector: { metricsStalenessThreshold: '0' } }));
    assert.equal(err.parameter, 'metricsStalenessThreshold');
  });
});

describe('shipped manifests', () => {
  const files = [join(seedManifests, 'inferencepool-resources.yaml'), join(seedManifests, 'mistral.yaml'), join(quickstart, 'llama-pool.yaml')];
  for (const file of files) {
    it(`the EndpointPickerConfig in ${file.split('/').slice(-2).join('/')} builds without warnings`, { skip: file.startsWith(seedManifests) && seedSkip }, () => {
      const configs = parseAllDocuments(readFileSync(file, 'utf8'))
        .map((d) => d.toJS() as { kind?: string; data?: Record<string, string> } | null)
        .filter((d) => d?.kind === 'ConfigMap')
        .flatMap((d) => Object.values(d?.data ?? {}))
        .filter((text) => text.includes('kind: EndpointPickerConfig'));
      assert.equal(configs.length, 1);
      const s = buildScheduler(toPickerConfig(parseYaml(configs[0]!)));
      assert.deepEqual(s.warnings, []);
      assert.deepEqual([...s.profiles.get('default')!.scorers.map((w) => w.scorer.type)], ['queue-scorer', 'kv-cache-utilization-scorer', 'prefix-cache-scorer']);
    });
  }
});

describe('plugin READMEs', () => {
  for (const folder of ['filters', 'scorers', 'pickers']) {
    it(`the YAML example in plugins/${folder}/README.md validates and builds`, () => {
      const text = readFileSync(new URL(`../plugins/${folder}/README.md`, import.meta.url), 'utf8');
      const yaml = /```yaml\n([\s\S]*?)```/.exec(text)?.[1];
      assert.ok(yaml, 'no yaml block');
      const config = toPickerConfig(parseYaml(yaml));
      const s = buildScheduler(config);
      assert.deepEqual(s.warnings, []);
      assert.equal(s.profiles.size, 1);
    });
  }
});

describe('parseGoDurationMs', () => {
  it('reads Go durations', () => {
    assert.equal(parseGoDurationMs('200ms'), 200);
    assert.equal(parseGoDurationMs('1m30s'), 90_000);
    assert.equal(parseGoDurationMs('1.5s'), 1500);
    assert.equal(parseGoDurationMs('0'), 0);
    assert.equal(parseGoDurationMs('5'), undefined);
    assert.equal(parseGoDurationMs('ms'), undefined);
    assert.equal(parseGoDurationMs('2s junk'), undefined);
  });
});
