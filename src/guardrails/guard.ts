// Guardrails compiled from config, and the per-request session that applies
// them: guard(request) scans the prompt's text fields, records findings,
// redacts or refuses, and asks the external guardrails (Model Armor, HTTP
// services) chosen for the request; guard(response) rewrites the answer
// (see response.ts) and hands its text to the external guardrails.
import { isSupportedCountry } from 'libphonenumber-js/max';
import { Counter, type Registry } from 'prom-client';
import type { Reporter } from '../config/load.js';
import type { GuardrailsSpec, RouteSpec } from '../config/schema.js';
import { WardenError } from '../errors.js';
import { registered } from '../telemetry/metrics.js';
import { BUFFER_LIMIT } from '../admission/body.js';
import { wardenCode } from '../mcp/jsonrpc.js';
import type { Target } from '../types.js';
import { ActionResolver, type Action, type ActionTable, type Direction, type RequestScope } from './actions.js';
import { customDetector } from './detectors/custom.js';
import { heuristicClassifier, type InjectionClassifier } from './detectors/injection.js';
import { piiDetectors } from './detectors/pii.js';
import { secretDetectors } from './detectors/secrets.js';
import type { Category, Detector, Match } from './detectors/types.js';
import { GuardrailService } from './external/http-service.js';
import { MODEL_ARMOR_TYPES, ModelArmor, type TokenFor } from './external/model-armor.js';
import { ExternalResolver, type ExternalPlan } from './external/plan.js';
import type { ExternalVerdict } from './external/types.js';
import { Findings } from './findings.js';
import { HeldText } from './held-text.js';
import { applyRedactions, Placeholders, type Edit } from './redactor.js';
import { Scanner } from './scanner.js';
import { requestTextFields, type TextField } from './text-fields.js';

/** Most text held back in one stream channel (a long unterminated token or key block). */
const HOLD_CAP = 16 * 1024;
/** Most answer text kept for external guardrails that read answers. */
const ANSWER_CAP = 1024 * 1024;

export class Guardrails {
  readonly scanner: Scanner;
  readonly streamWindow: number;
  /** Request bodies up to this size are read whole and scanned. */
  readonly maxScanBytes: number;
  /** What happens to a larger body when the request's guardrails redact or block. */
  readonly oversize: 'block' | 'flag';
  private readonly resolver: ActionResolver;
  /** injection.threshold: a classifier score at or above it is a finding. */
  readonly injectionThreshold: number;

  readonly classifier: InjectionClassifier;
  /** Google Model Armor (spec.guardrails.modelArmor), when configured. */
  readonly modelArmor?: ModelArmor;
  readonly services = new Map<string, GuardrailService>();
  private readonly external: ExternalResolver;

  constructor(
    spec: Omit<GuardrailsSpec, 'maxScanBytes' | 'oversize' | 'phone' | 'services'> & Partial<Pick<GuardrailsSpec, 'maxScanBytes' | 'oversize' | 'phone' | 'services'>>,
    routes: readonly RouteSpec[],
    report: Reporter,
    opts: { classifier?: InjectionClassifier; token?: TokenFor; credentials?: ReadonlySet<string> } = {},
  ) {
    this.classifier = opts.classifier ?? heuristicClassifier;
    const custom: Detector[] = [];
    spec.detectors.forEach((d, i) => {
      try {
        custom.push(customDetector(d));
      } catch (e) {
        report(['guardrails', 'detectors', i, 'pattern'], `not a regular expression: ${(e as Error).message}`, 'JavaScript RegExp syntax, without slashes or flags');
      }
    });
    const regions = spec.phone?.regions;
    regions?.forEach((r, i) => {
      if (!isSupportedCountry(r)) report(['guardrails', 'phone', 'regions', i], `no phone numbering plan for region "${r}"`, 'an ISO 3166 alpha-2 code with a numbering plan, such as GB, DE, JP');
    });
    const detectors = [...piiDetectors(regions?.filter((r) => isSupportedCountry(r))), ...secretDetectors, ...custom];
    this.scanner = new Scanner(detectors);
    this.streamWindow = spec.streamWindow;
    this.maxScanBytes = spec.maxScanBytes ?? 8 * 1024 * 1024;
    this.oversize = spec.oversize ?? 'block';
    this.injectionThreshold = spec.injection.threshold;
    const services = spec.services ?? [];
    for (const sv of services) this.services.set(sv.name, new GuardrailService(sv));
    if (spec.modelArmor) {
      if (opts.credentials && !opts.credentials.has(spec.modelArmor.credential)) {
        report(['guardrails', 'modelArmor', 'credential'], `unknown credential "${spec.modelArmor.credential}"`, `one of spec.credentials: ${[...opts.credentials].join(', ') || '(none)'}`);
      }
      this.modelArmor = new ModelArmor(spec.modelArmor, opts.token ?? (() => Promise.reject(new Error('no credentials to call Model Armor with'))));
    }
    this.external = new ExternalResolver({ modelArmor: spec.modelArmor, services, rules: spec.rules }, routes, report);
    const types = new Set([...detectors.map((d) => d.type), 'PROMPT_INJECTION', ...MODEL_ARMOR_TYPES, ...[...this.services.values()].map((sv) => sv.type)]);
    this.resolver = new ActionResolver(spec, routes, types, report);
  }

