// A test double of Envoy's ext_proc filter (for tests and the benchmark), built from the same vendored
// protos as the server. It plays one HTTP request through an ExternalProcessor stream the way Envoy
// does with the Inference Extension's reference configuration (request/response header mode SEND,
// body mode FULL_DUPLEX_STREAMED, trailers off):
//
//   1. request_headers (pseudo-headers, content-type, content-length, x-request-id, the caller's headers;
//      metadata_context carrying the subset hint when one is given), end_of_stream when there is no body;
//   2. request_body in chunks (default 16 KiB; Envoy forwards what it has read, without waiting for
//      answers), end_of_stream on the last;
//   3. it then reads answers until the request side is settled: an ImmediateResponse, or the
//      request-headers answer followed by streamed body chunks up to end_of_stream;
//   4. when routed: response_headers (:status, content-type), then response_body chunks, each answer
//      awaited (streamed chunks handed back), then it closes its side of the stream.
//
// What it does not model: Envoy's timeouts, its header-mutation rules, retries to fallbacks, flow
// control windows. It records every answer so tests can check the exact messages.
import * as grpc from '@grpc/grpc-js';
import { loadProtos } from './proto.ts';
import type { HeaderValueOption, PbStruct, ProcessingRequest, ProcessingResponse, ProtocolConfiguration } from './proto.ts';
import { DESTINATION_HEADER, DESTINATION_NAMESPACE, SERVED_KEY, SUBSET_KEY, SUBSET_NAMESPACE } from './protocol.ts';

export interface EnvoyRequest {
  readonly path?: string;
  readonly method?: string;
  readonly headers?: Readonly<Record<string, string>>;
  /** JSON (objects are serialised) or raw bytes; absent: a request without a body. */
  readonly body?: unknown;
  /** Bytes per request_body message (default 16 KiB). */
  readonly chunkBytes?: number;
  /** The subset hint: a list of `ip:port` (or a comma-joined string, as lwepp accepts). */
  readonly subset?: readonly string[] | string | undefined;
  /** Sent on the first message (newer Envoys announce their body modes). */
  readonly protocolConfig?: ProtocolConfiguration | undefined;
  /** The model server's answer, played when the request is routed. */
  readonly response?: EnvoyUpstreamResponse | undefined;
  /** The endpoint the data plane reports as having served (response-phase metadata). */
  readonly served?: string | undefined;
}

export interface EnvoyUpstreamResponse {
  readonly status?: number;
  readonly contentType?: string;
  /** Body chunks as the upstream sent them. */
  readonly chunks: readonly (string | Buffer)[];
}

export interface ImmediateResult {
  readonly status: number;
  readonly headers: Record<string, string>;
  readonly body: string;
  readonly details: string;
}

export interface EnvoyExchange {
  /** Every answer, in order. */
  readonly answers: ProcessingResponse[];
  readonly immediate?: ImmediateResult | undefined;
  /** `x-gateway-destination-endpoint` as set by the header mutation. */
  readonly destination?: string | undefined;
  /** The same key in the `envoy.lb` dynamic metadata. */
  readonly metadataDestination?: string | undefined;
  /** Headers set and removed on the request. */
  readonly setHeaders: Record<string, string>;
  readonly removedHeaders: readonly string[];
  readonly clearRouteCache: boolean;
  /** The request body as the picker handed it back (concatenated streamed chunks). */
  readonly forwardedBody: Buffer;
  /** Request-body answers (streamed chunks). */
  readonly requestBodyChunks: number;
  /** The response body as handed back, and in how many answers. */
  readonly responseBody: Buffer;
  readonly responseBodyChunks: number;
}

function headerOptions(list: HeaderValueOption[] | undefined, into: Record<string, string>): void {
  for (const h of list ?? []) into[h.header.key.toLowerCase()] = h.header.rawValue ? Buffer.from(h.header.rawValue).toString('latin1') : (h.header.value ?? '');
}

function headerMap(headers: Record<string, string>) {
  return { headers: Object.entries(headers).map(([key, v]) => ({ key, rawValue: Buffer.from(v, 'latin1') })) };
}

/** A stream's answers, awaited one at a time. */
class Answers {
  readonly #queue: ProcessingResponse[] = [];
  readonly #waiters: { resolve: (r: ProcessingResponse) => void; reject: (e: Error) => void }[] = [];
  #error: Error | undefined;
  readonly all: ProcessingResponse[] = [];

  push(r: ProcessingResponse): void {
    this.all.push(r);
    const w = this.#waiters.shift();
    if (w) w.resolve(r);
    else this.#queue.push(r);
  }

