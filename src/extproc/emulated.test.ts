// The endpoint picker of an emulated epp pod: args read as upstream's, the pool taken from the
// served snapshot (here a pool of fake endpoints), health following `refresh()`, TLS by default.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as grpc from '@grpc/grpc-js';
import { PoolScheduler } from '../picker/index.ts';
import { fakeEndpoint } from '../picker/testing.ts';
import type { PoolRuntime } from '../runtime/snapshot.ts';
import { flagValue, startEmulatedEpp } from './emulated.ts';
import { loadProtos, ServingStatus } from './proto.ts';
import type { HealthCheckRequest, HealthCheckResponse } from './proto.ts';
import { EnvoyDouble } from './testing.ts';

function fakePool(): PoolRuntime {
  const endpoints = [fakeEndpoint('10.0.0.1:8000', { waiting: 3, updatedAt: performance.now() }), fakeEndpoint('10.0.0.2:8000', { waiting: 0, updatedAt: performance.now() })];
  const picker = new PoolScheduler({ namespace: 'team-a', name: 'chat', failureMode: 'FailClose' }, undefined, { endpoints });
  return { namespace: 'team-a', name: 'chat', endpoints, failureMode: 'FailClose', objectives: new Map(), pickerConfigSource: 'test', picker, flowControl: undefined };
}

function readiness(port: number): Promise<number | undefined> {
  const { HealthClient } = loadProtos();
  const client = new HealthClient(`127.0.0.1:${port}`, grpc.credentials.createInsecure()) as unknown as grpc.Client & { Check(r: HealthCheckRequest, cb: (e: grpc.ServiceError | null, r?: HealthCheckResponse) => void): void };
  return new Promise((resolve, reject) =>
    client.Check({ service: 'inference-extension' }, (err, res) => {
      client.close();
      if (err) reject(err);
      else resolve(res?.status);
    }),
  );
}

describe('emulated epp pod', () => {
  it('reads flags in both forms', () => {
    const args = ['--pool-name', 'chat', '--pool-namespace=team-a', '--secure-serving', '--v', '4'];
    assert.equal(flagValue(args, '--pool-name'), 'chat');
    assert.equal(flagValue(args, '--pool-namespace'), 'team-a');
    assert.equal(flagValue(args, '--secure-serving'), 'true');
    assert.equal(flagValue(args, '--config-file'), undefined);
  });

  it('serves the pool its args name from the snapshot, over TLS by default; health follows refresh()', async () => {
    let pool: PoolRuntime | undefined;
    const epp = await startEmulatedEpp({ args: ['--pool-name', 'chat', '--grpc-port', '9002', '--config-file', '/config/x.yaml'], namespace: 'team-a', pool: (key) => (key === 'team-a/chat' ? pool : undefined) });
    const envoy = new EnvoyDouble(`127.0.0.1:${epp.grpcPort}`, { tlsRootCert: Buffer.from(epp.certificate!), servername: 'localhost' });
    try {
      assert.equal(epp.poolKey, 'team-a/chat');
      assert.equal(await readiness(epp.healthPort), ServingStatus.NOT_SERVING);
      const refused = await envoy.request({ body: { model: 'm', prompt: 'x' } });
      assert.equal(refused.immediate?.status, 503);
      pool = fakePool();
      epp.refresh();
      assert.equal(await readiness(epp.healthPort), ServingStatus.SERVING);
      const routed = await envoy.request({ body: { model: 'm', prompt: 'x' } });
      assert.equal(routed.destination, '10.0.0.2:8000');
    } finally {
      envoy.close();
      await epp.close();
    }
  });

  it('serves plaintext with --secure-serving=false and refuses args without a pool', async () => {
    const epp = await startEmulatedEpp({ args: ['--pool-name=chat', '--secure-serving=false'], namespace: 'team-a', pool: () => fakePool() });
    const envoy = new EnvoyDouble(`127.0.0.1:${epp.grpcPort}`);
    try {
      assert.equal(epp.certificate, undefined);
      assert.equal((await envoy.request({ body: { model: 'm', prompt: 'x' } })).destination, '10.0.0.2:8000');
    } finally {
      envoy.close();
      await epp.close();
    }
    await assert.rejects(startEmulatedEpp({ args: ['--v', '4'], namespace: 'default', pool: () => undefined }), /no --pool-name/);
  });
});