  /** How much of a request body the proxy reads whole on `route`: enough to scan it, on routes whose bodies Warden can read. */
  bufferLimit(route: Pick<RouteSpec, 'provider'>): number {
    return route.provider === 'http' ? BUFFER_LIMIT : Math.max(BUFFER_LIMIT, this.maxScanBytes);
  }

  /**
   * `requestId`: named in a JSON-RPC error that replaces a blocked MCP answer; `dryRun`: `warden
   * explain`'s, whose findings count in no metric.
   */
  session(scope: RequestScope, how: { requestId?: string; dryRun?: boolean } = {}): GuardSession {
    const plan = this.external.none ? undefined : this.external.resolve(scope);
    return new GuardSession(this, this.resolver.resolve(scope), this.injectionThreshold, scope.route, plan, how.requestId, how.dryRun);
  }

  private findingsCounter?: Counter<'type' | 'direction' | 'action'>;

  /** Count findings in `warden_guardrail_findings_total` (once the gateway has a registry). */
  registerMetrics(registry: Registry): void {
    this.findingsCounter = registered(registry, 'warden_guardrail_findings_total', (name) => new Counter({
      name,
      help: 'Guardrail findings by type, direction and the action taken',
      labelNames: ['type', 'direction', 'action'],
      registers: [registry],
    }));
  }

  /** @internal one finding, for metrics */
  counted(type: string, direction: Direction, action: Action): void {
    this.findingsCounter?.inc({ type, direction, action });
  }
}

interface AnswerCheck {
  name: string;
  failure: 'open' | 'closed';
  run: (texts: string[]) => Promise<ExternalVerdict>;
}

/** Gemini operations on which Vertex applies Model Armor itself, given the request's `modelArmorConfig`. */
const INLINE_ARMOR = new Set(['generateContent', 'streamGenerateContent']);

export class GuardSession {
  readonly findings = new Findings();
  private readonly placeholders = new Placeholders();
  /** Answer text, as released, for the external guardrails that read answers. */
  private answer: string[] = [];
  private answerSize = 0;
  private pending: Promise<void>[] = [];
  /** Vertex screens this request with Model Armor (its modelArmorConfig was set). */
  private inlineArmor = false;

  constructor(
    readonly guardrails: Guardrails,
    readonly actions: Record<Direction, ActionTable>,
    private readonly threshold: number,
    private readonly route = '',
    private readonly plan?: ExternalPlan,
    private readonly requestId?: string,
    private readonly dryRun = false,
  ) {}

  private count(type: string, direction: Direction, action: Action): void {
    if (!this.dryRun) this.guardrails.counted(type, direction, action);
  }

  /** Whether guard(response) has anything to do: actions to apply, or external guardrails reading answers. */
  get readsAnswers(): boolean {
    return this.actions.response.active || this.inlineArmor || this.answerChecks().length > 0;
  }

