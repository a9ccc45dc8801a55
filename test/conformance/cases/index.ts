// Every ported upstream conformance test, one module per test (shared helpers in ./shared).
import type { ConformanceCase } from '../harness.ts';
import { GatewayHTTPListenerIsolation } from './gateway-http-listener-isolation.ts';
import { GatewayInvalidParametersRef } from './gateway-invalid-parameters-ref.ts';
import { GatewayInvalidRouteKind } from './gateway-invalid-route-kind.ts';
import { GatewayInvalidTLSConfiguration } from './gateway-invalid-tls-configuration.ts';
import { GatewayListenerUnsupportedProtocol } from './gateway-listener-unsupported-protocol.ts';
import { GatewayModifyListeners } from './gateway-modify-listeners.ts';
import { GatewayNameMaximumLength } from './gateway-name-maximum-length.ts';
import { GatewayObservedGenerationBump } from './gateway-observed-generation-bump.ts';
import { GatewaySecretInvalidReferenceGrant } from './gateway-secret-invalid-reference-grant.ts';
import { GatewaySecretMissingReferenceGrant } from './gateway-secret-missing-reference-grant.ts';
import { GatewaySecretReferenceGrantAllInNamespace } from './gateway-secret-reference-grant-all-in-namespace.ts';
import { GatewaySecretReferenceGrantSpecific } from './gateway-secret-reference-grant-specific.ts';
import { GatewayWithAttachedRoutesWithPort8080 } from './gateway-with-attached-routes-with-port-8080.ts';
import { GatewayWithAttachedRoutes } from './gateway-with-attached-routes.ts';
import { GatewayClassObservedGenerationBump } from './gatewayclass-observed-generation-bump.ts';
import { HTTPRoute303Redirect } from './httproute-303-redirect.ts';
import { HTTPRoute307Redirect } from './httproute-307-redirect.ts';
import { HTTPRoute308Redirect } from './httproute-308-redirect.ts';
import { HTTPRouteBackendProtocolH2C } from './httproute-backend-protocol-h2c.ts';
import { HTTPRouteBackendProtocolWebSocket } from './httproute-backend-protocol-websocket.ts';
import { HTTPRouteBackendRequestHeaderModifier } from './httproute-backend-request-header-modifier.ts';
import { HTTPRouteBackendRequestRedirect } from './httproute-backend-request-redirect.ts';
import { HTTPRouteBackendURLRewrite } from './httproute-backend-url-rewrite.ts';
import { HTTPRouteCORS } from './httproute-cors.ts';
import { HTTPRouteCrossNamespace } from './httproute-cross-namespace.ts';
import { HTTPRouteDisallowedKind } from './httproute-disallowed-kind.ts';
import { HTTPRouteExactPathMatching } from './httproute-exact-path-matching.ts';
import { HTTPRouteHeaderMatching } from './httproute-header-matching.ts';
import { HTTPRouteHostnameIntersection } from './httproute-hostname-intersection.ts';
import { HTTPRouteHTTPSListenerDetectMisdirectedRequests } from './httproute-https-listener-detect-misdirected-requests.ts';
import { HTTPRouteHTTPSListener } from './httproute-https-listener.ts';
import { HTTPRouteInvalidBackendRefUnknownKind } from './httproute-invalid-backendref-unknown-kind.ts';
import { HTTPRouteInvalidCrossNamespaceBackendRef } from './httproute-invalid-cross-namespace-backend-ref.ts';
import { HTTPRouteInvalidCrossNamespaceParentRef } from './httproute-invalid-cross-namespace-parent-ref.ts';
import { HTTPRouteInvalidNonExistentBackendRef } from './httproute-invalid-nonexistent-backendref.ts';
import { HTTPRouteInvalidParentRefNotMatchingListenerPort } from './httproute-invalid-parentref-not-matching-listener-port.ts';
import { HTTPRouteInvalidParentRefNotMatchingSectionName } from './httproute-invalid-parentref-not-matching-section-name.ts';
import { HTTPRouteInvalidParentRefSectionNameNotMatchingPort } from './httproute-invalid-parentref-section-name-not-matching-port.ts';
import { HTTPRouteInvalidReferenceGrant } from './httproute-invalid-reference-grant.ts';
import { HTTPRouteListenerHostnameMatching } from './httproute-listener-hostname-matching.ts';
import { HTTPRouteListenerPortMatching } from './httproute-listener-port-matching.ts';
import { HTTPRouteMatchingAcrossRoutes } from './httproute-matching-across-routes.ts';
import { HTTPRouteMatching } from './httproute-matching.ts';
import { HTTPRouteMethodMatching } from './httproute-method-matching.ts';
import { HTTPRouteMultipleGateways } from './httproute-multiple-gateways.ts';
import { HTTPRouteNamedRule } from './httproute-named-rule.ts';
import { HTTPRouteNoBackendRefs } from './httproute-no-backend-refs.ts';
import { HTTPRouteObservedGenerationBump } from './httproute-observed-generation-bump.ts';
import { HTTPRoutePartiallyInvalidViaInvalidReferenceGrant } from './httproute-partially-invalid-via-invalid-reference-grant.ts';
import { HTTPRoutePathMatchOrder } from './httproute-path-match-order.ts';
import { HTTPRouteQueryParamMatching } from './httproute-query-param-matching.ts';
import { HTTPRouteRedirectHostAndStatus } from './httproute-redirect-host-and-status.ts';
import { HTTPRouteRedirectPath } from './httproute-redirect-path.ts';
import { HTTPRouteRedirectPortAndScheme } from './httproute-redirect-port-and-scheme.ts';
import { HTTPRouteRedirectPort } from './httproute-redirect-port.ts';
import { HTTPRouteRedirectScheme } from './httproute-redirect-scheme.ts';
import { HTTPRouteReferenceGrant } from './httproute-reference-grant.ts';
import { HTTPRouteRequestHeaderModifierBackendWeights } from './httproute-request-header-modifier-backend-weights.ts';
import { HTTPRouteRequestHeaderModifier } from './httproute-request-header-modifier.ts';
import { HTTPRouteRequestMirror } from './httproute-request-mirror.ts';
import { HTTPRouteRequestMultipleMirrors } from './httproute-request-multiple-mirrors.ts';
import { HTTPRouteRequestPercentageMirror } from './httproute-request-percentage-mirror.ts';
import { HTTPRouteResponseHeaderModifier } from './httproute-response-header-modifier.ts';
import { HTTPRouteRetryConnectionError } from './httproute-retry-connection-error.ts';
import { HTTPRouteRetryWithTimeouts } from './httproute-retry-with-timeouts.ts';
import { HTTPRouteRetry } from './httproute-retry.ts';
import { HTTPRouteRewriteHost } from './httproute-rewrite-host.ts';
import { HTTPRouteRewritePath } from './httproute-rewrite-path.ts';
import { HTTPRouteServiceTypes } from './httproute-service-types.ts';
import { HTTPRouteSimpleSameNamespace } from './httproute-simple-same-namespace.ts';
import { HTTPRouteTimeoutBackendRequest } from './httproute-timeout-backend-request.ts';
import { HTTPRouteTimeoutRequest } from './httproute-timeout-request.ts';
import { HTTPRouteWeight } from './httproute-weight.ts';

