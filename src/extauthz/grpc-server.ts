// envoy.service.auth.v3.Authorization/Check over gRPC. Plain HTTP/2 on the
// listener: in the mesh, Warden's own sidecar terminates Envoy's mTLS.
import { Server, ServerCredentials, status, type sendUnaryData, type ServerUnaryCall } from '@grpc/grpc-js';
import { hostPort, ListenError } from '../listen.js';
import type { Checker } from './check.js';
import { fromCheckRequest } from './check-request.js';
import { toCheckResponse } from './check-response.js';
import { authorizationService, type CheckRequest, type CheckResponse } from './proto.js';

export interface RunningGrpcServer {
  /** `host:port` actually bound. */
  address: string;
  port: number;
  /** New calls are refused; calls in flight finish. */
  stopAccepting(): void;
  close(): Promise<void>;
}

export async function startGrpcServer(checker: Pick<Checker, 'check'>, host: string, port: number): Promise<RunningGrpcServer> {
  // channelz off: its per-call bookkeeping is a measurable share of a check's CPU, and nothing reads it.
  const server = new Server({ 'grpc.enable_channelz': 0 });
  server.addService(authorizationService(), {
    Check(call: ServerUnaryCall<CheckRequest, CheckResponse>, done: sendUnaryData<CheckResponse>) {
      checker.check(fromCheckRequest(call.request), { budgetMs: remainingMs(call.getDeadline()), removesQuery: true }).then(
        (verdict) => done(null, toCheckResponse(verdict)),
        // check() answers every failure itself; reaching here is a bug. A gRPC
        // error makes Envoy deny (failure_mode_allow is false), so this fails closed.
        (e: Error) => done({ code: status.INTERNAL, details: e.message }),
      );
    },
  });
  const bound = await new Promise<number>((resolve, reject) =>
    server.bindAsync(hostPort(host, port), ServerCredentials.createInsecure(), (err, p) =>
      err ? reject(new ListenError('spec.extAuthz.grpc.port', host, port, err)) : resolve(p),
    ),
  );
  let stopped: Promise<void> | undefined;
  const stopAccepting = () => (stopped ??= new Promise<void>((resolve) => server.tryShutdown(() => resolve())));
  return {
    address: `${host}:${bound}`,
    port: bound,
    stopAccepting: () => void stopAccepting(),
    close: () => {
      // In-flight checks take milliseconds; don't let a stuck client hold shutdown.
      const force = setTimeout(() => server.forceShutdown(), 1000);
      return stopAccepting().finally(() => clearTimeout(force));
    },
  };
}

function remainingMs(deadline: Date | number): number {
  const at = deadline instanceof Date ? deadline.getTime() : deadline;
  return Number.isFinite(at) ? at - Date.now() : Infinity;
}
