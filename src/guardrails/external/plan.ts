// Which external guardrails check one request: Model Armor's templates and the
// HTTP services, chosen like the actions (the base in spec.guardrails, the
// route's `guardrails`, then every matching rule in file order, each layer
// replacing what it names), and what happens when one cannot answer.
import type { Reporter } from '../../config/load.js';
import type { GuardFailure, GuardrailsSpec, ModelArmorTemplates, RouteSpec } from '../../config/schema.js';
import { ruleMatches, type RequestScope } from '../actions.js';

export interface ExternalPlan {
  promptTemplate?: string;
  responseTemplate?: string;
  /** Names of the services that check this request. */
  services: string[];
  /** Over each guard's own `failure`. */
  failure?: GuardFailure;
}

interface Layer {
  modelArmor?: ModelArmorTemplates;
  services?: string[];
  failure?: GuardFailure;
}

type RuleSpec = GuardrailsSpec['rules'][number];

export class ExternalResolver {
  private readonly routes = new Map<string, Layer>();

  constructor(
    private readonly spec: Pick<GuardrailsSpec, 'modelArmor' | 'services' | 'rules'>,
    routeSpecs: readonly Pick<RouteSpec, 'name' | 'guardrails'>[],
    report: Reporter,
  ) {
    const known = new Set(spec.services.map((s) => s.name));
    const check = (layer: Layer | undefined, path: (string | number)[]) => {
      layer?.services?.forEach((n, i) => {
        if (!known.has(n)) report([...path, 'services', i], `unknown guardrail service "${n}"`, `spec.guardrails.services: ${[...known].join(', ') || '(none)'}`);
      });
      if (layer?.modelArmor && !spec.modelArmor) report([...path, 'modelArmor'], 'Model Armor templates without spec.guardrails.modelArmor', 'configure guardrails.modelArmor (credential, location)');
    };
    routeSpecs.forEach((r, i) => {
      if (!r.guardrails) return;
      this.routes.set(r.name, r.guardrails);
      check(r.guardrails, ['routes', i, 'guardrails']);
    });
    spec.rules.forEach((r, i) => check(r, ['guardrails', 'rules', i]));
  }

  /** Nothing external is configured at all. */
  get none(): boolean {
    return !this.spec.modelArmor && this.spec.services.length === 0;
  }

  resolve(scope: RequestScope): ExternalPlan {
    const base = this.spec.modelArmor;
    const plan: ExternalPlan = { promptTemplate: base?.off ? undefined : base?.promptTemplate, responseTemplate: base?.off ? undefined : base?.responseTemplate, services: this.spec.services.map((s) => s.name) };
    const apply = (l: Layer | undefined) => {
      if (!l) return;
      if (l.modelArmor?.off) {
        plan.promptTemplate = undefined;
        plan.responseTemplate = undefined;
      } else {
        if (l.modelArmor?.promptTemplate) plan.promptTemplate = l.modelArmor.promptTemplate;
        if (l.modelArmor?.responseTemplate) plan.responseTemplate = l.modelArmor.responseTemplate;
      }
      if (l.services) plan.services = [...l.services];
      if (l.failure) plan.failure = l.failure;
    };
    apply(this.routes.get(scope.route));
    for (const r of this.spec.rules as RuleSpec[]) if (ruleMatches(r.match, scope)) apply(r);
    return plan;
  }
}
