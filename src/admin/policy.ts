// Who may do what on the admin port: Istio AuthorizationPolicy documents, as
// on the data path, over the admin API's paths and methods and the caller's
// identity (a signed-in person's ID token claims, or the admin token). The
// admin port is a workload of its own: a policy applies to it only when its
// selector names it (`warden.dev/listener: admin`), and routes' policies do
// not. Without any such policy, the documented default below applies.
import type { LoadedConfig } from '../config/load.js';
import type { AdminAuthSpec, AuthorizationPolicyDoc } from '../config/schema.js';
import { compilePolicies } from '../policy/compile.js';
import { Authorizer } from '../policy/evaluate.js';
import type { Decision, Principal, RequestInfo, Target } from '../types.js';

export const LISTENER_LABEL = 'warden.dev/listener';
/** The principal of a request with the admin token (`spec.admin.auth.tokenFile`): issuer `warden`, subject `admin-token`. */
export const ADMIN_TOKEN_PRINCIPAL = 'warden/admin-token';
export const DEFAULT_POLICY_NAME = 'warden-admin-default';

/** What readers may GET in the default policy: traffic, audit (and its verification status), usage, health, metrics, the version. */
export const READER_PATHS = ['/api/traffic', '/api/traffic/*', '/api/audit', '/api/audit/*', '/api/usage', '/api/usage/*', '/api/health', '/metrics', '/version'];

/** The one pseudo-route policies are scoped to. */
const ROUTE = 'admin';
/** What the admin API is to the policy stage (model keys stay unset). */
const TARGET: Target = { provider: 'http', operation: 'admin', operationClass: 'admin', stream: false };

export function selectsAdmin(doc: AuthorizationPolicyDoc): boolean {
  return doc.spec.selector?.matchLabels?.[LISTENER_LABEL] === 'admin';
}

/** The default policy as a document (docs/console.md prints the same). */
export function defaultAdminPolicy(auth: Pick<AdminAuthSpec, 'adminGroups' | 'readerGroups'> & { groupsClaim: string }): AuthorizationPolicyDoc {
  const groups = `request.auth.claims[${auth.groupsClaim}]`;
  return {
    apiVersion: 'security.istio.io/v1',
    kind: 'AuthorizationPolicy',
    metadata: { name: DEFAULT_POLICY_NAME },
    spec: {
      selector: { matchLabels: { [LISTENER_LABEL]: 'admin' } },
      action: 'ALLOW',
      rules: [
        // The admin token: scripts and CI may do everything.
        { from: [{ source: { requestPrincipals: [ADMIN_TOKEN_PRINCIPAL] } }] },
        // Admins: everything, explaining requests and credential details included.
        { when: [{ key: groups, values: auth.adminGroups }] },
        // Readers: traffic, audit, usage and health, read only.
        { to: [{ operation: { methods: ['GET', 'HEAD'], paths: READER_PATHS } }], when: [{ key: groups, values: auth.readerGroups }] },
      ],
    },
  };
}

export class AdminAccess {
  private constructor(private readonly authorizer: Authorizer, readonly policies: string[], readonly isDefault: boolean) {}

  /** The admin port's policies from the config (problems were reported when the data path compiled them), or the default. */
  static fromConfig(config: LoadedConfig): AdminAccess {
    const spec = config.gateway.value;
    const auth = spec.admin.auth;
    const configured = config.authorizationPolicies.filter((p) => selectsAdmin(p.value));
    const docs = configured.length
      ? configured.map((p) => ({ value: p.value, report: () => {} }))
      : [{ value: defaultAdminPolicy({ adminGroups: auth?.adminGroups ?? ['warden-admins'], readerGroups: auth?.readerGroups ?? ['warden-readers'], groupsClaim: auth?.oidc?.groupsClaim ?? 'groups' }), report: () => {} }];
    const meta = config.gatewayMetadata;
    const policies = compilePolicies(docs, {
      workload: {
        name: meta.name,
        namespace: meta.namespace,
        labels: meta.labels ?? {},
        rootNamespace: spec.policy.rootNamespace,
        routes: [{ name: ROUTE, labels: { [LISTENER_LABEL]: 'admin' } }],
      },
      spaceDelimitedClaims: new Map(),
    });
    return new AdminAccess(new Authorizer(policies, spec.policy, [ROUTE]), policies.map((p) => p.name), !configured.length);
  }

  authorize(req: RequestInfo, principal: Principal): Decision {
    return this.authorizer.authorize({ req, principal, target: TARGET, route: ROUTE });
  }
}
