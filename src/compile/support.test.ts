// The support registry: (a) every field path of every schema is classified and every entry names a
// real path; (b) `sluice validate` prints exactly one warning per unsupported field present, naming
// it; (c) a security-relevant unsupported field leaves its resource Accepted=False, reason
// Unsupported, and the compiler refuses it; (d) docs/support.md's table is the registry's.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { z } from 'zod';
import { stringify } from 'yaml';
import { main } from '../../cli/main.ts';
import { knownKinds } from '../config/schemas/index.ts';
import { dryCompile, loadConfig } from '../controlplane/pipeline.ts';
import { classify, kindPaths, kindSupport, schemaPaths, supportRegistry, supportTable, unsupportedFields } from './support.ts';

function groupOf(apiVersion: string): string {
  const slash = apiVersion.lastIndexOf('/');
  return slash < 0 ? '' : apiVersion.slice(0, slash);
}

const kinds = [...new Map(knownKinds.map((k) => [`${groupOf(k.apiVersion)}|${k.kind}`, { group: groupOf(k.apiVersion), kind: k.kind }])).values()];

describe('schema walk', () => {
  it('walks the zod v4 shapes: objects, lists, optional/nullable/default wrappers, unions, records, lazy', () => {
    const inner = z.looseObject({ a: z.string().nullable().optional(), b: z.array(z.number()).default([]) });
    const schema = z.strictObject({
      o: inner.optional(),
      l: z.array(z.strictObject({ x: z.int() })),
      u: z.union([z.strictObject({ p: z.string() }), z.strictObject({ q: z.string() })]),
      v: z.union([z.string(), z.number()]),
      r: z.record(z.string(), z.strictObject({ deep: z.string() })),
      j: z.json(),
      lz: z.lazy(() => z.strictObject({ y: z.boolean() })),
    });
    const got = Object.fromEntries(schemaPaths(schema).map((p) => [p.path, p.shape]));
    assert.deepEqual(got, {
      '': 'object',
      o: 'loose',
      'o.a': 'leaf',
      'o.b': 'leaf',
      'l[]': 'object',
      'l[].x': 'leaf',
      u: 'object',
      'u.p': 'leaf',
      'u.q': 'leaf',
      v: 'leaf',
      r: 'leaf',
      j: 'leaf',
      lz: 'object',
      'lz.y': 'leaf',
    });
  });

  it('every kind Sluice reads has a registry entry, and every registry entry a kind', () => {
    for (const { group, kind } of kinds) assert.ok(kindSupport(group, kind), `no support entry for ${group || 'core'}/${kind}`);
    for (const k of supportRegistry) for (const g of k.groups) assert.ok(kinds.some((x) => x.group === g && x.kind === k.kind), `registry entry ${g}/${k.kind} is not a kind Sluice reads`);
  });

  it('no field is silently dropped: every schema path (and every loose object\'s other keys) is classified', () => {
    const unclassified: string[] = [];
    for (const { group, kind } of kinds) {
      const k = kindSupport(group, kind)!;
      for (const p of kindPaths(group, kind).values()) {
        if (p.path !== '' && !classify(k, p.path)) unclassified.push(`${kind}: ${p.path}`);
        if (p.shape === 'loose' && !classify(k, p.path === '' ? '*' : `${p.path}.*`)) unclassified.push(`${kind}: ${p.path === '' ? '*' : `${p.path}.*`}`);
      }
    }
    assert.deepEqual(unclassified, []);
  });

  it('no stale entry: every registry path exists in a schema, and wildcards sit on loose objects', () => {
    const stale: string[] = [];
    for (const k of supportRegistry) {
      for (const g of k.groups) {
        const paths = kindPaths(g, k.kind);
        for (const entry of Object.keys(k.fields)) {
          const base = entry === '*' || entry === '**' ? '' : entry.endsWith('.**') ? entry.slice(0, -3) : entry.endsWith('.*') ? entry.slice(0, -2) : entry;
          const node = paths.get(base) ?? paths.get(`${base}[]`);
          if (!node) stale.push(`${g}/${k.kind}: ${entry}`);
          else if (entry.endsWith('*') && node.shape !== 'loose') stale.push(`${g}/${k.kind}: ${entry} (not a loose object)`);
        }
      }
    }
    assert.deepEqual(stale, []);
  });
});

