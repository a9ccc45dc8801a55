import assert from 'node:assert/strict';
import { chmodSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';

import { CredentialUnavailable, FILE_CHECK_INTERVAL_MS, decodeSecretData, envSource, fileSource, secretKeySource } from './sources.ts';
import { assertNoSecret, fakeClock } from './testing.ts';

const dir = mkdtempSync(join(tmpdir(), 'sluice-sources-'));
after(() => rmSync(dir, { recursive: true, force: true }));

describe('decodeSecretData', () => {
  test('decodes base64 data and lets stringData win', () => {
    const data = decodeSecretData({ data: { apiKey: Buffer.from('from-data').toString('base64'), other: Buffer.from('x').toString('base64') }, stringData: { apiKey: 'from-stringData' } });
    assert.deepEqual(data, { apiKey: 'from-stringData', other: 'x' });
  });
  test('no data at all is an empty map', () => {
    assert.deepEqual(decodeSecretData({}), {});
  });
});

describe('secretKeySource', () => {
  test('reads the current Secret on every read (rotation)', async () => {
    let data: Record<string, string> | undefined = { apiKey: 'sk-one' };
    const src = secretKeySource(() => data, 'ns', 'openai', 'apiKey');
    assert.equal(src.check(), undefined);
    assert.equal(await src.read(), 'sk-one');
    data = { apiKey: 'sk-two' };
    assert.equal(await src.read(), 'sk-two');
    assert.equal(src.readSync(), 'sk-two');
  });

  test('a missing Secret, key or value says which and how to fix it, without values', async () => {
    let data: Record<string, string> | undefined;
    const src = secretKeySource(() => data, 'ns', 'openai', 'apiKey');
    assert.match(src.check()!.reason, /Secret ns\/openai not found/);
    assert.match(src.check()!.fix, /kubectl create secret generic openai -n ns --from-literal=apiKey=/);

    data = { token: 'sk-secret-value', other: 'x' };
    const missing = src.check()!;
    assert.match(missing.reason, /Secret ns\/openai has no key "apiKey" \(it has "token", "other"\)/);
    assert.match(missing.fix, /add the key "apiKey"/);
    await assert.rejects(src.read(), (err: unknown) => err instanceof CredentialUnavailable && /no key "apiKey"/.test(err.message));
    assertNoSecret(['sk-secret-value'], missing, src);

    data = { apiKey: ' \n' };
    assert.match(src.check()!.reason, /key "apiKey" of Secret ns\/openai is empty/);
  });

  test('inherited object keys are not Secret keys', () => {
    const src = secretKeySource(() => ({}), 'ns', 's', 'constructor');
    assert.match(src.check()!.reason, /has no key "constructor"/);
  });
});

describe('envSource', () => {
  test('reads the variable on every read', async () => {
    const env: Record<string, string | undefined> = { KEY: 'v1' };
    const src = envSource(env, 'KEY');
    assert.equal(await src.read(), 'v1');
    env['KEY'] = 'v2';
    assert.equal(await src.read(), 'v2');
    delete env['KEY'];
    assert.deepEqual(src.check(), { reason: 'environment variable KEY is not set', fix: "set KEY in the gateway's environment" });
    await assert.rejects(src.read(), CredentialUnavailable);
  });
});

describe('fileSource', () => {
  test('re-reads a changed file, checking at most once per interval', async () => {
    const path = join(dir, 'rotating');
    writeFileSync(path, 'first-key');
    const clock = fakeClock();
    const src = fileSource(path, clock.now);
    assert.equal(src.check(), undefined);
    assert.equal(await src.read(), 'first-key');

    writeFileSync(path, 'second-key-longer');
    utimesSync(path, new Date(), new Date(Date.now() + 5000));
    assert.equal(await src.read(), 'first-key', 'not checked again within the interval');
    clock.advance(FILE_CHECK_INTERVAL_MS - 1);
    assert.equal(await src.read(), 'first-key');
    clock.advance(1);
    assert.equal(await src.read(), 'second-key-longer');
  });

  test('an unreadable file rejects naming the path, never the content; the failure is remembered for the interval', async () => {
    const path = join(dir, 'goes-away');
    writeFileSync(path, 'file-secret-content');
    const clock = fakeClock();
    const src = fileSource(path, clock.now);
    assert.equal(await src.read(), 'file-secret-content');
    rmSync(path);
    clock.advance(FILE_CHECK_INTERVAL_MS);
    const err = await src.read().then(
      () => assert.fail('expected a rejection'),
      (e: unknown) => e,
    );
    assert.ok(err instanceof CredentialUnavailable);
    assert.equal(err.message, `cannot read file ${path} (ENOENT)`);
    writeFileSync(path, 'back-again');
    await assert.rejects(src.read(), CredentialUnavailable, 'failure kept within the interval');
    clock.advance(FILE_CHECK_INTERVAL_MS);
    assert.equal(await src.read(), 'back-again');
    assertNoSecret(['file-secret-content', 'back-again'], err, src);
  });

  test('check() at config time names the path and the fix', () => {
    const missing = fileSource(join(dir, 'nope')).check()!;
    assert.match(missing.reason, /cannot read file .*nope \(ENOENT\)/);
    assert.match(missing.fix, /readable by the gateway's user, or fix the path/);
    const empty = join(dir, 'empty');
    writeFileSync(empty, '\n');
    assert.match(fileSource(empty).check()!.reason, /is empty/);
  });

  test('a file without read permission is unreadable', { skip: process.getuid?.() === 0 ? 'root reads anything' : false }, async () => {
    const path = join(dir, 'locked');
    writeFileSync(path, 'locked-secret');
    chmodSync(path, 0o000);
    const src = fileSource(path);
    assert.match(src.check()!.reason, /\(EACCES\)/);
    await assert.rejects(src.read(), /EACCES/);
  });
});
