// AWSCredentials: SigV4 for Amazon Bedrock (service `bedrock`, the policy's region) with static keys
// from one of:
//   - credentialsFile.secretRef: the Secret key `credentials`, in AWS credentials-file INI format,
//     profile `credentialsFile.profile` (default `default`);
//   - neither credentialsFile nor oidcExchangeToken: the parts of the AWS default chain that are
//     static keys: AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY / AWS_SESSION_TOKEN, else the shared
//     credentials file (AWS_SHARED_CREDENTIALS_FILE or ~/.aws/credentials, profile AWS_PROFILE or
//     `default`). IRSA, EKS Pod Identity and instance roles are not read (a warning says so).
// Every apply reads the keys again, so rotated keys are used by the next request.
import { join } from 'node:path';
import { homedir } from 'node:os';

import type { UpstreamAuth, UpstreamRequestDraft } from '../../runtime/upstream-auth.ts';

import { awsKeysFromIni } from './aws-ini.ts';
import type { AwsKeys } from './aws-ini.ts';
import { toAuthError } from './policy.ts';
import type { PolicyBuild } from './policy.ts';
import { SigV4Signer } from './sigv4.ts';
import { CredentialUnavailable, envSource, fileSource, redact } from './sources.ts';
import type { Environment, SecretSource, Unavailable } from './sources.ts';

export const AWS_CREDENTIALS_SECRET_KEY = 'credentials';
export const BEDROCK_SIGNING_SERVICE = 'bedrock';

const REGION = /^[a-z]{2}(?:-[a-z]+)+-\d+$/;
/**
 * Bedrock hosts that name their region: bedrock-runtime.us-east-1.amazonaws.com, the -fips and
 * control-plane variants, VPC endpoints (vpce-….bedrock-runtime.us-east-1.vpce.amazonaws.com),
 * the China partition (.amazonaws.com.cn) and dual-stack api.aws hosts.
 */
const BEDROCK_HOST = /(?:^|\.)bedrock(?:-[a-z-]+)?\.([a-z]{2}(?:-[a-z]+)+-\d+)\.(?:vpce\.)?(?:amazonaws\.com(?:\.cn)?|api\.aws)$/;

/** The region a Bedrock host names, if it is one. */
export function regionOfBedrockHost(hostname: string): string | undefined {
  return BEDROCK_HOST.exec(hostname.toLowerCase().replace(/\.$/, ''))?.[1];
}

/** Where the keys come from. `read` rejects with CredentialUnavailable. */
interface KeySource {
  readonly description: string;
  readSync(): AwsKeys;
  read(): Promise<AwsKeys>;
}

/** INI text from a Secret key or a file, one profile; parsed again only when the text changed. */
function iniKeys(text: SecretSource, profile: string, profileFix: string): KeySource {
  let last: { readonly raw: string; readonly keys: AwsKeys } | undefined;
  const parse = (raw: string): AwsKeys => {
    if (last !== undefined && last.raw === raw) return last.keys;
    const parsed = awsKeysFromIni(raw, profile);
    if ('reason' in parsed) throw new CredentialUnavailable({ reason: `${text.description} ${parsed.reason}`, fix: profileFix });
    last = { raw, keys: parsed.keys };
    return parsed.keys;
  };
  const source: KeySource = {
    description: `profile [${profile}] of ${text.description}`,
    readSync: () => parse(text.readSync()),
    read: async () => parse(await text.read()),
  };
  redact(source, () => `AwsKeys(${source.description})`);
  return source;
}

/** AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY and (optional) AWS_SESSION_TOKEN. */
function envKeys(env: Environment): KeySource {
  const id = envSource(env, 'AWS_ACCESS_KEY_ID');
  const secret = envSource(env, 'AWS_SECRET_ACCESS_KEY');
  const keys = (accessKeyId: string, secretAccessKey: string): AwsKeys => {
    const sessionToken = env['AWS_SESSION_TOKEN']?.trim();
    return { accessKeyId: accessKeyId.trim(), secretAccessKey: secretAccessKey.trim(), ...(sessionToken ? { sessionToken } : {}) };
  };
  const source: KeySource = {
    description: 'environment variables AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY (and AWS_SESSION_TOKEN)',
    readSync: () => keys(id.readSync(), secret.readSync()),
    read: async () => keys(await id.read(), await secret.read()),
  };
  redact(source, () => `AwsKeys(${source.description})`);
  return source;
}

/** The static-key part of the default chain: the environment when AWS_ACCESS_KEY_ID is set, else the shared file. */
function defaultChainKeys(env: Environment, home: string, now: () => number): KeySource {
  const fromEnv = envKeys(env);
  const path = env['AWS_SHARED_CREDENTIALS_FILE']?.trim() || join(home, '.aws', 'credentials');
  const profile = env['AWS_PROFILE']?.trim() || 'default';
  const fromFile = iniKeys(fileSource(path, now), profile, `add the profile [${profile}] with aws_access_key_id and aws_secret_access_key to ${path}, or set AWS_PROFILE`);
  const pick = (): KeySource => (env['AWS_ACCESS_KEY_ID']?.trim() ? fromEnv : fromFile);
  const source: KeySource = {
    get description() {
      return pick().description;
    },
    readSync: () => pick().readSync(),
    read: () => pick().read(),
  };
  redact(source, () => `AwsKeys(default chain: ${fromEnv.description}, else ${fromFile.description})`);
  return source;
}