// ---------------------------------------------------------------------------------------------------
// Manifests (data objects, written with yaml's stringify)

const meta = (name: string) => ({ name, namespace: 'default' });

function gatewayDoc(name: string, spec: Record<string, unknown> = {}) {
  return { apiVersion: 'gateway.networking.k8s.io/v1', kind: 'Gateway', metadata: meta(name), spec: { gatewayClassName: 'sluice', listeners: [{ name: 'http', port: 8080, protocol: 'HTTP' }], ...spec } };
}

const service = { apiVersion: 'v1', kind: 'Service', metadata: meta('web'), spec: { ports: [{ port: 80 }] } };

function write(docs: readonly object[]): string {
  const dir = mkdtempSync(join(tmpdir(), 'sluice-support-'));
  const file = join(dir, 'manifest.yaml');
  writeFileSync(file, docs.map((d) => stringify(d)).join('---\n'));
  return file;
}

async function validate(file: string): Promise<{ code: number; lines: string[] }> {
  let err = '';
  process.exitCode = 0;
  await main(['validate', '-f', file], { out: () => undefined, err: (s) => (err += s) });
  const code = Number(process.exitCode ?? 0);
  process.exitCode = 0;
  return { code, lines: err.split('\n').filter((l) => l !== '') };
}

/** Resources with not-honoured fields, and the fields `validate` must name (resource label, field). */
const cases: { doc: object; expect: [string, string][] }[] = [
  {
    doc: gatewayDoc('gw', {
      listeners: [{ name: 'http', port: 8080, protocol: 'HTTP' }, { name: 'tls', port: 8443, protocol: 'TLS', tls: { mode: 'Passthrough', options: { 'example.com/x': 'y' } } }],
      addresses: [{ type: 'IPAddress', value: '10.0.0.1' }],
      tls: { backend: { clientCertificateRef: { name: 'client-cert' } } },
      defaultScope: 'All',
    }),
    expect: [
      ['Gateway default/gw', 'spec.listeners[].tls.options'],
      ['Gateway default/gw', 'spec.addresses'],
      ['Gateway default/gw', 'spec.tls.backend'],
      ['Gateway default/gw', 'spec.defaultScope'],
    ],
  },
  {
    doc: {
      apiVersion: 'gateway.networking.k8s.io/v1',
      kind: 'HTTPRoute',
      metadata: meta('web'),
      spec: {
        parentRefs: [{ name: 'gw' }],
        useDefaultGateways: 'All',
        rules: [
          {
            filters: [{ type: 'ExtensionRef', extensionRef: { group: 'example.com', kind: 'Thing', name: 't' } }],
            backendRefs: [
              {
                name: 'web',
                port: 80,
                filters: [
                  { type: 'CORS', cors: { allowOrigins: ['https://example.com'] } },
                  { type: 'RequestMirror', requestMirror: { backendRef: { name: 'web', port: 80 } } },
                ],
              },
            ],
            sessionPersistence: { type: 'Cookie', cookie: { name: 'sticky' } },
          },
          // The same field in a second rule is the same field: still one warning.
          { sessionPersistence: { type: 'Cookie', cookie: { name: 'sticky' } }, backendRefs: [{ name: 'web', port: 80 }] },
        ],
      },
    },
    expect: [
      ['HTTPRoute default/web', 'spec.useDefaultGateways'],
      ['HTTPRoute default/web', 'spec.rules[].filters[].extensionRef'],
      ['HTTPRoute default/web', 'spec.rules[].backendRefs[].filters[].cors'],
      ['HTTPRoute default/web', 'spec.rules[].backendRefs[].filters[].requestMirror'],
      ['HTTPRoute default/web', 'spec.rules[].sessionPersistence'],
    ],
  },
  {
    doc: {
      apiVersion: 'gateway.networking.k8s.io/v1',
      kind: 'GRPCRoute',
      metadata: meta('grpc'),
      spec: {
        parentRefs: [{ name: 'gw' }],
        rules: [{ filters: [{ type: 'RequestHeaderModifier', requestHeaderModifier: { set: [{ name: 'x-a', value: 'b' }] } }], backendRefs: [{ name: 'web', port: 80 }] }],
      },
    },
    expect: [['GRPCRoute default/grpc', 'spec.rules[].filters[].requestHeaderModifier']],
  },
  {
    doc: {
      apiVersion: 'aigateway.envoyproxy.io/v1beta1',
      kind: 'AIGatewayRoute',
      metadata: meta('ai'),
      spec: {
        parentRefs: [{ name: 'gw' }],
        rules: [
          {
            matches: [{ headers: [{ name: 'x-ai-eg-model', value: 'm' }] }],
            backendRefs: [{ name: 'provider', bodyMutation: { set: [{ path: 'temperature', value: '0' }] } }],
            streamIdleTimeout: '30s',
            modelsCreatedAt: '2025-01-02T15:04:05Z',
          },
        ],
      },
    },
    expect: [
      ['AIGatewayRoute default/ai', 'spec.rules[].backendRefs[].bodyMutation'],
      ['AIGatewayRoute default/ai', 'spec.rules[].streamIdleTimeout'],
      ['AIGatewayRoute default/ai', 'spec.rules[].modelsCreatedAt'],
    ],
  },
  {
    doc: {
      apiVersion: 'aigateway.envoyproxy.io/v1beta1',
      kind: 'AIServiceBackend',
      metadata: meta('provider'),
      spec: {
        schema: { name: 'OpenAI' },
        backendRef: { group: 'gateway.envoyproxy.io', kind: 'Backend', name: 'provider' },
        headerMutation: { set: [{ name: 'x-a', value: 'b' }] },
        bodyMutation: { remove: ['user'] },
        timeouts: { request: '30s' },
      },
    },
    expect: [
      ['AIServiceBackend default/provider', 'spec.headerMutation'],
      ['AIServiceBackend default/provider', 'spec.bodyMutation'],
      ['AIServiceBackend default/provider', 'spec.timeouts'],
    ],
  },
  {
    doc: {
      apiVersion: 'gateway.envoyproxy.io/v1alpha1',
      kind: 'Backend',
      metadata: meta('provider'),
      spec: {
        type: 'Endpoints', // the honoured value: no warning
        endpoints: [{ ip: { address: '127.0.0.1', port: 9 } }],
        appProtocols: ['gateway.envoyproxy.io/h2c'],
        fallback: true,
        tls: { insecureSkipVerify: true, minVersion: '1.3', ciphers: ['TLS_AES_128_GCM_SHA256'] },
      },
    },
    expect: [
      ['Backend default/provider', 'spec.appProtocols'],
      ['Backend default/provider', 'spec.fallback'],
      ['Backend default/provider', 'spec.tls.minVersion'],
      ['Backend default/provider', 'spec.tls.ciphers'],
    ],
  },
  {
    doc: {
      apiVersion: 'gateway.envoyproxy.io/v1alpha1',
      kind: 'BackendTrafficPolicy',
      metadata: meta('traffic'),
      spec: {
        targetRefs: [{ group: 'gateway.networking.k8s.io', kind: 'HTTPRoute', name: 'web' }],
        loadBalancer: { type: 'RoundRobin' },
        timeout: { tcp: { connectTimeout: '5s' }, http: { requestTimeout: '10s' } },
      },
    },
    expect: [
      ['BackendTrafficPolicy default/traffic', 'spec.loadBalancer'],
      ['BackendTrafficPolicy default/traffic', 'spec.timeout.tcp.connectTimeout'],
    ],
  },
  {
    doc: {
      apiVersion: 'aigateway.envoyproxy.io/v1beta1',
      kind: 'GatewayConfig',
      metadata: meta('config'),
      spec: { forwardProxy: { address: 'proxy.example.com:3128' } },
    },
    expect: [['GatewayConfig default/config', 'spec.forwardProxy']],
  },
  {
    doc: {
      apiVersion: 'inference.networking.k8s.io/v1',
      kind: 'InferencePool',
      metadata: meta('pool'),
      spec: { selector: { matchLabels: { app: 'vllm' } }, targetPorts: [{ number: 8000 }], appProtocol: 'kubernetes.io/h2c' },
    },
    expect: [['InferencePool default/pool', 'spec.appProtocol']],
  },
  {
    doc: {
      apiVersion: 'inference.networking.x-k8s.io/v1alpha2',
      kind: 'InferenceModelRewrite',
      metadata: meta('rewrite'),
      spec: { poolRef: { name: 'pool' }, rules: [{ targets: [{ modelRewrite: 'other' }] }] },
    },
    expect: [['InferenceModelRewrite default/rewrite', 'spec']],
  },
];

