import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { compose } from './compose.ts';
import type { Next } from './compose.ts';
import type { RequestContext } from '../runtime/context.ts';

const ctx = {} as RequestContext;

describe('compose', () => {
  it('runs stages in order, each around the rest', async () => {
    const trace: string[] = [];
    const run = compose([
      async function outer(_c: RequestContext, next: Next) {
        trace.push('outer in');
        await next();
        trace.push('outer out');
      },
      function inner(_c: RequestContext, next: Next) {
        trace.push('inner');
        return next();
      },
    ]);
    await run(ctx);
    assert.deepEqual(trace, ['outer in', 'inner', 'outer out']);
  });

  it('stops when a stage answers without calling next', async () => {
    const trace: string[] = [];
    const run = compose([
      function answers(_c: RequestContext, _next: Next) {
        trace.push('answered');
      },
      function never(_c: RequestContext, next: Next) {
        trace.push('never');
        return next();
      },
    ]);
    await run(ctx);
    assert.deepEqual(trace, ['answered']);
  });

  it('turns a synchronous throw into a rejection and refuses next() twice', async () => {
    await assert.rejects(
      compose([
        function throws(_c: RequestContext, _next: Next): void {
          throw new Error('boom');
        },
      ])(ctx),
      /boom/,
    );
    await assert.rejects(
      compose([
        async function twice(_c: RequestContext, next: Next) {
          await next();
          await next();
        },
      ])(ctx),
      /twice|more than once/,
    );
  });

  it('refuses stages that are not named (ctx, next) functions', () => {
    assert.throws(() => compose([((c: RequestContext, n: Next) => n()) as never]), /named function/);
    assert.throws(() => compose([function one(_c: RequestContext) {} as never]), /named function/);
  });
});
