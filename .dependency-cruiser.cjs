// Import boundaries of the request path (DESIGN.md §3, docs/architecture.md), checked by
// `npm run check:boundaries` (part of `npm run check` and CI):
//   - stages import contracts (runtime/), leaf helpers (http/, errors.ts) and the endpoint data layer
//     (endpoints/), never another stage's folder; only pipeline/ and the composition root wire them;
//   - runtime/ (contracts) and http/ (leaf helpers) import nothing of the gateway's parts;
//   - no import cycles (type-only imports included), except type-only cycles among the contracts;
//   - the gateway does not import the simulator except through the standalone cluster emulator, nor
//     tests, benchmarks or the CLI.
// Test files and test fixtures (`*.test.ts`, `testing.ts`, `*-cases.ts`) may import anything.
const STAGES = '(routing|admission|backend|picker|providers|upstream|telemetry)';

module.exports = {
  forbidden: [
    {
      name: 'stage-imports-stage',
      comment: 'A stage imports contracts (src/runtime), leaf helpers (src/http, src/errors.ts) and src/endpoints, not another stage. Wire stages in src/pipeline/stages.ts.',
      severity: 'error',
      from: { path: `^src/${STAGES}/`, pathNot: ['\\.test\\.ts$', '/testing\\.ts$', '-cases\\.ts$'] },
      to: { path: `^src/${STAGES}/`, pathNot: ['^src/$1/'] },
    },
    {
      name: 'contracts-are-leaves',
      comment: 'src/runtime holds contracts only: it may import itself, src/errors.ts and config problem types.',
      severity: 'error',
      from: { path: '^src/runtime/' },
      to: { path: '^src/', pathNot: ['^src/runtime/', '^src/errors\\.ts$', '^src/config/problems\\.ts$'] },
    },
    {
      name: 'http-helpers-are-leaves',
      comment: 'src/http holds leaf helpers every stage may use: it may import itself, contracts and the error catalogue.',
      severity: 'error',
      from: { path: '^src/http/', pathNot: ['\\.test\\.ts$'] },
      to: { path: '^src/', pathNot: ['^src/http/', '^src/runtime/', '^src/errors\\.ts$'] },
    },
    {
      name: 'errors-is-a-leaf',
      severity: 'error',
      from: { path: '^src/errors\\.ts$' },
      to: { path: '^src/', pathNot: ['^src/errors\\.ts$', '^src/runtime/translator\\.ts$'] },
    },
    {
      name: 'no-simulator-in-gateway',
      comment: 'Only the standalone cluster emulator runs simulators in-process.',
      severity: 'error',
      from: { path: '^src/', pathNot: ['^src/cluster/', '\\.test\\.ts$'] },
      to: { path: '^simulator/' },
    },
    {
      name: 'no-tests-bench-cli-in-gateway',
      severity: 'error',
      from: { path: '^src/', pathNot: ['\\.test\\.ts$', '/testing\\.ts$'] },
      to: { path: '^(test|bench|cli)/' },
    },
    {
      name: 'no-circular',
      severity: 'error',
      from: { path: '^(src|simulator|cli)/', pathNot: '^src/runtime/' },
      to: { circular: true },
    },
    {
      name: 'no-circular-contracts',
      comment: 'The contracts refer to each other by type (the context holds the snapshot, the snapshot holds admissions that take a context): type-only cycles inside src/runtime are allowed, value cycles are not.',
      severity: 'error',
      from: { path: '^src/runtime/' },
      to: { circular: true, dependencyTypesNot: ['type-only'] },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '(^|/)(node_modules|dist|\\.tmp)/' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: { extensions: ['.ts', '.js', '.json'] },
  },
};
