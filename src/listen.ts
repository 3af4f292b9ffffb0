// Listening where the config says, and failing clearly when it cannot: the
// error names the address and the config field, so `warden start` can say
// which port is taken instead of printing a stack trace.
import { createServer, type Server } from 'node:net';

/** Listens; a failure (a port in use, an address not on this host) names the config field. */
export function listenOn(server: Server, host: string, port: number, field: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const failed = (e: NodeJS.ErrnoException) => reject(new ListenError(field, host, port, e));
    server.once('error', failed);
    server.listen(port, host, () => {
      server.off('error', failed);
      resolve();
    });
  });
}

/**
 * Fails with the ListenError listenOn would give if `host:port` cannot be
 * listened on right now; listens for a moment and closes again. Port 0 always
 * can. For a command that must not change anything when its start would fail.
 */
export async function checkCanListen(host: string, port: number, field: string): Promise<void> {
  if (port === 0) return;
  const probe = createServer();
  await listenOn(probe, host, port, field);
  await new Promise<void>((resolve) => probe.close(() => resolve()));
}

/** `host:port`, with an IPv6 address in brackets. */
export const hostPort = (host: string, port: number) => `${host.includes(':') ? `[${host}]` : host}:${port}`;

/** Warden cannot listen where its config says: the start fails with this. */
export class ListenError extends Error {
  constructor(field: string, host: string, port: number, cause: NodeJS.ErrnoException | Error) {
    // grpc-js reports the errno only inside its message.
    const code = ('code' in cause && cause.code) || /\b(EADDRINUSE|EADDRNOTAVAIL|EACCES)\b/.exec(cause.message)?.[1];
    const why = { EADDRINUSE: 'the port is in use', EADDRNOTAVAIL: 'the address is not on this host', EACCES: 'not permitted (a port below 1024 needs privileges)' }[code || ''] ?? cause.message;
    super(`cannot listen on ${hostPort(host, port)} (${field}): ${why}`, { cause });
    this.name = 'ListenError';
  }
}
