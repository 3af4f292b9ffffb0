// Starts the ext_proc listener (spec.extProc): Envoy forwards, and streams
// each request and its answer through Warden's whole pipeline.
import type { ExtProcSpec } from '../config/schema.js';
import { durationMs } from '../config/schema.js';
import type { ProcessorParts } from './processor.js';
import type { RunningGrpcServer } from '../envoy-api/serve.js';
import { maxMessageBytes, startExtProcServer, type ExtProcStreams } from './server.js';

export type { ExtProcStreams } from './server.js';

/** The parts a stream runs on, from a config's spec.extProc and its admission parts. */
export function processorParts(spec: ExtProcSpec, parts: Omit<ProcessorParts, 'timeoutMs' | 'bodyBufferBytes'>): ProcessorParts {
  return { ...parts, timeoutMs: durationMs(spec.timeout), bodyBufferBytes: spec.bodyBufferBytes };
}

/**
 * `maxBodyBytes`: the largest route's, which bounds a gRPC message (a BUFFERED body); set when the
 * listener starts.
 */
export function startExtProc(spec: ExtProcSpec, streams: ExtProcStreams, maxBodyBytes: number, host: string): Promise<RunningGrpcServer> {
  return startExtProcServer(streams, host, spec.grpc.port, maxMessageBytes(maxBodyBytes));
}
