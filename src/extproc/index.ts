// Starts the ext_proc listener (spec.extProc): Envoy forwards, and streams
// each request and its answer through Warden's whole pipeline.
import type { ExtProcSpec } from '../config/schema.js';
import { durationMs } from '../config/schema.js';
import type { ProcessorParts } from './processor.js';
import { maxMessageBytes, startExtProcServer, type RunningExtProc } from './server.js';

export type { RunningExtProc } from './server.js';

export function startExtProc(
  spec: ExtProcSpec,
  parts: Omit<ProcessorParts, 'timeoutMs' | 'bodyBufferBytes'> & { routes: { spec: { maxBodyBytes: number } }[] },
  host: string,
): Promise<RunningExtProc> {
  const maxBody = Math.max(...parts.routes.map((r) => r.spec.maxBodyBytes));
  return startExtProcServer({ ...parts, timeoutMs: durationMs(spec.timeout), bodyBufferBytes: spec.bodyBufferBytes }, host, spec.grpc.port, maxMessageBytes(maxBody));
}
