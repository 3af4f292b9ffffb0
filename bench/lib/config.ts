// The Warden configs the benches run: one vertex route to the stub upstream.

/**
 * A Gateway on loopback with one vertex route to `upstream`; `credential` is
 * the body of the route's credential (`bearer: {file: …}`, `google: {file: …}`),
 * `spec` more lines under spec (indented two spaces), `docs` more YAML
 * documents after it.
 */
export function benchConfig(o: { name: string; port?: number; adminPort?: number; upstream: string; credential?: string; spec?: string; docs?: string }): string {
  const credential = o.credential ? `, credential: upstream}]\n  credentials: [{name: upstream, ${o.credential}}]` : '}]';
  return `apiVersion: warden.dev/v1alpha1
kind: Gateway
metadata: {name: ${o.name}}
spec:
  listen: {host: 127.0.0.1, port: ${o.port ?? 0}}
  admin: {host: 127.0.0.1, port: ${o.adminPort ?? 0}}
  routes: [{name: vertex, provider: vertex, upstream: "${o.upstream}"${credential}
${o.spec ?? ''}${o.docs ? `---\n${o.docs}` : ''}`;
}

export const GENERATE_PATH = '/v1/projects/bench/locations/us-central1/publishers/google/models/gemini-2.0-flash:generateContent';
export const PROMPT_BODY = JSON.stringify({ contents: [{ role: 'user', parts: [{ text: 'Hello, Warden' }] }] });
