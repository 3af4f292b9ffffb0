// Starts the configured ext_authz listeners (gRPC, HTTP or both) around one
// Checker, so that both protocols give the same answer to the same request.
// The gateway passes the Checker of the config in service when a check
// arrives (a reload swaps it), and drains the listeners at shutdown.
import type { ExtAuthzSpec } from '../config/schema.js';
import type { BufferBudget } from '../admission/buffer-budget.js';
import type { Checker } from './check.js';
import type { RunningGrpcServer } from '../envoy-api/serve.js';
import { startGrpcServer } from './grpc-server.js';
import { startHttpServer, type RunningHttpServer } from './http-server.js';

export interface RunningExtAuthz {
  grpc?: RunningGrpcServer;
  http?: RunningHttpServer;
  /** Shutdown: refuse new calls and connections; checks in flight finish. */
  stopAccepting(): void;
  close(): Promise<void>;
}

/** `buffers`: the bound on request bodies held in memory, which HTTP checks' bodies count against with the proxy's. */
export async function startExtAuthz(spec: ExtAuthzSpec, checker: Pick<Checker, 'check'>, host: string, buffers?: BufferBudget): Promise<RunningExtAuthz> {
  // Shared upstream tokens are minted ahead of the first check by Credentials.start().
  const grpc = spec.grpc ? await startGrpcServer(checker, host, spec.grpc.port) : undefined;
  let http: RunningHttpServer | undefined;
  try {
    http = spec.http ? await startHttpServer(checker, host, spec.http.port, spec.http.pathPrefix ?? '', buffers) : undefined;
  } catch (e) {
    await grpc?.close();
    throw e;
  }
  return {
    grpc,
    http,
    stopAccepting() {
      grpc?.stopAccepting();
      http?.stopAccepting();
    },
    async close() {
      await Promise.all([grpc?.close(), http?.close()]);
    },
  };
}
