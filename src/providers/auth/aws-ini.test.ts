import assert from 'node:assert/strict';
import { describe, test } from 'node:test';

import fc from 'fast-check';

import { awsKeysFromIni, parseIni } from './aws-ini.ts';

describe('AWS credentials file', () => {
  test('reads profiles, keys case-insensitively, comments and blank lines', () => {
    const text = [
      '# a comment',
      '[default]',
      'aws_access_key_id = AKIDDEFAULT',
      'AWS_SECRET_ACCESS_KEY=secret/with=equals',
      '',
      '; another comment',
      '[prod]   # trailing comment',
      'aws_access_key_id=AKIDPROD',
      'aws_secret_access_key = prodsecret',
      'aws_session_token = tok',
      's3 =',
      '  max_concurrent_requests = 20',
    ].join('\r\n');
    const profiles = parseIni(text);
    assert.deepEqual([...profiles.keys()], ['default', 'prod']);
    assert.deepEqual(awsKeysFromIni(text, 'default'), { keys: { accessKeyId: 'AKIDDEFAULT', secretAccessKey: 'secret/with=equals' } });
    assert.deepEqual(awsKeysFromIni(text, 'prod'), { keys: { accessKeyId: 'AKIDPROD', secretAccessKey: 'prodsecret', sessionToken: 'tok' } });
    assert.equal(profiles.get('prod')?.get('max_concurrent_requests'), undefined, 'nested settings are skipped');
  });

  test('a missing profile names the profiles there are, never values', () => {
    const r = awsKeysFromIni('[dev]\naws_access_key_id=AKIDDEV\naws_secret_access_key=devsecret\n', 'prod');
    assert.deepEqual(r, { reason: 'has no profile [prod] (profiles: dev)', noProfile: true });
    assert.deepEqual(awsKeysFromIni('not an ini file', 'default'), {
      reason: 'has no profile [default] (no profiles found: is it in AWS credentials-file INI format?)',
      noProfile: true,
    });
  });

  test('a profile without both keys says which are missing', () => {
    assert.deepEqual(awsKeysFromIni('[default]\naws_access_key_id=AKID\n', 'default'), { reason: 'profile [default] lacks aws_secret_access_key', noProfile: false });
    assert.deepEqual(awsKeysFromIni('[default]\n', 'default'), { reason: 'profile [default] lacks aws_access_key_id and aws_secret_access_key', noProfile: false });
  });

  test('property: any set of profiles written out reads back as written', () => {
    const name = fc.stringMatching(/^[A-Za-z0-9_.-]{1,12}$/);
    const value = fc.stringMatching(/^[A-Za-z0-9/+=]{1,40}$/);
    const profile = fc.record({ id: value, secret: value, token: fc.option(value, { nil: undefined }) });
    fc.assert(
      fc.property(fc.dictionary(name, profile, { minKeys: 1, maxKeys: 5 }), fc.constantFrom('\n', '\r\n'), fc.constantFrom(' = ', '=', '  =\t'), (profiles, eol, sep) => {
        const text = Object.entries(profiles)
          .map(([n, p]) => [`[${n}]`, `aws_access_key_id${sep}${p.id}`, `aws_secret_access_key${sep}${p.secret}`, ...(p.token ? [`aws_session_token${sep}${p.token}`] : [])].join(eol))
          .join(eol + eol);
        for (const [n, p] of Object.entries(profiles)) {
          assert.deepEqual(awsKeysFromIni(text, n), { keys: { accessKeyId: p.id, secretAccessKey: p.secret, ...(p.token ? { sessionToken: p.token } : {}) } });
        }
      }),
    );
  });
});
