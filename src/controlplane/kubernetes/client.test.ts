// KubeClient connection set-ups against the fake API server (a test double): in-cluster service
// account over HTTPS with the cluster CA, and error answers as KubeApiError.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { KubeConfig } from '@kubernetes/client-node';
import { FakeKubeApiServer } from '../../../test/support/fake-kube-apiserver.ts';
import { selfSigned } from '../../../test/support/certs.ts';
import { KubeApiError, KubeClient } from './client.ts';

describe('KubeClient', () => {
  it('works in a pod: service account token, namespace and cluster CA (loadFromCluster), over HTTPS', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sluice-sa-'));
    const tls = selfSigned(dir, 'localhost');
    const server = await FakeKubeApiServer.start({ tls, host: 'localhost', token: 'sa-token' });
    const saved = { host: process.env['KUBERNETES_SERVICE_HOST'], port: process.env['KUBERNETES_SERVICE_PORT'] };
    try {
      const sa = join(dir, 'var/run/secrets/kubernetes.io/serviceaccount');
      mkdirSync(sa, { recursive: true });
      writeFileSync(join(sa, 'token'), 'sa-token');
      writeFileSync(join(sa, 'ca.crt'), tls.cert);
      writeFileSync(join(sa, 'namespace'), 'sluice-system');
      process.env['KUBERNETES_SERVICE_HOST'] = 'localhost';
      process.env['KUBERNETES_SERVICE_PORT'] = new URL(server.url).port;
      const kc = new KubeConfig();
      kc.loadFromCluster(dir);
      const client = new KubeClient(kc);
      assert.equal(client.defaultNamespace, 'sluice-system');
      server.apply({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c', namespace: 'sluice-system' } });
      const cm = await client.request<{ metadata: { name: string } }>('GET', '/api/v1/namespaces/sluice-system/configmaps/c');
      assert.equal(cm.metadata.name, 'c');
      // The kubeconfig the fake writes for HTTPS carries the CA too.
      const viaFile = KubeClient.create({ kubeconfig: server.writeKubeconfig() });
      assert.equal((await viaFile.request<{ metadata: { name: string } }>('GET', '/api/v1/namespaces/sluice-system/configmaps/c')).metadata.name, 'c');
    } finally {
      for (const [k, v] of [['KUBERNETES_SERVICE_HOST', saved.host], ['KUBERNETES_SERVICE_PORT', saved.port]] as const) {
        if (v === undefined) delete process.env[k];
        else process.env[k] = v;
      }
      await server.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('turns error answers into KubeApiError with the Status reason', async () => {
    const server = await FakeKubeApiServer.start();
    try {
      const client = KubeClient.create({ kubeconfig: server.writeKubeconfig() });
      const err = await client.request('GET', '/api/v1/namespaces/default/pods/missing').catch((e: unknown) => e);
      assert.ok(err instanceof KubeApiError);
      assert.equal(err.status, 404);
      assert.equal(err.reason, 'NotFound');
      const wrongToken = new KubeConfig();
      wrongToken.loadFromString(server.kubeconfig().replace(`token: ${server.token}`, 'token: nope'));
      const denied = await new KubeClient(wrongToken).request('GET', '/api/v1/pods').catch((e: unknown) => e);
      assert.ok(denied instanceof KubeApiError && denied.status === 401);
    } finally {
      await server.close();
    }
  });
});
