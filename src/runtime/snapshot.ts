// The runtime snapshot: everything the data plane needs, compiled from validated resources.
// A snapshot is immutable once built (except the live endpoint state it points at and round-robin
// counters); a reload builds a new one and swaps it atomically. A request keeps the snapshot it
// started with until it finishes.
import type { EndpointAvailability, EndpointState, SaturationThresholds } from './endpoint.ts';
import type { PoolPicker } from './picker.ts';
import type { Admission } from './governance.ts';
import type { BackendSchema } from './translator.ts';
import type { UpstreamAuth } from './upstream-auth.ts';
import type { RouteMatcher } from './routes.ts';
import type { CompiledFilters } from './filters.ts';
import type { Condition } from './conditions.ts';
import type { Problem } from '../config/problems.ts';


/** An upstream address for a Backend or Service endpoint. */
export interface UpstreamTarget {
  /** `http://127.0.0.1:41234` or `https://api.openai.com:443`. */
  readonly origin: string;
  /** Host header sent upstream. */
  readonly hostHeader: string;
  /** Live state when the target is a (standalone) pod; used for in-flight accounting. */
  readonly endpoint?: EndpointState | undefined;
  /** TLS towards this target (https origins): what to trust and the server name to check. */
  readonly tls?: UpstreamTls | undefined;
}

/** How the gateway checks an upstream's certificate (Backend.spec.tls, BackendTLSPolicy). */
export interface UpstreamTls {
  /** PEM CA bundle to trust instead of the system roots. */
  readonly ca?: string | undefined;
  /** SNI and the name the certificate must carry; default: the origin's host. */
  readonly servername?: string | undefined;
  /** insecureSkipVerify: no certificate check at all (test setups only). */
  readonly insecureSkipVerify?: boolean | undefined;
  /** A stable key for the connection pool: targets with the same origin and TLS settings share one. */
  readonly key: string;
}

export interface EndpointsBackend {
  readonly kind: 'endpoints';
  /** `Backend default/name` or `Service default/name`, for errors and logs. */
  readonly id: string;
  readonly schema: BackendSchema;
  readonly targets: readonly UpstreamTarget[];
  /** The credential the gateway sends to this backend (BackendSecurityPolicy), if any. */
  readonly auth?: UpstreamAuth | undefined;
  /** Which of its endpoints may be used now (ejections, active checks). */
  readonly health?: EndpointAvailability | undefined;
  /** Round-robin cursor (the only mutable field). */
  cursor: number;
}

export interface PoolRuntime {
  readonly namespace: string;
  readonly name: string;
  /** Endpoints currently in the pool (selector × targetPorts over ready pods). */
  readonly endpoints: readonly EndpointState[];
  readonly failureMode: 'FailOpen' | 'FailClose';
  /** InferenceObjective name → priority. */
  readonly objectives: ReadonlyMap<string, number>;
  /** Where the picker config came from, for status and logs. */
  readonly pickerConfigSource: string;
  /** The pool's endpoint picker, built once from its EndpointPickerConfig. */
  readonly picker: PoolPicker;
  /** Flow control (EndpointPickerConfig `flowControl`), or undefined: sheddable requests are shed at once. */
  readonly flowControl: FlowControlSettings | undefined;
  /** The credential the gateway sends to the pool's model servers (a BackendSecurityPolicy targeting the pool). */
  readonly auth?: UpstreamAuth | undefined;
  /** Which of its endpoints may be used now (ejections, active checks). */
  readonly health?: EndpointAvailability | undefined;
}

export interface FlowControlSettings {
  /** How long a request may wait before it is rejected. */
  readonly requestTtlMs: number;
  /** Queued requests per pool before newcomers are rejected (0 = unlimited). */
  readonly maxRequests: number;
  readonly thresholds: SaturationThresholds;
}

export interface PoolBackend {
  readonly kind: 'pool';
  readonly id: string;
  readonly pool: PoolRuntime;
}

/** A backendRef that cannot be served: its weighted share of requests gets a 500. */
export interface InvalidBackend {
  readonly kind: 'invalid';
  readonly id: string;
  readonly reason: string;
  readonly message: string;
}

export type BackendTarget = EndpointsBackend | PoolBackend | InvalidBackend;

export interface WeightedBackend {
  readonly weight: number;
  /** Failover tier (AIGatewayRoute backendRef `priority`): lower first; the next tier serves when a tier cannot. */
  readonly priority: number;
  readonly target: BackendTarget;
  /** AIGatewayRoute backendRef.modelNameOverride: the model name sent upstream. */
  readonly modelNameOverride?: string | undefined;
  /** backendRef-level filters (HTTPRoute) or headerMutation (AIGatewayRoute), applied when chosen. */
  readonly filters?: CompiledFilters | undefined;
}

