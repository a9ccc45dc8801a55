// The wire contract of the endpoint picker: Envoy's ext_proc service
// (envoy.service.ext_proc.v3.ExternalProcessor) and the gRPC health service (grpc.health.v1.Health),
// loaded at run time by @grpc/proto-loader from the .proto files vendored in ./proto (see its README
// for the upstream commits and licences).
//
// Messages are plain objects in proto-loader's shape with `keepCase: false`: field names are
// lowerCamelCase (`requestHeaders`, `rawValue`, `dynamicMetadata`), bytes are Buffers, enums are
// numbers, unset fields are absent, and a oneof's chosen member is named by a virtual property
// (`request` on ProcessingRequest). The interfaces below cover the fields the picker reads or
// writes; encoding fills in the rest with defaults.
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';

export const EXT_PROC_SERVICE = 'envoy.service.ext_proc.v3.ExternalProcessor';
export const HEALTH_SERVICE = 'grpc.health.v1.Health';

/** envoy.extensions.filters.http.ext_proc.v3.ProcessingMode.BodySendMode */
export const BodySendMode = { NONE: 0, STREAMED: 1, BUFFERED: 2, BUFFERED_PARTIAL: 3, FULL_DUPLEX_STREAMED: 4, GRPC: 5 } as const;

/** envoy.config.core.v3.HeaderValueOption.HeaderAppendAction */
export const HeaderAppendAction = { APPEND_IF_EXISTS_OR_ADD: 0, ADD_IF_ABSENT: 1, OVERWRITE_IF_EXISTS_OR_ADD: 2, OVERWRITE_IF_EXISTS: 3 } as const;

/** grpc.health.v1.HealthCheckResponse.ServingStatus */
export const ServingStatus = { UNKNOWN: 0, SERVING: 1, NOT_SERVING: 2, SERVICE_UNKNOWN: 3 } as const;

// ---- google.protobuf.Struct (the bundled well-known types keep protobufjs' camelCase names) ----

export interface PbValue {
  nullValue?: number;
  numberValue?: number;
  stringValue?: string;
  boolValue?: boolean;
  structValue?: PbStruct;
  listValue?: { values?: PbValue[] };
}

export interface PbStruct {
  fields?: Record<string, PbValue>;
}

// ---- envoy.config.core.v3 ----

export interface HeaderValue {
  key: string;
  /** Envoy sends `rawValue`; `value` only when configured to. */
  value?: string;
  rawValue?: Buffer;
}

export interface HeaderMap {
  headers?: HeaderValue[];
}

export interface HeaderValueOption {
  header: HeaderValue;
  appendAction?: number;
}

export interface Metadata {
  filterMetadata?: Record<string, PbStruct>;
}

// ---- envoy.service.ext_proc.v3: requests (Envoy → picker) ----

export interface HttpHeaders {
  headers?: HeaderMap;
  endOfStream?: boolean;
}

export interface HttpBody {
  body?: Buffer;
  endOfStream?: boolean;
  endOfStreamWithoutMessage?: boolean;
}

export interface HttpTrailers {
  trailers?: HeaderMap;
}

export interface ProtocolConfiguration {
  requestBodyMode?: number;
  responseBodyMode?: number;
  sendBodyWithoutWaitingForHeaderResponse?: boolean;
}

export type RequestKind = 'requestHeaders' | 'responseHeaders' | 'requestBody' | 'responseBody' | 'requestTrailers' | 'responseTrailers';

export interface ProcessingRequest {
  requestHeaders?: HttpHeaders;
  responseHeaders?: HttpHeaders;
  requestBody?: HttpBody;
  responseBody?: HttpBody;
  requestTrailers?: HttpTrailers;
  responseTrailers?: HttpTrailers;
  /** The oneof member that is set (proto-loader `oneofs: true`). */
  request?: RequestKind;
  metadataContext?: Metadata;
  observabilityMode?: boolean;
  protocolConfig?: ProtocolConfiguration;
}

// ---- envoy.service.ext_proc.v3: responses (picker → Envoy) ----

