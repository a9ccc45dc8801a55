// The `sluice` command line: thin argument parsing that calls into src/ and simulator/.
//
// Conventions (DESIGN.md §5): every subcommand has --help; the same flag means the same thing
// everywhere (-f/--filename: manifests; --admin-port/--admin-host: the admin server a gateway binds,
// or the one a client command talks to; --admin URL: a full admin URL instead); data output takes
// -o table|json|yaml. Exit codes: 0 ok, 1 configuration errors or an unreachable/failed gateway, 2 usage
// errors (unknown flags, bad values).
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import { stringify as toYaml } from 'yaml';
import { ConfigError, Gateway, StartupError } from '../src/gateway.ts';
import { allProblems, dryCompile, loadConfig } from '../src/controlplane/pipeline.ts';
import { renderStatusTable, statusReport } from '../src/controlplane/status-report.ts';
import type { StatusReport } from '../src/controlplane/status-report.ts';
import { formatProblem, hasErrors } from '../src/config/problems.ts';
import { parseSimulatorArgs, sluiceFlagHelp } from '../simulator/options.ts';
import { startSimulators } from '../simulator/server.ts';
import { configureObserve } from './observe.ts';
import { addControllerCommand } from './controller.ts';
import { eppCommand } from './epp.ts';

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

function seconds(value: string): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n < 0) throw new InvalidArgumentError(`"${value}" is not a number of seconds`);
  return n;
}

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

/** `NAME=PORT` for --listener-port (NAME: listener, gateway/listener or namespace/gateway/listener). */
function listenerPort(value: string, previous: Map<string, number>): Map<string, number> {
  const eq = value.lastIndexOf('=');
  if (eq <= 0) throw new InvalidArgumentError(`"${value}" must be NAME=PORT, e.g. https=8443 or default/gw/https=8443`);
  const p = port(value.slice(eq + 1));
  return new Map([...previous, [value.slice(0, eq), p]]);
}

const OUTPUT_FORMATS = ['table', 'json', 'yaml'] as const;
function outputFormat(value: string): (typeof OUTPUT_FORMATS)[number] {
  if (!(OUTPUT_FORMATS as readonly string[]).includes(value)) throw new InvalidArgumentError(`"${value}" is not an output format (${OUTPUT_FORMATS.join(', ')})`);
  return value as (typeof OUTPUT_FORMATS)[number];
}

/** The admin URL a client command talks to: --admin URL, else --admin-host and --admin-port. */
function adminUrl(opts: { admin?: string | undefined; adminHost: string; adminPort: number }): string {
  if (opts.admin) return opts.admin;
  const host = opts.adminHost.includes(':') ? `[${opts.adminHost}]` : opts.adminHost;
  return `http://${host}:${opts.adminPort}`;
}

interface Io {
  out: (s: string) => void;
  err: (s: string) => void;
}

const stdio: Io = { out: (s) => process.stdout.write(s), err: (s) => process.stderr.write(s) };

interface RunOptions {
  filename: string[];
  port?: number;
  listenerPort: Map<string, number>;
  host: string;
  adminPort: number;
  adminHost: string;
  watch: boolean;
  debugHeaders?: boolean;
  invalidRefs: string;
  drainTimeout: number;
  redisUrl?: string;
  accessLog: string;
  flowLogSize: number;
  requestMetrics: boolean;
}