export interface CompiledRule {
  /** e.g. `AIGatewayRoute default/my-route rule 0`. */
  readonly id: string;
  readonly routeKind: 'HTTPRoute' | 'AIGatewayRoute' | 'GRPCRoute' | 'TLSRoute';
  /**
   * An inference rule: an AIGatewayRoute rule, or an HTTPRoute rule with an InferencePool backend (the
   * Inference Extension's pattern). Its requests on an AI endpoint are parsed, translated and accounted.
   */
  readonly ai: boolean;
  readonly routeKey: string;
  readonly ruleIndex: number;
  readonly ruleName?: string | undefined;
  readonly backends: readonly WeightedBackend[];
  readonly totalWeight: number;
  /** Time allowed until the upstream's response starts; 0 = none. */
  readonly requestTimeoutMs: number;
  /** Per upstream attempt (timeouts.backendRequest); 0 = only the request timeout applies. */
  readonly backendTimeoutMs: number;
  /** Rule-level filters (header modifiers, redirect, rewrite, CORS). */
  readonly filters: CompiledFilters;
  /** RequestMirror filters with resolved backends: each gets `fraction` of requests, responses discarded. */
  readonly mirrors: readonly { readonly target: BackendTarget; readonly fraction: number }[];
  /** HTTPRoute `retry`, else a BackendTrafficPolicy's `retry`: when an attempt may be tried again. */
  readonly retry?: RetryPolicy | undefined;
  /** The BackendTrafficPolicy that applies to this rule (`BackendTrafficPolicy ns/name`), for status and logs. */
  readonly trafficPolicy?: string | undefined;
  /** Authentication, authorization, rate limits, budgets and costs of this rule's requests. */
  readonly admission?: Admission | undefined;
}

export interface RetryPolicy {
  /** Upstream statuses that are retried. */
  readonly codes: ReadonlySet<number>;
  /** Retries at most (attempts = 1 + this). */
  readonly attempts: number;
  /** Wait before a retry; doubles per retry up to maxBackoffMs (0 = no growth). */
  readonly backoffMs: number;
  readonly maxBackoffMs: number;
  /** Retry when the connection could not be made. */
  readonly onConnectFailure: boolean;
  /** Retry when the connection was reset before the response began. */
  readonly onReset: boolean;
  /** Retry when an attempt's own timeout (backendRequest / perRetry.timeout) expired before the response began. */
  readonly onTimeout: boolean;
}

export interface ModelEntry {
  readonly id: string;
  readonly created: number;
  readonly ownedBy: string;
  /** Hostnames this model is served on (empty = any). */
  readonly hostnames: readonly string[];
}

export interface ListenerRuntime {
  /** `namespace/name` of the Gateway. */
  readonly gateway: string;
  readonly name: string;
  readonly port: number;
  readonly protocol: 'HTTP' | 'HTTPS' | 'TLS';
  readonly hostname?: string | undefined;
  readonly table: RouteMatcher<CompiledRule>;
  /** GRPCRoutes, matched on `/service/method` paths of HTTP/2 requests. */
  readonly grpcTable: RouteMatcher<CompiledRule>;
  /** TLSRoutes (TLS passthrough listeners), matched on the ClientHello's server name. */
  readonly tlsTable: RouteMatcher<CompiledRule>;
  /** Models named by Exact `x-ai-eg-model` matches of AIGatewayRoutes on this listener. */
  readonly models: readonly ModelEntry[];
  readonly hasAIRoutes: boolean;
  /** Gateway-level governance (SecurityPolicy on the Gateway): who may list models. */
  readonly admission?: Admission | undefined;
}

/** A certificate and key (PEM) from a `kubernetes.io/tls` Secret, with the names it covers. */
export interface TlsCertificate {
  /** `namespace/name` of the Secret. */
  readonly secret: string;
  readonly cert: string;
  readonly key: string;
  /** DNS names from the certificate (subjectAltName, else the subject CN), lower case. */
  readonly names: readonly string[];
}

/** All listeners bound to one port (they are told apart by hostname). */
export interface PortBinding {
  readonly port: number;
  readonly protocol: 'HTTP' | 'HTTPS' | 'TLS';
  readonly listeners: readonly ListenerRuntime[];
  /** HTTPS: every certificate of the port's listeners; SNI chooses (first = default). */
  readonly certificates: readonly TlsCertificate[];
}

export interface ResourceStatus {
  readonly kind: string;
  readonly namespace: string;
  readonly name: string;
  readonly conditions: readonly Condition[];
  /** Per-parent or per-listener conditions (routes: one entry per parentRef; Gateways: per listener). */
  readonly sub?: readonly {
    readonly name: string;
    readonly conditions: readonly Condition[];
    /** Listeners: routes attached (Accepted) and the route kinds they take. */
    readonly attachedRoutes?: number;
    readonly supportedKinds?: readonly { readonly group: string; readonly kind: string }[];
  }[];
}

export interface RuntimeSnapshot {
  readonly generation: number;
  readonly bindings: ReadonlyMap<number, PortBinding>;
  readonly pools: ReadonlyMap<string, PoolRuntime>;
  /** Every Service/Backend/AIServiceBackend target a rule uses (keyed by id and endpoints: one Service on two ports is two). */
  readonly backends: ReadonlyMap<string, EndpointsBackend>;
  readonly statuses: readonly ResourceStatus[];
  readonly problems: readonly Problem[];
  /** Every endpoint and origin referenced, so registries and pools can forget the rest. */
  readonly endpointKeys: ReadonlySet<string>;
  readonly origins: ReadonlySet<string>;
}