  /**
   * guard(request) on a parsed JSON body. Returns the body to forward when
   * something was redacted (or Model Armor's templates were put in), undefined
   * when it goes as it came; throws GUARDRAIL_BLOCKED (403) when a blocking
   * finding is present, GUARDRAIL_UNAVAILABLE (503) when an external guardrail
   * that fails closed did not answer.
   */
  async request(json: unknown, target?: Pick<Target, 'provider' | 'operation' | 'model'>, opts: { inline?: boolean } = {}): Promise<Buffer | undefined> {
    const table = this.actions.request;
    if (!table.active && !this.plan) return undefined;
    const fields = requestTextFields(json);
    let changed = false;
    if (table.active) {
      for (const f of fields) {
        const out = this.text(f.value, f.path, 0, 'request', this.guardrails.scanner.scan(f.value));
        if (out !== f.value) {
          f.set(out);
          changed = true;
        }
      }
      if (fields.length) await this.injection(fields);
    }
    if (this.plan) changed = (await this.externalRequest(json, fields, target, opts.inline !== false)) || changed;
    const blocked = this.findings.blocked('request');
    if (blocked.length) {
      throw new WardenError('PERMISSION_DENIED', 'GUARDRAIL_BLOCKED', `request blocked by guardrails: ${blocked.join(', ')}`);
    }
    return changed ? Buffer.from(JSON.stringify(json)) : undefined;
  }

  /** Model Armor (inline or by API) and the services, on the request's text. Returns whether the body changed. */
  private async externalRequest(json: unknown, fields: readonly TextField[], target: Pick<Target, 'provider' | 'operation' | 'model'> | undefined, canInline: boolean): Promise<boolean> {
    const plan = this.plan!;
    const armor = this.guardrails.modelArmor;
    let changed = false;
    const checks: { name: string; failure: 'open' | 'closed'; run: () => Promise<ExternalVerdict> }[] = [];
    const texts = fields.map((f) => f.value);
    if (armor && (plan.promptTemplate || plan.responseTemplate)) {
      const body = json as Record<string, unknown>;
      // Inline needs a body Warden may change (not under ext_authz) and one Vertex accepts the config in.
      const inline = canInline && armor.spec.mode === 'auto' && target?.provider === 'vertex' && INLINE_ARMOR.has(target.operation) && body['safetySettings'] === undefined;
      if (inline) {
        // Vertex screens both ways; the caller's own modelArmorConfig gives way to the configured templates.
        const cfg: Record<string, string> = {};
        if (plan.promptTemplate) cfg['promptTemplateName'] = armor.templateName(plan.promptTemplate);
        if (plan.responseTemplate) cfg['responseTemplateName'] = armor.templateName(plan.responseTemplate);
        body['modelArmorConfig'] = cfg;
        this.inlineArmor = true;
        changed = true;
      } else if (plan.promptTemplate && texts.length) {
        const template = plan.promptTemplate;
        checks.push({ name: 'MODEL_ARMOR', failure: plan.failure ?? armor.spec.failure, run: () => armor.check('request', template, texts) });
      }
    }
    for (const name of plan.services) {
      const sv = this.guardrails.services.get(name);
      if (!sv || !sv.spec.directions.includes('request') || texts.length === 0) continue;
      checks.push({ name: sv.type, failure: plan.failure ?? sv.spec.failure, run: () => sv.check('request', texts, { route: this.route, model: target?.model }) });
    }
    const verdicts = await Promise.all(checks.map((c) => c.run().then((v) => ({ c, v }), (e: unknown) => ({ c, e }))));
    for (const r of verdicts) {
      if ('e' in r) {
        this.unavailable(r.c.name, 'request', r.c.failure, r.e);
        continue;
      }
      changed = this.applyVerdict(r.c.name, r.v, fields, 'request') || changed;
    }
    return changed;
  }

  /** An external guardrail that did not answer: refuse (closed) or record it and go on (open). */
  private unavailable(name: string, direction: Direction, failure: 'open' | 'closed', e: unknown): void {
    const type = `${name}_UNAVAILABLE`;
    const closed = failure === 'closed' && direction === 'request';
    this.findings.add(type, 'unscanned', direction, closed ? 'block' : 'flag', name.toLowerCase());
    this.count(type, direction, closed ? 'block' : 'flag');
    if (closed) {
      throw e instanceof WardenError ? e : new WardenError('UNAVAILABLE', 'GUARDRAIL_UNAVAILABLE', `guardrail ${name} did not answer`);
    }
  }

