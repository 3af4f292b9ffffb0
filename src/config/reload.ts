// Hot reload's rules: a running Warden takes a new config whole or not at
// all, and some parts of it only at a restart. Those are what a process binds
// or opens once: its listeners, the audit writer with its hash chain, the
// telemetry exporters. A reload that changes one is refused, with the field.
import { resolve } from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import { WatchedFile } from '../credentials/watched-file.js';
import type { GatewaySpec } from './schema.js';
import type { LoadedConfig } from './load.js';

const RESTART_ONLY: { field: keyof GatewaySpec; what: string; of?: (spec: GatewaySpec) => unknown }[] = [
  { field: 'listen', what: 'the listen address, port and TLS settings' },
  { field: 'admin', what: 'the admin listener' },
  // The check timeout is read per check: it may change.
  { field: 'extAuthz', what: 'the ext_authz listeners', of: (s) => s.extAuthz && { grpc: s.extAuthz.grpc, http: s.extAuthz.http } },
  // Its timeout and body buffer are read per stream: they may change.
  { field: 'extProc', what: 'the ext_proc listener', of: (s) => s.extProc && { grpc: s.extProc.grpc } },
  { field: 'audit', what: 'the audit store and its hash chain' },
  { field: 'telemetry', what: 'telemetry (the OTLP exporter, metric labels)' },
];

/**
 * Reports, on `next`, each part that differs from the running config and
 * cannot change without a restart. `next` is otherwise a good config.
 */
export function reportRestartOnly(running: LoadedConfig, next: LoadedConfig): void {
  const a = running.gateway.value;
  const b = next.gateway.value;
  for (const { field, what, of } of RESTART_ONLY) {
    const get = of ?? ((s: GatewaySpec) => s[field]);
    if (isDeepStrictEqual(get(a), get(b))) continue;
    next.gateway.report([field], `${what} cannot change without a restart; this change was not applied`,
      `restart Warden to apply it, or put the running value back to reload the rest`);
  }
}

/** Calls `onChange` when the config file's text changes (an edit, or Kubernetes swapping a ConfigMap mounted as a directory). */
export function watchConfig(file: string, onChange: () => void): { close(): void } {
  let watched: WatchedFile;
  try {
    watched = new WatchedFile(resolve(file));
  } catch {
    return { close() {} };
  }
  watched.watch(onChange);
  return watched;
}
