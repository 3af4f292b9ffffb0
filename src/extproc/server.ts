// envoy.service.ext_proc.v3.ExternalProcessor/Process over gRPC: one
// bidirectional stream per HTTP request, each handed to its own
// ExchangeProcessor. Plain HTTP/2 on the listener: in the mesh, Warden's own
// sidecar terminates Envoy's mTLS.
import { Server, ServerCredentials, type ServerDuplexStream } from '@grpc/grpc-js';
import { hostPort, ListenError } from '../listen.js';
import { ExchangeProcessor, type ProcessorParts } from './processor.js';
import { externalProcessorService, type ProcessingRequest, type ProcessingResponse } from './proto.js';

export interface RunningExtProc {
  /** `host:port` actually bound. */
  address: string;
  port: number;
  close(): Promise<void>;
}

/**
 * A message larger than this ends the stream with RESOURCE_EXHAUSTED (Envoy then fails the request).
 * Envoy's chunks are bounded by its buffer limit; a BUFFERED body is at most the route's
 * maxBodyBytes (larger ones are refused with 413 anyway); the rest is headers and attributes.
 */
export function maxMessageBytes(maxBodyBytes: number): number {
  return maxBodyBytes + 1024 * 1024;
}

export async function startExtProcServer(parts: ProcessorParts, host: string, port: number, maxMessage: number): Promise<RunningExtProc> {
  // channelz off: its per-call bookkeeping costs CPU on every stream, and nothing reads it.
  const server = new Server({ 'grpc.enable_channelz': 0, 'grpc.max_receive_message_length': maxMessage });
  server.addService(externalProcessorService(), {
    Process(call: ServerDuplexStream<ProcessingRequest, ProcessingResponse>) {
      let open = true;
      const processor = new ExchangeProcessor(parts, {
        send(r) {
          if (open) call.write(r);
        },
        fail(code, details) {
          if (!open) return;
          open = false;
          call.emit('error', { code, details });
        },
        end() {
          if (!open) return;
          open = false;
          call.end();
        },
      });
      call.on('data', (m: ProcessingRequest) => processor.message(m));
      // Envoy half-closes once it needs nothing more, or resets the stream (the caller or the upstream went
      // away, its message timeout passed); a transport error is the same to the exchange. After the messages
      // already queued, the exchange is recorded if it was not, and Warden's side ends.
      call.on('end', () => processor.closed('Envoy closed the stream').then(() => {
        if (open) call.end();
        open = false;
      }));
      call.on('cancelled', () => {
        open = false;
        void processor.closed('Envoy cancelled the stream');
      });
      call.on('error', (e: Error) => {
        open = false;
        void processor.closed(`stream error: ${e.message}`);
      });
    },
  });
  const bound = await new Promise<number>((resolve, reject) =>
    server.bindAsync(hostPort(host, port), ServerCredentials.createInsecure(), (err, p) =>
      err ? reject(new ListenError('spec.extProc.grpc.port', host, port, err)) : resolve(p),
    ),
  );
  return {
    address: `${host}:${bound}`,
    port: bound,
    close: () =>
      new Promise<void>((resolve) => {
        // Streams last as long as answers do (an SSE answer can take minutes): give them a moment, then cut.
        const force = setTimeout(() => server.forceShutdown(), 1000);
        server.tryShutdown(() => {
          clearTimeout(force);
          resolve();
        });
      }),
  };
}
