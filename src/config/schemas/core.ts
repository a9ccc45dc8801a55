// Core Kubernetes kinds Sluice reads: v1 Service, ConfigMap, Secret, Pod; apps/v1 Deployment;
// discovery.k8s.io/v1 EndpointSlice.
//
// These kinds are LOOSE at every level: only the fields Sluice reads are typed (and checked, with the
// messages the API server would give in spirit), every other field passes untouched. Manifests written
// for a cluster carry probes, resources, security contexts, affinities and so on; Sluice must load them
// unmodified. Values Kubernetes itself rejects (a number where a string is required, a port out of
// range) are still errors here, because the manifest would not apply to a cluster either.
import { z } from 'zod';
import {
  bool,
  describeValue,
  dnsLabelObjectMetaSchema,
  integer,
  labelMap,
  list,
  looseResource,
  matching,
  oneOf,
  portNumber,
  stringMap,
  text,
} from './meta.ts';

/** A list of strings where YAML numbers are a common mistake (args: [--port, 8000]). */
function stringList(label: string) {
  return list(
    label,
    z.string({ error: (iss) => `${label} entries must be strings; quote numbers and booleans in YAML, e.g. "8000" (got ${describeValue(iss.input)})` }),
  );
}

const PROTOCOLS = ['TCP', 'UDP', 'SCTP'] as const;

