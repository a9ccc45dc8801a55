// TLSRoute passthrough: connections are routed by the ClientHello's SNI to TLS backends that
// terminate TLS themselves (the client sees the backend's certificate).
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer as createNetServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect, createServer as createTlsServer } from 'node:tls';
import type { Server as TlsServer } from 'node:tls';
import { backendYaml, startTestGateway } from '../../test/support/gateway.ts';
import type { TestGateway } from '../../test/support/gateway.ts';
import { selfSigned } from '../../test/support/certs.ts';
import { readClientHelloSni } from './tls-passthrough.ts';

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createNetServer().listen(0, '127.0.0.1', () => {
      const p = (s.address() as { port: number }).port;
      s.close(() => resolve(p));
    });
  });
}

function tlsBackend(name: string, c: { cert: string; key: string }): Promise<{ server: TlsServer; port: number }> {
  const server = createTlsServer(c, (socket) => socket.end(`hello from ${name}`));
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve({ server, port: (server.address() as { port: number }).port })));
}

function talk(port: number, servername: string): Promise<{ cn: string; text: string } | { error: string }> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port, servername, rejectUnauthorized: false });
    let text = '';
    socket.on('data', (d: Buffer) => (text += d.toString()));
    socket.on('end', () => {
      const cert = socket.getPeerCertificate();
      resolve(cert?.subject ? { cn: String(cert.subject.CN ?? ''), text } : { error: 'closed before the handshake completed' });
    });
    socket.on('error', (err) => resolve({ error: err.message }));
  });
}

describe('TLSRoute passthrough', () => {
  let dir: string;
  let t: TestGateway;
  let port: number;
  let a: Awaited<ReturnType<typeof tlsBackend>>;
  let b: Awaited<ReturnType<typeof tlsBackend>>;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'sluice-tlsroute-'));
    a = await tlsBackend('a', selfSigned(dir, 'a.example.com'));
    b = await tlsBackend('b', selfSigned(dir, 'b.example.com'));
    port = await freePort();
    const ref = (name: string) => `{group: gateway.envoyproxy.io, kind: Backend, name: ${name}}`;
    t = await startTestGateway(`apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata: {name: gw}
spec:
  gatewayClassName: any
  listeners: [{name: tls, protocol: TLS, port: ${port}, tls: {mode: Passthrough}}]
---
${backendYaml('a', a.port)}${backendYaml('b', b.port)}apiVersion: gateway.networking.k8s.io/v1
kind: TLSRoute
metadata: {name: to-a}
spec:
  parentRefs: [{name: gw}]
  hostnames: [a.example.com]
  rules: [{backendRefs: [${ref('a')}]}]
---
apiVersion: gateway.networking.k8s.io/v1alpha2
kind: TLSRoute
metadata: {name: to-b}
spec:
  parentRefs: [{name: gw}]
  hostnames: ["*.example.com"]
  rules: [{backendRefs: [${ref('b')}]}]
`);
  });
  after(async () => {
    await t?.close();
    a.server.close();
    b.server.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('routes by SNI, exact hostnames before wildcards, without terminating TLS', async () => {
    assert.deepEqual(await talk(port, 'a.example.com'), { cn: 'a.example.com', text: 'hello from a' });
    assert.deepEqual(await talk(port, 'other.example.com'), { cn: 'b.example.com', text: 'hello from b' });
  });

  it('closes a connection whose SNI matches no route', async () => {
    const r = await talk(port, 'nowhere.test');
    assert.ok('error' in r, 'the handshake fails');
  });

  it('reads the SNI of a ClientHello and rejects what is not one', () => {
    assert.deepEqual(readClientHelloSni(Buffer.from('GET / HTTP/1.1\r\n')), { kind: 'invalid' });
    assert.deepEqual(readClientHelloSni(Buffer.from([0x16, 3, 1])), { kind: 'incomplete' });
  });
});
