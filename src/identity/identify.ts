// The identify stage: every way a caller can prove who it is, merged into one
// Principal. A credential that is present but invalid fails the request (401);
// an absent one simply contributes nothing, and policy decides.
import type { RequestAuthenticationDoc } from '../config/schema.js';
import type { Principal, RequestInfo } from '../types.js';
import { JwtAuthenticator } from './jwt.js';

export interface Identity {
  principal: Principal;
  /** Request headers that carried a credential and must not be forwarded. */
  consumedHeaders: string[];
}

export class Identifier {
  private readonly jwt: JwtAuthenticator;

  constructor(requestAuthentications: RequestAuthenticationDoc[]) {
    this.jwt = new JwtAuthenticator(requestAuthentications.flatMap((ra) => ra.spec.jwtRules));
  }

  async identify(req: RequestInfo): Promise<Identity> {
    const principal: Principal = { groups: [], methods: [] };
    const consumedHeaders: string[] = [];
    const jwt = this.jwt.enabled ? await this.jwt.authenticate(req) : undefined;
    if (jwt) {
      const c = jwt.claims;
      principal.requestPrincipal = `${jwt.issuer}/${jwt.subject}`;
      principal.issuer = jwt.issuer;
      principal.subject = jwt.subject;
      principal.audiences = c.aud === undefined ? [] : Array.isArray(c.aud) ? c.aud : [c.aud];
      if (typeof c.azp === 'string') principal.presenter = c.azp;
      principal.claims = c;
      principal.groups = groupsOf(c.groups);
      principal.methods.push('jwt');
      principal.token = jwt.token;
      if (jwt.from.header) consumedHeaders.push(jwt.from.header);
    }
    return { principal, consumedHeaders };
  }
}

function groupsOf(v: unknown): string[] {
  if (Array.isArray(v)) return v.filter((g): g is string => typeof g === 'string');
  if (typeof v === 'string') return v.split(/[\s,]+/).filter(Boolean);
  return [];
}
