import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseDurationMs } from './duration.ts';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { applyRuntimeConfig, defaultSimulatorOptions, describeRuntimeConfig, parseSimulatorArgs, QUICKSTART_LATENCY, sluiceFlagHelp } from './options.ts';
import { createRandom } from './random.ts';

describe('parseDurationMs', () => {
  it('reads Go duration strings and plain milliseconds', () => {
    assert.equal(parseDurationMs('10ms'), 10);
    assert.equal(parseDurationMs('1s'), 1000);
    assert.equal(parseDurationMs('1.5s'), 1500);
    assert.equal(parseDurationMs('250us'), 0.25);
    assert.equal(parseDurationMs('250µs'), 0.25);
    assert.equal(parseDurationMs('1m30s'), 90_000);
    assert.equal(parseDurationMs('2h'), 7_200_000);
    assert.equal(parseDurationMs('0'), 0);
    assert.equal(parseDurationMs('25'), 25);
    assert.equal(parseDurationMs('2.5'), 2.5);
  });

  it('rejects what is not a non-negative duration', () => {
    for (const bad of ['', 'ms', '-5ms', '-5', '10 parsecs', '1d', '5msx', 'abc', '1.2.3s']) {
      assert.equal(parseDurationMs(bad), undefined, bad);
    }
  });

  it('sums random multi-term durations exactly', () => {
    const rng = createRandom(7);
    const units: [string, number][] = [['h', 3_600_000], ['m', 60_000], ['s', 1000], ['ms', 1], ['us', 0.001]];
    for (let i = 0; i < 200; i++) {
      let text = '';
      let expected = 0;
      for (const [unit, factor] of units) {
        if (rng.next() < 0.5) continue;
        const n = rng.int(0, 999);
        text += `${n}${unit}`;
        expected += n * factor;
      }
      if (text === '') continue;
      assert.ok(Math.abs((parseDurationMs(text) as number) - expected) < 1e-6, text);
    }
  });
});

