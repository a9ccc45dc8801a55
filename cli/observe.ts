// `sluice observe`: the flows of a running gateway, read from its admin port (GET /api/flows), with
// Hubble's habits: `--follow`, `--last N`, `--since 5m`, filters, `-o compact|json|table`. Exit codes:
// 0 done (or interrupted while following), 1 the gateway cannot be reached or the stream broke,
// 2 usage errors (bad flags or values).
//
// `-f` is not `--follow` here: in every sluice command `-f` means `--filename` (DESIGN.md §5).
import { request as httpRequest } from 'node:http';
import type { IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { InvalidArgumentError, Option } from 'commander';
import type { Command } from 'commander';
import { FILTER_PARAMS, FlowQueryError, parseFlowFilter, parseTime } from '../src/telemetry/flow-filter.ts';
import type { FlowLost, FlowRecord } from '../src/telemetry/flow-record.ts';

export const OUTPUTS = ['compact', 'json', 'table'] as const;
export type ObserveOutput = (typeof OUTPUTS)[number];

export interface ObserveOptions {
  /** Admin URL of the gateway. */
  readonly admin: string;
  readonly follow: boolean;
  readonly last?: number | undefined;
  readonly since?: string | undefined;
  readonly until?: string | undefined;
  readonly cursor?: number | undefined;
  /** Filter name (as FILTER_PARAMS: model, route, from-label, …) → values (alternatives). */
  readonly filters: Readonly<Partial<Record<(typeof FILTER_PARAMS)[number], readonly string[]>>>;
  readonly output: ObserveOutput;
  readonly color: boolean;
}

export interface ObserveIo {
  out(s: string): void;
  err(s: string): void;
}

/** Exit codes. */
export const EXIT_OK = 0;
export const EXIT_UNREACHABLE = 1;
export const EXIT_USAGE = 2;

class UsageError extends Error {}

/** Checks the options as the server would, so mistakes are usage errors before any connection. */
export function flowQuery(o: ObserveOptions, now: number = Date.now()): URLSearchParams {
  if (!(OUTPUTS as readonly string[]).includes(o.output)) throw new UsageError(`-o must be one of ${OUTPUTS.join(', ')}, not "${o.output}"`);
  if (o.follow && o.until !== undefined) throw new UsageError('--until cannot be used with --follow');
  const q = new URLSearchParams();
  if (o.follow) q.set('follow', '1');
  // Like hubble observe: without --follow, --since or --cursor, the last 20 flows.
  const last = o.last ?? (!o.follow && o.since === undefined && o.cursor === undefined ? 20 : undefined);
  if (last !== undefined) q.set('last', String(last));
  try {
    if (o.since !== undefined) {
      parseTime(o.since, now);
      q.set('since', o.since);
    }
    if (o.until !== undefined) {
      parseTime(o.until, now);
      q.set('until', o.until);
    }
    if (o.cursor !== undefined) q.set('cursor', String(o.cursor));
    for (const name of FILTER_PARAMS) for (const v of o.filters[name] ?? []) q.append(name, v);
    parseFlowFilter(q);
  } catch (err) {
    if (err instanceof FlowQueryError) throw new UsageError(err.message);
    throw err;
  }
  return q;
}

// --- formatting -------------------------------------------------------------------------------------

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** `Jan  2 03:04:05.678` in local time, as hubble's compact output writes it. */
export function formatTime(iso: string): string {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  const p = (n: number, w = 2) => String(n).padStart(w, '0');
  return `${MONTHS[d.getMonth()]} ${String(d.getDate()).padStart(2, ' ')} ${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}.${p(d.getMilliseconds(), 3)}`;
}

function ms(v: number | undefined): string {
  if (v === undefined) return '-';
  return v >= 1000 ? `${(v / 1000).toFixed(2)}s` : `${v < 10 ? v.toFixed(1) : Math.round(v)}ms`;
}

const COLORS = { red: 31, green: 32, yellow: 33, cyan: 36, dim: 2, bold: 1 } as const;

function painter(on: boolean) {
  return (c: keyof typeof COLORS, s: string) => (on ? `\x1b[${COLORS[c]}m${s}\x1b[0m` : s);
}

function verdictColor(v: string): keyof typeof COLORS {
  return v === 'FORWARDED' ? 'green' : v === 'RETRIED' ? 'yellow' : 'red';
}

function source(r: FlowRecord): string {
  const who = r.source.identity !== undefined ? ` (${r.source.identity}${r.source.team !== undefined ? `/${r.source.team}` : ''})` : '';
  return `${r.source.address || '?'}${who}`;
}

function destination(r: FlowRecord): string {
  const d = r.destination;
  if (!d.backend) return '-';
  const where = d.pod !== undefined ? `${d.pod} (${d.endpoint})` : d.endpoint;
  return where ? `${d.backend} ${where}` : d.backend;
}

function model(r: FlowRecord): string {
  const m = r.model;
  const asked = m.original ?? '';
  const sent = m.request !== undefined && m.request !== asked ? ` as ${m.request}` : '';
  return asked + sent;
}

/** One line per flow: time, source → route ⇒ backend and endpoint, operation, model, verdict, status, reason, figures. */
export function formatCompact(r: FlowRecord, color: boolean): string {
  const c = painter(color);
  const parts = [`${formatTime(r.time)}: ${c('cyan', source(r))} -> ${r.destination.route || '(no route)'} => ${destination(r)}`];
  if (r.client.operation !== undefined) parts.push(r.client.operation);
  const m = model(r);
  if (m) parts.push(m);
  parts.push(c(verdictColor(r.verdict), r.verdict));
  parts.push(r.status >= 500 || r.status === 0 ? c('red', String(r.status)) : String(r.status));
  if (r.dropReason !== undefined || r.error !== undefined) parts.push(`(${[r.dropReason, r.error].filter((x) => x !== undefined).join(', ')})`);
  const t = r.tokens;
  if (t.total > 0 || t.input > 0 || t.output > 0) parts.push(`tokens ${t.input}→${t.output}${t.cached > 0 ? ` cached ${t.cached}` : ''}`);
  if (r.cost !== undefined) parts.push(`$${r.cost.toFixed(6)}`);
  if (r.ttftMs !== undefined) parts.push(`ttft ${ms(r.ttftMs)}`);
  if (r.pick?.prefix && r.pick.prefix.total > 0) parts.push(`prefix ${r.pick.prefix.matched}/${r.pick.prefix.total}`);
  if (r.retries > 0) parts.push(`retries ${r.retries}`);
  parts.push(c('dim', ms(r.durationMs)));
  return parts.join(' ');
}

export function formatLost(l: FlowLost, color: boolean): string {
  const what = l.reason === 'reset' ? 'the flow log restarted; continuing from its oldest record' : `${l.count} flow(s) lost (${l.reason}, seq ${l.fromSeq}-${l.toSeq})`;
  return painter(color)('yellow', `EVENTS LOST: ${what}`);
}

const TABLE_COLUMNS = ['TIME', 'SOURCE', 'ROUTE', 'DESTINATION', 'MODEL', 'VERDICT', 'STATUS', 'TOKENS', 'TTFT', 'DURATION'] as const;
/** Column widths for a followed table, which cannot measure rows it has not seen. */
const FOLLOW_WIDTHS = [19, 18, 24, 40, 32, 9, 6, 11, 7, 8];

export function tableCells(r: FlowRecord): string[] {
  const reason = r.dropReason ?? r.error;
  return [
    formatTime(r.time),
    source(r),
    r.destination.route || '(no route)',
    destination(r),
    model(r) || '-',
    r.verdict,
    String(r.status),
    r.tokens.total > 0 ? `${r.tokens.input}→${r.tokens.output}` : reason ?? '-',
    ms(r.ttftMs),
    ms(r.durationMs),
  ];
}

function fit(s: string, w: number): string {
  return s.length > w ? s.slice(0, Math.max(1, w - 1)) + '…' : s.padEnd(w);
}

export function renderTable(rows: readonly string[][], widths?: readonly number[]): string {
  const all = [TABLE_COLUMNS as unknown as string[], ...rows];
  const w = widths ?? TABLE_COLUMNS.map((_, i) => Math.max(...all.map((r) => (r[i] ?? '').length)));
  return all.map((r) => r.map((cell, i) => (i === r.length - 1 ? cell : fit(cell, w[i]!))).join('  ').trimEnd()).join('\n') + '\n';
}

// --- the stream ---------------------------------------------------------------------------------------

type Line = { flow?: FlowRecord; lost?: FlowLost };

function open(url: URL, signal: AbortSignal | undefined): Promise<IncomingMessage> {
  return new Promise((resolve, reject) => {
    const req = (url.protocol === 'https:' ? httpsRequest : httpRequest)(url, { method: 'GET', headers: { accept: 'application/x-ndjson' }, signal }, resolve);
    req.on('error', reject);
    req.end();
  });
}

async function readAll(res: IncomingMessage): Promise<string> {
  let text = '';
  res.setEncoding('utf8');
  for await (const chunk of res) text += chunk as string;
  return text;
}

function adminUrl(admin: string): URL {
  let url: URL;
  try {
    url = new URL('/api/flows', admin);
  } catch {
    throw new UsageError(`--admin is not a URL: ${admin}`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new UsageError(`--admin must be an http(s) URL, not ${admin}`);
  return url;
}

/**
 * Runs `sluice observe` and resolves with the exit code. `signal` stops a follow (resolves 0): the CLI
 * wires it to SIGINT/SIGTERM, tests to their own controller.
 */
export async function observe(o: ObserveOptions, io: ObserveIo, signal?: AbortSignal): Promise<number> {
  let query: URLSearchParams;
  let url: URL;
  try {
    query = flowQuery(o);
    url = adminUrl(o.admin);
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    io.err(`sluice observe: ${err.message}\n`);
    return EXIT_USAGE;
  }
  url.search = query.toString();

  let res: IncomingMessage;
  try {
    res = await open(url, signal);
  } catch (err) {
    if (signal?.aborted) return EXIT_OK;
    io.err(`sluice observe: cannot reach a running gateway at ${o.admin} (${(err as Error).message}); start one with \`sluice run\` or pass --admin URL\n`);
    return EXIT_UNREACHABLE;
  }
  if (res.statusCode !== 200) {
    const body = await readAll(res).catch(() => '');
    let message = body.trim();
    try {
      message = (JSON.parse(body) as { error?: string }).error ?? message;
    } catch {
      // not JSON: keep the text
    }
    if (res.statusCode === 400) {
      io.err(`sluice observe: the gateway refused the query: ${message}\n`);
      return EXIT_USAGE;
    }
    io.err(`sluice observe: ${o.admin} answered ${res.statusCode} for /api/flows${res.statusCode === 404 ? ' (is it a Sluice admin port with the flow log on?)' : ''}: ${message}\n`);
    return EXIT_UNREACHABLE;
  }

  const rows: string[][] = [];
  let headerDone = false;
  const emit = (line: string) => {
    if (o.output === 'json') return io.out(line + '\n');
    let parsed: Line;
    try {
      parsed = JSON.parse(line) as Line;
    } catch {
      return io.err(`sluice observe: skipped a line that is not JSON: ${line.slice(0, 80)}\n`);
    }
    if (parsed.lost) return io.out(formatLost(parsed.lost, o.color) + '\n');
    const r = parsed.flow;
    if (!r) return;
    if (o.output === 'compact') return io.out(formatCompact(r, o.color) + '\n');
    if (!o.follow) return void rows.push(tableCells(r));
    const text = renderTable([tableCells(r)], FOLLOW_WIDTHS);
    io.out(headerDone ? text.slice(text.indexOf('\n') + 1) : text);
    headerDone = true;
  };

  let partial = '';
  res.setEncoding('utf8');
  try {
    for await (const chunk of res) {
      partial += chunk as string;
      let nl: number;
      while ((nl = partial.indexOf('\n')) >= 0) {
        const line = partial.slice(0, nl).trim();
        partial = partial.slice(nl + 1);
        if (line) emit(line);
      }
    }
  } catch (err) {
    if (signal?.aborted) return EXIT_OK;
    io.err(`sluice observe: lost the connection to ${o.admin} (${(err as Error).message})\n`);
    return EXIT_UNREACHABLE;
  }
  if (partial.trim()) emit(partial.trim());
  if (signal?.aborted) return EXIT_OK;
  if (o.output === 'table' && !o.follow) io.out(renderTable(rows));
  if (o.follow) {
    io.err(`sluice observe: the gateway at ${o.admin} closed the flow stream\n`);
    return EXIT_UNREACHABLE;
  }
  return EXIT_OK;
}

// --- the command ------------------------------------------------------------------------------------

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

function nonNegativeInt(flag: string) {
  return (value: string): number => {
    if (!/^\d+$/.test(value)) throw new InvalidArgumentError(`${flag} takes a whole number, not "${value}"`);
    return Number(value);
  };
}

/** A TCP port, 1–65535. */
function adminPort(value: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value) || n < 1 || n > 65535) throw new InvalidArgumentError(`--admin-port takes a port (1-65535), not "${value}"`);
  return n;
}

interface CommandOptions {
  admin?: string;
  adminPort: number;
  adminHost: string;
  follow?: boolean;
  last?: number;
  since?: string;
  until?: string;
  cursor?: number;
  output: string;
  color: string;
  namespace: string[];
  model: string[];
  route: string[];
  pool: string[];
  endpoint: string[];
  identity: string[];
  team: string[];
  verdict: string[];
  status: string[];
  reason: string[];
  fromLabel: string[];
  toLabel: string[];
}

/** Adds the options and action of `sluice observe` to `cmd` (cli/main.ts registers it). */
export function configureObserve(cmd: Command, io: ObserveIo): Command {
  return cmd
    .description('show the flows (finished requests) of a running gateway, like hubble observe')
    .option('--admin-port <port>', "the running gateway's admin port", adminPort, 9901)
    .option('--admin-host <address>', "the running gateway's admin address", '127.0.0.1')
    .addOption(new Option('--admin <url>', 'the admin URL of a running gateway (instead of --admin-host/--admin-port)').env('SLUICE_ADMIN'))
    .option('--follow', 'keep streaming flows as they happen (Ctrl-C stops)')
    .option('--last <n>', 'the last N matching flows (default 20 without --follow, --since or --cursor)', nonNegativeInt('--last'))
    .option('--since <time>', 'flows that ended since a duration back from now (5m, 1h30m) or an RFC 3339 time')
    .option('--until <time>', 'flows that ended until then (not with --follow)')
    .option('--cursor <seq>', 'resume after this flow sequence number (the "seq" of a flow)', nonNegativeInt('--cursor'))
    .option('--namespace <ns>', 'route, backend or pool namespace (repeatable: any of them)', collect, [])
    .option('--model <name>', 'model asked for, sent upstream or answered (repeatable)', collect, [])
    .option('--route <name>', 'route as namespace/name or name (repeatable)', collect, [])
    .option('--pool <name>', 'InferencePool as namespace/name or name (repeatable)', collect, [])
    .option('--endpoint <ep>', 'endpoint address:port or pod name (repeatable)', collect, [])
    .option('--identity <id>', 'caller identity (API key name, JWT subject) (repeatable)', collect, [])
    .option('--team <team>', "caller's team (repeatable)", collect, [])
    .option('--verdict <verdict>', 'FORWARDED, RETRIED, DROPPED or ERROR (repeatable)', collect, [])
    .option('--status <code>', 'HTTP status sent to the client: 429 or a class like 5xx (repeatable)', collect, [])
    .option('--reason <reason>', 'drop reason: shed, no-endpoint, rate-limited, model-not-found, … (repeatable)', collect, [])
    .option('--from-label <selector>', 'source labels (identity, team, auth), e.g. team=ml,auth=jwt (repeatable: any)', collect, [])
    .option('--to-label <selector>', "destination pod's labels, e.g. app=llama (repeatable: any)", collect, [])
    .option('-o, --output <format>', 'compact, json or table', 'compact')
    .option('--color <when>', 'colour compact output: auto (on a terminal), always or never', 'auto')
    .action(async (opts: CommandOptions) => {
      if (!['auto', 'always', 'never'].includes(opts.color)) {
        io.err(`sluice observe: --color must be auto, always or never, not "${opts.color}"\n`);
        process.exitCode = EXIT_USAGE;
        return;
      }
      const color = opts.color === 'always' || (opts.color === 'auto' && process.stdout.isTTY === true && !process.env.NO_COLOR);
      const controller = new AbortController();
      const stop = () => controller.abort();
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
      // `sluice observe … | head`: a closed pipe ends the command quietly.
      const epipe = (e: NodeJS.ErrnoException) => {
        if (e.code === 'EPIPE') controller.abort();
      };
      process.stdout.on('error', epipe);
      try {
        process.exitCode = await observe(
          {
            admin: opts.admin ?? `http://${opts.adminHost.includes(':') ? `[${opts.adminHost}]` : opts.adminHost}:${opts.adminPort}`,
            follow: opts.follow === true,
            last: opts.last,
            since: opts.since,
            until: opts.until,
            cursor: opts.cursor,
            output: opts.output as ObserveOutput,
            color,
            filters: {
              namespace: opts.namespace,
              model: opts.model,
              route: opts.route,
              pool: opts.pool,
              endpoint: opts.endpoint,
              identity: opts.identity,
              team: opts.team,
              verdict: opts.verdict,
              status: opts.status,
              reason: opts.reason,
              'from-label': opts.fromLabel,
              'to-label': opts.toLabel,
            },
          },
          io,
          controller.signal,
        );
      } finally {
        process.off('SIGINT', stop);
        process.off('SIGTERM', stop);
        process.stdout.off('error', epipe);
      }
    });
}