export interface HeaderMutation {
  setHeaders?: HeaderValueOption[];
  removeHeaders?: string[];
}

export interface StreamedBodyResponse {
  body?: Buffer;
  endOfStream?: boolean;
}

export interface BodyMutation {
  body?: Buffer;
  clearBody?: boolean;
  streamedResponse?: StreamedBodyResponse;
}

export interface CommonResponse {
  /** 0 CONTINUE, 1 CONTINUE_AND_REPLACE. */
  status?: number;
  headerMutation?: HeaderMutation;
  bodyMutation?: BodyMutation;
  clearRouteCache?: boolean;
}

export interface ImmediateResponse {
  /** envoy.type.v3.HttpStatus: `code` is the HTTP status number. */
  status: { code: number };
  headers?: HeaderMutation;
  body?: Buffer;
  details?: string;
}

export interface ProcessingResponse {
  requestHeaders?: { response?: CommonResponse };
  responseHeaders?: { response?: CommonResponse };
  requestBody?: { response?: CommonResponse };
  responseBody?: { response?: CommonResponse };
  requestTrailers?: { headerMutation?: HeaderMutation };
  responseTrailers?: { headerMutation?: HeaderMutation };
  immediateResponse?: ImmediateResponse;
  dynamicMetadata?: PbStruct;
  /** Set on decoded responses (proto-loader `oneofs: true`). */
  response?: string;
}

// ---- grpc.health.v1 ----

export interface HealthCheckRequest {
  service?: string;
}

export interface HealthCheckResponse {
  status?: number;
}

// ---- loading ----

/** The vendored proto tree: beside this module in the source checkout, else `<root>/src/extproc/proto` (from dist/). */
export function protoDir(): string {
  const here = dirname(fileURLToPath(import.meta.url));
  const marker = join('envoy', 'service', 'ext_proc', 'v3', 'external_processor.proto');
  if (existsSync(join(here, 'proto', marker))) return join(here, 'proto');
  let dir = here;
  for (let i = 0; i < 6; i++) {
    const candidate = join(dir, 'src', 'extproc', 'proto');
    if (existsSync(join(candidate, marker))) return candidate;
    dir = dirname(dir);
  }
  throw new Error(`the vendored Envoy protos (src/extproc/proto/${marker}) were not found near ${here}`);
}

/** Options shared by the server, the tests' Envoy double and the benchmark, so every side decodes alike. */
export const LOADER_OPTIONS: protoLoader.Options = { keepCase: false, longs: Number, defaults: false, oneofs: true };

export interface LoadedProtos {
  /** `envoy.service.ext_proc.v3.ExternalProcessor`: one bidirectional method, Process. */
  readonly extProc: grpc.ServiceDefinition;
  /** `grpc.health.v1.Health`: Check (unary) and Watch (server streaming). */
  readonly health: grpc.ServiceDefinition;
  /** Client constructors for the same services (tests, benchmarks, Envoy doubles). */
  readonly ExtProcClient: grpc.ServiceClientConstructor;
  readonly HealthClient: grpc.ServiceClientConstructor;
}

let loaded: LoadedProtos | undefined;

/** Parses the vendored protos once per process (a few hundred milliseconds). */
export function loadProtos(): LoadedProtos {
  if (loaded) return loaded;
  const definition = protoLoader.loadSync(['envoy/service/ext_proc/v3/external_processor.proto', 'grpc/health/v1/health.proto'], { ...LOADER_OPTIONS, includeDirs: [protoDir()] });
  const pkg = grpc.loadPackageDefinition(definition) as unknown as {
    envoy: { service: { ext_proc: { v3: { ExternalProcessor: grpc.ServiceClientConstructor } } } };
    grpc: { health: { v1: { Health: grpc.ServiceClientConstructor } } };
  };
  const ExtProcClient = pkg.envoy.service.ext_proc.v3.ExternalProcessor;
  const HealthClient = pkg.grpc.health.v1.Health;
  loaded = { extProc: ExtProcClient.service, health: HealthClient.service, ExtProcClient, HealthClient };
  return loaded;
}
