// Gateway API (gateway.networking.k8s.io): GatewayClass, Gateway, HTTPRoute, GRPCRoute and
// ReferenceGrant, field for field as in the upstream types (apis/v1/*_types.go, release 1.6 plus the
// experimental fields on main), including the experimental HTTPRoute fields (retry,
// sessionPersistence, the ExternalAuth filter, parentRefs[].port, useDefaultGateways).
//
// These are Sluice's own kinds, so every object is strict: an unknown field is an error (it is almost
// always a typo). Enums, patterns, numeric ranges and list sizes follow the CRDs; the CRD's CEL rules
// are reproduced where cheap. Defaults are NOT applied: a field the CRD defaults stays optional and
// the compiler applies the default (e.g. path match type PathPrefix, backendRef weight 1).
//
// What is deliberately left to the compiler (it yields status conditions, not load errors, upstream):
// unknown-but-well-formed protocol names (UnsupportedProtocol), HTTPS listeners without tls, listener
// conflicts across protocols, unresolvable references.
import { z } from 'zod';
import {
  backendObjectReferenceShape,
  bool,
  controllerName,
  duration,
  groupSchema,
  headerName,
  hostname,
  httpHeaderMatchSchema,
  httpHeaderSchema,
  httpRouteTimeoutsSchema,
  integer,
  kindSchema,
  labelMap,
  labelSelectorSchema,
  list,
  localObjectReferenceSchema,
  matching,
  namespaceSchema,
  objectNameSchema,
  localPolicyTargetReferenceWithSectionNameSchema,
  oneOf,
  oneOfNumbers,
  parentRefsList,
  portNumber,
  preciseHostname,
  requirePortForService,
  secretObjectReferenceSchema,
  sectionNameSchema,
  stringMap,
  strictResource,
  text,
  uniqueBy,
  backendObjectReferenceSchema,
} from './meta.ts';

export const GATEWAY_API_GROUP = 'gateway.networking.k8s.io';
/** Versions under which GatewayClass, Gateway, HTTPRoute and ReferenceGrant are read. */
export const GATEWAY_API_VERSIONS = ['gateway.networking.k8s.io/v1', 'gateway.networking.k8s.io/v1beta1'] as const;

// ---------------------------------------------------------------------------------------------------
// GatewayClass

export const gatewayClassSpecSchema = z.strictObject({
  controllerName: controllerName(),
  parametersRef: z
    .strictObject({
      group: groupSchema,
      kind: kindSchema,
      name: text('name', { min: 1, max: 253 }),
      namespace: namespaceSchema.optional(),
    })
    .optional(),
  description: text('description', { max: 64 }).optional(),
});

export const gatewayClassSchema = strictResource(GATEWAY_API_VERSIONS, 'GatewayClass', gatewayClassSpecSchema);

// ---------------------------------------------------------------------------------------------------
// Gateway

/**
 * Listener protocol. The CRD pattern accepts any alphanumeric token or a domain-prefixed name, so a
 * well-formed but unsupported protocol (conformance uses "INVALID") loads and is reported on the
 * listener as UnsupportedProtocol by the compiler.
 */
