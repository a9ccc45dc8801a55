// Envoy Gateway (gateway.envoyproxy.io/v1alpha1) kinds that AI Gateway manifests use:
// - Backend: static or DNS endpoints of a provider or model server (envoyproxy/gateway
//   api/v1alpha1/backend_types.go). Strict, with the CRD's CEL rules.
// - BackendTrafficPolicy and SecurityPolicy: loose objects; the fields Sluice reads are typed and the
//   rest passes validation. compile/support.ts reports every part Sluice does not honour (any key
//   beyond the typed ones included), and refuses a SecurityPolicy or rate limit it cannot enforce.
import { z } from 'zod';
import {
  bool,
  integer,
  list,
  localObjectReferenceSchema,
  looseResource,
  matching,
  oneOf,
  preciseHostname,
  secretObjectReferenceSchema,
  strictResource,
  text,
} from './meta.ts';

export const ENVOY_GATEWAY_V1ALPHA1 = 'gateway.envoyproxy.io/v1alpha1';

// ---------------------------------------------------------------------------------------------------
// Backend

const FQDN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*\.?$/;
const IP_ADDRESS =
  /^((25[0-5]|2[0-4][0-9]|[01]?[0-9][0-9]?)\.){3}(25[0-5]|2[0-4][0-9]|[01]?[0-9][0-9]?)$|^(([0-9a-fA-F]{1,4}:){1,7}[0-9a-fA-F]{1,4}|::|(([0-9a-fA-F]{1,4}:){0,5})?(:[0-9a-fA-F]{1,4}){1,2})$/;

/** Backend ports allow 0 (upstream range 0–65535). */
const backendPort = () => integer('port', 0, 65535);

export const fqdnEndpointSchema = z.strictObject({
  hostname: matching('hostname', FQDN, 'be a lowercase DNS name such as api.openai.com (a trailing dot is allowed)', { min: 1, max: 253 }),
  port: backendPort(),
});

export const ipEndpointSchema = z.strictObject({
  address: matching('address', IP_ADDRESS, 'be an IPv4 or IPv6 address such as 10.0.0.1 or fd00::1 (no port, no CIDR)', { min: 3, max: 45 }),
  port: backendPort(),
});

export const unixSocketSchema = z.strictObject({
  path: text('path', { min: 1, max: 108 }),
});

export const backendEndpointSchema = z
  .strictObject({
    /** Hostname for SNI/Host of ip and unix endpoints. */
    hostname: matching('hostname', /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/, 'be a lowercase DNS name', {
      min: 1,
      max: 253,
    }).optional(),
    fqdn: fqdnEndpointSchema.optional(),
    ip: ipEndpointSchema.optional(),
    unix: unixSocketSchema.optional(),
    zone: text('zone').optional(),
  })
  .superRefine((e, ctx) => {
    const set = (['fqdn', 'ip', 'unix'] as const).filter((k) => e[k] !== undefined);
    if (set.length === 0) ctx.addIssue({ code: 'custom', path: [], message: 'one of fqdn, ip or unix must be specified' });
    if (set.length > 1) ctx.addIssue({ code: 'custom', path: [set[1] ?? 'ip'], message: `only one of fqdn, ip or unix can be specified (got ${set.join(' and ')})` });
  });

