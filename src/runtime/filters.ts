// Compiled HTTPRoute filters (gateway-api reference §2.7), as the snapshot carries them: header
// modifiers, redirects, URL rewrites and CORS of a rule or of a backendRef. Built by compile/filters.ts;
// applied per request by http/filters.ts.

export interface HeaderOps {
  /** Lower-case name → value, overwriting. */
  readonly set: readonly (readonly [string, string])[];
  /** Lower-case name → value, appended to an existing value with ','. */
  readonly add: readonly (readonly [string, string])[];
  readonly remove: readonly string[];
}

export interface PathModifier {
  readonly type: 'ReplaceFullPath' | 'ReplacePrefixMatch';
  readonly value: string;
}

export interface Redirect {
  readonly scheme?: 'http' | 'https' | undefined;
  readonly hostname?: string | undefined;
  readonly port?: number | undefined;
  readonly path?: PathModifier | undefined;
  readonly statusCode: number;
}

export interface Rewrite {
  readonly hostname?: string | undefined;
  readonly path?: PathModifier | undefined;
}

export interface Cors {
  /** Compiled allowOrigins: '*' matches all; a '*' inside a host is a greedy match spanning dots. */
  readonly origins: readonly RegExp[];
  readonly allowCredentials: boolean;
  readonly allowMethods: readonly string[];
  readonly allowHeaders: readonly string[];
  readonly exposeHeaders: readonly string[];
  readonly maxAge: number;
}

export interface CompiledFilters {
  readonly requestHeaders?: HeaderOps | undefined;
  readonly responseHeaders?: HeaderOps | undefined;
  readonly redirect?: Redirect | undefined;
  readonly rewrite?: Rewrite | undefined;
  readonly cors?: Cors | undefined;
}

