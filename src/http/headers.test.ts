import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { hostOfAuthority, requestIdOf } from './headers.ts';

describe('hostOfAuthority', () => {
  it('drops the port, keeps IPv6 literals whole and lower-cases', () => {
    assert.equal(hostOfAuthority('Example.COM:8080'), 'example.com');
    assert.equal(hostOfAuthority('example.com'), 'example.com');
    assert.equal(hostOfAuthority('[::1]:8080'), '[::1]');
    assert.equal(hostOfAuthority('[::1]'), '[::1]');
    assert.equal(hostOfAuthority('[2001:DB8::1]:443'), '[2001:db8::1]');
    assert.equal(hostOfAuthority('127.0.0.1:80'), '127.0.0.1');
    assert.equal(hostOfAuthority(''), '');
  });
});

describe('requestIdOf', () => {
  it("keeps a client's printable id and replaces a missing or unsafe one", () => {
    assert.equal(requestIdOf({ 'x-request-id': 'abc-123' }), 'abc-123');
    assert.match(requestIdOf({}), /^[0-9a-f-]{36}$/);
    assert.match(requestIdOf({ 'x-request-id': 'has space' }), /^[0-9a-f-]{36}$/);
    assert.match(requestIdOf({ 'x-request-id': 'x'.repeat(200) }), /^[0-9a-f-]{36}$/);
  });
});