export async function main(argv: string[], io: Io = stdio): Promise<void> {
  const program = new Command();
  program.name('sluice').description('A model-aware AI inference gateway').showHelpAfterError();
  program.configureOutput({ writeOut: io.out, writeErr: io.err });
  // Usage errors exit 2 (commander would say 1); help and version exit 0.
  program.exitOverride();
  const pkg = JSON.parse(readFileSync(join(projectRoot(), 'package.json'), 'utf8')) as { version: string };
  program.version(pkg.version);

  program
    .command('run')
    .description('serve Gateway API, Inference Extension and AI Gateway resources from YAML files (default: the quickstart)')
    .option('-f, --filename <path>', 'a YAML file or directory (repeatable; - for stdin)', collect, [])
    .option('--port <port>', "override the port of the single HTTP listener (the quickstart's is 8080)", port)
    .option('--listener-port <name=port>', 'serve a listener on another port: NAME is the listener, gateway/listener or namespace/gateway/listener (repeatable)', listenerPort, new Map<string, number>())
    .option('--host <address>', 'address the data listeners bind to', '127.0.0.1')
    .option('--admin-port <port>', 'admin server port (/healthz, /readyz, /metrics, /api/status, /api/flows, /api/usage, the dashboard)', port, 9901)
    .option('--admin-host <address>', 'address the admin server binds to', '127.0.0.1')
    .option('--no-watch', 'do not reload when the files change')
    .option('--debug-headers', "add the endpoint picker's decision to pool responses (x-sluice-pick)")
    .option('--drain-timeout <seconds>', 'on SIGTERM/SIGINT, how long requests in flight may finish', seconds, 30)
    .option('--invalid-refs <mode>', 'refuse: a bad reference refuses the configuration; serve: serve it with Gateway API semantics (status + 500/404)', 'refuse')
    .option('--redis-url <url>', 'share rate limits, budgets and usage with other replicas through Redis (default: $SLUICE_REDIS_URL, else in memory)')
    .option('--access-log <where>', 'one JSON line per request: stdout, stderr, a file path, or off', 'stdout')
    .option('--flow-log-size <n>', 'flows kept in memory for /api/flows, sluice observe and the dashboard (0: no flow log)', (v) => Number(v), 10_000)
    .option('--no-request-metrics', 'do not count requests in /metrics (the request, token, GenAI, attempt, scheduler and cost series stay empty; process, config and pool gauges remain)')
    .addHelpText('after', '\nTracing: set OTEL_EXPORTER_OTLP_ENDPOINT (and the other standard OTEL_* variables) to export OpenTelemetry traces.\n')
    .action(async (opts: RunOptions) => {
      if (opts.invalidRefs !== 'refuse' && opts.invalidRefs !== 'serve') throw new InvalidArgumentError(`--invalid-refs must be refuse or serve, not ${opts.invalidRefs}`);
      const files = opts.filename.length > 0 ? opts.filename : [quickstartDir()];
      const quick = opts.filename.length === 0;
      const portOverride = quick && opts.port === undefined && opts.listenerPort.size === 0 ? 8080 : opts.port;
      const redisUrl = opts.redisUrl ?? process.env['SLUICE_REDIS_URL'];
      let gw: Gateway;
      try {
        gw = await Gateway.start({
          files,
          port: portOverride,
          listenerPorts: opts.listenerPort,
          host: opts.host,
          adminPort: opts.adminPort,
          adminHost: opts.adminHost,
          watch: opts.watch,
          debugHeaders: opts.debugHeaders === true,
          invalidReferences: opts.invalidRefs,
          redisUrl: redisUrl || undefined,
          accessLog: opts.accessLog === 'off' ? false : { destination: opts.accessLog },
          flowLogCapacity: opts.flowLogSize,
          log: (l) => io.err(l + '\n'),
        });
      } catch (err) {
        if (err instanceof ConfigError) {
          io.err(`sluice: the configuration was refused:\n${err.problems.filter((p) => p.severity === 'error').map((p) => '  ' + formatProblem(p)).join('\n')}\n`);
          process.exitCode = 1;
          return;
        }
        if (err instanceof StartupError || (err as NodeJS.ErrnoException).code === 'EADDRINUSE' || /already in use/.test((err as Error).message)) {
          io.err(`sluice: cannot start: ${(err as Error).message}\n`);
          process.exitCode = 1;
          return;
        }
        throw err;
      }
      // Request metrics are subscribed when the gateway is built; this unsubscribes them again.
      if (!opts.requestMetrics) gw.metrics.detach();
      io.out(banner(gw, files, opts.host, opts.adminHost));
      const stop = () => {
        io.err(`sluice: shutting down; requests in flight get ${opts.drainTimeout} s to finish\n`);
        void gw.close({ drainMs: opts.drainTimeout * 1000 }).then(() => process.exit(0));
      };
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
      process.on('SIGHUP', () => gw.reopenAccessLog());
    });

  program
    .command('validate')
    .description('check resources without serving them: problems with file:line, resource, field and fix; exit 1 on errors')
    .requiredOption('-f, --filename <path>', 'a YAML file or directory (repeatable; - for stdin)', collect, [])
    .option('-o, --output <format>', 'table (problems as text) or json or yaml', outputFormat, 'table')
    .action((opts: { filename: string[]; output: (typeof OUTPUT_FORMATS)[number] }) => {
      if (opts.filename.length === 0) throw new InvalidArgumentError('-f: name the files or directories to validate');
      const config = loadConfig(opts.filename);
      const snapshot = hasErrors(config.problems) ? undefined : dryCompile(config);
      const problems = allProblems(config, snapshot);
      const errors = problems.filter((p) => p.severity === 'error').length;
      const warnings = problems.length - errors;
      if (opts.output === 'table') {
        for (const p of problems) io.err(formatProblem(p) + '\n');
        io.out(`${config.resources.length} resources, ${config.ignored.length} ignored, ${errors} error(s), ${warnings} warning(s)\n`);
      } else {
        const data = { resources: config.resources.length, ignored: config.ignored.length, errors, warnings, problems };
        io.out(opts.output === 'json' ? JSON.stringify(data, null, 2) + '\n' : toYaml(data));
      }
      if (errors > 0) process.exitCode = 1;
    });

  program
    .command('status')
    .description('show resources and their conditions, like kubectl get (from files, or from a running gateway)')
    .option('-f, --filename <path>', 'a YAML file or directory (repeatable; - for stdin); without -f, ask a running gateway', collect, [])
    .option('--admin-port <port>', "the running gateway's admin port", port, 9901)
    .option('--admin-host <address>', "the running gateway's admin address", '127.0.0.1')
    .addOption(new Option('--admin <url>', 'the admin URL of a running gateway (instead of --admin-host/--admin-port)').env('SLUICE_ADMIN'))
    .option('-o, --output <format>', 'table, json or yaml', outputFormat, 'table')
    .action(async (opts: { filename: string[]; admin?: string; adminHost: string; adminPort: number; output: (typeof OUTPUT_FORMATS)[number] }) => {
      let report: StatusReport;
      if (opts.filename.length > 0) {
        const config = loadConfig(opts.filename);
        const snapshot = dryCompile(config);
        report = statusReport({ snapshot, ignored: config.ignored, problems: allProblems(config, snapshot) });
      } else {
        const admin = adminUrl(opts);
        let res: Response;
        try {
          res = await fetch(new URL('/api/status', admin));
        } catch (err) {
          io.err(`sluice: cannot reach a running gateway at ${admin} (${(err as Error).message}); pass -f FILES to read files instead\n`);
          process.exitCode = 1;
          return;
        }
        report = (await res.json()) as StatusReport;
      }
      if (opts.output === 'json') io.out(JSON.stringify(report, null, 2) + '\n');
      else if (opts.output === 'yaml') io.out(toYaml(report));
      else {
        io.out(renderStatusTable(report));
        for (const p of report.problems) io.err(formatProblem(p) + '\n');
      }
      if (report.problems.some((p) => p.severity === 'error')) process.exitCode = 1;
    });

  // `sluice observe`: the flows of a running gateway (cli/observe.ts).
  configureObserve(program.command('observe'), io);

  program
    .command('sim')
    .description('run a vLLM-like model-server simulator (flags as llm-d-inference-sim names them: sluice sim --help)')
    .allowUnknownOption(true)
    .helpOption(false)
    .argument('[flags...]')
    .action(async (flags: string[]) => {
      if (flags.includes('--help') || flags.includes('-h')) {
        io.out(
          'usage: sluice sim --model NAME [flags]\n\n' +
            'Flags follow llm-d-inference-sim (--port, --max-num-seqs, --time-to-first-token, --inter-token-latency,\n' +
            '--kv-cache-size, --lora-modules, --failure-injection-rate, --seed, --config FILE …; docs/simulator.md lists\n' +
            'them all) plus --replicas N, and these Sluice additions:\n\n' +
            sluiceFlagHelp() +
            '\n',
        );
        return;
      }
      let parsed: ReturnType<typeof parseSimulatorArgs>;
      try {
        parsed = parseSimulatorArgs(flags, { host: '127.0.0.1' });
      } catch (err) {
        io.err(`sluice sim: ${(err as Error).message} (sluice sim --help lists the flags)\n`);
        process.exitCode = 2;
        return;
      }
      const { options, warnings, replicas } = parsed;
      for (const w of warnings) io.err(`sluice sim: ${w}\n`);
      const sims = await startSimulators({ ...options, replicas });
      io.out(`simulator for ${options.model}: ${sims.urls.length} replica(s) listening on ${sims.urls.join(', ')}\n`);
      const stop = () => void sims.close().then(() => process.exit(0));
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
    });

  addControllerCommand(program, io, port);
  program.addCommand(eppCommand(io));
  // Every command reports through the same channel and throws instead of exiting (mapped to 0/2 below).
  for (const cmd of program.commands) {
    cmd.exitOverride();
    cmd.configureOutput({ writeOut: io.out, writeErr: io.err });
  }

  try {
    await program.parseAsync(argv, { from: 'user' });
  } catch (err) {
    if (err instanceof CommanderError) {
      process.exitCode = err.code === 'commander.helpDisplayed' || err.code === 'commander.version' || err.code === 'commander.help' ? 0 : 2;
      return;
    }
    if (err instanceof InvalidArgumentError) {
      io.err(`sluice: ${err.message}\n`);
      process.exitCode = 2;
      return;
    }
    throw err;
  }
}

