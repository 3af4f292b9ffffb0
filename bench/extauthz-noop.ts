// Do-nothing ext_authz servers: the floors bench/extauthz.ts measures Warden
// against. Both answer every Check with the same fixed OK CheckResponse (the
// bytes of one of Warden's own answers, so the wire traffic is the same).
//
//   node --import tsx bench/extauthz-noop.ts MODE ANSWER_BASE64
//     MODE http2    node:http2 core API: drain the request, send the framed
//                   answer and `grpc-status: 0` trailers (the runtime floor)
//     MODE grpc-js  @grpc/grpc-js with Warden's service definition
//                   (authorizationService()), channelz off as Warden has it:
//                   the request is decoded and the answer encoded per call (the
//                   library floor)
//     ANSWER_BASE64 a serialized envoy.service.auth.v3.CheckResponse
//
// Prints "listening http://127.0.0.1:PORT" (bench/lib/procs.ts startListening).
import { Server, ServerCredentials, type sendUnaryData, type ServerUnaryCall } from '@grpc/grpc-js';
import { createServer, type ServerHttp2Stream } from 'node:http2';
import type { AddressInfo } from 'node:net';
import { authorizationService, type CheckRequest, type CheckResponse } from '../src/extauthz/proto.js';
import { grpcFrame } from './lib/h2load.js';

const [mode, answerBase64] = process.argv.slice(2);
if ((mode !== 'http2' && mode !== 'grpc-js') || !answerBase64) {
  console.error('usage: extauthz-noop.ts http2|grpc-js ANSWER_BASE64');
  process.exit(2);
}
const answer = Buffer.from(answerBase64, 'base64');
const method = authorizationService().Check!;

if (mode === 'grpc-js') {
  const response = method.responseDeserialize(answer) as CheckResponse;
  const server = new Server({ 'grpc.enable_channelz': 0 });
  server.addService(authorizationService(), {
    Check(_call: ServerUnaryCall<CheckRequest, CheckResponse>, done: sendUnaryData<CheckResponse>) {
      done(null, response);
    },
  });
  server.bindAsync('127.0.0.1:0', ServerCredentials.createInsecure(), (err, port) => {
    if (err) throw err;
    console.log(`listening http://127.0.0.1:${port}`);
  });
} else {
  const frame = grpcFrame(answer);
  const server = createServer();
  server.on('stream', (stream: ServerHttp2Stream) => {
    stream.on('data', () => {});
    stream.on('end', () => {
      stream.respond({ ':status': 200, 'content-type': 'application/grpc' }, { waitForTrailers: true });
      stream.once('wantTrailers', () => stream.sendTrailers({ 'grpc-status': '0' }));
      stream.end(frame);
    });
    stream.on('error', () => {});
  });
  server.listen(0, '127.0.0.1', () => console.log(`listening http://127.0.0.1:${(server.address() as AddressInfo).port}`));
}
