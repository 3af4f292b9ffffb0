// The stages every request passes before it may leave, whichever way it
// arrived (the proxy listener or Envoy's ext_authz):
//   identify → classify → authorize → guard(request) → credential
// Each stage's result lands on the Exchange. The outcome says what the
// upstream request must carry; a refusal is thrown as a WardenError.
import { WardenError } from '../errors.js';
import { guardRequest } from '../guardrails/request.js';
import type { Credentials } from '../credentials/index.js';
import type { Identifier } from '../identity/identify.js';
import type { Authorizer } from '../policy/evaluate.js';
import type { RequestBody } from './body.js';
import type { Exchange } from './exchange.js';
import type { Route } from './route.js';

export interface AdmissionParts {
  identifier: Identifier;
  authorizer: Authorizer;
  credentials: Credentials;
}

export interface Admission {
  /** `Authorization` for the upstream, when the route names a credential. */
  authorization?: string;
  /** Request headers that carried the caller's credentials; never forwarded. */
  removeHeaders: string[];
}

export async function admit(parts: AdmissionParts, ex: Exchange, route: Route, body: RequestBody): Promise<Admission> {
  const info = ex.req;
  const identity = await parts.identifier.identify(info);
  ex.principal = identity.principal;

  const target = route.provider.classify(info.method, info.path, info.query, body.json);
  ex.target = target;

  const decision = parts.authorizer.authorize({ req: info, principal: identity.principal, target });
  ex.decision = decision;
  if (decision.action === 'deny') {
    throw new WardenError('PERMISSION_DENIED', 'POLICY_DENIED', 'permission denied by policy');
  }

  guardRequest(target, body);

  const admission: Admission = { removeHeaders: identity.consumedHeaders };
  if (route.spec.credential) {
    ex.credential = route.spec.credential;
    admission.authorization = await parts.credentials.authorization(route.spec.credential);
  }
  return admission;
}
