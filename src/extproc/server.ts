// envoy.service.ext_proc.v3.ExternalProcessor/Process over gRPC: one
// bidirectional stream per HTTP request, each handed to its own
// ExchangeProcessor.
//
// Each stream asks the gateway, as it begins, for the parts of the config in
// service (a reload swaps them; a stream keeps the ones it began with), and
// says when it is over, so that shutdown can wait for it or cut it (drain.ts).
import { Server, type ServerDuplexStream } from '@grpc/grpc-js';
import { serveGrpc, type RunningGrpcServer } from '../envoy-api/serve.js';
import { ExchangeProcessor, type ProcessorParts } from './processor.js';
import { externalProcessorService, type ProcessingRequest, type ProcessingResponse } from './proto.js';

/** What the gateway gives each stream. */
export interface ExtProcStreams {
  /**
   * A stream begins: the parts it runs on to its end. `cut` is called when shutdown's time is up
   * (the exchange is then recorded as SHUTDOWN and the stream ended); `end` once the stream is over.
   */
  begin(cut: () => void): { parts: ProcessorParts; end(): void };
}

/**
 * A message larger than this ends the stream with RESOURCE_EXHAUSTED (Envoy then fails the request).
 * Envoy's chunks are bounded by its buffer limit; a BUFFERED body is at most the route's
 * maxBodyBytes (larger ones are refused with 413 anyway); the rest is headers and attributes.
 */
export function maxMessageBytes(maxBodyBytes: number): number {
  return maxBodyBytes + 1024 * 1024;
}

export async function startExtProcServer(streams: ExtProcStreams, host: string, port: number, maxMessage: number): Promise<RunningGrpcServer> {
  // channelz off: its per-call bookkeeping costs CPU on every stream, and nothing reads it.
  const server = new Server({ 'grpc.enable_channelz': 0, 'grpc.max_receive_message_length': maxMessage });
  server.addService(externalProcessorService(), {
    Process(call: ServerDuplexStream<ProcessingRequest, ProcessingResponse>) {
      let open = true;
      // Over once Warden's side has ended (every ending records the exchange first) or Envoy's has and the
      // exchange is recorded: the gateway counts the stream until then.
      let over = false;
      const ended = () => {
        if (over) return;
        over = true;
        stream.end();
      };
      // `cut` runs only later, at shutdown's timeout: the processor exists by then.
      const stream = streams.begin(() => processor.shutdown());
      const processor = new ExchangeProcessor(stream.parts, {
        send(r) {
          if (open) call.write(r);
        },
        fail(code, details) {
          if (!open) return;
          open = false;
          call.emit('error', { code, details });
          ended();
        },
        end() {
          if (!open) return;
          open = false;
          call.end();
          ended();
        },
      });
      call.on('data', (m: ProcessingRequest) => processor.message(m));
      // Envoy half-closes once it needs nothing more, or resets the stream (the caller or the upstream went
      // away, its message timeout passed); a transport error is the same to the exchange. After the messages
      // already queued, the exchange is recorded if it was not, and Warden's side ends.
      call.on('end', () => processor.closed('Envoy closed the stream').then(() => {
        if (open) call.end();
        open = false;
        ended();
      }));
      call.on('cancelled', () => {
        open = false;
        void processor.closed('Envoy cancelled the stream').then(ended);
      });
      call.on('error', (e: Error) => {
        open = false;
        void processor.closed(`stream error: ${e.message}`).then(ended);
      });
    },
  });
  return serveGrpc(server, host, port, 'spec.extProc.grpc.port');
}
