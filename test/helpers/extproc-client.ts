// A gRPC client that plays Envoy's ext_proc filter for one request at a time,
// built from the same proto files as Warden's server: it sends the request
// headers (and the body, as the chosen processing mode has Envoy send it) and
// reads Warden's decision — the answer that lets the request go upstream with
// its header mutations, or an immediate response. For tests that ask many
// requests what Warden decides (properties, refusal tables); the real-Envoy
// tests (test/extproc/envoy.test.ts) cover the data plane itself.
import { credentials, loadPackageDefinition, type ClientDuplexStream, type ServiceError } from '@grpc/grpc-js';
import { loadSync } from '@grpc/proto-loader';
import { LOADER_OPTIONS } from '../../src/envoy-api/load.js';
import { EXTERNAL_PROCESSOR_PROTO } from '../../src/extproc/proto.js';

export type Msg = Record<string, unknown>;
export type ExtProcStream = ClientDuplexStream<Msg, Msg>;
type ProcessorClient = { Process(options: { deadline: number }): ClientDuplexStream<Msg, Msg>; close(): void };
type HeaderMutation = { setHeaders?: { header: { key: string; rawValue?: Buffer; value?: string } }[]; removeHeaders?: string[] };

export interface ExtProcRequest {
  /** `:path`, as Envoy sends it (origin-form, or what a test makes of it). */
  path: string;
  authority: string;
  method?: string;
  /** Other request headers (lower-case names), content-type included when there is one. */
  headers?: Record<string, string>;
  body?: Buffer | string;
  /**
   * How the filter sends the body: STREAMED with the header answer waiting for the body (what
   * `warden istio render` writes; the default), STREAMED with the body held by Envoy until the
   * headers are answered (`waitForHeaderAnswer`), BUFFERED (one body message), or NONE.
   */
  mode?: 'STREAMED' | 'BUFFERED' | 'NONE';
  waitForHeaderAnswer?: boolean;
  /** STREAMED: the body in this many chunks (default 1). */
  chunks?: number;
}

export interface ExtProcDecision {
  /** Warden let the request go upstream (a CONTINUE carrying its decision), or answered it itself. */
  allowed: boolean;
  /** Refused: the immediate response's HTTP status, headers and the reason in its body. */
  status?: number;
  headers?: Record<string, string>;
  reason?: string;
  /** Allowed: the request headers Warden sets and removes. */
  set?: Record<string, string>;
  remove?: string[];
}

export class ExtProcClient {
  private readonly client: ProcessorClient;

  constructor(port: number) {
    // Enums as numbers: an immediate response's status code is then the HTTP status itself.
    const pkg = loadPackageDefinition(loadSync(EXTERNAL_PROCESSOR_PROTO, { ...LOADER_OPTIONS, enums: Number })) as unknown as {
      envoy: { service: { ext_proc: { v3: { ExternalProcessor: new (addr: string, creds: ReturnType<typeof credentials.createInsecure>, o: object) => ProcessorClient } } } };
    };
    this.client = new pkg.envoy.service.ext_proc.v3.ExternalProcessor(`127.0.0.1:${port}`, credentials.createInsecure(), { 'grpc.max_send_message_length': 64 * 1024 * 1024 });
  }

  /** Warden's decision on one request; the stream is then cancelled (recorded as ended by Envoy when it was allowed). */
  decide(r: ExtProcRequest): Promise<ExtProcDecision> {
    const mode = r.mode ?? 'STREAMED';
    const body = r.body === undefined ? undefined : Buffer.from(r.body);
    const call = this.client.Process({ deadline: Date.now() + 30_000 });
    const sendBody = () => {
      if (!body) return;
      const n = mode === 'STREAMED' ? Math.max(1, r.chunks ?? 1) : 1;
      const size = Math.ceil(body.length / n);
      for (let i = 0; i < n; i++) call.write({ requestBody: { body: body.subarray(i * size, (i + 1) * size), endOfStream: i === n - 1 } });
    };
    return new Promise<ExtProcDecision>((resolve, reject) => {
      let done = false;
      const finish = (d: ExtProcDecision | Error) => {
        if (done) return;
        done = true;
        call.cancel();
        if (d instanceof Error) reject(d);
        else resolve(d);
      };
      call.on('data', (m: Msg) => {
        const decision = decisionOf(m);
        if (decision) return finish(decision);
        // BUFFERED: the headers' plain answer; Envoy now sends the whole body, whose answer carries the decision.
        if (m.requestHeaders && mode === 'BUFFERED') sendBody();
      });
      call.on('error', (e: ServiceError) => finish(new Error(`ext_proc stream failed before a decision: ${e.code} ${e.details}`)));
      call.on('end', () => finish(new Error('ext_proc stream ended before a decision')));
      call.write(requestHeadersMessage(r, body === undefined));
      // NONE, or STREAMED with the body held by Envoy: Warden decides on the headers alone.
      if (mode === 'STREAMED' && r.waitForHeaderAnswer !== true) sendBody();
    });
  }

