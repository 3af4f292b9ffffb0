// TLS on the data listener, and mTLS when a client trust bundle is given.
// The certificate, key and trust bundle are re-read when their files change
// (directories are watched, so Kubernetes' symlink-swapped Secret mounts and
// atomic renames are seen); new connections use the new context.
import { readFileSync, watch, type FSWatcher } from 'node:fs';
import { dirname } from 'node:path';
import type { Server as HttpsServer, ServerOptions } from 'node:https';
import type { TLSSocket } from 'node:tls';
import type { ListenTlsSpec } from '../config/schema.js';

export interface TlsFiles {
  cert: Buffer;
  key: Buffer;
  ca?: Buffer;
}

const RELOAD_DEBOUNCE_MS = 100;

/** Throws an Error naming the field whose file cannot be read. */
export function readTlsFiles(spec: ListenTlsSpec, resolve: (p: string) => string): TlsFiles {
  const read = (field: 'certFile' | 'keyFile' | 'clientCaFile') => {
    try {
      return readFileSync(resolve(spec[field]!));
    } catch (e) {
      throw Object.assign(new Error(`${field}: ${(e as Error).message}`), { field });
    }
  };
  return { cert: read('certFile'), key: read('keyFile'), ca: spec.clientCaFile ? read('clientCaFile') : undefined };
}

export function tlsServerOptions(spec: ListenTlsSpec, files: TlsFiles): ServerOptions {
  const mutual = spec.clientCertificate !== 'none';
  return {
    cert: files.cert,
    key: files.key,
    ca: mutual ? files.ca : undefined,
    requestCert: mutual,
    // `optional` lets clients without a certificate in; a certificate that is presented must still verify (below).
    rejectUnauthorized: spec.clientCertificate === 'required',
  };
}

/**
 * Fail closed in `optional` mode: OpenSSL cannot "verify if presented", so a
 * connection whose certificate did not verify is closed after the handshake.
 */
export function refuseUnverifiedPeers(server: HttpsServer): void {
  server.on('secureConnection', (socket: TLSSocket) => {
    if (socket.authorized) return;
    const cert = socket.getPeerCertificate();
    if (cert && Object.keys(cert).length > 0) socket.destroy();
  });
}

/** Re-read the files when they change and swap the server's context; returns a function that stops watching. */
export function watchTlsFiles(
  server: HttpsServer,
  spec: ListenTlsSpec,
  resolve: (p: string) => string,
  events: { reloaded?: () => void; failed?: (err: Error) => void } = {},
): () => void {
  let current = readTlsFiles(spec, resolve);
  let timer: NodeJS.Timeout | undefined;
  const reload = () => {
    timer = undefined;
    let next: TlsFiles;
    try {
      next = readTlsFiles(spec, resolve);
    } catch (e) {
      return events.failed?.(e as Error); // mid-write, or removed: keep the old context
    }
    if (same(current, next)) return;
    try {
      server.setSecureContext(tlsServerOptions(spec, next));
    } catch (e) {
      return events.failed?.(e as Error);
    }
    current = next;
    events.reloaded?.();
  };
  const dirs = new Set([spec.certFile, spec.keyFile, spec.clientCaFile].filter((f): f is string => !!f).map((f) => dirname(resolve(f))));
  const watchers: FSWatcher[] = [...dirs].map((d) =>
    watch(d, () => {
      clearTimeout(timer);
      timer = setTimeout(reload, RELOAD_DEBOUNCE_MS);
    }).on('error', (e) => events.failed?.(e)),
  );
  return () => {
    clearTimeout(timer);
    for (const w of watchers) w.close();
  };
}

function same(a: TlsFiles, b: TlsFiles): boolean {
  return a.cert.equals(b.cert) && a.key.equals(b.key) && (a.ca && b.ca ? a.ca.equals(b.ca) : a.ca === b.ca);
}
