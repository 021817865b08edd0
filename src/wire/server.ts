/**
 * `sim.listen({ port, host })`: the Lambda REST API over HTTP, for any Lambda client (the AWS CLI
 * with `--endpoint-url`, boto3, the SDK with `endpoint`). Loopback by default. Requests go through
 * the same REST layer as the in-process request handler.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { hostTimeout } from '../kernel/host-time.js';
import type { LambdaSimulator } from '../simulator.js';
import { InvalidRequestContentException, RequestEntityTooLargeException } from '../errors.js';
import { errorResponse, handleRestRequest, maxBodyBytes, operationName, requestIdFor, type RestOptions, type RestResponse } from './rest.js';

export interface ListenOptions extends RestOptions {
  /** TCP port; 0 (default) picks a free one. */
  port?: number;
  /** Interface to bind. Default 127.0.0.1 (loopback only). */
  host?: string;
  /** Real ms `close()` waits for requests in flight before it cuts them off. Default 10 000. */
  closeGraceMs?: number;
}

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
  let inFlight = 0;
  let idle: (() => void) | undefined;
  const server = createServer({ maxHeaderSize: 16 * 1024, requestTimeout: 120_000, headersTimeout: 60_000, keepAliveTimeout: 5_000 }, (req, res) => {
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
  // Malformed requests never reach the REST layer: answer them as HTTP does, and close.
  server.on('clientError', (error: NodeJS.ErrnoException, socket) => {
    const status = error.code === 'HPE_HEADER_OVERFLOW' ? '431 Request Header Fields Too Large' : error.code === 'ERR_HTTP_REQUEST_TIMEOUT' ? '408 Request Timeout' : '400 Bad Request';
    if (socket.writable) socket.end(`HTTP/1.1 ${status}\r\nconnection: close\r\ncontent-length: 0\r\n\r\n`);
    else socket.destroy(error);
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

function tooLarge(limit: number, operation: string, requestId: string): RestResponse {
  return errorResponse(new RequestEntityTooLargeException(`Request must be smaller than ${limit} bytes for the ${operation} operation`), undefined, requestId);
}