const WELL_KNOWN_CA = /^(System|([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*\/([A-Za-z0-9][-A-Za-z0-9_.]{0,61})?[A-Za-z0-9]))$/;
const TLS_VERSIONS = ['Auto', '1.0', '1.1', '1.2', '1.3'] as const;

export const backendTlsSettingsSchema = z
  .strictObject({
    caCertificateRefs: list('caCertificateRefs', localObjectReferenceSchema, { max: 8 }).optional(),
    wellKnownCACertificates: matching('wellKnownCACertificates', WELL_KNOWN_CA, 'be System or a domain-prefixed name', { min: 1, max: 253 }).optional(),
    insecureSkipVerify: bool('insecureSkipVerify').optional(),
    sni: preciseHostname('sni').optional(),
    autoSNIFromEndpointHostname: bool('autoSNIFromEndpointHostname').optional(),
    // BackendTLSConfig (inline): client certificate and TLS parameters.
    clientCertificateRef: secretObjectReferenceSchema.optional(),
    minVersion: oneOf('minVersion', TLS_VERSIONS).optional(),
    maxVersion: oneOf('maxVersion', TLS_VERSIONS).optional(),
    ciphers: list('ciphers', text('ciphers')).optional(),
    ecdhCurves: list('ecdhCurves', text('ecdhCurves')).optional(),
    signatureAlgorithms: list('signatureAlgorithms', text('signatureAlgorithms')).optional(),
    alpnProtocols: list('alpnProtocols', text('alpnProtocols')).optional(),
    fingerprints: list('fingerprints', oneOf('fingerprints', ['JA3', 'JA4'])).optional(),
  })
  .superRefine((t, ctx) => {
    const hasCaRefs = (t.caCertificateRefs ?? []).length > 0;
    const hasWellKnown = t.wellKnownCACertificates !== undefined && t.wellKnownCACertificates !== '';
    if (hasCaRefs && hasWellKnown) {
      ctx.addIssue({ code: 'custom', path: ['wellKnownCACertificates'], message: 'must not be set together with caCertificateRefs' });
    }
    if (t.insecureSkipVerify === true && (hasCaRefs || hasWellKnown)) {
      ctx.addIssue({ code: 'custom', path: ['insecureSkipVerify'], message: 'insecureSkipVerify must not be combined with caCertificateRefs or wellKnownCACertificates' });
    }
    if (t.sni !== undefined && t.autoSNIFromEndpointHostname === true) {
      ctx.addIssue({ code: 'custom', path: ['sni'], message: 'sni and autoSNIFromEndpointHostname are mutually exclusive' });
    }
  });

export const backendSpecSchema = z
  .strictObject({
    /** Defaults to Endpoints. */
    type: oneOf('type', ['Endpoints', 'DynamicResolver']).optional(),
    endpoints: list('endpoints', backendEndpointSchema, { min: 1, max: 256 })
      .superRefine((endpoints, ctx) => {
        const fqdn = endpoints.filter((e) => e.fqdn !== undefined).length;
        if (fqdn > 0 && fqdn < endpoints.length) {
          ctx.addIssue({ code: 'custom', path: [], message: 'fqdn endpoints cannot be mixed with ip or unix endpoints in one Backend' });
        }
      })
      .optional(),
    appProtocols: list('appProtocols', oneOf('appProtocols', ['gateway.envoyproxy.io/h2c', 'gateway.envoyproxy.io/ws', 'gateway.envoyproxy.io/wss'])).optional(),
    /** Marks the backend as a fallback (used when the primary backends are unhealthy). */
    fallback: bool('fallback').optional(),
    tls: backendTlsSettingsSchema.optional(),
  })
  .superRefine((spec, ctx) => {
    if (spec.type === 'DynamicResolver' && spec.endpoints !== undefined) {
      ctx.addIssue({ code: 'custom', path: ['endpoints'], message: 'a DynamicResolver Backend cannot have endpoints' });
    }
    if (spec.type === 'DynamicResolver' && spec.tls?.autoSNIFromEndpointHostname === true) {
      ctx.addIssue({ code: 'custom', path: ['tls', 'autoSNIFromEndpointHostname'], message: 'a DynamicResolver Backend cannot use autoSNIFromEndpointHostname' });
    }
    if (spec.tls?.autoSNIFromEndpointHostname === true) {
      (spec.endpoints ?? []).forEach((e, i) => {
        if ((e.ip !== undefined || e.unix !== undefined) && e.hostname === undefined) {
          ctx.addIssue({ code: 'custom', path: ['endpoints', i, 'hostname'], message: 'is required for ip and unix endpoints when tls.autoSNIFromEndpointHostname is enabled' });
        }
      });
    }
    if ((spec.type ?? 'Endpoints') === 'Endpoints' && spec.endpoints === undefined) {
      ctx.addIssue({ code: 'custom', path: ['endpoints'], message: 'is required (at least one fqdn, ip or unix endpoint) unless type is DynamicResolver' });
    }
  });

export const backendSchema = strictResource([ENVOY_GATEWAY_V1ALPHA1], 'Backend', backendSpecSchema);

// ---------------------------------------------------------------------------------------------------
// Policies (accepted, spec not validated yet)

/** A policy attachment reference as Envoy Gateway policies write it (group, kind, name, sectionName?). */
const policyTargetRef = z.looseObject({
  group: z.string().optional(),
  kind: z.string().optional(),
  name: z.string().optional(),
  sectionName: z.string().optional(),
});

/**
 * The common attachment fields of Envoy Gateway policies. Everything else in the spec passes
 * unvalidated until Sluice implements the policy; do not rely on its shape.
 */
const policySpecSchema = z.looseObject({
  targetRef: policyTargetRef.optional(),
  targetRefs: z.array(policyTargetRef).optional(),
  targetSelectors: z.array(z.looseObject({})).optional(),
});

const durationText = z.string().min(1);
const headerMatchList = z.array(z.looseObject({ name: z.string(), type: z.enum(['Exact', 'RegularExpression', 'Distinct']).optional(), value: z.string().optional(), invert: z.boolean().optional() }));

/** BackendTrafficPolicy `rateLimit` (local and global rules, client selectors, costs). */
const rateLimitRuleSchema = z.looseObject({
  clientSelectors: z.array(z.looseObject({ headers: headerMatchList.optional(), sourceCIDR: z.looseObject({ type: z.enum(['Exact', 'Distinct']).optional(), value: z.string() }).optional(), methods: z.array(z.looseObject({ value: z.string() })).optional(), path: z.looseObject({ type: z.string().optional(), value: z.string() }).optional() })).optional(),
  limit: z.looseObject({ requests: z.number().int().nonnegative(), unit: z.enum(['Second', 'Minute', 'Hour', 'Day', 'Month', 'Year']) }),
  cost: z
    .looseObject({
      request: z.looseObject({ from: z.enum(['Number', 'Metadata']), number: z.number().int().nonnegative().optional(), metadata: z.looseObject({ namespace: z.string(), key: z.string() }).optional() }).optional(),
      response: z.looseObject({ from: z.enum(['Number', 'Metadata']), number: z.number().int().nonnegative().optional(), metadata: z.looseObject({ namespace: z.string(), key: z.string() }).optional() }).optional(),
    })
    .optional(),
  shared: z.boolean().optional(),
  shadowMode: z.boolean().optional(),
});

/**
 * BackendTrafficPolicy: the fields Sluice reads are typed (retry, healthCheck, timeout, rateLimit);
 * the rest of Envoy Gateway's spec is accepted and reported as not honoured (compile/support.ts).
 */
const backendTrafficPolicySpecSchema = policySpecSchema.extend({
  retry: z
    .looseObject({
      numRetries: z.number().int().nonnegative().optional(),
      retryOn: z.looseObject({ triggers: z.array(z.string()).optional(), httpStatusCodes: z.array(z.number().int().min(100).max(599)).optional() }).optional(),
      perRetry: z.looseObject({ timeout: durationText.optional(), backOff: z.looseObject({ baseInterval: durationText.optional(), maxInterval: durationText.optional() }).optional() }).optional(),
    })
    .optional(),
  healthCheck: z
    .looseObject({
      active: z
        .looseObject({
          type: z.enum(['HTTP', 'TCP', 'GRPC']),
          timeout: durationText.optional(),
          interval: durationText.optional(),
          unhealthyThreshold: z.number().int().positive().optional(),
          healthyThreshold: z.number().int().positive().optional(),
          http: z.looseObject({ path: z.string(), method: z.string().optional(), expectedStatuses: z.array(z.number().int()).optional(), expectedResponse: z.looseObject({ type: z.string().optional(), text: z.string().optional() }).optional() }).optional(),
        })
        .optional(),
      passive: z
        .looseObject({
          splitExternalLocalOriginErrors: z.boolean().optional(),
          interval: durationText.optional(),
          consecutiveLocalOriginFailures: z.number().int().nonnegative().optional(),
          consecutiveGatewayErrors: z.number().int().nonnegative().optional(),
          consecutive5XxErrors: z.number().int().nonnegative().optional(),
          baseEjectionTime: durationText.optional(),
          maxEjectionPercent: z.number().int().min(0).max(100).optional(),
          alwaysEjectOneEndpoint: z.boolean().optional(),
        })
        .optional(),
      panicThreshold: z.number().int().min(0).max(100).optional(),
    })
    .optional(),
  timeout: z.looseObject({ http: z.looseObject({ requestTimeout: durationText.optional(), connectionIdleTimeout: durationText.optional(), maxConnectionDuration: durationText.optional() }).optional(), tcp: z.looseObject({ connectTimeout: durationText.optional() }).optional() }).optional(),
  rateLimit: z
    .looseObject({
      type: z.enum(['Local', 'Global']).optional(),
      local: z.looseObject({ rules: z.array(rateLimitRuleSchema).optional() }).optional(),
      global: z.looseObject({ rules: z.array(rateLimitRuleSchema).optional() }).optional(),
    })
    .optional(),
});

export const backendTrafficPolicySchema = looseResource([ENVOY_GATEWAY_V1ALPHA1], 'BackendTrafficPolicy', { spec: backendTrafficPolicySpecSchema });

const secretRefSchema = z.looseObject({ group: z.string().optional(), kind: z.string().optional(), name: z.string(), namespace: z.string().optional() });

/**
 * SecurityPolicy: client authentication (apiKeyAuth, jwt) and authorization are read; the other
 * mechanisms (basicAuth, oidc, extAuth, cors) are reported as not honoured and leave the policy not Accepted.
 */
const securityPolicySpecSchema = policySpecSchema.extend({
  apiKeyAuth: z
    .looseObject({
      credentialRefs: z.array(secretRefSchema).min(1),
      extractFrom: z.array(z.looseObject({ headers: z.array(z.string()).optional(), params: z.array(z.string()).optional(), cookies: z.array(z.string()).optional() })).optional(),
      forwardClientIDHeader: z.string().optional(),
      sanitize: z.boolean().optional(),
    })
    .optional(),
  jwt: z
    .looseObject({
      optional: z.boolean().optional(),
      providers: z
        .array(
          z.looseObject({
            name: z.string(),
            issuer: z.string().optional(),
            audiences: z.array(z.string()).optional(),
            remoteJWKS: z.looseObject({ uri: z.string() }).optional(),
            localJWKS: z.looseObject({ type: z.string().optional(), inline: z.string().optional(), valueRef: z.looseObject({ group: z.string().optional(), kind: z.string(), name: z.string() }).optional() }).optional(),
            claimToHeaders: z.array(z.looseObject({ header: z.string(), claim: z.string() })).optional(),
            extractFrom: z.looseObject({ headers: z.array(z.looseObject({ name: z.string(), valuePrefix: z.string().optional() })).optional(), params: z.array(z.string()).optional(), cookies: z.array(z.string()).optional() }).optional(),
          }),
        )
        .min(1),
    })
    .optional(),
  authorization: z
    .looseObject({
      defaultAction: z.enum(['Allow', 'Deny']).optional(),
      rules: z
        .array(
          z.looseObject({
            name: z.string().optional(),
            action: z.enum(['Allow', 'Deny']),
            principal: z.looseObject({
              clientCIDRs: z.array(z.string()).optional(),
              jwt: z.looseObject({ provider: z.string(), scopes: z.array(z.string()).optional(), claims: z.array(z.looseObject({ name: z.string(), valueType: z.string().optional(), values: z.array(z.string()) })).optional() }).optional(),
              headers: z.array(z.looseObject({ name: z.string(), values: z.array(z.string()) })).optional(),
            }),
          }),
        )
        .optional(),
    })
    .optional(),
});

export const securityPolicySchema = looseResource([ENVOY_GATEWAY_V1ALPHA1], 'SecurityPolicy', { spec: securityPolicySpecSchema });