describe('parseSimulatorArgs', () => {
  it('parses the seed Deployment args', () => {
    const { options, warnings } = parseSimulatorArgs([
      '--model', 'meta-llama/Llama-3.1-8B-Instruct',
      '--port', '8000',
      '--max-loras', '2',
      '--lora-modules', '{"name": "food-review-1"}',
    ]);
    assert.deepEqual(warnings, []);
    assert.equal(options.model, 'meta-llama/Llama-3.1-8B-Instruct');
    assert.equal(options.port, 8000);
    assert.equal(options.maxLoras, 2);
    assert.deepEqual(options.loraModules, [{ name: 'food-review-1' }]);
    // Untouched fields keep their defaults.
    assert.equal(options.maxNumSeqs, defaultSimulatorOptions().maxNumSeqs);
  });

  it('accepts --flag=value and multi-valued flags up to the next --flag', () => {
    const { options, warnings } = parseSimulatorArgs([
      '--model=base',
      '--max-num-seqs=7',
      '--served-model-name', 'alias-a', 'alias-b',
      '--lora-modules',
      '{"name":"a1","path":"/adapters/a1","base_model_name":"base"}',
      '[{"name":"a2"},{"name":"a3"}]',
      'a4=/adapters/a4',
      '--mode=echo',
      '--time-factor-under-load', '2.5',
      '--latency-calculator=per-token',
      '--seed', '42',
    ]);
    assert.deepEqual(warnings, []);
    assert.equal(options.model, 'base');
    assert.equal(options.maxNumSeqs, 7);
    assert.deepEqual(options.servedModelNames, ['alias-a', 'alias-b']);
    assert.deepEqual(options.loraModules, [
      { name: 'a1', path: '/adapters/a1', baseModelName: 'base' },
      { name: 'a2' },
      { name: 'a3' },
      { name: 'a4', path: '/adapters/a4' },
    ]);
    assert.equal(options.mode, 'echo');
    assert.equal(options.timeFactorUnderLoad, 2.5);
    assert.equal(options.latencyCalculator, 'per-token');
    assert.equal(options.seed, 42);
  });

  it('reads durations as Go strings or milliseconds', () => {
    const { options } = parseSimulatorArgs([
      '--model', 'm',
      '--time-to-first-token', '1s',
      '--inter-token-latency=15',
      '--prefill-overhead', '30ms',
      '--prefill-time-per-token', '250us',
      '--startup-duration', '1m',
    ]);
    assert.equal(options.timeToFirstTokenMs, 1000);
    assert.equal(options.interTokenLatencyMs, 15);
    assert.equal(options.prefillOverheadMs, 30);
    assert.equal(options.prefillTimePerTokenMs, 0.25);
    assert.equal(options.startupDurationMs, 60_000);
  });

  it('throws on bad values, naming the flag, the value and what is expected', () => {
    const cases: [string[], RegExp[]][] = [
      [['--max-num-seqs', 'abc'], [/--max-num-seqs/, /"abc"/, /integer/]],
      [['--max-num-seqs', '0'], [/--max-num-seqs/, /≥ 1/]],
      [['--port', '70000'], [/--port/, /70000/]],
      [['--time-to-first-token', '10parsecs'], [/--time-to-first-token/, /10parsecs/, /duration/]],
      [['--time-factor-under-load', '0.5'], [/--time-factor-under-load/, /0\.5/]],
      [['--lora-modules', '{"name": '], [/--lora-modules/, /JSON/]],
      [['--lora-modules', '{"path": "/x"}'], [/--lora-modules/, /name/]],
      [['--mode', 'loud'], [/--mode/, /loud/, /random/]],
      [['--failure-types', 'meteor'], [/--failure-types/, /meteor/]],
    ];
    for (const [args, patterns] of cases) {
      assert.throws(
        () => parseSimulatorArgs(['--model', 'm', ...args]),
        (err: unknown) => err instanceof Error && patterns.every((p) => p.test(err.message)),
        args.join(' '),
      );
    }
  });

  it('requires a model unless the base gives one', () => {
    assert.throws(() => parseSimulatorArgs(['--port', '8000']), /--model is required/);
    assert.equal(parseSimulatorArgs(['--port', '8000'], { model: 'from-env' }).options.model, 'from-env');
  });

  it('reports unknown and unmodelled flags as warnings and keeps parsing', () => {
    const { options, warnings } = parseSimulatorArgs([
      '--model', 'm',
      '--frobnicate', '7',
      '--enable-sleep-mode', // boolean: must not swallow the next argument
      'stray',
      '--max-num-seqs', '3',
      '--kv-cache-size', '2048',
      '--data-parallel-size', '2',
      '--tensor-parallel-size', '4', // ignored upstream too: silent
      '--v=5', // klog: silent
      '--dry-run', // unknown and last: no value to take
    ]);
    assert.equal(options.maxNumSeqs, 3);
    assert.equal(options.kvCacheSize, 2048);
    assert.equal(warnings.length, 5, warnings.join('\n'));
    assert.ok(warnings.some((w) => w.includes('--frobnicate')));
    assert.ok(warnings.some((w) => w.includes('--enable-sleep-mode') && /not modelled/.test(w)));
    assert.ok(warnings.some((w) => w.includes('--data-parallel-size')));
    assert.ok(warnings.some((w) => w.includes('--dry-run')));
    assert.ok(warnings.some((w) => w.includes('stray')));
  });

  it('throws on a missing value only for flags it uses', () => {
    assert.throws(() => parseSimulatorArgs(['--model', 'm', '--max-num-seqs']), /missing value for --max-num-seqs/);
    assert.throws(() => parseSimulatorArgs(['--model', 'm', '--config']), /missing value for --config/);
    const { warnings } = parseSimulatorArgs(['--model', 'm', '--dataset-path']);
    assert.equal(warnings.length, 1);
    assert.match(warnings[0] ?? '', /--dataset-path/);
  });

  it('keeps the upstream meaning of prefill-only args under the legacy calculator', () => {
    const perToken = parseSimulatorArgs(['--model', 'm', '--prefill-overhead', '30ms', '--prefill-time-per-token', '1ms']).options;
    assert.equal(perToken.timeToFirstTokenMs, 0, 'legacy rule must select per-token');
    const explicit = parseSimulatorArgs(['--model', 'm', '--prefill-overhead', '30ms', '--time-to-first-token', '5ms']).options;
    assert.equal(explicit.timeToFirstTokenMs, 5);
  });

  it('clamps a std-dev above 30% of its mean with a warning', () => {
    const { options, warnings } = parseSimulatorArgs(['--model', 'm', '--inter-token-latency', '10ms', '--inter-token-latency-std-dev', '5ms']);
    assert.equal(options.interTokenLatencyStdDevMs, 3);
    assert.ok(warnings.some((w) => w.includes('--inter-token-latency-std-dev')));
  });

  it('never fails with anything but a descriptive Error on random argv', () => {
    const rng = createRandom(1234);
    const pool = [
      '--model', 'm', '--port', '--max-num-seqs', '--lora-modules', '{"name":"x"}', '[', '--mode', 'echo',
      '--time-to-first-token', '5ms', 'abc', '--enable-kvcache', '--served-model-name', '-1', '', '=', '--=',
      '--seed', '1.5', '--failure-types', 'rate_limit', '--unknown', '--max-loras=2', '--block-size', '16',
    ];
    for (let i = 0; i < 2000; i++) {
      const argv = Array.from({ length: rng.int(0, 10) }, () => rng.pick(pool));
      try {
        const { options, warnings } = parseSimulatorArgs(['--model', 'base', ...argv]);
        assert.ok(options.model.length > 0);
        assert.ok(Array.isArray(warnings));
      } catch (err) {
        assert.ok(err instanceof Error && !(err instanceof TypeError), `argv ${JSON.stringify(argv)}: ${String(err)}`);
        assert.match(err.message, /--[a-z-]+/, `error must name a flag: ${err.message}`);
      }
    }
  });
});