class AWSCredentialsAuth implements UpstreamAuth {
  readonly type = 'AWSCredentials';
  readonly source: string;
  readonly region: string;
  readonly #keys: KeySource;
  readonly #now: () => number;
  #signer: SigV4Signer | undefined;

  constructor(source: string, region: string, keys: KeySource, now: () => number) {
    this.source = source;
    this.region = region;
    this.#keys = keys;
    this.#now = now;
    redact(this, () => `UpstreamAuth(AWSCredentials, ${source}, region ${region}, ${keys.description})`);
  }

  async apply(req: UpstreamRequestDraft): Promise<void> {
    let keys: AwsKeys;
    try {
      keys = await this.#keys.read();
    } catch (err) {
      throw toAuthError(this.source, err, `cannot read the AWS keys from ${this.#keys.description}`);
    }
    if (this.#signer === undefined || !this.#signer.holds(keys)) this.#signer = new SigV4Signer(keys);
    try {
      await this.#signer.sign(req, { region: this.region, service: BEDROCK_SIGNING_SERVICE, date: new Date(this.#now()) });
    } catch (err) {
      throw toAuthError(this.source, err, 'SigV4 signing failed');
    }
  }
}

function unavailableOf(err: unknown): Unavailable {
  return err instanceof CredentialUnavailable ? { reason: err.message, fix: err.fix } : { reason: 'the keys cannot be read', fix: 'check the credentials' };
}

export function createAWSCredentialsAuth(build: PolicyBuild): UpstreamAuth | undefined {
  const aws = build.spec.awsCredentials;
  const base = ['spec', 'awsCredentials'] as const;
  if (aws === undefined) {
    build.error(base, 'is required when type is AWSCredentials (at least region, e.g. region: us-east-1)');
    return undefined;
  }
  const region = (aws.region as string | undefined)?.trim() ?? '';
  if (region === '') {
    build.error([...base, 'region'], 'is required: the AWS region of the Bedrock endpoint, e.g. region: us-east-1');
  } else if (!REGION.test(region)) {
    build.error([...base, 'region'], `"${region}" is not an AWS region name; use one such as us-east-1`);
  } else {
    for (const target of build.deps.targets ?? []) {
      const hostRegion = regionOfBedrockHost(target.hostname);
      if (hostRegion !== undefined && hostRegion !== region) {
        build.error(
          [...base, 'region'],
          `is ${region}, but ${target.resource} sends to ${target.hostname} in region ${hostRegion}; requests signed for ${region} would be refused there. Set region: ${hostRegion} or point the Backend at bedrock-runtime.${region}.amazonaws.com`,
        );
      }
    }
  }
  if (aws.oidcExchangeToken !== undefined) {
    build.error(
      [...base, 'oidcExchangeToken'],
      'is not supported yet: Sluice does not exchange OIDC tokens for an AWS role, and does not fall back to other credentials; the policy is not Accepted. Use credentialsFile (a Secret with the key "credentials") instead',
    );
    return undefined;
  }

  let keys: KeySource;
  if (aws.credentialsFile !== undefined) {
    const profile = aws.credentialsFile.profile?.trim() || 'default';
    const text = build.secretKey([...base, 'credentialsFile', 'secretRef'], aws.credentialsFile.secretRef, AWS_CREDENTIALS_SECRET_KEY);
    if (text === undefined) return undefined;
    keys = iniKeys(text, profile, `put a profile [${profile}] with aws_access_key_id and aws_secret_access_key into ${text.description}, or set credentialsFile.profile`);
    const parsed = awsKeysFromIni(text.readSync(), profile);
    if ('reason' in parsed) {
      build.error(
        parsed.noProfile ? [...base, 'credentialsFile', 'profile'] : [...base, 'credentialsFile', 'secretRef', 'name'],
        `${text.description} ${parsed.reason}; ${parsed.noProfile ? `set credentialsFile.profile to one of its profiles or add [${profile}]` : `add the missing keys to profile [${profile}]`}`,
      );
    }
  } else {
    keys = defaultChainKeys(build.env, build.deps.homeDir ?? homedir(), build.now);
    try {
      keys.readSync();
      build.warn(
        [...base, 'credentialsFile'],
        `is not set: using ${keys.description} from the AWS default chain; Sluice reads only the environment and the shared credentials file from that chain (not IRSA, EKS Pod Identity or instance roles)`,
      );
    } catch (err) {
      const u = unavailableOf(err);
      build.error(
        [...base, 'credentialsFile'],
        `is not set, and the AWS default chain has no keys: ${u.reason}. Sluice reads only AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY and the shared credentials file from that chain (not IRSA, EKS Pod Identity or instance roles); set credentialsFile.secretRef to a Secret with the key "${AWS_CREDENTIALS_SECRET_KEY}", or ${u.fix}`,
      );
    }
  }
  if (build.failed) return undefined;
  return new AWSCredentialsAuth(build.label, region, keys, build.now);
}
