// SPIFFE IDs as Istio reads them: `spiffe://TD/ns/NS/sa/SA` is the source
// principal `TD/ns/NS/sa/SA`, with namespace NS, service account SA and
// trust domain TD. Other SPIFFE paths are principals without namespace.

export interface SpiffeIdentity {
  /** Without `spiffe://`: Istio's `source.principal`. */
  principal: string;
  trustDomain: string;
  namespace?: string;
  serviceAccount?: string;
}

// SPIFFE spec: trust domain is lower-case letters, digits, '.', '-', '_'; path segments are non-empty.
const SPIFFE_ID = /^spiffe:\/\/([a-z0-9._-]+)((?:\/[A-Za-z0-9._~!$&'()*+,;=:@%-]+)*)$/;
const ISTIO_PATH = /^\/ns\/([^/]+)\/sa\/([^/]+)$/;

export function parseSpiffeId(uri: string): SpiffeIdentity | undefined {
  const m = SPIFFE_ID.exec(uri);
  if (!m) return undefined;
  const istio = ISTIO_PATH.exec(m[2]);
  return {
    principal: uri.slice('spiffe://'.length),
    trustDomain: m[1],
    namespace: istio?.[1],
    serviceAccount: istio?.[2],
  };
}

/** The first SPIFFE ID among a certificate's URI SANs. */
export function spiffeOf(uris: readonly string[] | undefined): SpiffeIdentity | undefined {
  for (const uri of uris ?? []) {
    const id = parseSpiffeId(uri);
    if (id) return id;
  }
  return undefined;
}
