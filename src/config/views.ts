// The fields of each resource that the compiler reads, as structural views over the validated
// objects. The schemas (./schemas) define and check the full upstream shapes; these views keep the
// compiler independent of schema details it does not use.

export interface ParentRefView {
  group?: string | undefined;
  kind?: string | undefined;
  namespace?: string | undefined;
  name: string;
  sectionName?: string | undefined;
  port?: number | undefined;
}

export interface HeaderMatchView {
  type?: 'Exact' | 'RegularExpression' | undefined;
  name: string;
  value: string;
}

export interface HTTPRouteMatchView {
  path?: { type?: 'Exact' | 'PathPrefix' | 'RegularExpression' | undefined; value?: string | undefined } | undefined;
  headers?: HeaderMatchView[] | undefined;
  queryParams?: HeaderMatchView[] | undefined;
  method?: string | undefined;
}

export interface BackendRefView {
  group?: string | undefined;
  kind?: string | undefined;
  name: string;
  namespace?: string | undefined;
  port?: number | undefined;
  weight?: number | undefined;
  filters?: { type: string }[] | undefined;
  modelNameOverride?: string | undefined;
  headerMutation?: { set?: { name: string; value: string }[] | undefined; remove?: string[] | undefined } | undefined;
  priority?: number | undefined;
}

export interface TimeoutsView {
  request?: string | undefined;
  backendRequest?: string | undefined;
}

export interface HTTPRouteView {
  spec?: {
    parentRefs?: ParentRefView[] | undefined;
    hostnames?: string[] | undefined;
    rules?: {
      name?: string | undefined;
      matches?: HTTPRouteMatchView[] | undefined;
      filters?: { type: string }[] | undefined;
      backendRefs?: BackendRefView[] | undefined;
      timeouts?: TimeoutsView | undefined;
      retry?: { codes?: number[] | undefined; attempts?: number | undefined; backoff?: string | undefined } | undefined;
    }[] | undefined;
  } | undefined;
}

export interface AIGatewayRouteView {
  spec?: {
    parentRefs?: ParentRefView[] | undefined;
    hostnames?: string[] | undefined;
    rules?: {
      name?: string | undefined;
      matches?: { headers?: HeaderMatchView[] | undefined }[] | undefined;
      backendRefs?: BackendRefView[] | undefined;
      timeouts?: TimeoutsView | undefined;
      modelsOwnedBy?: string | undefined;
      modelsCreatedAt?: string | undefined;
    }[] | undefined;
  } | undefined;
}

export interface GatewayView {
  spec: {
    gatewayClassName: string;
    listeners: {
      name: string;
      hostname?: string | undefined;
      port: number;
      protocol: string;
      tls?: {
        mode?: 'Terminate' | 'Passthrough' | undefined;
        certificateRefs?: { group?: string | undefined; kind?: string | undefined; name: string; namespace?: string | undefined }[] | undefined;
      } | undefined;
      allowedRoutes?: {
        namespaces?: { from?: 'All' | 'Same' | 'Selector' | 'None' | undefined } | undefined;
        kinds?: { group?: string | undefined; kind: string }[] | undefined;
      } | undefined;
    }[];
  };
}

export interface GatewayClassView {
  spec: {
    controllerName: string;
    parametersRef?: { group: string; kind: string; name: string; namespace?: string | undefined } | undefined;
  };
}

export interface AIServiceBackendView {
  spec: {
    schema: { name: string; version?: string | undefined; prefix?: string | undefined };
    backendRef: { group?: string | undefined; kind?: string | undefined; name: string; namespace?: string | undefined };
  };
}

export interface BackendView {
  spec: {
    endpoints?: {
      fqdn?: { hostname: string; port: number } | undefined;
      ip?: { address: string; port: number } | undefined;
      unix?: { path: string } | undefined;
    }[] | undefined;
  };
}

export interface InferencePoolView {
  spec: {
    selector: { matchLabels?: Record<string, string> | undefined } | Record<string, string>;
    targetPorts?: { number: number }[] | undefined;
    /** v1alpha2 */
    targetPortNumber?: number | undefined;
    endpointPickerRef?: {
      group?: string | undefined;
      kind?: string | undefined;
      name: string;
      port?: { number: number } | undefined;
      failureMode?: 'FailOpen' | 'FailClose' | undefined;
    } | undefined;
    /** v1alpha2 */
    extensionRef?: { group?: string | undefined; kind?: string | undefined; name: string; portNumber?: number | undefined; failureMode?: string | undefined } | undefined;
  };
}

export interface InferenceObjectiveView {
  spec: { priority?: number | undefined; poolRef: { group?: string | undefined; kind?: string | undefined; name: string } };
}

export interface ReferenceGrantView {
  spec: {
    from: { group: string; kind: string; namespace: string }[];
    to: { group: string; kind: string; name?: string | undefined }[];
  };
}

export interface ConfigMapView {
  data?: Record<string, string> | undefined;
}

export interface SecretView {
  type?: string | undefined;
  data?: Record<string, string> | undefined;
  stringData?: Record<string, string> | undefined;
}

export interface GRPCRouteView {
  spec?: {
    parentRefs?: ParentRefView[] | undefined;
    hostnames?: string[] | undefined;
    rules?: {
      name?: string | undefined;
      matches?: {
        method?: { type?: 'Exact' | 'RegularExpression' | undefined; service?: string | undefined; method?: string | undefined } | undefined;
        headers?: HeaderMatchView[] | undefined;
      }[] | undefined;
      filters?: { type: string }[] | undefined;
      backendRefs?: BackendRefView[] | undefined;
    }[] | undefined;
  } | undefined;
}
