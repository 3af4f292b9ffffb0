// envoy.service.auth.v3.Authorization/Check over gRPC.
import { Server, status, type sendUnaryData, type ServerUnaryCall } from '@grpc/grpc-js';
import { serveGrpc, type RunningGrpcServer } from '../envoy-api/serve.js';
import type { Checker } from './check.js';
import { fromCheckRequest } from './check-request.js';
import { toCheckResponse } from './check-response.js';
import { authorizationService, type CheckRequest, type CheckResponse } from './proto.js';

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
  return serveGrpc(server, host, port, 'spec.extAuthz.grpc.port');
}

function remainingMs(deadline: Date | number): number {
  const at = deadline instanceof Date ? deadline.getTime() : deadline;
  return Number.isFinite(at) ? at - Date.now() : Infinity;
}
