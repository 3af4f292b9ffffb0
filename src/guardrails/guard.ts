// Guardrails compiled from config, and the per-request session that applies
// them: guard(request) scans the prompt's text fields, records findings,
// redacts or refuses; guard(response) rewrites the answer (see response.ts).
import { Counter, type Registry } from 'prom-client';
import type { Reporter } from '../config/load.js';
import type { GuardrailsSpec, RouteSpec } from '../config/schema.js';
import { WardenError } from '../errors.js';
import { registered } from '../telemetry/metrics.js';
import { BUFFER_LIMIT } from '../admission/body.js';
import { ActionResolver, type Action, type ActionTable, type Direction, type RequestScope } from './actions.js';
import { customDetector } from './detectors/custom.js';
import { heuristicClassifier, type InjectionClassifier } from './detectors/injection.js';
import { piiDetectors } from './detectors/pii.js';
import { secretDetectors } from './detectors/secrets.js';
import type { Detector, Match } from './detectors/types.js';
import { Findings } from './findings.js';
import { HeldText } from './held-text.js';
import { applyRedactions, Placeholders } from './redactor.js';
import { Scanner } from './scanner.js';
import { requestTextFields, type TextField } from './text-fields.js';

/** Most text held back in one stream channel (a long unterminated token or key block). */
const HOLD_CAP = 16 * 1024;

export class Guardrails {
  readonly scanner: Scanner;
  readonly streamWindow: number;
  /** Request bodies up to this size are read whole and scanned. */
  readonly maxScanBytes: number;
  /** What happens to a larger body when the request's guardrails redact or block. */
  readonly oversize: 'block' | 'flag';
  private readonly resolver: ActionResolver;
  private readonly threshold: number;

  constructor(
    spec: Omit<GuardrailsSpec, 'maxScanBytes' | 'oversize'> & Partial<Pick<GuardrailsSpec, 'maxScanBytes' | 'oversize'>>,
    routes: readonly RouteSpec[],
    report: Reporter,
    readonly classifier: InjectionClassifier = heuristicClassifier,
  ) {
    const custom: Detector[] = [];
    spec.detectors.forEach((d, i) => {
      try {
        custom.push(customDetector(d));
      } catch (e) {
        report(['guardrails', 'detectors', i, 'pattern'], `not a regular expression: ${(e as Error).message}`, 'JavaScript RegExp syntax, without slashes or flags');
      }
    });
    const detectors = [...piiDetectors, ...secretDetectors, ...custom];
    this.scanner = new Scanner(detectors);
    this.streamWindow = spec.streamWindow;
    this.maxScanBytes = spec.maxScanBytes ?? 8 * 1024 * 1024;
    this.oversize = spec.oversize ?? 'block';
    this.threshold = spec.injection.threshold;
    const types = new Set([...detectors.map((d) => d.type), 'PROMPT_INJECTION']);
    this.resolver = new ActionResolver(spec, routes, types, report);
  }

  /** How much of a request body the proxy reads whole on `route`: enough to scan it, on routes whose bodies Warden can read. */
  bufferLimit(route: Pick<RouteSpec, 'provider'>): number {
    return route.provider === 'http' ? BUFFER_LIMIT : Math.max(BUFFER_LIMIT, this.maxScanBytes);
  }

  /** `dryRun`: `warden explain`'s, whose findings count in no metric. */
  session(scope: RequestScope, dryRun = false): GuardSession {
    return new GuardSession(this, this.resolver.resolve(scope), this.threshold, dryRun);
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

export class GuardSession {
  readonly findings = new Findings();
  private readonly placeholders = new Placeholders();

  constructor(
    readonly guardrails: Guardrails,
    readonly actions: Record<Direction, ActionTable>,
    private readonly threshold: number,
    private readonly dryRun = false,
  ) {}

  private count(type: string, direction: Direction, action: Action): void {
    if (!this.dryRun) this.guardrails.counted(type, direction, action);
  }

  /**
   * guard(request) on a parsed JSON body. Returns the body to forward when
   * something was redacted, undefined when it goes as it came; throws
   * GUARDRAIL_BLOCKED (403) when a blocking finding is present.
   */
  async request(json: unknown): Promise<Buffer | undefined> {
    const table = this.actions.request;
    if (!table.active) return undefined;
    const fields = requestTextFields(json);
    if (fields.length === 0) return undefined;
    let changed = false;
    for (const f of fields) {
      const out = this.text(f.value, f.path, 0, 'request', this.guardrails.scanner.scan(f.value));
      if (out !== f.value) {
        f.set(out);
        changed = true;
      }
    }
    await this.injection(fields);
    const blocked = this.findings.blocked('request');
    if (blocked.length) {
      throw new WardenError('PERMISSION_DENIED', 'GUARDRAIL_BLOCKED', `request blocked by guardrails: ${blocked.join(', ')}`);
    }
    return changed ? Buffer.from(JSON.stringify(json)) : undefined;
  }

  /**
   * guard(request) on a body too large to scan (over `maxScanBytes`, streaming on). When this
   * request's guardrails redact or block, it is refused with 413 (fail closed) unless `oversize: flag`;
   * otherwise it passes. Either way an `UNSCANNED` finding records it.
   */
  unscanned(): void {
    const table = this.actions.request;
    if (!table.active) return;
    const action = table.enforcing && this.guardrails.oversize === 'block' ? 'block' : 'flag';
    this.findings.add('UNSCANNED', 'unscanned', 'request', action, 'body');
    this.count('UNSCANNED', 'request', action);
    if (action === 'block') {
      throw new WardenError(
        'INVALID_ARGUMENT',
        'BODY_TOO_LARGE_TO_SCAN',
        `request body exceeds the ${this.guardrails.maxScanBytes} bytes the guardrails can scan (guardrails.maxScanBytes)`,
        { httpStatus: 413 },
      );
    }
  }

  private async injection(fields: readonly TextField[]): Promise<void> {
    const action = this.actions.request.action('PROMPT_INJECTION', 'injection');
    if (action === 'off') return;
    const verdict = await this.guardrails.classifier.classify(fields.map((f) => f.value));
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
