// HTTPS listeners: TLS termination with certificates from kubernetes.io/tls Secrets, chosen by SNI.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { request as httpsRequest } from 'node:https';
import type { TLSSocket } from 'node:tls';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServer as createNetServer } from 'node:net';
import { Gateway } from '../gateway.ts';
import { dryCompile, loadConfig } from '../controlplane/pipeline.ts';
import { formatProblem } from '../config/problems.ts';
import { startEcho } from '../../test/support/echo.ts';
import { selfSigned } from '../../test/support/certs.ts';

function secret(name: string, c: { cert: string; key: string }): string {
  const indent = (s: string) => s.trim().split('\n').map((l) => '    ' + l).join('\n');
  return `apiVersion: v1
kind: Secret
metadata: {name: ${name}}
type: kubernetes.io/tls
stringData:
  tls.crt: |
${indent(c.cert)}
  tls.key: |
${indent(c.key)}
---
`;
}

function get(port: number, servername: string, host = servername): Promise<{ status: number; cn: string; body: string }> {
  return new Promise((resolve, reject) => {
    const req = httpsRequest({ host: '127.0.0.1', port, path: '/hello', servername, rejectUnauthorized: false, headers: { host } }, (res) => {
      const cn = String((res.socket as TLSSocket).getPeerCertificate().subject?.CN ?? '');
      let body = '';
      res.on('data', (c: Buffer) => (body += c.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, cn, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('HTTPS listener', () => {
  let dir: string;
  let gw: Gateway;
  let port: number;
  let echo: Awaited<ReturnType<typeof startEcho>>;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'sluice-https-'));
    echo = await startEcho('echo');
    const a = selfSigned(dir, 'a.example.com');
    const b = selfSigned(dir, 'b.example.com');
    const config = join(dir, 'config');
    execFileSync('mkdir', [config]);
    writeFileSync(
      join(config, 'all.yaml'),
      `${secret('cert-a', a)}${secret('cert-b', b)}apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata: {name: gw}
spec:
  gatewayClassName: any
  listeners:
    - name: https
      protocol: HTTPS
      port: 443
      tls: {certificateRefs: [{name: cert-a}, {name: cert-b}]}
    - name: only-b
      protocol: HTTPS
      port: 443
      hostname: b.example.com
      tls: {certificateRefs: [{name: cert-b}]}
---
apiVersion: gateway.envoyproxy.io/v1alpha1
kind: Backend
metadata: {name: echo}
spec:
  endpoints: [{ip: {address: 127.0.0.1, port: ${echo.port}}}]
---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: r}
spec:
  parentRefs: [{name: gw}]
  rules: [{backendRefs: [{group: gateway.envoyproxy.io, kind: Backend, name: echo}]}]
`,
    );
    // Both listeners share port 443 in the file; --listener-port serves them on a free port instead.
    const free = await new Promise<number>((resolve) => {
      const s = createNetServer().listen(0, '127.0.0.1', () => {
        const p = (s.address() as { port: number }).port;
        s.close(() => resolve(p));
      });
    });
    gw = await Gateway.start({ files: [config], listenerPorts: new Map([['https', free], ['only-b', free]]), adminPort: false, watch: false, log: () => undefined });
    port = free;
  });
  after(async () => {
    await gw?.close();
    await echo?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('serves each hostname with its own certificate, chosen by SNI', async () => {
    const a = await get(port, 'a.example.com');
    assert.equal(a.status, 200);
    assert.equal(a.cn, 'a.example.com');
    assert.match(a.body, /"pod":"echo"/);
    const b = await get(port, 'b.example.com');
    assert.equal(b.status, 200);
    assert.equal(b.cn, 'b.example.com');
  });

  it('collects the certificates of the port for SNI', () => {
    const snap = gw.snapshot!;
    assert.equal(snap.bindings.get(port)?.protocol, 'HTTPS');
    assert.deepEqual(snap.bindings.get(port)?.certificates.map((c) => c.names[0]), ['a.example.com', 'b.example.com', 'b.example.com']);
  });

  it('answers 421 when the TLS server name and the Host belong to different listeners', async () => {
    const r = await get(port, 'a.example.com', 'b.example.com');
    assert.equal(r.status, 421);
    assert.match(r.body, /misdirected_request/);
  });

  it('refuses a listener whose certificate Secret is missing, naming the field and reason', () => {
    const file = join(dir, 'missing.yaml');
    writeFileSync(file, 'apiVersion: gateway.networking.k8s.io/v1\nkind: Gateway\nmetadata: {name: g}\nspec:\n  gatewayClassName: x\n  listeners:\n    - {name: https, protocol: HTTPS, port: 8443, tls: {certificateRefs: [{name: nope}]}}\n');
    const snap = dryCompile(loadConfig([file]));
    const text = snap.problems.map(formatProblem).join('\n');
    assert.match(text, /Gateway default\/g: spec\.listeners\[0\]\.tls\.certificateRefs: InvalidCertificateRef: Secret default\/nope not found/);
    const listener = snap.statuses.find((st) => st.kind === 'Gateway')?.sub?.[0];
    assert.equal(listener?.conditions.find((c) => c.type === 'ResolvedRefs')?.reason, 'InvalidCertificateRef');
  });
});
