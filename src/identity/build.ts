// Compiles the identity part of a config — RequestAuthentication jwtRules and
// the Gateway's `spec.identity` — into an Identifier, reporting every problem
// against the config file (with line and hint) instead of stopping at the first.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { LoadedConfig } from '../config/load.js';
import { durationMs, JWT_ALGORITHMS, type ApiKeySpec, type JwtRule } from '../config/schema.js';
import { WatchedFile } from '../credentials/watched-file.js';
import { ApiKeyFile, duplicateKeys, parseApiKeyFile } from './api-key-file.js';
import { ApiKeys, isApiKeyShaped } from './api-keys.js';
import { Identifier } from './identify.js';
import { parseJwks } from './jwks.js';
import { JwtAuthenticator, type Keep } from './jwt.js';
import { stateKey, type KeptState } from '../state.js';
import { TrustedProxies } from './trusted-proxies.js';
import { WardenTokens } from './upstream-token.js';

const MAX_CLOCK_SKEW_S = 300;

/** `state`: what a reload keeps from the running config (key sets, verified tokens, Warden's signing key; state.ts). */
export function buildIdentifier(config: LoadedConfig, state?: KeptState): Identifier {
  const keep: Keep | undefined = state && ((kind, value, make, stop) => state.take(stateKey(kind, value), make, stop));
  const gw = config.gateway;
  const spec = gw?.value.identity;
  const report = gw?.report ?? (() => {});

  // jwtRules: a broken rule is reported and left out, so the rest still compiles.
  const rules: JwtRule[] = [];
  const issuers = new Set<string>();
  for (const { value, report: raReport } of config.requestAuthentications) {
    value.spec.jwtRules.forEach((rule, i) => {
      const at = ['spec', 'jwtRules', i];
      if (issuers.has(rule.issuer)) {
        raReport([...at, 'issuer'], `issuer ${rule.issuer} has more than one jwtRule`, 'keep one rule per issuer; list all its audiences there');
        return;
      }
      if (rule.jwks !== undefined) {
        try {
          parseJwks(rule.jwks, 'jwks');
        } catch (e) {
          raReport([...at, 'jwks'], `jwks is not a JSON Web Key Set: ${(e as Error).message}`, 'an inline JSON string: {"keys": [...]}');
          return;
        }
      } else if (rule.jwksUri !== undefined && !URL.canParse(rule.jwksUri)) {
        raReport([...at, 'jwksUri'], `jwksUri "${rule.jwksUri}" is not a URL`, 'e.g. https://idp.example.com/.well-known/jwks.json');
        return;
      } else if (rule.jwksUri === undefined && !/^https?:\/\//.test(rule.issuer)) {
        raReport([...at, 'issuer'], `issuer "${rule.issuer}" is not a URL, so its keys cannot be discovered`, 'set jwksUri or jwks');
        return;
      }
      issuers.add(rule.issuer);
      rules.push(rule);
    });
  }

  const jwtSpec = spec?.jwt;
  const algorithms = new Map<string, string[]>();
  jwtSpec?.issuers.forEach((entry, i) => {
    if (!issuers.has(entry.issuer)) {
      report(['identity', 'jwt', 'issuers', i, 'issuer'], `no RequestAuthentication jwtRule has issuer ${entry.issuer}`,
        issuers.size ? `known issuers: ${[...issuers].join(', ')}` : 'add a RequestAuthentication document for it');
    }
    algorithms.set(entry.issuer, entry.algorithms);
  });
  let clockSkewS = jwtSpec ? durationMs(jwtSpec.clockSkew) / 1000 : 60;
  if (clockSkewS > MAX_CLOCK_SKEW_S) {
    report(['identity', 'jwt', 'clockSkew'], `clock skew ${jwtSpec!.clockSkew} is more than ${MAX_CLOCK_SKEW_S}s`, 'a few seconds to a minute is usual; fix the clocks instead');
    clockSkewS = MAX_CLOCK_SKEW_S;
  }

  const loaded = loadApiKeys(config);
  const apiKeys = new ApiKeys(loaded.keys);
  const apiKeyFile = loaded.file && new ApiKeyFile(loaded.file, loaded.inline, apiKeys);
  const jwt = new JwtAuthenticator(rules, {
    maxTokenBytes: jwtSpec?.maxTokenBytes ?? 8192,
    cacheSize: jwtSpec?.cacheSize ?? 10_000,
    algorithms,
    defaultAlgorithms: [...JWT_ALGORITHMS],
    clockSkewS,
    refreshMs: jwtSpec ? durationMs(jwtSpec.jwksRefreshInterval) : 600_000,
    minRefetchMs: jwtSpec ? durationMs(jwtSpec.jwksMinRefetchInterval) : 30_000,
    // Asked per request: the key file can gain its first key (or lose its last) at run time.
    skipBearer: (value) => apiKeys.enabled && isApiKeyShaped(value),
  }, keep);

  const trustedProxies = new TrustedProxies(spec?.trustedProxies ?? [], (i, message, hint) =>
    report(['identity', 'trustedProxies', i, 'address'], message, hint));

  let tokens: WardenTokens | undefined;
  const keyFile = spec?.tokens.signingKeyFile;
  const issuer = spec?.tokens.issuer ?? 'warden';
  if (keyFile) {
    try {
      const pem = readFileSync(config.path(keyFile), 'utf8');
      const make = () => new WardenTokens(issuer, pem);
      tokens = keep ? keep('warden-tokens', { issuer, pem: createHash('sha256').update(pem).digest('hex') }, make, () => {}) : make();
    } catch (e) {
      report(['identity', 'tokens', 'signingKeyFile'], `cannot use signing key ${keyFile}: ${(e as Error).message}`, 'a PEM private key: EC P-256, RSA or Ed25519');
    }
  }
  // A generated key is kept across reloads: tokens signed a moment ago must still verify against the JWKS served.
  tokens ??= keep ? keep('warden-tokens', { issuer }, () => new WardenTokens(issuer), () => {}) : new WardenTokens(issuer);

  return new Identifier({ jwt, apiKeys, apiKeyFile, trustedProxies, groupsClaim: jwtSpec?.groupsClaim ?? 'groups', tokens });
}

/** Inline keys plus the key file's; names and hashes must be unique across both. The file is kept, to be watched. */
function loadApiKeys(config: LoadedConfig): { keys: ApiKeySpec[]; inline: ApiKeySpec[]; file?: WatchedFile } {
  const gw = config.gateway;
  const spec = gw?.value.identity.apiKeys;
  if (!spec) return { keys: [], inline: [] };
  const keys = [...spec.keys];
  let file: WatchedFile | undefined;
  if (spec.file) {
    const at = ['identity', 'apiKeys', 'file'];
    try {
      file = new WatchedFile(config.path(spec.file));
      const parsed = parseApiKeyFile(file.content, spec.file);
      if ('keys' in parsed) keys.push(...parsed.keys);
      else for (const p of parsed.problems) gw.report(at, p.message, p.hint);
    } catch (e) {
      gw.report(at, `cannot read API key file ${spec.file}: ${(e as Error).message}`, 'a YAML or JSON file: {keys: [{name, sha256, groups}]}');
    }
  }
  for (const name of duplicateKeys(keys)) {
    gw.report(['identity', 'apiKeys'], `API key "${name}" is defined twice (same name or same hash)`, 'each key needs its own name and its own secret');
  }
  return { keys, inline: spec.keys, file };
}
