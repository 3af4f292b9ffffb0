// The GCE/GKE metadata server, enough for google-auth-library's Compute
// client and gcp-metadata (point GCE_METADATA_HOST at the emulator). They
// ping `/computeMetadata/v1/instance`, read
// `instance/service-accounts/<acct>/token?scopes=…`, `…/email`,
// `…/identity?audience=…`, `project/project-id` and `universe/universe-domain`,
// and refuse any answer that lacks `Metadata-Flavor: Google`.

import type { IncomingMessage, ServerResponse } from 'node:http';
import { mintIssuerJwt } from './oidc.js';
import { CLOUD_PLATFORM_SCOPE, type EmulatorState } from './state.js';

const FLAVOR = { 'metadata-flavor': 'Google', server: 'Metadata Server for VM' };

type Tree = { [k: string]: Tree | string | number | string[] };

function tree(state: EmulatorState): Tree {
  const account = { aliases: ['default'], email: state.serviceAccountEmail, scopes: [CLOUD_PLATFORM_SCOPE] };
  return {
    instance: {
      attributes: {},
      hostname: `warden-emulator.c.${state.projectId}.internal`,
      id: 4520031799277581,
      zone: `projects/${state.projectNumber}/zones/us-central1-a`,
      'service-accounts': { default: { ...account }, [state.serviceAccountEmail]: { ...account } },
    },
    project: { attributes: {}, 'numeric-project-id': Number(state.projectNumber), 'project-id': state.projectId },
    universe: { 'universe-domain': 'googleapis.com' },
  };
}

// Recursive JSON answers use camelCase keys (`projectId`), the text tree uses hyphens.
function camel(node: Tree | string | number | string[]): unknown {
  if (typeof node !== 'object' || Array.isArray(node)) return node;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(node)) {
    // Only key names are camelCased; data used as keys (account emails) is kept.
    const key = /^[a-z0-9-]+$/.test(k) ? k.replace(/-([a-z])/g, (_, c: string) => c.toUpperCase()) : k;
    out[key] = camel(v);
  }
  return out;
}

function send(res: ServerResponse, status: number, body: string, json = false): void {
  res.writeHead(status, {
    ...FLAVOR,
    'content-type': json ? 'application/json' : 'application/text',
    'content-length': Buffer.byteLength(body),
  });
  res.end(body);
}

export function isMetadataPath(path: string): boolean {
  return path === '/' || path === '/computeMetadata' || path.startsWith('/computeMetadata/');
}

export async function handleMetadata(state: EmulatorState, req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
  if (req.headers['metadata-flavor'] !== 'Google') {
    send(res, 403, 'Missing required header "Metadata-Flavor": "Google"\n');
    return;
  }
  if (req.method !== 'GET') {
    send(res, 405, 'Method Not Allowed\n');
    return;
  }
  const path = url.pathname;
  if (path === '/' || path === '/computeMetadata' || path === '/computeMetadata/') {
    send(res, 200, 'computeMetadata/\n');
    return;
  }
  if (!path.startsWith('/computeMetadata/v1')) {
    send(res, 404, 'Not Found\n');
    return;
  }
  const segs = path
    .slice('/computeMetadata/v1'.length)
    .split('/')
    .filter(Boolean)
    .map((s) => decodeURIComponent(s));

  // Dynamic leaves: instance/service-accounts/<acct>/{token,identity}.
  if (segs.length === 4 && segs[0] === 'instance' && segs[1] === 'service-accounts' && (segs[3] === 'token' || segs[3] === 'identity')) {
    const acct = segs[2]!;
    if (acct !== 'default' && acct !== state.serviceAccountEmail) {
      send(res, 404, 'Not Found\n');
      return;
    }
    if (state.control.tokenEndpointsDown) {
      send(res, 503, 'Service Unavailable (failure injection)\n');
      return;
    }
    if (segs[3] === 'token') {
      const scopesParam = url.searchParams.get('scopes');
      const scopes = scopesParam ? scopesParam.split(',').map((s) => s.trim()).filter(Boolean) : [CLOUD_PLATFORM_SCOPE];
      const info = state.tokens.mint(state.serviceAccountEmail, scopes, 'metadata', state.ttlSeconds);
      send(res, 200, JSON.stringify({ access_token: info.token, expires_in: state.ttlSeconds, token_type: 'Bearer' }), true);
      return;
    }
    const audience = url.searchParams.get('audience');
    if (!audience) {
      send(res, 400, 'non-empty audience parameter required\n');
      return;
    }
    const idToken = await mintIssuerJwt(state, {
      sub: state.serviceAccountEmail,
      aud: audience,
      claims: { email: state.serviceAccountEmail, email_verified: true, azp: state.serviceAccountEmail },
    });
    send(res, 200, idToken);
    return;
  }

  let node: Tree | string | number | string[] = tree(state);
  for (const s of segs) {
    if (typeof node !== 'object' || Array.isArray(node) || !(s in node)) {
      send(res, 404, 'Not Found\n');
      return;
    }
    node = node[s]!;
  }
  const recursive = url.searchParams.get('recursive') === 'true';
  const altJson = url.searchParams.get('alt') === 'json';
  if (typeof node === 'object' && !Array.isArray(node)) {
    if (recursive || altJson) {
      send(res, 200, JSON.stringify(recursive ? camel(node) : Object.keys(node)), true);
      return;
    }
    const listing = Object.entries(node)
      .map(([k, v]) => (typeof v === 'object' && !Array.isArray(v) ? `${k}/` : k))
      .join('\n');
    send(res, 200, listing ? `${listing}\n` : '');
    return;
  }
  if (altJson) {
    send(res, 200, JSON.stringify(node), true);
    return;
  }
  send(res, 200, Array.isArray(node) ? `${node.join('\n')}\n` : String(node));
}
