// GRPCRoute over h2c with the official @grpc/grpc-js client and servers: routing by service/method,
// UNIMPLEMENTED for unmatched methods, and HTTP/1.1 still served on the same port.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as grpc from '@grpc/grpc-js';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer as createNetServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Agent, request } from 'undici';
import { selfSigned } from '../../test/support/certs.ts';
import { TEST_GATEWAY_YAML, backendYaml, startTestGateway } from '../../test/support/gateway.ts';
import type { TestGateway } from '../../test/support/gateway.ts';

const SERVICE = 'gateway_api_conformance.echo_basic.grpcecho.GrpcEcho';
const raw = { serialize: (b: Buffer) => b, deserialize: (b: Buffer) => b };

/** A gRPC echo backend: every method answers "<pod>:<method>:<request>". */
async function startGrpcBackend(pod: string): Promise<{ server: grpc.Server; port: number }> {
  const server = new grpc.Server();
  const method = (name: string): grpc.MethodDefinition<Buffer, Buffer> => ({
    path: `/${SERVICE}/${name}`,
    requestStream: false,
    responseStream: false,
    requestSerialize: raw.serialize,
    requestDeserialize: raw.deserialize,
    responseSerialize: raw.serialize,
    responseDeserialize: raw.deserialize,
  });
  const impl = (name: string) => (call: grpc.ServerUnaryCall<Buffer, Buffer>, cb: grpc.sendUnaryData<Buffer>) => {
    call.sendMetadata(new grpc.Metadata());
    cb(null, Buffer.from(`${pod}:${name}:${call.request.toString()}`));
  };
  server.addService({ Echo: method('Echo'), EchoTwo: method('EchoTwo'), EchoThree: method('EchoThree') }, { Echo: impl('Echo'), EchoTwo: impl('EchoTwo'), EchoThree: impl('EchoThree') });
  const port = await new Promise<number>((resolve, reject) => server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (err, p) => (err ? reject(err) : resolve(p))));
  return { server, port };
}

function call(client: grpc.Client, method: string, body: string): Promise<{ ok: true; text: string } | { ok: false; code: number; details: string }> {
  return new Promise((resolve) => {
    client.makeUnaryRequest(`/${SERVICE}/${method}`, raw.serialize, raw.deserialize, Buffer.from(body), (err, value) => {
      if (err) resolve({ ok: false, code: err.code, details: err.details });
      else resolve({ ok: true, text: value!.toString() });
    });
  });
}

describe('GRPCRoute', () => {
  let t: TestGateway;
  let one: Awaited<ReturnType<typeof startGrpcBackend>>;
  let two: Awaited<ReturnType<typeof startGrpcBackend>>;
  let client: grpc.Client;

  before(async () => {
    one = await startGrpcBackend('one');
    two = await startGrpcBackend('two');
    const ref = (name: string) => `{group: gateway.envoyproxy.io, kind: Backend, name: ${name}}`;
    t = await startTestGateway(`${TEST_GATEWAY_YAML}${backendYaml('one', one.port)}${backendYaml('two', two.port)}apiVersion: gateway.networking.k8s.io/v1
kind: GRPCRoute
metadata: {name: g}
spec:
  parentRefs: [{name: gw}]
  rules:
    - matches: [{method: {service: ${SERVICE}, method: Echo}}]
      backendRefs: [${ref('one')}]
    - matches: [{method: {service: ${SERVICE}, method: EchoTwo}}]
      backendRefs: [${ref('two')}]
---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: h}
spec:
  parentRefs: [{name: gw}]
  rules: [{matches: [{path: {value: /plain}}], filters: [{type: RequestRedirect, requestRedirect: {hostname: example.org}}]}]
`);
    client = new grpc.Client(t.base.replace('http://', ''), grpc.credentials.createInsecure());
  });
  after(async () => {
    client.close();
    await t?.close();
    one.server.forceShutdown();
    two.server.forceShutdown();
  });

  it('routes by service and method', async () => {
    assert.deepEqual(await call(client, 'Echo', 'hi'), { ok: true, text: 'one:Echo:hi' });
    assert.deepEqual(await call(client, 'EchoTwo', 'there'), { ok: true, text: 'two:EchoTwo:there' });
  });

  it('answers UNIMPLEMENTED when no rule matches', async () => {
    const r = await call(client, 'EchoThree', 'x');
    assert.equal(r.ok, false);
    assert.equal(r.ok ? 0 : r.code, grpc.status.UNIMPLEMENTED);
  });

  it('still serves HTTP/1.1 on the same port', async () => {
    const res = await request(`${t.base}/plain`);
    assert.equal(res.statusCode, 302);
    await res.body.dump();
  });
});

describe('GRPCRoute over TLS (h2 via ALPN)', () => {
  let dir: string;
  let t: TestGateway;
  let backend: Awaited<ReturnType<typeof startGrpcBackend>>;
  let echoPort: number;
  let client: grpc.Client;
  let port: number;
  let cert: { cert: string; key: string };
  const http1 = new Agent({ connect: { rejectUnauthorized: false, servername: 'grpc.example.com' } });

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'sluice-grpc-tls-'));
    cert = selfSigned(dir, 'grpc.example.com');
    backend = await startGrpcBackend('tls-one');
    port = await new Promise<number>((resolve) => {
      const s = createNetServer().listen(0, '127.0.0.1', () => {
        const p = (s.address() as { port: number }).port;
        s.close(() => resolve(p));
      });
    });
    const indent = (x: string) => x.trim().split('\n').map((l) => '    ' + l).join('\n');
    echoPort = backend.port;
    t = await startTestGateway(`apiVersion: v1
kind: Secret
metadata: {name: tls}
type: kubernetes.io/tls
stringData:
  tls.crt: |
${indent(cert.cert)}
  tls.key: |
${indent(cert.key)}
---
apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata: {name: gw}
spec:
  gatewayClassName: any
  listeners: [{name: https, protocol: HTTPS, port: ${port}, tls: {certificateRefs: [{name: tls}]}}]
---
${backendYaml('one', echoPort)}apiVersion: gateway.networking.k8s.io/v1
kind: GRPCRoute
metadata: {name: g}
spec:
  parentRefs: [{name: gw}]
  rules: [{matches: [{method: {service: ${SERVICE}}}], backendRefs: [{group: gateway.envoyproxy.io, kind: Backend, name: one}]}]
---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: h}
spec:
  parentRefs: [{name: gw}]
  rules: [{matches: [{path: {value: /plain}}], filters: [{type: RequestRedirect, requestRedirect: {hostname: example.org}}]}]
`);
    client = new grpc.Client(`127.0.0.1:${port}`, grpc.credentials.createSsl(Buffer.from(cert.cert)), { 'grpc.ssl_target_name_override': 'grpc.example.com', 'grpc.default_authority': 'grpc.example.com' });
  });
  after(async () => {
    client.close();
    await t?.close();
    await http1?.close();
    backend.server.forceShutdown();
    rmSync(dir, { recursive: true, force: true });
  });

  it('serves gRPC over h2 negotiated by ALPN', async () => {
    assert.deepEqual(await call(client, 'EchoTwo', 'secure'), { ok: true, text: 'tls-one:EchoTwo:secure' });
  });

  it('still serves HTTPS over HTTP/1.1 on the same port', async () => {
    const res = await request(`https://127.0.0.1:${port}/plain`, { dispatcher: http1, headers: { host: 'grpc.example.com' } });
    assert.equal(res.statusCode, 302);
    assert.equal(res.headers['location'], `https://example.org:${port}/plain`);
    await res.body.dump();
  });
});
