// The admin API's answers as the console reads them (see src/admin/*.ts).

export interface Traffic {
  time: string;
  requestId: string;
  principal?: string;
  groups: string[];
  route?: string;
  model?: string;
  operation?: string;
  operationClass?: string;
  method?: string;
  path?: string;
  decision: string;
  policy?: string;
  reason: string;
  status: number;
  latencyMs: number;
  promptTokens?: number;
  outputTokens?: number;
  totalTokens?: number;
  findings: string[];
  quotaExceeded?: string;
}

export type AuditRecord = Record<string, unknown> & {
  time: string;
  requestId: string;
  chain: string;
  seq: number;
  principal?: string;
  groups: string[];
  route?: string;
  model?: string;
  operation?: string;
  operationClass?: string;
  decision: string;
  reason: string;
  status: number;
  latencyMs: number;
  totalTokens?: number;
  method?: string;
  path?: string;
};

export interface VerifyStatus {
  running: boolean;
  last?: {
    startedAt: string;
    finishedAt: string;
    error?: string;
    result?: { ok: boolean; records: number; chains: number; checkpoints: number; problem?: { kind: string; chain: string; seq: number; message: string }; hint?: string };
  };
}

export interface PolicyVerdict {
  policy: string;
  action: string;
  provider?: string;
  dryRun: boolean;
  scope: string;
  applies: boolean;
  matched: boolean;
  why: string;
}

export interface Explanation {
  outcome: 'decided' | 'unauthenticated' | 'no-route';
  message?: string;
  reason?: string;
  decision?: { action: string; policy?: string; rule?: number; reason: string };
  route?: string;
  path?: string;
  policies?: PolicyVerdict[];
  target?: { provider: string; operation: string; operationClass: string; model?: string };
  principal?: { requestPrincipal?: string; sourcePrincipal?: string; groups: string[] };
  recorded?: { decision: string; reason: string; status: number };
  caveats?: string[];
}

export interface Usage {
  by: string;
  buckets: number[];
  bucketSeconds: number;
  series: { key: string; requests: number[]; tokens: number[] }[];
  totals: { requests: number; tokens: number };
  records: number;
  truncated: boolean;
  source: string;
  quotas: { rule: string; kind: string; limit: number; per: string; resetsAt: string; counters: { subject: string; used: number }[] }[];
}

export interface Health {
  ready: boolean;
  readiness: string[];
  audit?: { sink: string; chain: string; sinkUp: boolean; pending: number; spoolBytes: number; spoolPendingBytes: number; spoolWritable: boolean; chainConflict: boolean; accepting: boolean; dropped: number };
  issuers: { issuer: string; keys: string; lastRefresh?: string; lastRefreshOk?: boolean; refreshes: number; failures: number }[];
  credentials: { name: string; state: string }[];
}

export interface CredentialDetail {
  name: string;
  source: string;
  file?: string;
  perCaller: boolean;
  cachedCallers?: number;
  lastMint?: string;
  expiresAt?: string;
  mints: number;
  failures: number;
  consecutiveFailures: number;
  lastError?: string;
  reloads: number;
  lastReloadError?: string;
}
