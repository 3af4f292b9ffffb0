// Every endpoint the emulator serves, with the URL a Warden config (or a
// client) should use for it: `warden emulator --help` and its start lines.
import { OIDC_CLIENT_ID, OIDC_CLIENT_SECRET } from './state.js';

/** Lines naming each endpoint and where it goes in a config; `url` is the emulator's `http://HOST:PORT`. */
export function endpointLines(url: string): string[] {
  const host = new URL(url).host;
  return [
    `Vertex AI REST          ${url}/v1/projects/{p}/locations/{l}/publishers/google/models/{m}:generateContent`,
    `                        (also :streamGenerateContent, :countTokens, :predict, …; customJobs, tuningJobs, pipelineJobs;`,
    `                        endpoints/openapi/chat/completions)   config: routes[].upstream: ${url}, provider: vertex`,
    `OpenAI-compatible       ${url}/v1/chat/completions`,
    `                        config: routes[].upstream: ${url}, provider: openai; a client's base URL: ${url}/v1`,
    `OAuth2 token            ${url}/token   (JWT-bearer grant for service-account keys: the key file's token_uri;`,
    `                        --write-credentials writes service-account.json with it); ${url}/tokeninfo`,
    `STS token exchange      ${url}/sts/v1/token   (Workload Identity Federation: external-account.json's token_url)`,
    `IAM Credentials         ${url}/iam/v1/projects/-/serviceAccounts/{email}:generateAccessToken`,
    `                        config: credentials[].google.iamEndpoint: ${url}/iam (for impersonate)`,
    `GCE metadata server     ${url}/computeMetadata/v1/…   config: credentials[].google: {metadata: true},`,
    `                        with GCE_METADATA_HOST=${host} in Warden's environment`,
    `dev OIDC issuer         ${url}/oidc   config: RequestAuthentication jwtRules[].issuer: ${url}/oidc,`,
    `                        jwksUri: ${url}/oidc/jwks; discovery ${url}/oidc/.well-known/openid-configuration;`,
    `                        tokens: POST ${url}/oidc/token (client_credentials, client ${OIDC_CLIENT_ID} / ${OIDC_CLIENT_SECRET}),`,
    `                        or \`warden token --issuer ${url}/oidc\``,
    `health                  ${url}/healthz`,
  ];
}