  /** An external verdict's findings, under this request's actions; its rewritten texts and redactable spans applied. */
  private applyVerdict(name: string, v: ExternalVerdict, fields: readonly TextField[], direction: Direction): boolean {
    const table = this.actions[direction];
    let changed = false;
    const redact = new Map<number, Match[]>();
    for (const f of v.findings) {
      // What an external guardrail found is at least recorded, unless the config says otherwise.
      const action = v.block && direction === 'request' ? 'block' : table.action(f.type, f.category, 'flag');
      if (action === 'off') continue;
      const where = f.text === undefined ? name.toLowerCase() : `${fields[f.text]?.path ?? name.toLowerCase()}${f.start === undefined ? '' : `[${f.start}:${f.end}]`}`;
      this.findings.add(f.type, f.category as Category, direction, action, where);
      this.count(f.type, direction, action);
      if (action === 'redact' && f.text !== undefined && f.start !== undefined && direction === 'request') {
        const list = redact.get(f.text) ?? [];
        list.push({ type: f.type, start: f.start, end: f.end! });
        redact.set(f.text, list);
      }
    }
    if (direction !== 'request') return false;
    v.rewritten?.forEach((text, i) => {
      const f = fields[i];
      if (!f || redact.has(i)) return;
      f.set(text);
      changed = true;
    });
    for (const [i, spans] of redact) {
      const f = fields[i];
      if (!f) continue;
      spans.sort((a, b) => a.start - b.start);
      const kept: Match[] = [];
      for (const m of spans) if (!kept.length || m.start >= kept[kept.length - 1]!.end) kept.push(m);
      f.set(applyRedactions(f.value, kept, this.placeholders));
      changed = true;
    }
    return changed;
  }

  /** External guardrails that read this request's answer (Model Armor by API, services with `response`). */
  private answerChecks(): AnswerCheck[] {
    // Known once guard(request) has run (it decides whether Vertex screens the answer inline).
    return (this.answerChecksMemo ??= this.listAnswerChecks());
  }

  private answerChecksMemo?: AnswerCheck[];

  private listAnswerChecks(): AnswerCheck[] {
    const plan = this.plan;
    if (!plan) return [];
    const out: AnswerCheck[] = [];
    const armor = this.guardrails.modelArmor;
    const template = plan.responseTemplate;
    if (armor && template && !this.inlineArmor) out.push({ name: 'MODEL_ARMOR', failure: plan.failure ?? armor.spec.failure, run: (t) => armor.check('response', template, t) });
    for (const name of plan.services) {
      const sv = this.guardrails.services.get(name);
      if (sv?.spec.directions.includes('response')) out.push({ name: sv.type, failure: plan.failure ?? sv.spec.failure, run: (t) => sv.check('response', t, { route: this.route }) });
    }
    return out;
  }

  /**
   * Indirect prompt injection in an MCP answer (a tool's result, a prompt's messages, a resource's
   * contents: data the agent's model will read). The texts go to the classifier as tool output.
   * Returns the JSON-RPC error to answer in the message's place when the action is `block`. A
   * classifier that answers asynchronously cannot hold a message that is passing: the message is
   * then recorded UNSCANNED, and blocked where the action is `block` (fail closed).
   */
  mcpAnswer(id: unknown, fields: readonly TextField[]): Record<string, unknown> | undefined {
    // Flagged unless the config names it: a tool's output is data the agent's model will read (indirect injection).
    const action = this.actions.response.action('PROMPT_INJECTION', 'injection', 'flag');
    if (action === 'off' || fields.length === 0) return undefined;
    const where = fields.map((x) => x.path).join(',').slice(0, 200);
    const verdict = this.guardrails.classifier.classify(fields.map((f) => f.value), fields.map(() => 'tool' as const));
    let type = 'PROMPT_INJECTION';
    if (verdict instanceof Promise) {
      verdict.catch(() => {});
      type = 'UNSCANNED';
      this.findings.add(type, 'unscanned', 'response', action, where);
    } else {
      if (verdict.score < this.threshold) return undefined;
      const f = this.findings.add(type, 'injection', 'response', action, where);
      f.score = Math.max(f.score ?? 0, verdict.score);
      f.signals = verdict.signals;
    }
    this.guardrails.counted(type, 'response', action);
    if (action !== 'block') return undefined;
    const message = type === 'UNSCANNED' ? 'the answer could not be checked for prompt injection' : 'answer blocked by guardrails: PROMPT_INJECTION';
    return { jsonrpc: '2.0', id: id ?? null, error: { code: wardenCode(403), message, data: { reason: 'GUARDRAIL_BLOCKED', requestId: this.requestId } } };
  }

