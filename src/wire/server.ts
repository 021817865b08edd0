/**
 * `sim.listen({ port, host })`: the Lambda REST API over HTTP, for any Lambda client (the AWS CLI
 * with `--endpoint-url`, boto3, the SDK with `endpoint`). Loopback by default. Requests go through
 * the same REST layer as the in-process request handler.
 */
import { createServer, STATUS_CODES, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { hostTimeout } from '../kernel/host-time.js';
import type { LambdaSimulator } from '../simulator.js';
import { InvalidRequestContentException, RequestEntityTooLargeException, RequestTimeoutException } from '../errors.js';
import { errorResponse, handleRestRequest, maxBodyBytes, operationName, requestIdFor, type RestOptions, type RestResponse } from './rest.js';

export interface ListenOptions extends RestOptions {
  /** TCP port; 0 (default) picks a free one. */
  port?: number;
  /** Interface to bind. Default 127.0.0.1 (loopback only). */
  host?: string;
  /** Real ms `close()` waits for requests in flight before it cuts them off. Default 10 000. */
  closeGraceMs?: number;
  /**
   * Real ms a client has to send a request's headers, counted from its first byte (or from the
   * connection, for a client that sends nothing). Default 60 000, and at most `requestTimeoutMs`.
   * A slower client is answered 408 `RequestTimeoutException` and disconnected.
   */
  headersTimeoutMs?: number;
  /**
   * Real ms a client has to send a whole request, headers and body. Default 120 000. A client that
   * is slower, or never finishes its body, is answered 408 `RequestTimeoutException` and
   * disconnected, and its function does not run. Only receiving counts: a function may then run for
   * as long as its Timeout while the client waits for the answer.
   */
  requestTimeoutMs?: number;
}

/** Node checks request deadlines every this many ms at most; a small timeout is checked more often. */
const MAX_CHECK_INTERVAL_MS = 30_000;

export interface LambdaEndpoint {
  /** `http://host:port`: the endpoint URL to give clients. */
  readonly url: string;
  readonly port: number;
  /** Stops accepting requests, lets those in flight finish (up to `closeGraceMs`), then closes every connection. */
  close(): Promise<void>;
}

export async function listen(sim: LambdaSimulator, options: ListenOptions = {}): Promise<LambdaEndpoint> {
  const host = options.host ?? '127.0.0.1';
  const port = options.port ?? 0;
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new TypeError(`Expected \`port\` to be an integer from 0 to 65535, got \`${String(port)}\``);
  const grace = options.closeGraceMs ?? 10_000;
  const { headersTimeout, requestTimeout } = receiveTimeouts(options);
  let inFlight = 0;
  let idle: (() => void) | undefined;
  const server = createServer({
    maxHeaderSize: 16 * 1024,
    requestTimeout,
    headersTimeout,
    // Deadlines are checked on an interval: a fraction of the shortest, so a 200 ms timeout cuts at ~250 ms, not at Node's 30 s.
    connectionsCheckingInterval: Math.max(10, Math.min(MAX_CHECK_INTERVAL_MS, Math.floor(headersTimeout / 4))),
    keepAliveTimeout: 5_000,
  }, (req, res) => {
    inFlight++;
    void serve(sim, req, res, options)
      .catch((error: unknown) => {
        // Nothing escapes a request: a bug here answers 500 instead of taking the server down.
        if (!res.headersSent && !res.destroyed) send(res, errorResponse(error, undefined, requestIdFor(sim)));
      })
      .finally(() => {
      inFlight--;
      if (inFlight === 0) idle?.();
    });
  });
  // A function may run for 900 s: no socket timeout while a response is pending.
  server.timeout = 0;
  // Malformed, oversized, truncated or too slow requests never reach the REST layer: answer them
  // (typed, as every other answer) and close. A request whose body was cut short this way reads as
  // 'aborted' in serve(), so its function does not run.
  server.on('clientError', (error: NodeJS.ErrnoException & { reason?: string }, socket) => {
    if (!socket.writable) return void socket.destroy(error);
    const { statusCode, headers, body } = clientErrorResponse(error, { headersTimeout, requestTimeout }, requestIdFor(sim));
    const head = Object.entries({ ...headers, connection: 'close', 'content-length': String(body.byteLength) }).map(([k, v]) => `${k}: ${v}\r\n`);
    socket.end(Buffer.concat([Buffer.from(`HTTP/1.1 ${statusCode} ${STATUS_CODES[statusCode] ?? ''}\r\n${head.join('')}\r\n`), body]));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  const shown = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  let closing: Promise<void> | undefined;
  return {
    url: `http://${shown}:${address.port}`,
    port: address.port,
    close() {
      closing ??= new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeIdleConnections();
        const drained = new Promise<void>((r) => {
          if (inFlight === 0) r();
          else idle = r;
        });
        const timer = hostTimeout(grace, () => server.closeAllConnections());
        void drained.then(() => {
          timer.cancel();
          server.closeAllConnections();
        });
      });
      return closing;
    },
  };
}

async function serve(sim: LambdaSimulator, req: IncomingMessage, res: ServerResponse, options: RestOptions): Promise<void> {
  // A client that goes away must not take the server down; the invocation still ends and is recorded.
  res.on('error', () => {});
  req.on('error', () => {});
  let url: URL;
  try {
    url = new URL(req.url ?? '/', 'http://localhost');
  } catch {
    res.setHeader('connection', 'close');
    send(res, errorResponse(new InvalidRequestContentException(`Malformed request target: ${String(req.url).slice(0, 200)}`), undefined, requestIdFor(sim)));
    return;
  }
  const method = req.method ?? 'GET';
  const limit = maxBodyBytes(method, url.pathname);
  let response: RestResponse;
  const body = await readBody(req, limit);
  if (body === 'aborted') return; // the client went away mid-upload: nothing to run, nobody to answer
  if (body === 'too-large') {
    response = tooLarge(limit, operationName(method, url.pathname), requestIdFor(sim));
    res.setHeader('connection', 'close');
  } else {
    const headers: Record<string, string | undefined> = {};
    for (const [k, v] of Object.entries(req.headers)) headers[k] = Array.isArray(v) ? v.join(',') : v;
    response = await handleRestRequest(sim, { method, path: url.pathname, query: url.searchParams, headers, body }, options);
  }
  if (res.destroyed) return;
  send(res, response);
}

function send(res: ServerResponse, response: RestResponse): void {
  res.writeHead(response.statusCode, { ...response.headers, 'content-length': String(response.body.byteLength) });
  res.end(response.body);
}

/** The request body; 'too-large' past the limit (the rest is not read); 'aborted' when the upload was cut short. */
function readBody(req: IncomingMessage, limit: number): Promise<Uint8Array | 'too-large' | 'aborted'> {
  return new Promise((resolve) => {
    const declared = Number(req.headers['content-length'] ?? 0);
    if (declared > limit) {
      resolve('too-large');
      req.resume();
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        req.removeAllListeners('data');
        req.resume();
        resolve('too-large');
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolve(new Uint8Array(Buffer.concat(chunks))));
    const cut = (): void => resolve(req.complete ? new Uint8Array(Buffer.concat(chunks)) : 'aborted');
    req.on('aborted', cut);
    req.on('close', cut);
  });
}

/** `headersTimeoutMs` and `requestTimeoutMs`, checked (Node refuses a headers timeout above the request timeout). */
function receiveTimeouts(options: ListenOptions): { headersTimeout: number; requestTimeout: number } {
  const check = (name: string, value: unknown): number => {
    if (typeof value !== 'number' || !Number.isInteger(value) || value < 1) throw new TypeError(`Expected \`${name}\` to be whole milliseconds >= 1, got \`${String(value)}\``);
    return value;
  };
  const requestTimeout = check('requestTimeoutMs', options.requestTimeoutMs ?? 120_000);
  const headersTimeout = check('headersTimeoutMs', options.headersTimeoutMs ?? Math.min(60_000, requestTimeout));
  if (headersTimeout > requestTimeout) throw new TypeError(`Expected \`headersTimeoutMs\` (${headersTimeout}) to be at most \`requestTimeoutMs\` (${requestTimeout})`);
  return { headersTimeout, requestTimeout };
}

/** The answer to a request Node's HTTP parser refused or timed out. */
function clientErrorResponse(error: NodeJS.ErrnoException & { reason?: string }, timeouts: { headersTimeout: number; requestTimeout: number }, requestId: string): RestResponse {
  switch (error.code) {
    case 'ERR_HTTP_REQUEST_TIMEOUT':
      return errorResponse(
        new RequestTimeoutException(`The request was not received in time: headers within ${timeouts.headersTimeout} ms, the whole request within ${timeouts.requestTimeout} ms`),
        undefined,
        requestId,
      );
    case 'HPE_HEADER_OVERFLOW':
      return errorResponse(new InvalidRequestContentException('Request header fields too large: at most 16 KB of headers'), 431, requestId);
    case 'HPE_INVALID_EOF_STATE':
      return errorResponse(new InvalidRequestContentException('The connection was closed before the request was complete'), undefined, requestId);
    default:
      return errorResponse(new InvalidRequestContentException(`Malformed HTTP request: ${error.code ?? 'unparsable'}${error.reason === undefined ? '' : ` (${String(error.reason)})`}`), undefined, requestId);
  }
}

function tooLarge(limit: number, operation: string, requestId: string): RestResponse {
  return errorResponse(new RequestEntityTooLargeException(`Request must be smaller than ${limit} bytes for the ${operation} operation`), undefined, requestId);
}