describe('latency defaults', () => {
  it('uses the quickstart latencies when no latency flag is given', () => {
    const { options } = parseSimulatorArgs(['--model', 'm']);
    assert.equal(options.prefillOverheadMs, QUICKSTART_LATENCY.prefillOverheadMs);
    assert.equal(options.prefillTimePerTokenMs, QUICKSTART_LATENCY.prefillTimePerTokenMs);
    assert.equal(options.interTokenLatencyMs, QUICKSTART_LATENCY.interTokenLatencyMs);
    assert.equal(options.timeToFirstTokenMs, 0);
  });

  it('gives every latency flag not given upstream\'s 0 once any is given', () => {
    const { options } = parseSimulatorArgs(['--model', 'm', '--time-to-first-token', '100ms']);
    assert.equal(options.timeToFirstTokenMs, 100);
    assert.equal(options.interTokenLatencyMs, 0);
    assert.equal(options.prefillOverheadMs, 0);
    assert.equal(options.prefillTimePerTokenMs, 0);
  });
});

describe('--config YAML and --replicas', () => {
  const dir = mkdtempSync(join(tmpdir(), 'sim-config-'));

  it('reads flag names from YAML; the command line wins, lists included', () => {
    const file = join(dir, 'sim.yaml');
    writeFileSync(
      file,
      [
        'model: yaml-model',
        'max-num-seqs: 7',
        'time-to-first-token: 25',
        'enable-kvcache: false',
        'served-model-name: [a, b]',
        'lora-modules:',
        '  - \'{"name":"l1","path":"/p1"}\'',
        '  - {name: l2, base_model_name: yaml-model}',
        'failure-types: [rate_limit, 500]',
        'replicas: 3',
        'not-a-flag: 1',
      ].join('\n'),
    );
    const { options, warnings, replicas } = parseSimulatorArgs(['--config', file, '--max-num-seqs', '9', '--served-model-name', 'c']);
    assert.equal(options.model, 'yaml-model');
    assert.equal(options.maxNumSeqs, 9);
    assert.equal(options.timeToFirstTokenMs, 25);
    assert.equal(options.interTokenLatencyMs, 0, 'a latency flag in the file counts as given');
    assert.equal(options.enableKvCache, false);
    assert.deepEqual(options.servedModelNames, ['c']);
    assert.deepEqual(options.loraModules, [{ name: 'l1', path: '/p1' }, { name: 'l2', baseModelName: 'yaml-model' }]);
    assert.deepEqual(options.failureTypes, ['rate_limit']);
    assert.deepEqual(options.failureStatuses, [500]);
    assert.equal(replicas, 3);
    assert.ok(warnings.some((w) => w.includes('not-a-flag')));
    assert.equal(parseSimulatorArgs(['--config', file, '--replicas', '2']).replicas, 2);
  });

  it('names the file in its errors', () => {
    assert.throws(() => parseSimulatorArgs(['--model', 'm', '--config', join(dir, 'missing.yaml')]), /--config: cannot read/);
    const bad = join(dir, 'bad.yaml');
    writeFileSync(bad, '- just\n- a list\n');
    assert.throws(() => parseSimulatorArgs(['--model', 'm', '--config', bad]), /must be a YAML mapping/);
    assert.throws(() => parseSimulatorArgs(['--model', 'm', '--replicas', '0']), /--replicas/);
  });
});