  /**
   * Whether the answer waits for the external guardrails that read it, so that what they find is
   * redacted before it leaves: when there are such guardrails and this request's response actions
   * redact something. Otherwise their findings on the answer are recorded once it has left.
   */
  get holdsAnswer(): boolean {
    return this.actions.response.enforcing && this.answerChecks().length > 0;
  }

  /**
   * The held answer's texts (after the detectors' redaction) checked by the external guardrails
   * that read answers: their findings recorded under the response actions, and for each text the
   * edits that enforce them — a located finding to redact replaced by its placeholder, an unlocated
   * one by a placeholder for the whole text, a service's rewrite taken as it is. A guardrail that
   * fails closed withholds every text (its `_UNAVAILABLE` placeholder); one that fails open lets
   * them pass, flagged.
   */
  async checkAnswer(texts: readonly string[]): Promise<Edit[][]> {
    const edits: Edit[][] = texts.map(() => []);
    const whole = (i: number, text: string) => texts[i]!.length > 0 && edits[i]!.push({ start: 0, end: texts[i]!.length, text });
    const checks = this.answerChecks();
    const results = await Promise.all(checks.map((c) => c.run([...texts]).then((v) => ({ c, v }), (e: unknown) => ({ c, e }))));
    const table = this.actions.response;
    for (const r of results) {
      if ('e' in r) {
        const type = `${r.c.name}_UNAVAILABLE`;
        const closed = r.c.failure === 'closed';
        this.findings.add(type, 'unscanned', 'response', closed ? 'redact' : 'flag', r.c.name.toLowerCase());
        this.guardrails.counted(type, 'response', closed ? 'redact' : 'flag');
        if (closed) texts.forEach((_, i) => whole(i, this.placeholders.for(type, '')));
        continue;
      }
      const v = r.v;
      const located = new Set<number>();
      for (const f of v.findings) {
        const action = table.action(f.type, f.category, 'flag');
        if (action === 'off') continue;
        const where = f.text === undefined ? r.c.name.toLowerCase() : `answer[${f.text}]${f.start === undefined ? '' : `[${f.start}:${f.end}]`}`;
        this.findings.add(f.type, f.category as Category, 'response', action, where);
        this.guardrails.counted(f.type, 'response', action);
        if (action !== 'redact') continue;
        const at = f.text === undefined ? texts.map((_, i) => i) : [f.text];
        for (const i of at) {
          const t = texts[i];
          if (t === undefined) continue;
          if (f.start !== undefined && f.end !== undefined && f.text !== undefined && f.start < f.end && f.end <= t.length) {
            edits[i]!.push({ start: f.start, end: f.end, text: this.placeholders.for(f.type, t.slice(f.start, f.end)) });
            located.add(i);
          } else whole(i, this.placeholders.for(f.type, t));
        }
      }
      v.rewritten?.forEach((text, i) => {
        if (texts[i] !== undefined && !located.has(i) && text !== texts[i]) whole(i, text);
      });
    }
    // One edit per span: a whole-text edit wins, else the earliest of overlapping ones.
    return edits.map((list) => {
      list.sort((a, b) => a.start - b.start || b.end - a.end);
      const kept: Edit[] = [];
      for (const e of list) if (!kept.length || e.start >= kept[kept.length - 1]!.end) kept.push(e);
      return kept;
    });
  }

  /** Answer text as it leaves (after redaction), for the external guardrails that read answers. */
  answerText(text: string): void {
    if (!text || !this.plan || this.answerSize > ANSWER_CAP || this.holdsAnswer) return;
    this.answer.push(text);
    this.answerSize += text.length;
  }

  /** An answer event from Vertex: a prompt Model Armor blocked (promptFeedback.blockReason MODEL_ARMOR). */
  answerEvent(event: unknown): void {
    if (!this.inlineArmor || typeof event !== 'object' || event === null) return;
    const fb = (event as { promptFeedback?: { blockReason?: unknown } }).promptFeedback;
    if (fb?.blockReason === 'MODEL_ARMOR') {
      // Vertex refused the prompt: the answer carries no candidates.
      this.findings.add('MODEL_ARMOR_BLOCKED', 'injection', 'request', 'block', 'promptFeedback');
      this.count('MODEL_ARMOR_BLOCKED', 'request', 'block');
    }
  }

