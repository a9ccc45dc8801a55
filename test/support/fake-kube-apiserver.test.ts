// The fake API server (a test double) speaks the parts of the Kubernetes protocol the controller uses.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { FakeKubeApiServer } from './fake-kube-apiserver.ts';

interface Answer {
  status: number;
  body: Record<string, unknown>;
}

function client(server: FakeKubeApiServer) {
  return async (method: string, path: string, body?: unknown, contentType = 'application/json'): Promise<Answer> => {
    const res = await fetch(server.url + path, {
      method,
      headers: { authorization: `Bearer ${server.token}`, ...(body !== undefined ? { 'content-type': contentType } : {}) },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    });
    return { status: res.status, body: (await res.json()) as Record<string, unknown> };
  };
}

/** Opens a watch and collects its events until `stop()`. */
async function openWatch(server: FakeKubeApiServer, path: string) {
  const ac = new AbortController();
  const res = await fetch(server.url + path, { headers: { authorization: `Bearer ${server.token}` }, signal: ac.signal });
  const events: { type: string; object: Record<string, unknown> & { metadata?: { name?: string; resourceVersion?: string } } }[] = [];
  let ended = false;
  const done = (async () => {
    let buf = '';
    const decoder = new TextDecoder();
    try {
      for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
        buf += decoder.decode(chunk, { stream: true });
        let nl;
        while ((nl = buf.indexOf('\n')) >= 0) {
          events.push(JSON.parse(buf.slice(0, nl)));
          buf = buf.slice(nl + 1);
        }
      }
    } catch {
      // aborted or cut
    }
    ended = true;
  })();
  return {
    status: res.status,
    events,
    get ended() {
      return ended;
    },
    async until(pred: () => boolean): Promise<void> {
      for (let i = 0; i < 200 && !pred(); i++) await new Promise((r) => setTimeout(r, 10));
      assert.ok(pred(), `condition not reached; events: ${JSON.stringify(events.map((e) => e.type))}`);
    },
    async stop() {
      ac.abort();
      await done;
    },
  };
}

const route = (name: string, extra: Record<string, unknown> = {}) => ({
  apiVersion: 'gateway.networking.k8s.io/v1',
  kind: 'HTTPRoute',
  metadata: { name, namespace: 'default' },
  spec: { parentRefs: [{ name: 'gw' }] },
  ...extra,
});