export const CASES: readonly ConformanceCase[] = [
  GatewayHTTPListenerIsolation,
  GatewayInvalidParametersRef,
  GatewayInvalidRouteKind,
  GatewayInvalidTLSConfiguration,
  GatewayListenerUnsupportedProtocol,
  GatewayModifyListeners,
  GatewayNameMaximumLength,
  GatewayObservedGenerationBump,
  GatewaySecretInvalidReferenceGrant,
  GatewaySecretMissingReferenceGrant,
  GatewaySecretReferenceGrantAllInNamespace,
  GatewaySecretReferenceGrantSpecific,
  GatewayWithAttachedRoutesWithPort8080,
  GatewayWithAttachedRoutes,
  GatewayClassObservedGenerationBump,
  HTTPRoute303Redirect,
  HTTPRoute307Redirect,
  HTTPRoute308Redirect,
  HTTPRouteBackendProtocolH2C,
  HTTPRouteBackendProtocolWebSocket,
  HTTPRouteBackendRequestHeaderModifier,
  HTTPRouteBackendRequestRedirect,
  HTTPRouteBackendURLRewrite,
  HTTPRouteCORS,
  HTTPRouteCrossNamespace,
  HTTPRouteDisallowedKind,
  HTTPRouteExactPathMatching,
  HTTPRouteHeaderMatching,
  HTTPRouteHostnameIntersection,
  HTTPRouteHTTPSListenerDetectMisdirectedRequests,
  HTTPRouteHTTPSListener,
  HTTPRouteInvalidBackendRefUnknownKind,
  HTTPRouteInvalidCrossNamespaceBackendRef,
  HTTPRouteInvalidCrossNamespaceParentRef,
  HTTPRouteInvalidNonExistentBackendRef,
  HTTPRouteInvalidParentRefNotMatchingListenerPort,
  HTTPRouteInvalidParentRefNotMatchingSectionName,
  HTTPRouteInvalidParentRefSectionNameNotMatchingPort,
  HTTPRouteInvalidReferenceGrant,
  HTTPRouteListenerHostnameMatching,
  HTTPRouteListenerPortMatching,
  HTTPRouteMatchingAcrossRoutes,
  HTTPRouteMatching,
  HTTPRouteMethodMatching,
  HTTPRouteMultipleGateways,
  HTTPRouteNamedRule,
  HTTPRouteNoBackendRefs,
  HTTPRouteObservedGenerationBump,
  HTTPRoutePartiallyInvalidViaInvalidReferenceGrant,
  HTTPRoutePathMatchOrder,
  HTTPRouteQueryParamMatching,
  HTTPRouteRedirectHostAndStatus,
  HTTPRouteRedirectPath,
  HTTPRouteRedirectPortAndScheme,
  HTTPRouteRedirectPort,
  HTTPRouteRedirectScheme,
  HTTPRouteReferenceGrant,
  HTTPRouteRequestHeaderModifierBackendWeights,
  HTTPRouteRequestHeaderModifier,
  HTTPRouteRequestMirror,
  HTTPRouteRequestMultipleMirrors,
  HTTPRouteRequestPercentageMirror,
  HTTPRouteResponseHeaderModifier,
  HTTPRouteRetryConnectionError,
  HTTPRouteRetryWithTimeouts,
  HTTPRouteRetry,
  HTTPRouteRewriteHost,
  HTTPRouteRewritePath,
  HTTPRouteServiceTypes,
  HTTPRouteSimpleSameNamespace,
  HTTPRouteTimeoutBackendRequest,
  HTTPRouteTimeoutRequest,
  HTTPRouteWeight,
];
