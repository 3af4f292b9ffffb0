import type { DecisionAction, OperationClass, ProviderKind } from '../types.js';

/** One audit record per request: who called what, what was decided, what happened. Never secrets. */
export interface AuditRecord {
  time: string;
  requestId: string;
  principal?: string;
  groups: string[];
  authMethods: string[];
  route?: string;
  provider?: ProviderKind;
  project?: string;
  location?: string;
  model?: string;
  operation?: string;
  operationClass?: OperationClass;
  stream: boolean;
  decision: DecisionAction;
  policy?: string;
  reason: string;
  credential?: string;
  status: number;
  upstreamStatus?: number;
  latencyMs: number;
  promptTokens?: number;
  outputTokens?: number;
  totalTokens?: number;
}

export interface AuditSink {
  /** Queue a record; never blocks the request. */
  write(record: AuditRecord): void;
  /** Flush what is queued and release the sink. */
  close(): Promise<void>;
}