describe('fake kube-apiserver (test double)', () => {
  let server: FakeKubeApiServer;
  let api: ReturnType<typeof client>;
  before(async () => {
    server = await FakeKubeApiServer.start({ without: ['TLSRoute'] });
    api = client(server);
  });
  after(() => server?.close());

  it('requires the bearer token', async () => {
    const res = await fetch(`${server.url}/api/v1/pods`);
    assert.equal(res.status, 401);
  });

  it('creates, gets, lists (items of built-in kinds without apiVersion/kind) and deletes', async () => {
    const created = await api('POST', '/api/v1/namespaces/default/configmaps', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'cm1' }, data: { a: '1' } });
    assert.equal(created.status, 201);
    const meta = created.body['metadata'] as Record<string, unknown>;
    assert.equal(meta['namespace'], 'default');
    assert.equal(meta['generation'], 1);
    assert.match(String(meta['resourceVersion']), /^\d+$/);
    assert.equal((await api('POST', '/api/v1/namespaces/default/configmaps', { metadata: { name: 'cm1' } })).status, 409);
    assert.equal((await api('GET', '/api/v1/namespaces/default/configmaps/cm1')).body['kind'], 'ConfigMap');
    const list = await api('GET', '/api/v1/configmaps');
    assert.equal(list.body['kind'], 'ConfigMapList');
    assert.equal(list.body['apiVersion'], 'v1');
    const items = list.body['items'] as Record<string, unknown>[];
    assert.equal(items.length, 1);
    assert.equal(items[0]!['kind'], undefined);
    assert.equal(items[0]!['apiVersion'], undefined);
    assert.ok(Number((list.body['metadata'] as Record<string, string>)['resourceVersion']) >= Number(meta['resourceVersion']));
    assert.equal((await api('DELETE', '/api/v1/namespaces/default/configmaps/cm1')).status, 200);
    assert.equal((await api('GET', '/api/v1/namespaces/default/configmaps/cm1')).status, 404);
  });

  it('answers 404 for a resource type that is not installed, and for unknown paths', async () => {
    const res = await api('GET', '/apis/gateway.networking.k8s.io/v1/tlsroutes');
    assert.equal(res.status, 404);
    assert.equal(res.body['kind'], 'Status');
    assert.equal(res.body['reason'], 'NotFound');
    assert.equal((await api('GET', '/apis/gateway.networking.k8s.io/v9/httproutes')).status, 404);
    assert.equal((await api('GET', '/apis/nothing.example.com/v1/things')).status, 404);
  });

  it('serves custom resources under each served version, with apiVersion and kind on list items', async () => {
    server.apply({ apiVersion: 'aigateway.envoyproxy.io/v1alpha1', kind: 'AIServiceBackend', metadata: { name: 'b' }, spec: { schema: { name: 'OpenAI' }, backendRef: { name: 'x' } } });
    const v1beta1 = await api('GET', '/apis/aigateway.envoyproxy.io/v1beta1/namespaces/default/aiservicebackends');
    const items = v1beta1.body['items'] as Record<string, unknown>[];
    assert.equal(items[0]!['apiVersion'], 'aigateway.envoyproxy.io/v1beta1');
    assert.equal(items[0]!['kind'], 'AIServiceBackend');
    assert.equal((await api('GET', '/apis/aigateway.envoyproxy.io/v1alpha1/namespaces/default/aiservicebackends/b')).body['apiVersion'], 'aigateway.envoyproxy.io/v1alpha1');
  });

  it('bumps generation on spec changes only; status subresource rules; conflicts on a stale resourceVersion', async () => {
    const [r] = server.apply(route('r1'));
    const rv1 = r!.metadata.resourceVersion!;
    // A main-resource PUT ignores status; a spec change bumps the generation.
    const put = await api('PUT', '/apis/gateway.networking.k8s.io/v1/namespaces/default/httproutes/r1', { ...route('r1'), metadata: { name: 'r1', resourceVersion: rv1 }, spec: { parentRefs: [{ name: 'other' }] }, status: { parents: [] } });
    assert.equal(put.status, 200);
    const m2 = put.body['metadata'] as Record<string, unknown>;
    assert.equal(m2['generation'], 2);
    assert.equal(put.body['status'], undefined);
    // The old resourceVersion now conflicts.
    const stale = await api('PUT', '/apis/gateway.networking.k8s.io/v1/namespaces/default/httproutes/r1/status', { ...route('r1'), metadata: { name: 'r1', resourceVersion: rv1 }, status: { parents: [] } });
    assert.equal(stale.status, 409);
    assert.equal(stale.body['reason'], 'Conflict');
    // A status PUT changes only status; the generation stays.
    const st = await api('PUT', '/apis/gateway.networking.k8s.io/v1/namespaces/default/httproutes/r1/status', {
      ...route('r1'),
      metadata: { name: 'r1', resourceVersion: m2['resourceVersion'] },
      spec: { parentRefs: [{ name: 'ignored' }] },
      status: { parents: [{ parentRef: { name: 'other' }, controllerName: 'x/y', conditions: [] }] },
    });
    assert.equal(st.status, 200);
    const m3 = st.body['metadata'] as Record<string, unknown>;
    assert.equal(m3['generation'], 2);
    assert.deepEqual((st.body['spec'] as Record<string, unknown>)['parentRefs'], [{ name: 'other' }]);
    assert.notEqual(m3['resourceVersion'], m2['resourceVersion']);
    // Writing the same status again changes nothing: same resourceVersion.
    const again = await api('PUT', '/apis/gateway.networking.k8s.io/v1/namespaces/default/httproutes/r1/status', st.body);
    assert.equal((again.body['metadata'] as Record<string, unknown>)['resourceVersion'], m3['resourceVersion']);
    // Merge patch on status.
    const patched = await api('PATCH', '/apis/gateway.networking.k8s.io/v1/namespaces/default/httproutes/r1/status', { status: { parents: [] } }, 'application/merge-patch+json');
    assert.deepEqual((patched.body['status'] as Record<string, unknown>)['parents'], []);
    assert.equal((await api('PATCH', '/apis/gateway.networking.k8s.io/v1/namespaces/default/httproutes/r1', [], 'application/json-patch+json')).status, 415);
  });

  it('pages a list with limit and continue', async () => {
    for (let i = 0; i < 5; i++) server.apply({ apiVersion: 'v1', kind: 'Secret', metadata: { name: `s${i}`, namespace: 'paged' } });
    const names: string[] = [];
    let token = '';
    let pages = 0;
    do {
      const res = await api('GET', `/api/v1/namespaces/paged/secrets?limit=2${token ? `&continue=${token}` : ''}`);
      pages++;
      for (const it of res.body['items'] as { metadata: { name: string } }[]) names.push(it.metadata.name);
      token = ((res.body['metadata'] as Record<string, string>)['continue'] ?? '') as string;
    } while (token);
    assert.equal(pages, 3);
    assert.deepEqual(names, ['s0', 's1', 's2', 's3', 's4']);
  });

  it('filters by label and field selectors', async () => {
    server.apply([
      { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p1', namespace: 'sel', labels: { app: 'a' } }, spec: { containers: [] } },
      { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p2', namespace: 'sel', labels: { app: 'b' } }, spec: { containers: [] } },
    ]);
    const names = async (q: string) => ((await api('GET', `/api/v1/namespaces/sel/pods?${q}`)).body['items'] as { metadata: { name: string } }[]).map((i) => i.metadata.name);
    assert.deepEqual(await names('labelSelector=app%3Da'), ['p1']);
    assert.deepEqual(await names('labelSelector=app!%3Da'), ['p2']);
    assert.deepEqual(await names('fieldSelector=metadata.name%3Dp2'), ['p2']);
  });

  it('streams watch events from a resourceVersion, sends bookmarks, and replays from history', async () => {
    const list = await api('GET', '/apis/gateway.networking.k8s.io/v1/namespaces/watched/httproutes');
    const rv = (list.body['metadata'] as Record<string, string>)['resourceVersion'];
    const w = await openWatch(server, `/apis/gateway.networking.k8s.io/v1/namespaces/watched/httproutes?watch=1&resourceVersion=${rv}&allowWatchBookmarks=true`);
    assert.equal(w.status, 200);
    server.apply({ ...route('w1'), metadata: { name: 'w1', namespace: 'watched' } });
    server.apply({ ...route('w1'), metadata: { name: 'w1', namespace: 'watched' }, spec: { parentRefs: [{ name: 'gw2' }] } });
    server.delete('HTTPRoute', 'watched', 'w1');
    server.bookmark();
    await w.until(() => w.events.length >= 4);
    assert.deepEqual(w.events.map((e) => e.type), ['ADDED', 'MODIFIED', 'DELETED', 'BOOKMARK']);
    assert.equal(w.events[0]!.object['apiVersion'], 'gateway.networking.k8s.io/v1');
    await w.stop();
    // A watch from the old resourceVersion replays the same events.
    const replay = await openWatch(server, `/apis/gateway.networking.k8s.io/v1/namespaces/watched/httproutes?watch=1&resourceVersion=${rv}`);
    await replay.until(() => replay.events.length >= 3);
    assert.deepEqual(replay.events.map((e) => e.type), ['ADDED', 'MODIFIED', 'DELETED']);
    await replay.stop();
    // Without a resourceVersion the watch starts with the current objects.
    server.apply({ ...route('w2'), metadata: { name: 'w2', namespace: 'watched' } });
    const fresh = await openWatch(server, '/apis/gateway.networking.k8s.io/v1/namespaces/watched/httproutes?watch=true');
    await fresh.until(() => fresh.events.length >= 1);
    assert.equal(fresh.events[0]!.type, 'ADDED');
    assert.equal(fresh.events[0]!.object.metadata?.name, 'w2');
    await fresh.stop();
  });

  it('answers a watch from a compacted resourceVersion with an ERROR event of code 410', async () => {
    const rv = server.resourceVersion;
    server.compact();
    const w = await openWatch(server, `/api/v1/configmaps?watch=1&resourceVersion=${rv}`);
    await w.until(() => w.ended);
    assert.equal(w.events.length, 1);
    assert.equal(w.events[0]!.type, 'ERROR');
    assert.equal(w.events[0]!.object['code'], 410);
    assert.equal(w.events[0]!.object['reason'], 'Expired');
  });

  it('can answer a too-old watch with HTTP 410 instead', async () => {
    const other = await FakeKubeApiServer.start({ expiredAs: 'status' });
    try {
      const rv = other.resourceVersion;
      other.compact();
      const res = await fetch(`${other.url}/api/v1/pods?watch=1&resourceVersion=${rv}`, { headers: { authorization: `Bearer ${other.token}` } });
      assert.equal(res.status, 410);
      await res.text();
    } finally {
      await other.close();
    }
  });

  it('drops and expires watches on demand, ends them after timeoutSeconds', async () => {
    const a = await openWatch(server, '/api/v1/services?watch=1');
    const b = await openWatch(server, '/api/v1/secrets?watch=1');
    await a.until(() => server.openWatches('Service') === 1);
    await b.until(() => server.openWatches('Secret') === 1);
    assert.equal(server.dropWatches('Service'), 1);
    await a.until(() => a.ended);
    assert.equal(server.expireWatches('Secret'), 1);
    await b.until(() => b.ended);
    assert.equal(b.events.at(-1)?.type, 'ERROR');
    const c = await openWatch(server, '/api/v1/services?watch=1&timeoutSeconds=1');
    await c.until(() => c.ended);
  });

  it('lets a test intercept requests and records them', async () => {
    server.clearRequests();
    const remove = server.intercept((req) => (req.method === 'GET' && req.path.endsWith('/leases/x') ? { status: 503 } : undefined));
    assert.equal((await api('GET', '/apis/coordination.k8s.io/v1/namespaces/default/leases/x')).status, 503);
    remove();
    assert.equal((await api('GET', '/apis/coordination.k8s.io/v1/namespaces/default/leases/x')).status, 404);
    assert.deepEqual(server.requests.map((r) => [r.method, r.status]), [['GET', 503], ['GET', 404]]);
  });

  it('writes a kubeconfig for itself', () => {
    const text = readFileSync(server.writeKubeconfig(), 'utf8');
    assert.match(text, new RegExp(`server: "${server.url}"`));
    assert.match(text, /insecure-skip-tls-verify: true/);
    assert.match(text, new RegExp(`token: ${server.token}`));
  });
});
