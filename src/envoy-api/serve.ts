// Binding and stopping a gRPC server for one of Envoy's services (ext_authz,
// ext_proc). Plain HTTP/2 on the listener: in the mesh, Warden's own sidecar
// terminates Envoy's mTLS.
import { ServerCredentials, type Server } from '@grpc/grpc-js';
import { hostPort, ListenError } from '../listen.js';

export interface RunningGrpcServer {
  /** `host:port` actually bound. */
  address: string;
  port: number;
  /** Shutdown: new connections and calls are refused (GOAWAY); calls in flight go on. */
  stopAccepting(): void;
  /** Stops accepting and waits for the calls in flight; one still open after a second is forced. */
  close(): Promise<void>;
}

/** Binds `server` (its services added) on host:port; `field` names the config key a bind failure is reported under. */
export async function serveGrpc(server: Server, host: string, port: number, field: string): Promise<RunningGrpcServer> {
  const bound = await new Promise<number>((resolve, reject) =>
    server.bindAsync(hostPort(host, port), ServerCredentials.createInsecure(), (err, p) => (err ? reject(new ListenError(field, host, port, err)) : resolve(p))),
  );
  let stopped: Promise<void> | undefined;
  const stopAccepting = () => (stopped ??= new Promise<void>((resolve) => server.tryShutdown(() => resolve())));
  return {
    address: `${host}:${bound}`,
    port: bound,
    stopAccepting: () => void stopAccepting(),
    close: () => {
      // Calls in flight have finished or been cut by then (drain.ts); a stuck peer does not hold shutdown.
      const force = setTimeout(() => server.forceShutdown(), 1000);
      return stopAccepting().finally(() => clearTimeout(force));
    },
  };
}