export const protocolSchema = matching(
  'protocol',
  /^(?:[a-zA-Z0-9]([-a-zA-Z0-9]*[a-zA-Z0-9])?|[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*\/[A-Za-z0-9]+)$/,
  'be one of HTTP, HTTPS, TLS, TCP, UDP or a domain-prefixed name such as example.com/my-protocol',
  { min: 1, max: 255 },
);

export const listenerTlsSchema = z
  .strictObject({
    mode: oneOf('mode', ['Terminate', 'Passthrough']).optional(),
    certificateRefs: list('certificateRefs', secretObjectReferenceSchema, { max: 64 }).optional(),
    options: stringMap('options', { maxEntries: 16 }).optional(),
  })
  .superRefine((tls, ctx) => {
    // CEL: with mode Terminate (the default) there must be a certificate or an implementation option.
    if ((tls.mode ?? 'Terminate') === 'Terminate' && (tls.certificateRefs ?? []).length === 0 && Object.keys(tls.options ?? {}).length === 0) {
      ctx.addIssue({ code: 'custom', path: ['certificateRefs'], message: 'certificateRefs or options must be specified when mode is Terminate (the default)' });
    }
  });

const routeGroupKindSchema = z.strictObject({
  group: groupSchema.optional(),
  kind: kindSchema,
});

export const allowedRoutesSchema = z.strictObject({
  namespaces: z
    .strictObject({
      from: oneOf('from', ['All', 'Selector', 'Same']).optional(),
      selector: labelSelectorSchema.optional(),
    })
    .optional(),
  kinds: list('kinds', routeGroupKindSchema, { max: 8 }).optional(),
});

export const listenerSchema = z.strictObject({
  name: sectionNameSchema,
  hostname: hostname().optional(),
  port: portNumber(),
  protocol: protocolSchema,
  tls: listenerTlsSchema.optional(),
  allowedRoutes: allowedRoutesSchema.optional(),
});

const ADDRESS_TYPE = /^(?:Hostname|IPAddress|NamedAddress|[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*\/[A-Za-z0-9/\-._~%!$&'()*+,;=:]+)$/;
const HOSTNAME_VALUE = /^(\*\.)?[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

export const gatewaySpecAddressSchema = z
  .strictObject({
    type: matching('type', ADDRESS_TYPE, 'be IPAddress, Hostname, NamedAddress or a domain-prefixed type such as example.com/my-address', {
      min: 1,
      max: 253,
    }).optional(),
    value: text('value', { max: 253 }).optional(),
  })
  .superRefine((a, ctx) => {
    if (a.type === 'Hostname' && a.value !== undefined && a.value !== '' && !HOSTNAME_VALUE.test(a.value)) {
      ctx.addIssue({ code: 'custom', path: ['value'], message: `value must be a lowercase DNS name for a Hostname address (got "${a.value}")` });
    }
  });

const objectReferenceSchema = z.strictObject({
  group: groupSchema,
  kind: kindSchema,
  name: objectNameSchema,
  namespace: namespaceSchema.optional(),
});

const frontendTlsConfigSchema = z.strictObject({
  validation: z
    .strictObject({
      caCertificateRefs: list('caCertificateRefs', objectReferenceSchema, { min: 1, max: 16 }),
      mode: oneOf('mode', ['AllowValidOnly', 'AllowInsecureFallback']).optional(),
    })
    .optional(),
});

export const gatewayTlsConfigSchema = z.strictObject({
  backend: z.strictObject({ clientCertificateRef: secretObjectReferenceSchema.optional() }).optional(),
  frontend: z
    .strictObject({
      default: frontendTlsConfigSchema,
      perPort: list('perPort', z.strictObject({ port: portNumber(), tls: frontendTlsConfigSchema }), { max: 64 })
        .superRefine((entries, ctx) => uniqueBy(entries, (e) => String(e.port), 'port', 'port', ctx))
        .optional(),
    })
    .optional(),
});

export const gatewayInfrastructureSchema = z.strictObject({
  labels: labelMap('labels', { maxEntries: 8 }).optional(),
  annotations: stringMap('annotations', { maxEntries: 16 }).optional(),
  parametersRef: z
    .strictObject({
      group: groupSchema,
      kind: kindSchema,
      name: text('name', { min: 1, max: 253 }),
    })
    .optional(),
});

const TLS_FORBIDDEN = new Set(['HTTP', 'TCP', 'UDP']);

export const gatewaySpecSchema = z.strictObject({
  gatewayClassName: objectNameSchema,
  listeners: list('listeners', listenerSchema, { min: 1, max: 64 }).superRefine((listeners, ctx) => {
    uniqueBy(listeners, (l) => l.name, 'name', 'listener name', ctx);
    const combos = new Map<string, number>();
    listeners.forEach((l, i) => {
      // CEL rules on spec.listeners, reported on the offending listener.
      if (TLS_FORBIDDEN.has(l.protocol) && l.tls !== undefined) {
        ctx.addIssue({ code: 'custom', path: [i, 'tls'], message: `tls must not be specified for protocol ${l.protocol} (only HTTPS and TLS listeners take tls)` });
      }
      if (l.protocol === 'HTTPS' && l.tls?.mode !== undefined && l.tls.mode !== 'Terminate') {
        ctx.addIssue({ code: 'custom', path: [i, 'tls', 'mode'], message: 'tls mode must be Terminate for protocol HTTPS (use protocol TLS for Passthrough)' });
      }
      if (l.protocol === 'TLS' && l.tls === undefined) {
        ctx.addIssue({ code: 'custom', path: [i, 'tls'], message: 'is required for protocol TLS (set tls.mode to Passthrough or Terminate)' });
      }
      if ((l.protocol === 'TCP' || l.protocol === 'UDP') && l.hostname !== undefined && l.hostname !== '') {
        ctx.addIssue({ code: 'custom', path: [i, 'hostname'], message: `hostname must not be specified for protocol ${l.protocol}` });
      }
      const key = `${l.port}/${l.protocol}/${l.hostname ?? ''}`;
      const first = combos.get(key);
      if (first !== undefined) {
        ctx.addIssue({
          code: 'custom',
          path: [i],
          message: `the combination of port, protocol and hostname must be unique for each listener: listener ${first} already uses ${l.port}/${l.protocol}${l.hostname ? ` with hostname ${l.hostname}` : ' without a hostname'}`,
        });
      } else {
        combos.set(key, i);
      }
    });
  }),
  addresses: list('addresses', gatewaySpecAddressSchema, { max: 16 })
    .superRefine((addresses, ctx) => {
      for (const type of ['IPAddress', 'Hostname']) {
        uniqueBy(addresses, (a) => ((a.type ?? 'IPAddress') === type && a.value ? a.value : undefined), 'value', `${type} values`, ctx);
      }
    })
    .optional(),
  infrastructure: gatewayInfrastructureSchema.optional(),
  allowedListeners: z
    .strictObject({
      namespaces: z
        .strictObject({
          from: oneOf('from', ['All', 'Selector', 'Same', 'None']).optional(),
          selector: labelSelectorSchema.optional(),
        })
        .optional(),
    })
    .optional(),
  tls: gatewayTlsConfigSchema.optional(),
  /** Experimental. */
  defaultScope: oneOf('defaultScope', ['All', 'None']).optional(),
});

export const gatewaySchema = strictResource(GATEWAY_API_VERSIONS, 'Gateway', gatewaySpecSchema);

// ---------------------------------------------------------------------------------------------------
// HTTPRoute: matches

const PATH_CHARS = /^(?:[-A-Za-z0-9/._~!$&'()*+,;=:@]|[%][0-9a-fA-F]{2})+$/;

/** The CEL rules on Exact and PathPrefix values; undefined when the value is acceptable. */
function pathValueProblem(value: string): string | undefined {
  if (!value.startsWith('/')) return "must be an absolute path starting with '/'";
  for (const bad of ['//', '/./', '/../', '%2f', '%2F', '#']) {
    if (value.includes(bad)) return `must not contain '${bad}'`;
  }
  for (const bad of ['/..', '/.']) {
    if (value.endsWith(bad)) return `must not end with '${bad}'`;
  }
  if (!PATH_CHARS.test(value)) return "must only contain the characters A-Z a-z 0-9 - . _ ~ ! $ & ' ( ) * + , ; = : @ / and %XX escapes";
  return undefined;
}

export const pathMatchTypeSchema = oneOf('type', ['Exact', 'PathPrefix', 'RegularExpression']);

export const httpPathMatchSchema = z
  .strictObject({
    type: pathMatchTypeSchema.optional(),
    value: text('value', { max: 1024 }).optional(),
  })
  .superRefine((p, ctx) => {
    const type = p.type ?? 'PathPrefix';
    if (type === 'RegularExpression' || p.value === undefined) return;
    const problem = pathValueProblem(p.value);
    if (problem) ctx.addIssue({ code: 'custom', path: ['value'], message: `value ${problem} when type is ${type} (got "${p.value}")` });
  });

export const httpQueryParamMatchSchema = z.strictObject({
  type: oneOf('type', ['Exact', 'RegularExpression']).optional(),
  name: headerName(),
  value: text('value', { min: 1, max: 1024 }),
});

export const HTTP_METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'CONNECT', 'OPTIONS', 'TRACE', 'PATCH'] as const;

export const httpRouteMatchSchema = z.strictObject({
  path: httpPathMatchSchema.optional(),
  headers: list('headers', httpHeaderMatchSchema, { max: 16 }).optional(),
  queryParams: list('queryParams', httpQueryParamMatchSchema, { max: 16 }).optional(),
  method: oneOf('method', HTTP_METHODS).optional(),
});

// ---------------------------------------------------------------------------------------------------
// HTTPRoute: filters

/** HTTPHeaderFilter (RequestHeaderModifier / ResponseHeaderModifier). */
export const httpHeaderFilterSchema = z
  .strictObject({
    set: list('set', httpHeaderSchema, { max: 16 }).optional(),
    add: list('add', httpHeaderSchema, { max: 16 }).optional(),
    remove: list('remove', headerName('remove'), { max: 16 }).optional(),
  })
  .superRefine((f, ctx) => {
    // The CRD keys set/add by name and remove is a set; header names compare case-insensitively.
    if (f.set) uniqueBy(f.set, (h) => h.name.toLowerCase(), 'name', 'header names in set', ctx, ['set']);
    if (f.add) uniqueBy(f.add, (h) => h.name.toLowerCase(), 'name', 'header names in add', ctx, ['add']);
    if (f.remove) {
      const seen = new Set<string>();
      f.remove.forEach((n, i) => {
        if (seen.has(n.toLowerCase())) ctx.addIssue({ code: 'custom', path: ['remove', i], message: `header names in remove must be unique: "${n}" appears twice` });
        seen.add(n.toLowerCase());
      });
    }
  });

export const httpPathModifierSchema = z
  .strictObject({
    type: oneOf('type', ['ReplaceFullPath', 'ReplacePrefixMatch']),
    replaceFullPath: text('replaceFullPath', { max: 1024 }).optional(),
    replacePrefixMatch: text('replacePrefixMatch', { max: 1024 }).optional(),
  })
  .superRefine((p, ctx) => {
    if (p.type === 'ReplaceFullPath' && p.replaceFullPath === undefined) {
      ctx.addIssue({ code: 'custom', path: ['replaceFullPath'], message: "is required when type is 'ReplaceFullPath'" });
    }
    if (p.type !== 'ReplaceFullPath' && p.replaceFullPath !== undefined) {
      ctx.addIssue({ code: 'custom', path: ['replaceFullPath'], message: "replaceFullPath requires type 'ReplaceFullPath'" });
    }
    if (p.type === 'ReplacePrefixMatch' && p.replacePrefixMatch === undefined) {
      ctx.addIssue({ code: 'custom', path: ['replacePrefixMatch'], message: "is required when type is 'ReplacePrefixMatch'" });
    }
    if (p.type !== 'ReplacePrefixMatch' && p.replacePrefixMatch !== undefined) {
      ctx.addIssue({ code: 'custom', path: ['replacePrefixMatch'], message: "replacePrefixMatch requires type 'ReplacePrefixMatch'" });
    }
  });

export const httpRequestRedirectFilterSchema = z.strictObject({
  scheme: oneOf('scheme', ['http', 'https']).optional(),
  hostname: preciseHostname().optional(),
  path: httpPathModifierSchema.optional(),
  port: portNumber().optional(),
  statusCode: oneOfNumbers('statusCode', [301, 302, 303, 307, 308]).optional(),
});

export const httpUrlRewriteFilterSchema = z.strictObject({
  hostname: preciseHostname().optional(),
  path: httpPathModifierSchema.optional(),
});

export const fractionSchema = z
  .strictObject({
    numerator: integer('numerator', 0),
    denominator: integer('denominator', 1).optional(),
  })
  .superRefine((f, ctx) => {
    if (f.numerator > (f.denominator ?? 100)) {
      ctx.addIssue({ code: 'custom', path: ['numerator'], message: `numerator must be less than or equal to denominator (${f.denominator ?? 100})` });
    }
  });

export const httpRequestMirrorFilterSchema = z
  .strictObject({
    backendRef: backendObjectReferenceSchema,
    percent: integer('percent', 0, 100).optional(),
    fraction: fractionSchema.optional(),
  })
  .superRefine((m, ctx) => {
    if (m.percent !== undefined && m.fraction !== undefined) {
      ctx.addIssue({ code: 'custom', path: ['fraction'], message: 'only one of percent or fraction may be specified' });
    }
  });

const CORS_ORIGIN = /(^\*$)|(^(http(s)?):\/\/(((\*\.)?([a-zA-Z0-9-]+\.)*[a-zA-Z0-9-]+|\*)(:([0-9]{1,5}))?)$)/;

/** CORS lists may hold "*" only on its own. */
function wildcardAlone(values: readonly string[] | undefined, field: string, ctx: z.RefinementCtx): void {
  if (values && values.includes('*') && values.length > 1) {
    ctx.addIssue({ code: 'custom', path: [field], message: `${field} cannot contain '*' alongside other values` });
  }
}

export const httpCorsFilterSchema = z
  .strictObject({
    allowOrigins: list(
      'allowOrigins',
      matching('allowOrigins', CORS_ORIGIN, "be '*' or an origin such as https://example.com, https://*.example.com or http://example.com:8080", {
        min: 1,
        max: 253,
      }),
      { max: 64 },
    ).optional(),
    allowCredentials: bool('allowCredentials').optional(),
    allowMethods: list('allowMethods', oneOf('allowMethods', [...HTTP_METHODS, '*']), { max: 9 }).optional(),
    allowHeaders: list('allowHeaders', headerName('allowHeaders'), { max: 64 }).optional(),
    exposeHeaders: list('exposeHeaders', headerName('exposeHeaders'), { max: 64 }).optional(),
    maxAge: integer('maxAge', 1).optional(),
  })
  .superRefine((c, ctx) => {
    wildcardAlone(c.allowOrigins, 'allowOrigins', ctx);
    wildcardAlone(c.allowMethods, 'allowMethods', ctx);
    wildcardAlone(c.allowHeaders, 'allowHeaders', ctx);
  });

/** ExternalAuth filter (experimental, HTTPRoute only). */
export const httpExternalAuthFilterSchema = z
  .strictObject({
    protocol: oneOf('protocol', ['HTTP', 'GRPC']),
    backendRef: backendObjectReferenceSchema,
    grpc: z.strictObject({ allowedHeaders: list('allowedHeaders', text('allowedHeaders'), { max: 64 }).optional() }).optional(),
    http: z
      .strictObject({
        path: matching('path', /^(?:[-A-Za-z0-9/._~!$&'()*+,;=:@]|[%][0-9a-fA-F]{2})+$/, 'be a URL path such as /auth', { max: 1024 }).optional(),
        allowedHeaders: list('allowedHeaders', text('allowedHeaders'), { max: 64 }).optional(),
        allowedResponseHeaders: list('allowedResponseHeaders', text('allowedResponseHeaders'), { max: 64 }).optional(),
      })
      .optional(),
    forwardBody: z.strictObject({ maxSize: integer('maxSize', 0).optional() }).optional(),
  })
  .superRefine((a, ctx) => {
    if (a.protocol === 'GRPC' && a.http !== undefined) ctx.addIssue({ code: 'custom', path: ['http'], message: "http requires protocol 'HTTP'" });
    if (a.protocol === 'HTTP' && a.grpc !== undefined) ctx.addIssue({ code: 'custom', path: ['grpc'], message: "grpc requires protocol 'GRPC'" });
  });

export const HTTP_FILTER_TYPES = [
  'RequestHeaderModifier',
  'ResponseHeaderModifier',
  'RequestMirror',
  'RequestRedirect',
  'URLRewrite',
  'ExtensionRef',
  'CORS',
  'ExternalAuth',
] as const;
export type HTTPRouteFilterType = (typeof HTTP_FILTER_TYPES)[number];

/** Which field carries the configuration of each filter type. */
const HTTP_FILTER_FIELD = {
  RequestHeaderModifier: 'requestHeaderModifier',
  ResponseHeaderModifier: 'responseHeaderModifier',
  RequestMirror: 'requestMirror',
  RequestRedirect: 'requestRedirect',
  URLRewrite: 'urlRewrite',
  ExtensionRef: 'extensionRef',
  CORS: 'cors',
  ExternalAuth: 'externalAuth',
} as const satisfies Record<HTTPRouteFilterType, string>;

/** The CEL rules of a filter: the field named by `type` is set and no other config field is. */
function checkFilterUnion(f: Record<string, unknown> & { type: string }, fields: Readonly<Record<string, string>>, ctx: z.RefinementCtx): void {
  for (const [type, field] of Object.entries(fields)) {
    if (f.type === type && f[field] === undefined) {
      ctx.addIssue({ code: 'custom', path: [field], message: `is required when the filter type is ${type}` });
    }
    if (f.type !== type && f[field] !== undefined) {
      ctx.addIssue({ code: 'custom', path: [field], message: `${field} must not be set when the filter type is ${f.type} (it belongs to type ${type})` });
    }
  }
}

export const httpRouteFilterSchema = z
  .strictObject({
    type: oneOf('type', HTTP_FILTER_TYPES),
    requestHeaderModifier: httpHeaderFilterSchema.optional(),
    responseHeaderModifier: httpHeaderFilterSchema.optional(),
    requestMirror: httpRequestMirrorFilterSchema.optional(),
    requestRedirect: httpRequestRedirectFilterSchema.optional(),
    urlRewrite: httpUrlRewriteFilterSchema.optional(),
    cors: httpCorsFilterSchema.optional(),
    externalAuth: httpExternalAuthFilterSchema.optional(),
    extensionRef: localObjectReferenceSchema.optional(),
  })
  .superRefine((f, ctx) => checkFilterUnion(f, HTTP_FILTER_FIELD, ctx));

/** Filter types that may appear at most once in one filters list (CEL). */
const SINGLETON_FILTERS = ['CORS', 'RequestHeaderModifier', 'ResponseHeaderModifier', 'RequestRedirect', 'URLRewrite'];

function httpFilterList() {
  return list('filters', httpRouteFilterSchema, { max: 16 }).superRefine((filters, ctx) => {
    for (const type of SINGLETON_FILTERS) {
      const at = filters.flatMap((f, i) => (f.type === type ? [i] : []));
      for (const i of at.slice(1)) ctx.addIssue({ code: 'custom', path: [i, 'type'], message: `${type} filter cannot be repeated (first one is filters[${at[0]}])` });
    }
    const redirect = filters.findIndex((f) => f.type === 'RequestRedirect');
    const rewrite = filters.findIndex((f) => f.type === 'URLRewrite');
    if (redirect >= 0 && rewrite >= 0) {
      ctx.addIssue({ code: 'custom', path: [Math.max(redirect, rewrite), 'type'], message: 'RequestRedirect and URLRewrite filters cannot be used together' });
    }
  });
}

// ---------------------------------------------------------------------------------------------------
// HTTPRoute: backends, rules, spec

export const httpBackendRefSchema = z
  .strictObject({
    ...backendObjectReferenceShape,
    weight: integer('weight', 0, 1_000_000).optional(),
    filters: httpFilterList().optional(),
  })
  .superRefine(requirePortForService);

export const httpRouteRetrySchema = z.strictObject({
  codes: list('codes', integer('codes', 400, 599)).optional(),
  attempts: integer('attempts', 1).optional(),
  backoff: duration('backoff').optional(),
});

const COOKIE_NAME = /^[A-Za-z0-9!#$%&'*+\-.^_`|~]+$/;

export const sessionPersistenceSchema = z
  .strictObject({
    absoluteTimeout: duration('absoluteTimeout').optional(),
    type: oneOf('type', ['Cookie', 'Header']).optional(),
    cookie: z
      .strictObject({
        name: matching('name', COOKIE_NAME, 'be a cookie name: letters, digits and !#$%&\'*+-.^_`|~', { min: 1, max: 256 }).optional(),
        path: text('path', { max: 1024 }).optional(),
        lifetimeType: oneOf('lifetimeType', ['Permanent', 'Session']).optional(),
      })
      .optional(),
    header: z.strictObject({ name: headerName() }).optional(),
  })
  .superRefine((s, ctx) => {
    const type = s.type ?? 'Cookie';
    if (s.cookie !== undefined && type !== 'Cookie') ctx.addIssue({ code: 'custom', path: ['cookie'], message: 'cookie must not be set unless type is Cookie' });
    if (s.header !== undefined && type !== 'Header') ctx.addIssue({ code: 'custom', path: ['header'], message: 'header must not be set unless type is Header' });
    if (type === 'Header' && s.header === undefined) ctx.addIssue({ code: 'custom', path: ['header'], message: 'is required when type is Header' });
    // Upstream also requires `cookie` for type Cookie; the CRD default fills type only, so a bare
    // `sessionPersistence: {}` would fail there too.
    if (type === 'Cookie' && s.cookie === undefined) ctx.addIssue({ code: 'custom', path: ['cookie'], message: 'is required when type is Cookie (the default)' });
    if (s.cookie?.lifetimeType === 'Permanent' && s.absoluteTimeout === undefined) {
      ctx.addIssue({ code: 'custom', path: ['absoluteTimeout'], message: 'is required when cookie lifetimeType is Permanent' });
    }
  });

type PathLike = { type?: string | undefined } | undefined;
type MatchLike = { path?: PathLike };
type FilterLike = { type: string; requestRedirect?: { path?: { type: string } | undefined } | undefined; urlRewrite?: { path?: { type: string } | undefined } | undefined };

/** True when the rule has exactly one match and it is a PathPrefix match (after CRD defaulting). */
function singlePrefixMatch(matches: readonly MatchLike[] | undefined): boolean {
  if (matches === undefined) return true; // defaulted to [{path: {type: PathPrefix, value: "/"}}]
  if (matches.length !== 1) return false;
  return (matches[0]?.path?.type ?? 'PathPrefix') === 'PathPrefix';
}

function usesReplacePrefixMatch(f: FilterLike): 'RequestRedirect' | 'URLRewrite' | undefined {
  if (f.requestRedirect?.path?.type === 'ReplacePrefixMatch') return 'RequestRedirect';
  if (f.urlRewrite?.path?.type === 'ReplacePrefixMatch') return 'URLRewrite';
  return undefined;
}

export const httpRouteRuleSchema = z
  .strictObject({
    name: sectionNameSchema.optional(),
    matches: list('matches', httpRouteMatchSchema, { max: 64 }).optional(),
    filters: httpFilterList().optional(),
    backendRefs: list('backendRefs', httpBackendRefSchema, { max: 16 }).optional(),
    timeouts: httpRouteTimeoutsSchema.optional(),
    /** Experimental (HTTPRouteRetry). */
    retry: httpRouteRetrySchema.optional(),
    /** Experimental. */
    sessionPersistence: sessionPersistenceSchema.optional(),
  })
  .superRefine((rule, ctx) => {
    const filters = rule.filters ?? [];
    if ((rule.backendRefs ?? []).length > 0) {
      const i = filters.findIndex((f) => f.type === 'RequestRedirect');
      if (i >= 0) ctx.addIssue({ code: 'custom', path: ['filters', i], message: 'a RequestRedirect filter must not be used together with backendRefs' });
    }
    const prefixOk = singlePrefixMatch(rule.matches);
    filters.forEach((f, i) => {
      const which = usesReplacePrefixMatch(f);
      if (which && !prefixOk) {
        ctx.addIssue({ code: 'custom', path: ['filters', i], message: `when using a ${which} filter with path.replacePrefixMatch, exactly one PathPrefix match must be specified` });
      }
    });
    (rule.backendRefs ?? []).forEach((b, bi) => {
      (b.filters ?? []).forEach((f, i) => {
        const which = usesReplacePrefixMatch(f);
        if (which && !prefixOk) {
          ctx.addIssue({
            code: 'custom',
            path: ['backendRefs', bi, 'filters', i],
            message: `when using a ${which} filter with path.replacePrefixMatch, exactly one PathPrefix match must be specified`,
          });
        }
      });
    });
  });

/** Checks shared by HTTPRoute and GRPCRoute rule lists: unique rule names, ≤ 128 matches in total. */
function checkRules(rules: readonly { name?: string | undefined; matches?: readonly unknown[] | undefined }[], ctx: z.RefinementCtx): void {
  uniqueBy(rules, (r) => r.name, 'name', 'rule name', ctx);
  const total = rules.reduce((n, r) => n + (r.matches?.length ?? 0), 0);
  if (total > 128) ctx.addIssue({ code: 'custom', path: [], message: `the total number of matches across all rules must be at most 128 (got ${total})` });
}

export const httpRouteSpecSchema = z.strictObject({
  parentRefs: parentRefsList(32).optional(),
  /** Experimental. */
  useDefaultGateways: oneOf('useDefaultGateways', ['All', 'None']).optional(),
  hostnames: list('hostnames', hostname(), { max: 16 }).optional(),
  rules: list('rules', httpRouteRuleSchema, { min: 1, max: 16 }).superRefine(checkRules).optional(),
});

export const httpRouteSchema = strictResource(GATEWAY_API_VERSIONS, 'HTTPRoute', httpRouteSpecSchema);

// ---------------------------------------------------------------------------------------------------
// GRPCRoute

const GRPC_SERVICE = /^(?:\.?[a-z_][a-z_0-9]*(\.[a-z_][a-z_0-9]*)*)$/i;
const GRPC_METHOD = /^[A-Za-z_][A-Za-z_0-9]*$/;

export const grpcMethodMatchSchema = z
  .strictObject({
    type: oneOf('type', ['Exact', 'RegularExpression']).optional(),
    service: text('service', { max: 1024 }).optional(),
    method: text('method', { max: 1024 }).optional(),
  })
  .superRefine((m, ctx) => {
    // The CRD defaults type to Exact, so the "one of service or method" rule always applies.
    if (m.service === undefined && m.method === undefined) {
      ctx.addIssue({ code: 'custom', path: [], message: "one or both of 'service' or 'method' must be specified" });
    }
    if ((m.type ?? 'Exact') === 'Exact') {
      if (m.service !== undefined && !GRPC_SERVICE.test(m.service)) {
        ctx.addIssue({ code: 'custom', path: ['service'], message: `service must be a dotted protobuf service name such as helloworld.Greeter (got "${m.service}")` });
      }
      if (m.method !== undefined && !GRPC_METHOD.test(m.method)) {
        ctx.addIssue({ code: 'custom', path: ['method'], message: `method must be a protobuf method name such as SayHello (got "${m.method}")` });
      }
    }
  });

export const grpcRouteMatchSchema = z.strictObject({
  method: grpcMethodMatchSchema.optional(),
  headers: list('headers', httpHeaderMatchSchema, { max: 16 }).optional(),
});

export const GRPC_FILTER_TYPES = ['ResponseHeaderModifier', 'RequestHeaderModifier', 'RequestMirror', 'ExtensionRef'] as const;
const GRPC_FILTER_FIELD = {
  RequestHeaderModifier: 'requestHeaderModifier',
  ResponseHeaderModifier: 'responseHeaderModifier',
  RequestMirror: 'requestMirror',
  ExtensionRef: 'extensionRef',
} as const;

export const grpcRouteFilterSchema = z
  .strictObject({
    type: oneOf('type', GRPC_FILTER_TYPES),
    requestHeaderModifier: httpHeaderFilterSchema.optional(),
    responseHeaderModifier: httpHeaderFilterSchema.optional(),
    requestMirror: httpRequestMirrorFilterSchema.optional(),
    extensionRef: localObjectReferenceSchema.optional(),
  })
  .superRefine((f, ctx) => checkFilterUnion(f, GRPC_FILTER_FIELD, ctx));

function grpcFilterList() {
  return list('filters', grpcRouteFilterSchema, { max: 16 }).superRefine((filters, ctx) => {
    for (const type of ['RequestHeaderModifier', 'ResponseHeaderModifier']) {
      const at = filters.flatMap((f, i) => (f.type === type ? [i] : []));
      for (const i of at.slice(1)) ctx.addIssue({ code: 'custom', path: [i, 'type'], message: `${type} filter cannot be repeated (first one is filters[${at[0]}])` });
    }
  });
}

export const grpcBackendRefSchema = z
  .strictObject({
    ...backendObjectReferenceShape,
    weight: integer('weight', 0, 1_000_000).optional(),
    filters: grpcFilterList().optional(),
  })
  .superRefine(requirePortForService);

export const grpcRouteRuleSchema = z.strictObject({
  name: sectionNameSchema.optional(),
  matches: list('matches', grpcRouteMatchSchema, { max: 64 }).optional(),
  filters: grpcFilterList().optional(),
  backendRefs: list('backendRefs', grpcBackendRefSchema, { max: 16 }).optional(),
  /** Experimental. */
  sessionPersistence: sessionPersistenceSchema.optional(),
});

export const grpcRouteSpecSchema = z.strictObject({
  parentRefs: parentRefsList(32).optional(),
  useDefaultGateways: oneOf('useDefaultGateways', ['All', 'None']).optional(),
  hostnames: list('hostnames', hostname(), { max: 16 }).optional(),
  rules: list('rules', grpcRouteRuleSchema, { max: 16 }).superRefine(checkRules).optional(),
});

export const grpcRouteSchema = strictResource(['gateway.networking.k8s.io/v1'], 'GRPCRoute', grpcRouteSpecSchema);

// ---------------------------------------------------------------------------------------------------
// TLSRoute (v1 since Gateway API 1.5; v1alpha2/v1alpha3 accepted): TLS passthrough routed by SNI

export const tlsRouteSpecSchema = z.strictObject({
  parentRefs: parentRefsList(32).optional(),
  useDefaultGateways: oneOf('useDefaultGateways', ['All', 'None']).optional(),
  hostnames: list('hostnames', hostname(), { min: 1, max: 1024 }).optional(),
  rules: list(
    'rules',
    z.strictObject({
      name: text('name', { min: 1, max: 253 }).optional(),
      backendRefs: list(
        'backendRefs',
        z.strictObject({ ...backendObjectReferenceShape, weight: integer('weight', 0, 1_000_000).optional() }).superRefine(requirePortForService),
        { min: 1, max: 16 },
      ),
    }),
    { min: 1, max: 1 },
  ),
});

export const tlsRouteSchema = strictResource(['gateway.networking.k8s.io/v1', 'gateway.networking.k8s.io/v1alpha3', 'gateway.networking.k8s.io/v1alpha2'], 'TLSRoute', tlsRouteSpecSchema);

// ---------------------------------------------------------------------------------------------------
// ReferenceGrant

export const referenceGrantSpecSchema = z.strictObject({
  from: list(
    'from',
    z.strictObject({
      group: groupSchema,
      kind: kindSchema,
      namespace: namespaceSchema,
    }),
    { min: 1, max: 16 },
  ),
  to: list(
    'to',
    z.strictObject({
      group: groupSchema,
      kind: kindSchema,
      name: objectNameSchema.optional(),
    }),
    { min: 1, max: 16 },
  ),
});

export const referenceGrantSchema = strictResource(GATEWAY_API_VERSIONS, 'ReferenceGrant', referenceGrantSpecSchema);

// ---------------------------------------------------------------------------------------------------
// BackendTLSPolicy (v1 since Gateway API 1.4; v1alpha3 before): how the gateway verifies a backend's
// certificate. Sluice reads targetRefs (Service, or Envoy Gateway Backend), validation.hostname (SNI
// and the name checked), caCertificateRefs (ConfigMap key ca.crt) or wellKnownCACertificates System.

export const backendTlsPolicySpecSchema = z.strictObject({
  targetRefs: list('targetRefs', localPolicyTargetReferenceWithSectionNameSchema, { min: 1, max: 16 }),
  validation: z
    .strictObject({
      caCertificateRefs: list('caCertificateRefs', z.strictObject({ group: groupSchema, kind: kindSchema, name: objectNameSchema }), { max: 8 }).optional(),
      wellKnownCACertificates: oneOf('wellKnownCACertificates', ['System']).optional(),
      hostname: text('hostname', { min: 1, max: 253 }),
      subjectAltNames: list(
        'subjectAltNames',
        z.strictObject({ type: oneOf('type', ['Hostname', 'URI']), hostname: text('hostname').optional(), uri: text('uri').optional() }),
        { max: 5 },
      ).optional(),
    })
    .superRefine((v, ctx) => {
      const refs = (v.caCertificateRefs ?? []).length > 0;
      if (refs === (v.wellKnownCACertificates !== undefined)) ctx.addIssue({ code: 'custom', path: [], message: 'exactly one of caCertificateRefs or wellKnownCACertificates must be set' });
    }),
  options: z.record(z.string(), z.string()).optional(),
});

export const backendTlsPolicySchema = strictResource(['gateway.networking.k8s.io/v1', 'gateway.networking.k8s.io/v1alpha3'], 'BackendTLSPolicy', backendTlsPolicySpecSchema);