describe('runtime configuration', () => {
  it('applies a patch all or nothing and describes the result by flag name', () => {
    const o = parseSimulatorArgs(['--model', 'm']).options;
    applyRuntimeConfig(o, { 'time-to-first-token': '50ms', 'inter-token-latency': 3, 'failure-types': [503, 'rate_limit'], 'fault-hang-rate': 10 });
    const d = describeRuntimeConfig(o);
    assert.equal(d['time-to-first-token'], 50);
    assert.equal(d['inter-token-latency'], 3);
    assert.deepEqual(d['failure-types'], ['rate_limit', 503]);
    assert.equal(d['fault-hang-rate'], 10);
    assert.throws(() => applyRuntimeConfig(o, { 'inter-token-latency': 9, 'max-num-seqs': 3 }), /max-num-seqs/);
    assert.throws(() => applyRuntimeConfig(o, { 'inter-token-latency': 9, 'fault-hang-rate': 101 }), /--fault-hang-rate/);
    assert.equal(o.interTokenLatencyMs, 3, 'a rejected patch changes nothing');
  });
});


describe('provider credential flags (Sluice additions)', () => {
  it('parses --api-key, --gcp-access-token and the AWS flags; unset means no check', () => {
    const none = parseSimulatorArgs(['--model', 'm']).options;
    assert.equal(none.apiKey, undefined);
    assert.equal(none.gcpAccessToken, undefined);
    assert.equal(none.awsAccessKeyId, undefined);
    assert.equal(none.awsRegion, 'us-east-1');
    const { options, warnings } = parseSimulatorArgs([
      '--model', 'm',
      '--api-key', 'sk-1',
      '--gcp-access-token=ya29.t',
      '--aws-access-key-id', 'AKIA1',
      '--aws-secret-access-key', 's3cret',
      '--aws-region', 'eu-west-1',
    ]);
    assert.deepEqual(warnings, []);
    assert.equal(options.apiKey, 'sk-1');
    assert.equal(options.gcpAccessToken, 'ya29.t');
    assert.equal(options.awsAccessKeyId, 'AKIA1');
    assert.equal(options.awsSecretAccessKey, 's3cret');
    assert.equal(options.awsRegion, 'eu-west-1');
  });

  it('needs both AWS keys, refuses empty values without echoing a secret, and documents every flag', () => {
    assert.throws(() => parseSimulatorArgs(['--model', 'm', '--aws-access-key-id', 'AKIA1']), /must be given together/);
    assert.throws(() => parseSimulatorArgs(['--model', 'm', '--api-key', '']), /--api-key/);
    assert.throws(
      () => parseSimulatorArgs(['--model', 'm', '--aws-secret-access-key', ' leaked ']),
      (err: Error) => /--aws-secret-access-key/.test(err.message) && !err.message.includes('leaked'),
    );
    const help = sluiceFlagHelp();
    for (const flag of ['--api-key', '--gcp-access-token', '--aws-access-key-id', '--aws-secret-access-key', '--aws-region']) assert.ok(help.includes(flag), flag);
  });
});
