// One node:http server for every emulated Google endpoint; this file only
// routes. Each path family answers errors in its own dialect.

import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { BodyTooLargeError, MAX_BODY_BYTES, sendJson, sendRpcError, sendText } from './http.js';
import { GENERATE_ACCESS_TOKEN, handleGenerateAccessToken } from './iam.js';
import { handleMetadata, isMetadataPath } from './metadata.js';
import { handleModelArmor, SANITIZE_PATH } from './model-armor.js';
import { handleToken, handleTokenInfo } from './oauth.js';
import { discoveryDocument, handleJwks, handleOidcToken } from './oidc.js';
import { handleAuthorize } from './oidc-login.js';
import type { EmulatorState } from './state.js';
import { handleSts } from './sts.js';
import { handleVertex, isVertexPath } from './vertex.js';

function methodNotAllowed(res: ServerResponse, allowed: string): void {
  sendJson(res, 405, { error: { code: 405, message: `method not allowed; use ${allowed}`, status: 'METHOD_NOT_ALLOWED' } }, { allow: allowed });
}

function notFound(res: ServerResponse, path: string): void {
  sendJson(res, 404, { error: { code: 404, message: `no emulated endpoint at ${path}`, status: 'NOT_FOUND' } });
}

/** IAM Credentials lives at /iam/v1/…; the bare /v1/… form (host swapped, path kept) works too. */
function iamEmail(path: string): string | undefined {
  let decoded: string;
  try {
    decoded = decodeURIComponent(path);
  } catch {
    return undefined;
  }
  const rest = decoded.startsWith('/iam/v1/') ? decoded.slice('/iam/v1/'.length) : decoded.startsWith('/v1/') ? decoded.slice('/v1/'.length) : undefined;
  if (rest === undefined) return undefined;
  return GENERATE_ACCESS_TOKEN.exec(rest)?.[1];
}

async function route(state: EmulatorState, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const url = new URL(req.url ?? '/', 'http://emulator.invalid');
  const path = url.pathname;
  const method = req.method ?? 'GET';

  if (path === '/healthz') {
    req.resume();
    sendText(res, 200, 'ok');
    return;
  }
  if (path === '/token') {
    if (method !== 'POST') return methodNotAllowed(res, 'POST');
    return handleToken(state, req, res);
  }
  if (path === '/tokeninfo' || path === '/oauth2/v3/tokeninfo' || path === '/oauth2/v1/tokeninfo') {
    req.resume();
    return handleTokenInfo(state, url, res);
  }
  if (path === '/sts/v1/token' || path === '/v1/token') {
    if (method !== 'POST') return methodNotAllowed(res, 'POST');
    return handleSts(state, req, res);
  }
  const email = iamEmail(path);
  if (email !== undefined) {
    if (method !== 'POST') return methodNotAllowed(res, 'POST');
    return handleGenerateAccessToken(state, email, req, res);
  }
  if (path.startsWith('/oidc/') || path === '/oidc') {
    const sub = path.slice('/oidc'.length);
    if (sub === '/.well-known/openid-configuration' || sub === '/.well-known/oauth-authorization-server') {
      req.resume();
      if (method !== 'GET') return methodNotAllowed(res, 'GET');
      return sendJson(res, 200, discoveryDocument(state));
    }
    if (sub === '/jwks') {
      req.resume();
      if (method !== 'GET') return methodNotAllowed(res, 'GET');
      return handleJwks(state, res);
    }
    if (sub === '/token') {
      if (method !== 'POST') return methodNotAllowed(res, 'POST');
      return handleOidcToken(state, req, res);
    }
    if (sub === '/authorize') {
      if (method !== 'GET' && method !== 'POST') return methodNotAllowed(res, 'GET, POST');
      return handleAuthorize(state, req, res, url);
    }
    req.resume();
    return notFound(res, path);
  }
  if (isMetadataPath(path)) {
    req.resume();
    return handleMetadata(state, req, res, url);
  }
  const armor = SANITIZE_PATH.exec(path);
  if (armor) return handleModelArmor(state, req, res, armor);
  if (isVertexPath(path)) return handleVertex(state, req, res, url);
  req.resume();
  notFound(res, path);
}

export function createEmulatorServer(state: EmulatorState): Server {
  const server = createServer({ keepAliveTimeout: 5000 }, (req, res) => {
    route(state, req, res).catch((e: unknown) => {
      if (res.headersSent) {
        res.destroy(e instanceof Error ? e : undefined);
        return;
      }
      if (e instanceof BodyTooLargeError) {
        // Stop reading the oversized body: close the connection after answering.
        const message = `Request body exceeds ${MAX_BODY_BYTES} bytes.`;
        sendJson(res, 413, { error: { code: 413, message, status: 'INVALID_ARGUMENT' } }, { connection: 'close' });
        return;
      }
      sendRpcError(res, 'INTERNAL', `emulator error: ${e instanceof Error ? e.message : String(e)}`);
    });
  });
  return server;
}