/** IANA service name, used for named ports: ≤ 15 characters, lowercase letters, digits and '-'. */
const PORT_NAME = /^(?=.*[a-z])[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
function portName(label: string) {
  return matching(label, PORT_NAME, "be an IANA service name: at most 15 lowercase letters, digits and '-', with at least one letter", { min: 1, max: 15 });
}

// ---------------------------------------------------------------------------------------------------
// Pod template pieces

export const envVarSchema = z.looseObject({
  name: text('name', { min: 1 }),
  value: z.string({ error: (iss) => `value must be a string; quote numbers and booleans in YAML (got ${describeValue(iss.input)})` }).optional(),
  /** fieldRef, secretKeyRef, configMapKeyRef, resourceFieldRef: read by the cluster emulation. */
  valueFrom: z.looseObject({}).optional(),
});

export const containerPortSchema = z.looseObject({
  containerPort: portNumber('containerPort'),
  name: portName('name').optional(),
  protocol: oneOf('protocol', PROTOCOLS).optional(),
});

export const volumeMountSchema = z.looseObject({
  name: text('name', { min: 1 }),
  mountPath: text('mountPath', { min: 1 }),
  subPath: z.string().optional(),
  readOnly: bool('readOnly').optional(),
});

export const containerSchema = z.looseObject({
  name: text('name', { min: 1 }),
  /** Optional in the API (workload controllers may fill it); standalone mode needs it to pick a simulator. */
  image: text('image').optional(),
  command: stringList('command').optional(),
  args: stringList('args').optional(),
  env: list('env', envVarSchema).optional(),
  ports: list('ports', containerPortSchema).optional(),
  volumeMounts: list('volumeMounts', volumeMountSchema).optional(),
});

export const volumeSchema = z.looseObject({
  name: text('name', { min: 1 }),
  configMap: z
    .looseObject({
      name: text('name').optional(),
      items: list('items', z.looseObject({ key: text('key', { min: 1 }), path: text('path', { min: 1 }) })).optional(),
      optional: bool('optional').optional(),
    })
    .optional(),
  secret: z.looseObject({ secretName: text('secretName').optional() }).optional(),
});

export const podSpecSchema = z.looseObject({
  containers: list('containers', containerSchema, { min: 1 }),
  initContainers: list('initContainers', containerSchema).optional(),
  volumes: list('volumes', volumeSchema).optional(),
  serviceAccountName: z.string().optional(),
});

/** Loose label selector (workload kinds): matchLabels typed, matchExpressions passed through. */
const workloadSelectorSchema = z.looseObject({
  matchLabels: labelMap('matchLabels').optional(),
  matchExpressions: z.array(z.looseObject({})).optional(),
});

// ---------------------------------------------------------------------------------------------------
// Kinds

export const deploymentSchema = looseResource(['apps/v1'], 'Deployment', {
  spec: z.looseObject({
    /** Defaults to 1. */
    replicas: integer('replicas', 0).optional(),
    selector: workloadSelectorSchema,
    template: z.looseObject({
      metadata: z.looseObject({ labels: labelMap('labels').optional(), annotations: stringMap('annotations').optional() }).optional(),
      spec: podSpecSchema,
    }),
  }),
});

export const podSchema = looseResource(['v1'], 'Pod', { spec: podSpecSchema });

/** Namespaces matter for their labels: a listener's allowedRoutes `from: Selector` selects by them. */
export const namespaceSchema = looseResource(['v1'], 'Namespace', {});

export const servicePortSchema = z.looseObject({
  name: portName('name').optional(),
  /** Defaults to TCP. */
  protocol: oneOf('protocol', PROTOCOLS).optional(),
  port: portNumber('port'),
  /** A number or the name of a container port; defaults to `port`. */
  targetPort: z
    .union([portNumber('targetPort'), portName('targetPort')], {
      error: (iss) => `targetPort must be a port number from 1 to 65535 or a container port name (got ${describeValue(iss.input)})`,
    })
    .optional(),
  appProtocol: text('appProtocol').optional(),
  nodePort: portNumber('nodePort').optional(),
});

/** Service. Its name becomes a DNS label, so it must be an RFC 1035 label. */
export const serviceSchema = looseResource(
  ['v1'],
  'Service',
  {
    spec: z
      .looseObject({
        selector: stringMap('selector').optional(),
        ports: list('ports', servicePortSchema).optional(),
        /** Defaults to ClusterIP. */
        type: oneOf('type', ['ClusterIP', 'NodePort', 'LoadBalancer', 'ExternalName']).optional(),
        clusterIP: z.string().optional(),
        externalName: z.string().optional(),
      })
      .optional(),
  },
  dnsLabelObjectMetaSchema,
);

export const configMapSchema = looseResource(['v1'], 'ConfigMap', {
  data: stringMap('data').optional(),
  /** Base64 values. */
  binaryData: stringMap('binaryData').optional(),
  immutable: bool('immutable').optional(),
});

/** Standard base64; line breaks inside the value are ignored as the API server does. */
const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;
const base64Value = z
  .string({ error: (iss) => `data values must be base64 strings (got ${describeValue(iss.input)})` })
  .refine((v) => {
    const compact = v.replace(/[\r\n]/g, '');
    return compact.length % 4 === 0 && BASE64.test(compact);
  }, { error: 'data values must be base64-encoded; put plain text under stringData instead' });

export const secretSchema = looseResource(['v1'], 'Secret', {
  /** Defaults to Opaque; kubernetes.io/tls carries tls.crt and tls.key. */
  type: text('type').optional(),
  data: z.record(z.string(), base64Value, { error: (iss) => `data must be a mapping of keys to base64 strings (got ${describeValue(iss.input)})` }).optional(),
  stringData: stringMap('stringData').optional(),
  immutable: bool('immutable').optional(),
});

export const endpointSliceSchema = looseResource(['discovery.k8s.io/v1'], 'EndpointSlice', {
  addressType: z.string().optional(),
  endpoints: z
    .array(
      z.looseObject({
        addresses: z.array(z.string()).optional(),
        conditions: z.looseObject({ ready: z.boolean().nullable().optional(), serving: z.boolean().nullable().optional(), terminating: z.boolean().nullable().optional() }).optional(),
        hostname: z.string().optional(),
        nodeName: z.string().optional(),
        zone: z.string().optional(),
        targetRef: z.looseObject({}).optional(),
      }),
    )
    .nullable()
    .optional(),
  ports: z
    .array(
      z.looseObject({
        name: z.string().nullable().optional(),
        port: z.number().nullable().optional(),
        protocol: z.string().nullable().optional(),
        appProtocol: z.string().nullable().optional(),
      }),
    )
    .nullable()
    .optional(),
});
