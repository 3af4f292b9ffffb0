// Starts the configured ext_authz listeners (gRPC, HTTP or both) around one
// Checker, so that both protocols give the same answer to the same request.
import type { ExtAuthzSpec } from '../config/schema.js';
import { durationMs } from '../config/schema.js';
import { Checker, type CheckerParts } from './check.js';
import { startGrpcServer, type RunningGrpcServer } from './grpc-server.js';
import { startHttpServer, type RunningHttpServer } from './http-server.js';

export interface RunningExtAuthz {
  grpc?: RunningGrpcServer;
  http?: RunningHttpServer;
  close(): Promise<void>;
}

export async function startExtAuthz(spec: ExtAuthzSpec, parts: Omit<CheckerParts, 'timeoutMs'>, host: string): Promise<RunningExtAuthz> {
  const checker = new Checker({ ...parts, fixedBody: true, timeoutMs: durationMs(spec.timeout) });
  // Shared upstream tokens are minted ahead of the first check by Credentials.start().
  const grpc = spec.grpc ? await startGrpcServer(checker, host, spec.grpc.port) : undefined;
  let http: RunningHttpServer | undefined;
  try {
    http = spec.http ? await startHttpServer(checker, host, spec.http.port, spec.http.pathPrefix ?? '', parts.buffers) : undefined;
  } catch (e) {
    await grpc?.close();
    throw e;
  }
  return {
    grpc,
    http,
    async close() {
      await Promise.all([grpc?.close(), http?.close()]);
    },
  };
}
