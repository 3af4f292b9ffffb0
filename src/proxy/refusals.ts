// Requests node:http refuses before the pipeline sees them: what its parser
// will not read (Content-Length with Transfer-Encoding, a disguised
// Transfer-Encoding, two Content-Lengths — request smuggling attempts —,
// headers over the size limit, a target it cannot parse) and CONNECT. Node
// would answer these itself, without a request id and without a trace in the
// audit; here each is answered in the route's protocol with `x-request-id`,
// and recorded with its reason, like any other refused request.
import { randomUUID } from 'node:crypto';
import { STATUS_CODES, type IncomingMessage, type Server } from 'node:http';
import type { Duplex } from 'node:stream';
import { WardenError } from '../errors.js';
import type { Provider } from '../providers/index.js';
import type { Principal, RequestInfo } from '../types.js';
import type { Exchange } from '../admission/exchange.js';
import type { Recorder } from '../admission/record.js';

const ANONYMOUS: Principal = Object.freeze({ groups: [], methods: [] }) as Principal;
/** The request line, when the parser got that far: method and target for the access log. */
const REQUEST_LINE = /^([A-Z]{1,20}) ([\x21-\x7e]{1,2048}) HTTP\/1\.[01]\r?\n/;

/** `provider`: the protocol refusals are answered in (the config in service's first route's; a reload may change it). */
export function answerParserRefusals(server: Server, recorder: Recorder, provider: () => Provider): void {
  server.on('clientError', (err: NodeJS.ErrnoException & { rawPacket?: Buffer }, socket: Duplex) => {
    // Nothing to answer: the caller went away, or the connection already carries an answer.
    if (err.code === 'ECONNRESET' || !socket.writable || (socket as Duplex & { _httpMessage?: { headersSent?: boolean } })._httpMessage?.headersSent) {
      socket.destroy();
      return;
    }
    refuse(socket, recorder, provider(), parserError(err), err.rawPacket);
  });
  server.on('connect', (req: IncomingMessage, socket: Duplex) => {
    const err = new WardenError('INVALID_ARGUMENT', 'REQUEST_TARGET_INVALID', 'CONNECT (authority-form request target) is not served: Warden is not a tunnel');
    refuse(socket, recorder, provider(), err, undefined, req);
  });
}

function parserError(err: NodeJS.ErrnoException): WardenError {
  switch (err.code) {
    case 'HPE_HEADER_OVERFLOW':
      return new WardenError('INVALID_ARGUMENT', 'HEADERS_TOO_LARGE', 'the request headers exceed the server\'s limit', { httpStatus: 431 });
    case 'HPE_CHUNK_EXTENSIONS_OVERFLOW':
      return new WardenError('INVALID_ARGUMENT', 'REQUEST_MALFORMED', 'the chunk extensions exceed the server\'s limit', { httpStatus: 413 });
    case 'ERR_HTTP_REQUEST_TIMEOUT':
      return new WardenError('DEADLINE_EXCEEDED', 'REQUEST_TIMEOUT', 'the request headers did not arrive in time', { httpStatus: 408 });
    default:
      // llhttp's message names the fault ("Transfer-Encoding can't be present with Content-Length"), never request text.
      return new WardenError('INVALID_ARGUMENT', 'REQUEST_MALFORMED', `the request cannot be parsed: ${err.message.replace(/^Parse Error: /, '')}`);
  }
}

function refuse(socket: Duplex, recorder: Recorder, provider: Provider, err: WardenError, raw: Buffer | undefined, req?: IncomingMessage): void {
  const line = req ? undefined : raw && REQUEST_LINE.exec(raw.subarray(0, 2100).toString('latin1'));
  const info: RequestInfo = {
    id: randomUUID(),
    method: req?.method ?? line?.[1] ?? '',
    path: req?.url ?? line?.[2] ?? '',
    query: '',
    host: '',
    headers: {},
    sourceIp: stripV4Mapped((socket as Duplex & { remoteAddress?: string }).remoteAddress ?? ''),
  };
  const out = provider.renderError(err, info.id);
  const body = Buffer.from(out.body);
  const head = [`HTTP/1.1 ${out.status} ${STATUS_CODES[out.status] ?? ''}`];
  for (const [k, v] of Object.entries(out.headers)) head.push(`${k}: ${v}`);
  head.push(`x-request-id: ${info.id}`, `content-length: ${body.length}`, 'connection: close', '', '');
  const ex: Exchange = { req: info, started: performance.now(), principal: ANONYMOUS, status: out.status, error: err };
  // As in the pipeline: the answer goes out once the record is in the audit spool.
  recorder.record(ex, () => socket.end(Buffer.concat([Buffer.from(head.join('\r\n'), 'latin1'), body])));
}

function stripV4Mapped(addr: string): string {
  return addr.startsWith('::ffff:') ? addr.slice(7) : addr;
}
