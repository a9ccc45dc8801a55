// The route stage: which listener (port and Host, SNI for HTTPS), which AI endpoint (the body read
// once, its model copied into x-ai-eg-model), which rule (Gateway API precedence), then the rule's
// request-side filters. It answers by itself what needs no upstream: /v1/models, CORS preflights and
// redirects.
import { GatewayError } from '../errors.ts';
import { DEFAULT_MAX_BODY_BYTES, parseAIBody, readBody } from '../http/body.ts';
import { applyHeaderOps, corsPreflightHeaders, corsResponseHeaders } from '../http/filters.ts';
import { MODEL_HEADER } from '../http/headers.ts';
import { sendEmpty } from '../http/respond.ts';
import type { RequestContext } from '../runtime/context.ts';
import { events } from '../runtime/events.ts';
import type { Next } from '../pipeline/compose.ts';
import { aiEndpointOf } from './ai-endpoints.ts';
import { selectListener } from './hostnames.ts';
import { answerRedirect } from '../http/redirect.ts';

export interface RouteStageOptions {
  /** Cap on request bodies the gateway reads (AI endpoints, retries, mirrors). */
  readonly maxBodyBytes?: number | undefined;
}

export function routeStage(options: RouteStageOptions = {}) {
  const maxBody = options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;

  return async function route(ctx: RequestContext, next: Next): Promise<void> {
    const { req, res } = ctx;
    const binding = ctx.snapshot.bindings.get(ctx.port);
    const listener = binding && selectListener(binding.listeners, ctx.host);
    if (!listener) throw new GatewayError('route_not_found', `no listener for host "${ctx.host}" on port ${ctx.port}`);
    if (listener.protocol === 'HTTPS') {
      // A connection whose TLS SNI chose another listener than the Host does is misdirected (RFC 9110 §15.5.20).
      const sni = (req.socket as { servername?: string | false }).servername;
      if (typeof sni === 'string' && sni.toLowerCase() !== ctx.host && selectListener(binding.listeners, sni.toLowerCase()) !== listener) {
        throw new GatewayError('misdirected_request', `the TLS server name "${sni}" and the Host "${ctx.host}" belong to different listeners; open a new connection for "${ctx.host}"`);
      }
    }
    ctx.listener = listener;

    if (ctx.method === 'GET' && listener.hasAIRoutes && ctx.path.startsWith('/v1/models')) {
      // Answered after admission (the models stage): what a caller may list depends on who it is.
      if (ctx.path === '/v1/models') {
        ctx.modelsQuery = { id: undefined };
        return next();
      }
      const id = safeDecode(ctx.path.slice('/v1/models/'.length));
      if (ctx.path.charCodeAt(10) === 0x2f /* / */ && id) {
        ctx.modelsQuery = { id };
        return next();
      }
    }
    if (ctx.escapedSlash) throw new GatewayError('invalid_request', 'the request path is not acceptable (encoded slash)');

    // The gateway owns x-ai-eg-model: set from the body on AI endpoints, removed everywhere else.
    const endpoint = aiEndpointOf(ctx.method, ctx.path);
    if (endpoint) {
      const raw = await readBody(req, maxBody);
      const parsed = parseAIBody(raw, endpoint.model);
      ctx.body = raw;
      ctx.json = parsed.json;
      if (endpoint.azure) azureClientRequest(ctx, parsed.model);
      ctx.originalModel = parsed.model;
      ctx.stream = endpoint.stream ?? parsed.stream;
      ctx.operation = endpoint.operation;
      req.headers[MODEL_HEADER] = parsed.model;
    } else if (req.headers[MODEL_HEADER] !== undefined) {
      delete req.headers[MODEL_HEADER];
    }

    const matched = listener.table.match({ host: ctx.host, method: ctx.method, path: ctx.path, query: ctx.query, headers: req.headers });
    // An inference rule serves its AI endpoints only: a model header cannot take a request elsewhere.
    if (!matched || (matched.rule.routeKind === 'AIGatewayRoute' && !endpoint)) {
      if (endpoint) {
        throw new GatewayError('model_not_found', `No matching route found for model "${ctx.originalModel}" on ${ctx.method} ${ctx.path}: it is most likely not configured in the Gateway (routes match the ${MODEL_HEADER} header, which Sluice sets from the request's model)`, { param: 'model' });
      }
      throw new GatewayError('route_not_found', `no route matches ${ctx.method} ${ctx.path} on host "${ctx.host}"`);
    }
    const rule = matched.rule;
    ctx.rule = rule;
    ctx.matchedPrefix = matched.match.path.type === 'PathPrefix' ? matched.match.path.value : '/';
    if (rule.ai && endpoint) ctx.clientSchema = endpoint.schema;
    events.route.publish(ctx);

    const { redirect, requestHeaders, cors } = rule.filters;
    const origin = req.headers.origin;
    if (cors && origin !== undefined) {
      const preflightMethod = req.headers['access-control-request-method'];
      if (ctx.method === 'OPTIONS' && typeof preflightMethod === 'string') {
        // The gateway answers preflights itself; a disallowed origin gets no CORS headers.
        const acrh = req.headers['access-control-request-headers'];
        return sendEmpty(res, 204, corsPreflightHeaders(cors, origin, preflightMethod, typeof acrh === 'string' ? acrh : undefined) ?? {});
      }
      const h = corsResponseHeaders(cors, origin);
      if (h) ctx.responseHeaders = h;
    }
    if (redirect) return answerRedirect(ctx, redirect);

    // A body that may be sent more than once (retries, mirrors) is read up front.
    if (ctx.body === undefined && ctx.method !== 'GET' && ctx.method !== 'HEAD' && (rule.retry !== undefined || rule.mirrors.length > 0)) {
      ctx.body = await readBody(req, maxBody);
    }
    if (requestHeaders) applyHeaderOps(req.headers, requestHeaders);
    return next();
  };
}

function safeDecode(s: string): string | undefined {
  try {
    return decodeURIComponent(s);
  } catch {
    return undefined;
  }
}

/**
 * An Azure OpenAI client's request in the OpenAI form the translators read: the deployment in the
 * path is the model (a different `model` in the body is replaced), and the client's api-version
 * leaves the query.
 */
function azureClientRequest(ctx: RequestContext, deployment: string): void {
  const json = ctx.json!;
  if (json['model'] !== deployment) {
    json['model'] = deployment;
    ctx.body = Buffer.from(JSON.stringify(json));
  }
  if (ctx.query !== '') ctx.query = ctx.query.split('&').filter((p) => p !== '' && !/^api-version(=|$)/i.test(p)).join('&');
}
