// The `sluice` command line: thin argument parsing that calls into src/ and simulator/.
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Command, InvalidArgumentError } from 'commander';
import { ConfigError, Gateway } from '../src/gateway.ts';
import { allProblems, dryCompile, loadConfig } from '../src/controlplane/pipeline.ts';
import { renderStatusTable, statusReport } from '../src/controlplane/status-report.ts';
import type { StatusReport } from '../src/controlplane/status-report.ts';
import { formatProblem, hasErrors } from '../src/config/problems.ts';
import { parseSimulatorArgs } from '../simulator/options.ts';
import { startSimulators } from '../simulator/server.ts';
import { configureObserve } from './observe.ts';

/** The checkout root (holds package.json), found from this module whether it runs from source or dist/. */
export function projectRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 5; i++) {
    if (existsSync(join(dir, 'package.json')) && existsSync(join(dir, 'examples'))) return dir;
    dir = dirname(dir);
  }
  return process.cwd();
}

export function quickstartDir(): string {
  return join(projectRoot(), 'examples', 'quickstart');
}

function port(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > 65535) throw new InvalidArgumentError(`"${value}" is not a port number (0-65535)`);
  return n;
}

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

interface Io {
  out: (s: string) => void;
  err: (s: string) => void;
}

const stdio: Io = { out: (s) => process.stdout.write(s), err: (s) => process.stderr.write(s) };

export async function main(argv: string[], io: Io = stdio): Promise<void> {
  const program = new Command();
  program.name('sluice').description('A model-aware AI inference gateway').showHelpAfterError();
  program.configureOutput({ writeOut: io.out, writeErr: io.err });
  const pkg = JSON.parse(readFileSync(join(projectRoot(), 'package.json'), 'utf8')) as { version: string };
  program.version(pkg.version);

  program
    .command('run')
    .description('serve Gateway API, Inference Extension and AI Gateway resources from YAML files (default: the quickstart)')
    .option('-f, --filename <path>', 'a YAML file or directory (repeatable; - for stdin)', collect, [])
    .option('--port <port>', "override the single HTTP listener's port", port)
    .option('--host <address>', 'address the data listeners bind to', '127.0.0.1')
    .option('--admin-port <port>', 'admin server port (/healthz, /readyz, /metrics, /api/status)', port, 9901)
    .option('--admin-host <address>', 'address the admin server binds to', '127.0.0.1')
    .option('--no-watch', 'do not reload when the files change')
    .option('--debug-headers', "add the endpoint picker's decision to pool responses (x-sluice-pick)")
    .option('--drain-timeout <seconds>', 'on SIGTERM/SIGINT, how long requests in flight may finish', (v) => Number(v), 30)
    .option('--invalid-refs <mode>', 'refuse: a bad reference refuses the configuration; serve: serve it with Gateway API semantics (status + 500/404)', 'refuse')
    .action(async (opts: { filename: string[]; port?: number; host: string; adminPort: number; adminHost: string; watch: boolean; debugHeaders?: boolean; invalidRefs: string; drainTimeout: number }) => {
      if (opts.invalidRefs !== 'refuse' && opts.invalidRefs !== 'serve') throw new InvalidArgumentError(`--invalid-refs must be refuse or serve, not ${opts.invalidRefs}`);
      const files = opts.filename.length > 0 ? opts.filename : [quickstartDir()];
      const port = opts.filename.length === 0 && opts.port === undefined ? 8080 : opts.port;
      let gw: Gateway;
      try {
        gw = await Gateway.start({ files, port, host: opts.host, adminPort: opts.adminPort, adminHost: opts.adminHost, watch: opts.watch, debugHeaders: opts.debugHeaders === true, invalidReferences: opts.invalidRefs, log: (l) => io.err(l + '\n') });
      } catch (err) {
        if (err instanceof ConfigError) {
          io.err(`sluice: the configuration was refused:\n${err.problems.filter((p) => p.severity === 'error').map((p) => '  ' + formatProblem(p)).join('\n')}\n`);
          process.exitCode = 1;
          return;
        }
        throw err;
      }
      io.out(banner(gw, files, opts.host));
      const stop = () => {
        io.err(`sluice: shutting down; requests in flight get ${opts.drainTimeout} s to finish\n`);
        void gw.close({ drainMs: opts.drainTimeout * 1000 }).then(() => process.exit(0));
      };
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
    });

  program
    .command('validate')
    .description('check resources without serving them; exits non-zero on errors')
    .option('-f, --filename <path>', 'a YAML file or directory (repeatable; - for stdin)', collect, [])
    .action((opts: { filename: string[] }) => {
      const files = opts.filename.length > 0 ? opts.filename : [quickstartDir()];
      const config = loadConfig(files);
      const snapshot = hasErrors(config.problems) ? undefined : dryCompile(config);
      const problems = allProblems(config, snapshot);
      for (const p of problems) io.err(formatProblem(p) + '\n');
      const errors = problems.filter((p) => p.severity === 'error').length;
      const warnings = problems.length - errors;
      io.out(`${config.resources.length} resources, ${config.ignored.length} ignored, ${errors} error(s), ${warnings} warning(s)\n`);
      if (errors > 0) process.exitCode = 1;
    });

  program
    .command('status')
    .description('show resources and their conditions, like kubectl get (from files, or from a running gateway)')
    .option('-f, --filename <path>', 'a YAML file or directory (repeatable; - for stdin)', collect, [])
    .option('--admin <url>', 'admin URL of a running gateway', 'http://127.0.0.1:9901')
    .option('-o, --output <format>', 'table or json', 'table')
    .action(async (opts: { filename: string[]; admin: string; output: string }) => {
      let report: StatusReport;
      if (opts.filename.length > 0) {
        const config = loadConfig(opts.filename);
        const snapshot = dryCompile(config);
        report = statusReport({ snapshot, ignored: config.ignored, problems: allProblems(config, snapshot) });
      } else {
        let res: Response;
        try {
          res = await fetch(new URL('/api/status', opts.admin));
        } catch (err) {
          io.err(`sluice: cannot reach a running gateway at ${opts.admin} (${(err as Error).message}); pass -f FILES to read files instead\n`);
          process.exitCode = 1;
          return;
        }
        report = (await res.json()) as StatusReport;
      }
      if (opts.output === 'json') {
        io.out(JSON.stringify(report, null, 2) + '\n');
        return;
      }
      io.out(renderStatusTable(report));
      for (const p of report.problems) io.err(formatProblem(p) + '\n');
      if (report.problems.some((p) => p.severity === 'error')) process.exitCode = 1;
    });

  // `sluice observe`: the flows of a running gateway (cli/observe.ts).
  configureObserve(program.command('observe'), io);

  program
    .command('sim')
    .description('run a vLLM-like model-server simulator (flags as llm-d-inference-sim names them)')
    .allowUnknownOption(true)
    .helpOption(false)
    .argument('[flags...]')
    .action(async (flags: string[]) => {
      const { options, warnings, replicas } = parseSimulatorArgs(flags, { host: '127.0.0.1' });
      for (const w of warnings) io.err(`sluice sim: ${w}\n`);
      const sims = await startSimulators({ ...options, replicas });
      io.out(`simulator for ${options.model}: ${sims.urls.length} replica(s) listening on ${sims.urls.join(', ')}\n`);
      const stop = () => void sims.close().then(() => process.exit(0));
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
    });

  await program.parseAsync(argv, { from: 'user' });
}

