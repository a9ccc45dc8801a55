// The gRPC side of the endpoint picker: envoy.service.ext_proc.v3.ExternalProcessor/Process on the
// gRPC port (one ExtProcSession per stream) and grpc.health.v1.Health on the health port.
//
// Messages of a stream are handled strictly in order. A message that has to wait (a request queued
// by flow control) holds back the ones after it; everything else is answered synchronously, in the
// same tick the message was decoded. A failure inside the session that is not a refusal (a bug)
// ends the stream with gRPC INTERNAL, so that the data plane applies its own failure mode
// (FailOpen: Envoy's failure_mode_allow forwards the request unrouted by the picker).
import * as grpc from '@grpc/grpc-js';
import { HealthState } from './health.ts';
import { loadProtos } from './proto.ts';
import type { ProcessingRequest, ProcessingResponse } from './proto.ts';
import { ExtProcSession } from './session.ts';
import type { SessionOptions } from './session.ts';

export interface GrpcTls {
  readonly cert: Buffer;
  readonly key: Buffer;
}

export interface ExtProcServerOptions extends SessionOptions {
  /** Address both gRPC servers bind to (default 127.0.0.1). */
  readonly host?: string | undefined;
  /** ext_proc port (upstream default 9002; 0 = any free port). */
  readonly grpcPort: number;
  /** Health port (upstream default 9003; 0 = any free port). */
  readonly healthPort: number;
  /** Serve the ext_proc port over TLS (upstream's --secure-serving); the health port stays plaintext, as probes expect. */
  readonly tls?: GrpcTls | undefined;
  /** Where failures inside a stream are reported. */
  readonly log?: ((line: string) => void) | undefined;
}

function bindAddress(host: string, port: number): string {
  return host.includes(':') && !host.startsWith('[') ? `[${host}]:${port}` : `${host}:${port}`;
}

function bind(server: grpc.Server, host: string, port: number, credentials: grpc.ServerCredentials): Promise<number> {
  return new Promise((resolve, reject) => {
    server.bindAsync(bindAddress(host, port), credentials, (err, actual) => (err ? reject(new Error(`cannot listen on ${bindAddress(host, port)}: ${err.message}`)) : resolve(actual)));
  });
}

export class ExtProcServer {
  readonly health = new HealthState();
  readonly #options: ExtProcServerOptions;
  readonly #grpc: grpc.Server;
  readonly #healthServer: grpc.Server;
  readonly #streams = new Set<grpc.ServerDuplexStream<ProcessingRequest, ProcessingResponse>>();
  #grpcPort = 0;
  #healthPort = 0;

  private constructor(options: ExtProcServerOptions) {
    this.#options = options;
    const protos = loadProtos();
    // Envoy keeps one HTTP/2 connection with many streams; requests bodies arrive in ≤ 64 KiB messages,
    // but leave room for larger ones from other data planes.
    const serverOptions: grpc.ServerOptions = { 'grpc.max_receive_message_length': 16 * 1024 * 1024, 'grpc.max_send_message_length': 16 * 1024 * 1024 };
    this.#grpc = new grpc.Server(serverOptions);
    this.#grpc.addService(protos.extProc, { Process: (call: grpc.ServerDuplexStream<ProcessingRequest, ProcessingResponse>) => this.#process(call) });
    this.#healthServer = new grpc.Server();
    this.#healthServer.addService(protos.health, this.health.implementation());
  }

  static async start(options: ExtProcServerOptions): Promise<ExtProcServer> {
    const s = new ExtProcServer(options);
    const host = options.host ?? '127.0.0.1';
    const creds = options.tls ? grpc.ServerCredentials.createSsl(null, [{ cert_chain: options.tls.cert, private_key: options.tls.key }], false) : grpc.ServerCredentials.createInsecure();
    try {
      s.#grpcPort = await bind(s.#grpc, host, options.grpcPort, creds);
      s.#healthPort = await bind(s.#healthServer, host, options.healthPort, grpc.ServerCredentials.createInsecure());
    } catch (err) {
      await s.close();
      throw err;
    }
    return s;
  }

  get grpcPort(): number {
    return this.#grpcPort;
  }

  get healthPort(): number {
    return this.#healthPort;
  }

  /** Streams open now (tests and shutdown). */
  get openStreams(): number {
    return this.#streams.size;
  }

  #process(call: grpc.ServerDuplexStream<ProcessingRequest, ProcessingResponse>): void {
    this.#streams.add(call);
    const session = new ExtProcSession(this.#options, (response) => {
      if (!call.writableEnded && !call.destroyed) call.write(response);
    });
    const queue: ProcessingRequest[] = [];
    let draining = false;
    let failed = false;
    const fail = (err: unknown) => {
      if (failed) return;
      failed = true;
      session.close();
      this.#options.log?.(`ext_proc stream failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
      call.emit('error', { code: grpc.status.INTERNAL, details: `endpoint picker error: ${err instanceof Error ? err.message : String(err)}` });
    };
    const drain = async () => {
      draining = true;
      try {
        while (queue.length > 0 && !failed) {
          const pending = session.handle(queue.shift()!);
          if (pending) await pending;
        }
      } catch (err) {
        fail(err);
      } finally {
        draining = false;
      }
    };
    call.on('data', (req: ProcessingRequest) => {
      queue.push(req);
      if (!draining) void drain();
    });
    const done = () => {
      this.#streams.delete(call);
      session.close();
    };
    call.on('end', () => {
      done();
      if (!call.writableEnded) call.end();
    });
    call.on('cancelled', done);
    call.on('error', done);
    call.on('close', done);
  }

  /** Stops both servers; open streams are cancelled. */
  async close(): Promise<void> {
    this.health.close();
    for (const call of this.#streams) {
      if (!call.writableEnded) call.end();
    }
    const shutdown = (server: grpc.Server) =>
      new Promise<void>((resolve) => {
        server.tryShutdown(() => resolve());
        // Streams that do not end within a second are cut.
        setTimeout(() => {
          server.forceShutdown();
          resolve();
        }, 1000).unref();
      });
    await Promise.all([shutdown(this.#grpc), shutdown(this.#healthServer)]);
  }
}