  /** A stream to drive by hand (write requestHeadersMessage, body chunks…): `answers` fills as Warden answers, `answer(n)` waits for the n-th. */
  open(): { call: ExtProcStream; answers: Msg[]; answer(n: number): Promise<Msg> } {
    const call = this.client.Process({ deadline: Date.now() + 30_000 });
    const answers: Msg[] = [];
    const waiting: { n: number; resolve: (m: Msg) => void; reject: (e: Error) => void }[] = [];
    let failed: Error | undefined;
    call.on('data', (m: Msg) => {
      answers.push(m);
      for (const w of waiting.splice(0)) {
        if (answers.length > w.n) w.resolve(answers[w.n]!);
        else waiting.push(w);
      }
    });
    call.on('error', (e: ServiceError) => {
      failed = new Error(`ext_proc stream failed: ${e.code} ${e.details}`);
      for (const w of waiting.splice(0)) w.reject(failed);
    });
    const answer = (n: number) =>
      new Promise<Msg>((resolve, reject) => {
        if (answers.length > n) resolve(answers[n]!);
        else if (failed) reject(failed);
        else waiting.push({ n, resolve, reject });
      });
    return { call, answers, answer };
  }

  close(): void {
    this.client.close();
  }
}

/** The request headers message Envoy sends, with the protocol configuration of the request's mode. */
export function requestHeadersMessage(r: ExtProcRequest, endOfStream = false): Msg {
  const headers = [[':method', r.method ?? 'POST'], [':path', r.path], [':authority', r.authority], ...Object.entries(r.headers ?? {})];
  return {
    requestHeaders: { headers: { headers: headers.map(([key, value]) => ({ key, rawValue: Buffer.from(value!, 'latin1') })) }, endOfStream },
    protocolConfig: { requestBodyMode: r.mode ?? 'STREAMED', responseBodyMode: 'STREAMED', sendBodyWithoutWaitingForHeaderResponse: r.waitForHeaderAnswer !== true },
  };
}

/** What an answer says: let on (with its header changes), a refusal, or neither (a plain CONTINUE). */
export function decisionOf(m: Msg): ExtProcDecision | undefined {
  if (m.immediateResponse) return refusal(m.immediateResponse as Immediate);
  if (!m.dynamicMetadata) return undefined;
  const common = ((m.requestHeaders ?? m.requestBody) as { response?: { headerMutation?: HeaderMutation } } | undefined)?.response;
  return allowed(common?.headerMutation);
}

type Immediate = { status?: { code?: number }; headers?: HeaderMutation; body?: Buffer };

function refusal(m: Immediate): ExtProcDecision {
  const headers: Record<string, string> = {};
  for (const h of m.headers?.setHeaders ?? []) headers[h.header.key] = h.header.rawValue?.toString('latin1') ?? h.header.value ?? '';
  const text = m.body?.toString('utf8') ?? '';
  return { allowed: false, status: m.status?.code, headers, reason: reasonOf(text) };
}

function allowed(mutation: HeaderMutation | undefined): ExtProcDecision {
  const set: Record<string, string> = {};
  for (const h of mutation?.setHeaders ?? []) set[h.header.key] = h.header.rawValue?.toString('latin1') ?? h.header.value ?? '';
  return { allowed: true, set, remove: mutation?.removeHeaders ?? [] };
}

/** google.rpc.Status's ErrorInfo reason, or OpenAI's `code` upper-cased. */
function reasonOf(body: string): string | undefined {
  try {
    const e = (JSON.parse(body) as { error: { code: unknown; details?: { reason: string }[] } }).error;
    return e.details?.[0]?.reason ?? String(e.code).toUpperCase();
  } catch {
    return undefined;
  }
}