function banner(gw: Gateway, files: readonly string[], host: string): string {
  const lines: string[] = [];
  const snap = gw.snapshot;
  const cwd = process.cwd();
  lines.push(`Sluice serving ${files.map((f) => relative(cwd, f) || '.').join(', ')} (configuration generation ${snap?.generation ?? 0})`);
  let firstUrl: string | undefined;
  let firstModel: string | undefined;
  for (const [configured, binding] of snap?.bindings ?? []) {
    const actual = gw.listenerPort(configured) ?? configured;
    const url = `http://${host.includes(':') ? `[${host}]` : host}:${actual}`;
    firstUrl ??= url;
    for (const l of binding.listeners) {
      lines.push(`  listener ${l.gateway}/${l.name}: ${url}${l.hostname ? ` (Host: ${l.hostname})` : ''}`);
      if (l.models.length > 0) lines.push(`    models: ${l.models.map((m) => m.id).join(', ')}`);
      firstModel ??= l.models[0]?.id;
    }
  }
  if (gw.adminPort !== undefined) lines.push(`  admin: http://127.0.0.1:${gw.adminPort} (/healthz /readyz /metrics /api/status)`);
  if (firstUrl && firstModel) {
    lines.push('Try:');
    lines.push(`  curl -s ${firstUrl}/v1/chat/completions -H 'content-type: application/json' \\`);
    lines.push(`    -d '{"model":"${firstModel}","messages":[{"role":"user","content":"Hi. Say this is a test"}]}'`);
  }
  return lines.join('\n') + '\n';
}

// Run when executed directly (node dist/cli/main.js or tsx cli/main.ts).
if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  main(process.argv.slice(2)).catch((err: unknown) => {
    process.stderr.write(`sluice: ${(err as Error).message}\n`);
    process.exit(1);
  });
}