  /** The answer ended: the external guardrails that read answers check it (their findings are recorded; it has left). */
  answerEnded(): void {
    const checks = this.answerChecks();
    if (!checks.length || !this.answer.length || this.holdsAnswer) return;
    const texts = [this.answer.join('')];
    this.answer = [];
    for (const c of checks) {
      this.pending.push(
        c.run(texts).then(
          (v) => void this.applyVerdict(c.name, v, [{ path: 'answer', value: texts[0]!, set: () => {} }], 'response'),
          (e: unknown) => this.unavailable(c.name, 'response', 'open', e),
        ),
      );
    }
  }

  /** Waits for the checks of the answer to finish (before the request is recorded). */
  async settled(): Promise<void> {
    while (this.pending.length) {
      const p = this.pending;
      this.pending = [];
      await Promise.all(p);
    }
  }

  /**
   * guard(request) on a body too large to scan (over `maxScanBytes`, streaming on), or not at hand
   * (`why` says so: an MCP call decided from its headers in an ext_authz check). When this
   * request's guardrails redact or block, it is refused with 413 (fail closed) unless `oversize: flag`
   * (415 when `wrapped`: a google.api.HttpBody wrapper, whose data cannot be scanned whatever its size);
   * otherwise it passes. Either way an `UNSCANNED` finding records it.
   */
  unscanned(why?: string, wrapped = false): void {
    const table = this.actions.request;
    if (!table.active) return;
    const action = table.enforcing && this.guardrails.oversize === 'block' ? 'block' : 'flag';
    this.findings.add('UNSCANNED', 'unscanned', 'request', action, 'body');
    this.count('UNSCANNED', 'request', action);
    if (action === 'block' && wrapped) {
      throw new WardenError('INVALID_ARGUMENT', 'CONTENT_TYPE_UNSUPPORTED',
        'the request body is a google.api.HttpBody wrapper ({"httpBody": …}), whose data the guardrails cannot scan; send the JSON body itself', { httpStatus: 415 });
    }
    if (action === 'block') {
      throw new WardenError(
        'INVALID_ARGUMENT',
        'BODY_TOO_LARGE_TO_SCAN',
        why ?? `request body exceeds the ${this.guardrails.maxScanBytes} bytes the guardrails can scan (guardrails.maxScanBytes)`,
        { httpStatus: 413 },
      );
    }
  }

  private async injection(fields: readonly TextField[]): Promise<void> {
    const action = this.actions.request.action('PROMPT_INJECTION', 'injection');
    if (action === 'off') return;
    const verdict = await this.guardrails.classifier.classify(
      fields.map((f) => f.value),
      fields.map((f) => f.source),
    );
    if (verdict.score < this.threshold) return;
    const f = this.findings.add('PROMPT_INJECTION', 'injection', 'request', action, fields.map((x) => x.path).join(',').slice(0, 200));
    this.count('PROMPT_INJECTION', 'request', action);
    f.score = Math.max(f.score ?? 0, verdict.score);
    f.signals = verdict.signals;
  }

  /** Records the matches in `text` and returns it with the redacted ones replaced. */
  text(text: string, path: string, offset: number, direction: Direction, matches: readonly Match[]): string {
    if (matches.length === 0) return text;
    const table = this.actions[direction];
    const redact: Match[] = [];
    for (const m of matches) {
      const category = this.guardrails.scanner.category(m.type)!;
      const action = table.action(m.type, category);
      if (action === 'off') continue;
      this.findings.add(m.type, category, direction, action, `${path}[${offset + m.start}:${offset + m.end}]`);
      this.count(m.type, direction, action);
      if (action === 'redact') redact.push(m);
    }
    return applyRedactions(text, redact, this.placeholders);
  }

  /** A stream channel's text, released as it becomes safe. */
  heldText(path: string): HeldText {
    return new HeldText(this.guardrails.scanner, this.guardrails.streamWindow, HOLD_CAP, (text, matches, offset) =>
      this.text(text, path, offset, 'response', matches),
    );
  }

}
