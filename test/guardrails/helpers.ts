import type { GuardrailsSpec } from '../../src/config/schema.js';
import { Guardrails, type GuardSession } from '../../src/guardrails/guard.js';

export function guardrails(spec: Partial<GuardrailsSpec> = {}): Guardrails {
  const problems: string[] = [];
  const g = new Guardrails(
    { request: {}, response: {}, rules: [], detectors: [], injection: { threshold: 0.5 }, streamWindow: 64, ...spec },
    [{ name: 'r' } as never],
    (path, msg) => problems.push(`${path.join('.')}: ${msg}`),
  );
  if (problems.length) throw new Error(problems.join('\n'));
  return g;
}

export function session(spec: Partial<GuardrailsSpec> = {}, groups: string[] = []): GuardSession {
  return guardrails(spec).session({ route: 'r', principal: { groups, methods: [] } });
}
