// Tool-call arguments against their schemas: a fast-check property over random parameter schemas, and
// the constraints the generator promises to honour.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { createRandom } from './random.ts';
import { argumentsForSchema, valueForSchema } from './toolargs.ts';
import { planToolCall } from './tools.ts';

type Prop = { type: 'string' | 'number' | 'integer' | 'boolean' } | { type: 'string'; enum: string[] } | { enum: (string | number)[] };

const propArb: fc.Arbitrary<Prop> = fc.oneof(
  fc.constantFrom<Prop>({ type: 'string' }, { type: 'number' }, { type: 'integer' }, { type: 'boolean' }),
  fc.array(fc.string({ minLength: 1, maxLength: 8 }), { minLength: 1, maxLength: 4 }).map((e): Prop => ({ type: 'string', enum: e })),
  fc.array(fc.oneof(fc.string({ maxLength: 5 }), fc.integer()), { minLength: 1, maxLength: 4 }).map((e): Prop => ({ enum: e })),
);

const schemaArb = fc
  .dictionary(fc.string({ minLength: 1, maxLength: 10 }).filter((k) => k !== '__proto__'), propArb, { minKeys: 0, maxKeys: 8 })
  .chain((properties) =>
    fc.subarray(Object.keys(properties)).map((required) => ({ type: 'object', properties, required })),
  );

function hasType(value: unknown, prop: Prop): boolean {
  if ('enum' in prop) return prop.enum.some((e) => e === value);
  switch (prop.type) {
    case 'string':
      return typeof value === 'string';
    case 'number':
      return typeof value === 'number' && Number.isFinite(value);
    case 'integer':
      return Number.isInteger(value);
    case 'boolean':
      return typeof value === 'boolean';
  }
}

describe('tool-call arguments', () => {
  it('parse as JSON and hold every required property with its type (property)', () => {
    fc.assert(
      fc.property(schemaArb, fc.integer(), fc.boolean(), (schema, seed, minimal) => {
        const args = JSON.parse(JSON.stringify(argumentsForSchema(createRandom(seed), schema, { minimal }))) as Record<string, unknown>;
        assert.equal(typeof args, 'object');
        for (const name of schema.required) {
          assert.ok(Object.hasOwn(args, name), `missing required ${name}`);
          assert.ok(hasType(args[name], schema.properties[name] as Prop), `${name}: ${JSON.stringify(args[name])} vs ${JSON.stringify(schema.properties[name])}`);
        }
        for (const [name, value] of Object.entries(args)) assert.ok(hasType(value, schema.properties[name] as Prop));
      }),
      { numRuns: 300 },
    );
  });

  it('a planned call streams argument pieces that join to its arguments (property)', () => {
    fc.assert(
      fc.property(schemaArb, fc.integer(), (schema, seed) => {
        const plan = planToolCall(createRandom(seed), { tool: { name: 'lookup_thing', parameters: schema }, idStyle: 'openai' }, 10_000);
        const call = plan.toolCalls?.[0];
        assert.ok(call && plan.steps);
        assert.equal(plan.steps.length, plan.tokens.length);
        assert.equal(plan.steps.map((s) => s.args).join(''), call.arguments);
        assert.equal(plan.steps.filter((s) => s.header).length, 1);
        JSON.parse(call.arguments);
        assert.match(call.id, /^call_[A-Za-z0-9]{24}$/);
      }),
      { numRuns: 100 },
    );
  });

  it('honours bounds, lengths, sizes, formats, nested objects, refs and Gemini type names', () => {
    const rng = createRandom(7);
    for (let i = 0; i < 50; i++) {
      const v = valueForSchema(rng, {
        type: 'OBJECT',
        properties: {
          n: { type: 'INTEGER', minimum: 5, maximum: 7 },
          x: { type: 'number', exclusiveMinimum: 0, exclusiveMaximum: 1 },
          s: { type: 'string', minLength: 12, maxLength: 14 },
          list: { type: 'array', items: { type: 'boolean' }, minItems: 2, maxItems: 2 },
          when: { type: 'string', format: 'date-time' },
          id: { type: 'string', format: 'uuid' },
          nested: { $ref: '#/$defs/point' },
          either: { anyOf: [{ type: 'null' }, { type: 'integer', minimum: 1, maximum: 1 }] },
        },
        required: ['n', 'x', 's', 'list', 'when', 'id', 'nested', 'either'],
        $defs: { point: { type: 'object', properties: { lat: { type: 'number' } }, required: ['lat'] } },
      }) as Record<string, unknown>;
      assert.ok((v['n'] as number) >= 5 && (v['n'] as number) <= 7 && Number.isInteger(v['n']));
      assert.ok((v['x'] as number) > 0 && (v['x'] as number) < 1);
      assert.ok((v['s'] as string).length >= 12 && (v['s'] as string).length <= 14);
      assert.equal((v['list'] as unknown[]).length, 2);
      assert.ok((v['list'] as unknown[]).every((b) => typeof b === 'boolean'));
      assert.match(v['when'] as string, /^\d{4}-\d\d-\d\dT/);
      assert.match(v['id'] as string, /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-a[0-9a-f]{3}-[0-9a-f]{12}$/);
      assert.equal(typeof (v['nested'] as { lat: unknown }).lat, 'number');
      assert.equal(v['either'], 1);
    }
    assert.deepEqual(argumentsForSchema(rng, undefined), {});
    assert.deepEqual(argumentsForSchema(rng, { type: 'object' }), {});
  });

  it('falls back to minimal arguments, then cuts the call, when the token limit is small', () => {
    const tool = {
      name: 'f',
      parameters: { type: 'object', properties: { a: { type: 'string', enum: ['x'] }, b: { type: 'string' } }, required: ['a'] },
    };
    const minimal = planToolCall(createRandom(1), { tool, idStyle: 'anthropic' }, 4);
    assert.equal(minimal.finishReason, 'stop');
    assert.equal(minimal.toolCalls?.[0]?.arguments, '{"a":"x"}');
    const cut = planToolCall(createRandom(1), { tool, idStyle: 'bedrock' }, 2);
    assert.equal(cut.finishReason, 'length');
    assert.equal(cut.tokens.length, 2);
    assert.equal(cut.toolCalls?.[0]?.arguments, '{"a"', 'the name takes one token, the first 4 characters of the arguments the other');
  });
});