function banner(gw: Gateway, files: readonly string[], host: string, adminHost: string): string {
  const lines: string[] = [];
  const snap = gw.snapshot;
  const cwd = process.cwd();
  lines.push(`Sluice serving ${files.map((f) => relative(cwd, f) || '.').join(', ')} (configuration generation ${snap?.generation ?? 0})`);
  let firstUrl: string | undefined;
  let firstModel: string | undefined;
  const hostPart = host.includes(':') ? `[${host}]` : host;
  for (const [configured, binding] of snap?.bindings ?? []) {
    const actual = gw.listenerPort(configured) ?? configured;
    const scheme = binding.protocol === 'HTTPS' ? 'https' : binding.protocol === 'TLS' ? 'tls' : 'http';
    const url = `${scheme}://${hostPart}:${actual}`;
    if (scheme !== 'tls') firstUrl ??= url;
    for (const l of binding.listeners) {
      lines.push(`  listener ${l.gateway}/${l.name} (${binding.protocol}): ${url}${l.hostname ? ` (Host: ${l.hostname})` : ''}`);
      if (l.models.length > 0) lines.push(`    models: ${l.models.map((m) => m.id).join(', ')}`);
      firstModel ??= l.models[0]?.id;
    }
  }
  if (gw.adminPort !== undefined) {
    const admin = `http://${adminHost.includes(':') ? `[${adminHost}]` : adminHost}:${gw.adminPort}`;
    lines.push(`  admin: ${admin} (/healthz /readyz /metrics /api/status /api/flows /api/usage; dashboard ${admin}/dashboard)`);
  }
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