  fail(e: Error): void {
    this.#error = e;
    for (const w of this.#waiters.splice(0)) w.reject(e);
  }

  next(): Promise<ProcessingResponse> {
    const r = this.#queue.shift();
    if (r) return Promise.resolve(r);
    if (this.#error) return Promise.reject(this.#error);
    return new Promise((resolve, reject) => this.#waiters.push({ resolve, reject }));
  }
}

export class EnvoyDouble {
  readonly #client: grpc.Client & { Process(): grpc.ClientDuplexStream<ProcessingRequest, ProcessingResponse> };

  constructor(target: string, options: { tlsRootCert?: Buffer; servername?: string } = {}) {
    const { ExtProcClient } = loadProtos();
    const creds = options.tlsRootCert ? grpc.credentials.createSsl(options.tlsRootCert) : grpc.credentials.createInsecure();
    const channelOptions: grpc.ChannelOptions = options.servername ? { 'grpc.ssl_target_name_override': options.servername, 'grpc.default_authority': options.servername } : {};
    this.#client = new ExtProcClient(target, creds, channelOptions) as unknown as grpc.Client & { Process(): grpc.ClientDuplexStream<ProcessingRequest, ProcessingResponse> };
  }

  close(): void {
    this.#client.close();
  }

  /** Opens a raw stream (tests that send their own message sequence). */
  open(): { call: grpc.ClientDuplexStream<ProcessingRequest, ProcessingResponse>; next(): Promise<ProcessingResponse>; answers: ProcessingResponse[] } {
    const call = this.#client.Process();
    const answers = new Answers();
    call.on('data', (r: ProcessingResponse) => answers.push(r));
    call.on('error', (e: Error) => answers.fail(e));
    call.on('end', () => answers.fail(new Error('the processor ended the stream')));
    return { call, next: () => answers.next(), answers: answers.all };
  }

  /** Plays one request (and, when routed, its response) through a new stream. */
  async request(req: EnvoyRequest): Promise<EnvoyExchange> {
    const { call, next, answers } = this.open();
    try {
      return await this.#play(req, call, next, answers);
    } finally {
      call.end();
    }
  }

  async #play(req: EnvoyRequest, call: grpc.ClientDuplexStream<ProcessingRequest, ProcessingResponse>, next: () => Promise<ProcessingResponse>, answers: ProcessingResponse[]): Promise<EnvoyExchange> {
    const body = req.body === undefined ? undefined : Buffer.isBuffer(req.body) ? req.body : Buffer.from(typeof req.body === 'string' ? req.body : JSON.stringify(req.body));
    const headers: Record<string, string> = {
      ':method': req.method ?? (body ? 'POST' : 'GET'),
      ':path': req.path ?? '/v1/chat/completions',
      ':authority': 'gateway.example',
      ':scheme': 'http',
      ...(body ? { 'content-type': 'application/json', 'content-length': String(body.length) } : {}),
      ...req.headers,
    };
    const metadataContext = req.subset === undefined ? undefined : { filterMetadata: { [SUBSET_NAMESPACE]: subsetStruct(req.subset) } };
    call.write({
      requestHeaders: { headers: headerMap(headers), endOfStream: body === undefined },
      ...(metadataContext ? { metadataContext } : {}),
      ...(req.protocolConfig ? { protocolConfig: req.protocolConfig } : {}),
    });
    if (body) {
      const size = req.chunkBytes ?? 16 * 1024;
      let offset = 0;
      do {
        const end = Math.min(body.length, offset + size);
        call.write({ requestBody: { body: body.subarray(offset, end), endOfStream: end >= body.length } });
        offset = end;
      } while (offset < body.length);
    }
    // The request side: headers answer, then (with a body) streamed chunks to end of stream.
    const setHeaders: Record<string, string> = {};
    const removedHeaders: string[] = [];
    const meta: { destination?: string | undefined; clearRouteCache: boolean } = { clearRouteCache: false };
    const forwarded: Buffer[] = [];
    let requestBodyChunks = 0;
    const base = () => ({ answers, setHeaders, removedHeaders, clearRouteCache: meta.clearRouteCache, forwardedBody: Buffer.concat(forwarded), requestBodyChunks, metadataDestination: meta.destination });
    const first = await next();
    if (first.immediateResponse) return { ...base(), immediate: immediate(first), responseBody: Buffer.alloc(0), responseBodyChunks: 0 };
    if (!first.requestHeaders) throw new Error(`expected the request-headers answer first, got ${first.response}`);
    const common = first.requestHeaders.response;
    headerOptions(common?.headerMutation?.setHeaders, setHeaders);
    removedHeaders.push(...(common?.headerMutation?.removeHeaders ?? []));
    meta.clearRouteCache = common?.clearRouteCache === true;
    meta.destination = first.dynamicMetadata?.fields?.[DESTINATION_NAMESPACE]?.structValue?.fields?.[DESTINATION_HEADER]?.stringValue;
    if (body) {
      for (;;) {
        const r = await next();
        if (r.immediateResponse) return { ...base(), immediate: immediate(r), responseBody: Buffer.alloc(0), responseBodyChunks: 0 };
        const streamed = r.requestBody?.response?.bodyMutation?.streamedResponse;
        if (!streamed) throw new Error(`expected a streamed request-body answer, got ${r.response}`);
        requestBodyChunks++;
        if (streamed.body) forwarded.push(Buffer.from(streamed.body));
        if (streamed.endOfStream) break;
      }
    }
    const result = { ...base(), destination: setHeaders[DESTINATION_HEADER] };
    if (!req.response) return { ...result, responseBody: Buffer.alloc(0), responseBodyChunks: 0 };
    // The response side, each message answered before the next is sent.
    const served = req.served ?? result.destination?.split(',')[0];
    const servedMetadata = served ? { filterMetadata: { [DESTINATION_NAMESPACE]: { fields: { [SERVED_KEY]: { stringValue: served } } } } } : undefined;
    const chunks = req.response.chunks.map((c) => (Buffer.isBuffer(c) ? c : Buffer.from(c)));
    call.write({
      responseHeaders: { headers: headerMap({ ':status': String(req.response.status ?? 200), 'content-type': req.response.contentType ?? 'application/json' }), endOfStream: chunks.length === 0 },
      ...(servedMetadata ? { metadataContext: servedMetadata } : {}),
    });
    const h = await next();
    if (!h.responseHeaders) throw new Error(`expected the response-headers answer, got ${h.response}`);
    const responseBody: Buffer[] = [];
    let responseBodyChunks = 0;
    let ended = chunks.length === 0;
    for (let i = 0; i < chunks.length; i++) {
      call.write({ responseBody: { body: chunks[i]!, endOfStream: i === chunks.length - 1 } });
      // Streamed responses answer every chunk; a buffered JSON answer comes at end of stream.
      const streaming = (req.response.contentType ?? '').includes('text/event-stream');
      if (!streaming && i < chunks.length - 1) continue;
      for (;;) {
        const r = await next();
        const streamed = r.responseBody?.response?.bodyMutation?.streamedResponse;
        if (!streamed) throw new Error(`expected a streamed response-body answer, got ${r.response}`);
        responseBodyChunks++;
        if (streamed.body) responseBody.push(Buffer.from(streamed.body));
        if (streamed.endOfStream) ended = true;
        if (streamed.endOfStream || streaming) break;
      }
    }
    if (!ended) throw new Error('the response body never ended');
    return { ...result, responseBody: Buffer.concat(responseBody), responseBodyChunks };
  }
}

function subsetStruct(subset: readonly string[] | string): PbStruct {
  const value = typeof subset === 'string' ? { stringValue: subset } : { listValue: { values: subset.map((s) => ({ stringValue: s })) } };
  return { fields: { [SUBSET_KEY]: value } };
}

function immediate(r: ProcessingResponse): ImmediateResult {
  const i = r.immediateResponse!;
  const headers: Record<string, string> = {};
  headerOptions(i.headers?.setHeaders, headers);
  return { status: i.status.code, headers, body: i.body ? Buffer.from(i.body).toString('utf8') : '', details: i.details ?? '' };
}

/** A trivial ExternalProcessor that answers every message with CONTINUE (request bodies handed back as they come): the benchmark's reference. */
export function continueProcessor(call: grpc.ServerDuplexStream<ProcessingRequest, ProcessingResponse>): void {
  call.on('data', (req: ProcessingRequest) => {
    switch (req.request) {
      case 'requestHeaders':
        call.write({ requestHeaders: { response: {} } });
        break;
      case 'requestBody':
        call.write({ requestBody: { response: { bodyMutation: { streamedResponse: { body: req.requestBody?.body ?? Buffer.alloc(0), endOfStream: req.requestBody?.endOfStream === true } } } } });
        break;
      case 'responseHeaders':
        call.write({ responseHeaders: { response: {} } });
        break;
      case 'responseBody':
        call.write({ responseBody: { response: { bodyMutation: { streamedResponse: { body: req.responseBody?.body ?? Buffer.alloc(0), endOfStream: req.responseBody?.endOfStream === true } } } } });
        break;
      default:
        break;
    }
  });
  call.on('end', () => call.end());
  call.on('error', () => undefined);
}

/** Starts the CONTINUE processor on loopback. */
export async function startContinueProcessor(): Promise<{ port: number; close(): Promise<void> }> {
  const server = new grpc.Server();
  server.addService(loadProtos().extProc, { Process: continueProcessor });
  const port = await new Promise<number>((resolve, reject) => server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (err, p) => (err ? reject(err) : resolve(p))));
  return { port, close: () => new Promise((resolve) => server.tryShutdown(() => resolve())) };
}