describe('sluice validate warns about every field it does not honour', () => {
  it('one warning per unsupported field present, naming the file, the resource and the field', async () => {
    const file = write([gatewayDoc('base'), service, ...cases.map((c) => c.doc)]);
    const { lines } = await validate(file);
    const unsupported = lines.filter((l) => / warning: .*: not supported yet/.test(l));
    for (const c of cases) {
      for (const [resource, field] of c.expect) {
        const hits = unsupported.filter((l) => l.includes(` warning: ${resource}: ${field}: not supported yet`));
        assert.equal(hits.length, 1, `${resource} ${field}: expected one warning, got ${hits.length}\n${lines.join('\n')}`);
        assert.ok(hits[0]!.startsWith(`${file}:`), `the warning names the file: ${hits[0]}`);
      }
    }
    // Nothing else is reported as not supported: the honoured Backend type and the HTTP listener are silent.
    assert.equal(unsupported.length, cases.reduce((n, c) => n + c.expect.length, 0), unsupported.join('\n'));
  });
});

describe('security-relevant fields leave the resource not Accepted', () => {
  it('SecurityPolicy basicAuth, an ExternalAuth filter, Gateway client-certificate validation, a rate-limit part: Accepted=False reason Unsupported', () => {
    const docs = [
      gatewayDoc('gw'),
      gatewayDoc('mtls', {
        listeners: [{ name: 'http', port: 8081, protocol: 'HTTP' }],
        tls: { frontend: { default: { validation: { caCertificateRefs: [{ group: '', kind: 'ConfigMap', name: 'ca' }] } } } },
      }),
      service,
      {
        apiVersion: 'gateway.networking.k8s.io/v1',
        kind: 'HTTPRoute',
        metadata: meta('authed'),
        spec: {
          parentRefs: [{ name: 'gw' }],
          rules: [{ filters: [{ type: 'ExternalAuth', externalAuth: { protocol: 'HTTP', backendRef: { name: 'web', port: 80 } } }], backendRefs: [{ name: 'web', port: 80 }] }],
        },
      },
      {
        apiVersion: 'gateway.networking.k8s.io/v1',
        kind: 'HTTPRoute',
        metadata: meta('plain'),
        spec: { parentRefs: [{ name: 'gw' }], hostnames: ['plain.example.com'], rules: [{ backendRefs: [{ name: 'web', port: 80 }] }] },
      },
      {
        apiVersion: 'gateway.envoyproxy.io/v1alpha1',
        kind: 'SecurityPolicy',
        metadata: meta('basic'),
        spec: { targetRefs: [{ group: 'gateway.networking.k8s.io', kind: 'HTTPRoute', name: 'plain' }], basicAuth: { users: { name: 'htpasswd' } } },
      },
      {
        apiVersion: 'gateway.envoyproxy.io/v1alpha1',
        kind: 'BackendTrafficPolicy',
        metadata: meta('limits'),
        spec: {
          targetRefs: [{ group: 'gateway.networking.k8s.io', kind: 'HTTPRoute', name: 'plain' }],
          rateLimit: { type: 'Local', local: { rules: [{ limit: { requests: 10, unit: 'Minute' }, burst: 5 }] } },
        },
      },
    ];
    const config = loadConfig([write(docs)]);
    assert.deepEqual(config.problems.filter((p) => p.severity === 'error'), []);
    const snapshot = dryCompile(config);
    const accepted = (kind: string, name: string) => snapshot.statuses.find((s) => s.kind === kind && s.name === name)?.conditions.find((c) => c.type === 'Accepted');
    for (const [kind, name] of [['SecurityPolicy', 'basic'], ['HTTPRoute', 'authed'], ['Gateway', 'mtls'], ['BackendTrafficPolicy', 'limits']] as const) {
      const c = accepted(kind, name);
      assert.equal(c?.status, 'False', `${kind} ${name}: ${JSON.stringify(c)}`);
      assert.equal(c?.reason, 'Unsupported', `${kind} ${name}: ${JSON.stringify(c)}`);
    }
    // The warnings name the fields.
    const fields = snapshot.problems.filter((p) => p.severity === 'warning').map((p) => `${p.resource} ${p.field}`);
    for (const f of ['SecurityPolicy default/basic spec.basicAuth', 'HTTPRoute default/authed spec.rules[].filters[].externalAuth', 'Gateway default/mtls spec.tls.frontend', 'BackendTrafficPolicy default/limits spec.rateLimit.local.rules[].burst']) {
      assert.ok(fields.includes(f), `${f} in ${fields.join('; ')}`);
    }
    // Refused rather than half-applied: the mTLS Gateway binds no port, the other Gateway still serves.
    assert.deepEqual([...snapshot.bindings.keys()], [8080]);
    const gw = snapshot.statuses.find((s) => s.kind === 'Gateway' && s.name === 'mtls');
    assert.equal(gw?.sub?.[0]?.conditions.find((c) => c.type === 'Accepted')?.reason, 'Unsupported');
    // The route with ExternalAuth stays attached (its requests do not fall through) and every rule refuses.
    const listener = snapshot.bindings.get(8080)!.listeners[0]!;
    const at = (host: string) => listener.table.match({ host, method: 'GET', path: '/', query: '', headers: {} })?.rule;
    const authed = at('any.example.com');
    assert.equal(authed?.routeKey, 'default/authed');
    assert.deepEqual(authed.backends.map((b) => b.target.kind === 'invalid' && b.target.reason), ['Unsupported']);
    // The route under the refused SecurityPolicy refuses through its admission (RefuseAll), not its backends.
    const plain = at('plain.example.com');
    assert.equal(plain?.routeKey, 'default/plain');
    assert.throws(() => plain.admission!.admit({} as never), /basicAuth/);
  });

  it('the fields other compilers already refuse as errors are not repeated as warnings', () => {
    const fields = unsupportedFields('aigateway.envoyproxy.io', 'BackendSecurityPolicy', { spec: { type: 'APIKey', credentialOverride: { fromRequestHeaders: {} } } });
    assert.equal(fields.length, 1);
    assert.match(fields[0]!.support.status === 'unsupported' ? (fields[0]!.support.reportedBy ?? '') : '', /providers\/auth/);
  });
});

describe('docs/support.md', () => {
  it('holds the table generated from the registry', () => {
    const doc = readFileSync(new URL('../../docs/support.md', import.meta.url), 'utf8');
    const begin = '<!-- BEGIN GENERATED: src/compile/support.ts supportTable() -->\n';
    const end = '<!-- END GENERATED -->';
    const at = doc.indexOf(begin);
    const stop = doc.indexOf(end);
    assert.ok(at >= 0 && stop > at, 'docs/support.md has the generated section markers');
    const fresh = supportTable();
    assert.equal(doc.slice(at + begin.length, stop), fresh, `docs/support.md is stale; regenerate the section between the markers with:\n  npx tsx -e "import('./src/compile/support.ts').then((m) => process.stdout.write(m.supportTable()))"`);
  });
});
