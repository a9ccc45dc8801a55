// The AWS shared credentials file (~/.aws/credentials): INI sections named after profiles
// (`[default]`, `[prod]`), `name = value` lines, `#` or `;` comment lines. The keys read here are
// aws_access_key_id, aws_secret_access_key and aws_session_token. Indented lines continue a nested
// setting (used by the config file for service sections) and are skipped.
//
// No message produced here contains a value: only profile and key names.

export interface AwsKeys {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly sessionToken?: string | undefined;
}

/** Profile → (lower-case key → value). A repeated section merges; a repeated key keeps the last value. */
export function parseIni(text: string): Map<string, Map<string, string>> {
  const profiles = new Map<string, Map<string, string>>();
  let current: Map<string, string> | undefined;
  for (const line of text.split(/\r?\n/)) {
    if (/^[ \t]/.test(line) && line.trim() !== '') continue; // nested value
    const trimmed = line.trim();
    if (trimmed === '' || trimmed.startsWith('#') || trimmed.startsWith(';')) continue;
    const section = /^\[([^\]]*)\]\s*(?:[#;].*)?$/.exec(trimmed);
    if (section) {
      const name = section[1]!.trim();
      current = profiles.get(name);
      if (current === undefined) profiles.set(name, (current = new Map()));
      continue;
    }
    const eq = trimmed.indexOf('=');
    if (eq <= 0 || current === undefined) continue;
    current.set(trimmed.slice(0, eq).trim().toLowerCase(), trimmed.slice(eq + 1).trim());
  }
  return profiles;
}

/** The keys of `profile`, or why they cannot be used (names only). */
export function awsKeysFromIni(text: string, profile: string): { keys: AwsKeys } | { reason: string; noProfile: boolean } {
  const profiles = parseIni(text);
  const section = profiles.get(profile);
  if (section === undefined) {
    const names = [...profiles.keys()];
    return { reason: `has no profile [${profile}] (${names.length === 0 ? 'no profiles found: is it in AWS credentials-file INI format?' : `profiles: ${names.join(', ')}`})`, noProfile: true };
  }
  const accessKeyId = section.get('aws_access_key_id') ?? '';
  const secretAccessKey = section.get('aws_secret_access_key') ?? '';
  const missing = [accessKeyId === '' ? 'aws_access_key_id' : '', secretAccessKey === '' ? 'aws_secret_access_key' : ''].filter((k) => k !== '');
  if (missing.length > 0) return { reason: `profile [${profile}] lacks ${missing.join(' and ')}`, noProfile: false };
  const sessionToken = section.get('aws_session_token');
  return { keys: { accessKeyId, secretAccessKey, ...(sessionToken ? { sessionToken } : {}) } };
}
