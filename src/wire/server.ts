/**
 * `sim.listen({ port, host })`: the Lambda REST API over HTTP, for any Lambda client (the AWS CLI
 * with `--endpoint-url`, boto3, the SDK with `endpoint`). Loopback by default. Requests go through
 * the same REST layer as the in-process request handler.
 *
 * What a client can make the host hold is bounded: connections (`maxConnections`, and
 * `keepAliveTimeoutMs` for idle ones), request bodies (per operation, and `maxBufferedBodyBytes`
 * across all requests, counted in bytes received), and time (`headersTimeoutMs`,
 * `requestTimeoutMs`). Each bound is answered with a typed error, as Lambda's own answers are.
 */
import { createServer, STATUS_CODES, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { hostTimeout, type HostTimer } from '../kernel/host-time.js';
import type { LambdaApi } from '../api/operations.js';
import { HostLimitExceededError, InvalidRequestContentException, RequestEntityTooLargeException, RequestTimeoutException } from '../errors.js';
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
  /**
   * Connections this endpoint serves at once, idle keep-alive ones included. Default 256: well
   * under the usual 1,024 open files a process may have (`ulimit -n`), which the sandboxes, the
   * supervised child's pipes and the user's own files share, and still room for several SDK
   * clients with full keep-alive pools (the SDK opens up to 50 sockets per client). A connection
   * past the cap is answered 503 `HostLimitExceededError` (with `retry-after: 1`, so the SDKs and
   * the CLI retry it) on the raw socket and closed; connections already open are unaffected. A
   * connection the server has answered for the last time (a 408, say) stops counting at once and
   * gets at most a second to close its side before the server closes it.
   */
  maxConnections?: number;
  /**
   * Real ms a keep-alive connection may stay idle between requests, as the server advertises it
   * (`keep-alive: timeout=…`); Node closes the connection a second after that, so that clients
   * stop using it first. Default 5 000 (Node's own). Without it idle sockets of clients that keep
   * them would pile up to `maxConnections`.
   */
  keepAliveTimeoutMs?: number;
  /**
   * Bytes of request bodies this endpoint holds at once, across all its requests. A request is
   * charged the bytes of its body as they arrive, not what it declares (a client that declares a
   * large `Content-Length` and sends nothing holds nothing), and holds them until its answer is
   * sent, since its body stays in memory while its function runs. Default 268 435 456 (256 MB):
   * three of the largest code uploads (a 50 MB zip in base64, about 67 MB each) or forty 6 MB
   * invokes at once, while eight slow clients cannot make the host hold 8 × 60 MB.
   *
   * A request whose declared length is larger than the whole budget is answered at once, before
   * its body is read, with 413 `RequestEntityTooLargeException` (it never fits), as is one over its
   * operation's limit. Otherwise its body is read, and the request whose next chunk would pass the
   * budget is answered 503 `HostLimitExceededError` (`retry-after: 1`: it fits once others are
   * answered); its connection is closed and what it had sent is given back. The answer does not say
   * how much the others hold. `Expect: 100-continue` hears its 100 as soon as its declared length
   * is within those two limits: nothing is reserved for it, so it may still be refused while it
   * sends. A body that stalls holds what it has sent until `requestTimeoutMs` ends it (408).
   */
  maxBufferedBodyBytes?: number;
}

/** Node checks request deadlines every this many ms at most; a small timeout is checked more often. */
const MAX_CHECK_INTERVAL_MS = 30_000;
/**
 * A connection refused at the cap, or closed after an error answer (408, 400, 431), gets at most
 * this long (real ms) after its answer to close its side; then the server closes it.
 */
const LINGER_MS = 1_000;
/** Such connections waiting out their linger at once; past this one is closed as soon as its answer is written. */
const MAX_LINGERING = 64;

export interface LambdaEndpoint {
  /** `http://host:port`: the endpoint URL to give clients. */
  readonly url: string;
  readonly port: number;
  /** Stops accepting requests, lets those in flight finish (up to `closeGraceMs`), then closes every connection. */
  close(): Promise<void>;
}

export async function listen(sim: LambdaApi, options: ListenOptions = {}): Promise<LambdaEndpoint> {
  const host = options.host ?? '127.0.0.1';
  const port = options.port ?? 0;
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new TypeError(`Expected \`port\` to be an integer from 0 to 65535, got \`${String(port)}\``);
  const grace = options.closeGraceMs ?? 10_000;
  const { headersTimeout, requestTimeout } = receiveTimeouts(options);
  const maxConnections = wholeOption('maxConnections', options.maxConnections ?? 256, 'an integer');
  const keepAliveTimeout = wholeOption('keepAliveTimeoutMs', options.keepAliveTimeoutMs ?? 5_000, 'whole milliseconds');
  const budget = new BodyBudget(wholeOption('maxBufferedBodyBytes', options.maxBufferedBodyBytes ?? 256 * 1024 * 1024, 'whole bytes'));
  let inFlight = 0;
  let idle: (() => void) | undefined;
  const onRequest = (req: IncomingMessage, res: ServerResponse, expectsContinue = false): void => {
    inFlight++;
    const hold = budget.hold();
    void serve(sim, { req, res, hold, expectsContinue }, options)
      .catch((error: unknown) => {
        // Nothing escapes a request: a bug here answers 500 instead of taking the server down.
        if (!res.headersSent && !res.destroyed) send(res, errorResponse(error, undefined, requestIdFor(sim)));
      })
      .finally(() => {
      hold.release();
      inFlight--;
      if (inFlight === 0) idle?.();
    });
  };
  const server = createServer({
    maxHeaderSize: 16 * 1024,
    requestTimeout,
    headersTimeout,
    // Deadlines are checked on an interval: a fraction of the shortest, so a 200 ms timeout cuts at ~250 ms, not at Node's 30 s.
    connectionsCheckingInterval: Math.max(10, Math.min(MAX_CHECK_INTERVAL_MS, Math.floor(headersTimeout / 4))),
    keepAliveTimeout,
  }, (req, res) => onRequest(req, res));
  // `Expect: 100-continue`: serve() sends the 100 only once the declared length is within the
  // operation's limit and the whole budget, so a client refused for its size never sends the body
  // at all (Node would send the 100 before asking). Nothing is reserved for it: its bytes are
  // charged as they arrive, like everyone's.
  server.on('checkContinue', (req: IncomingMessage, res: ServerResponse) => onRequest(req, res, true));
  const connections = new ConnectionCap(server, maxConnections, () =>
    errorResponse(new HostLimitExceededError(`This endpoint serves at most ${maxConnections} connection${maxConnections === 1 ? '' : 's'} at once (listen({ maxConnections })); try again once one has closed`), 503, requestIdFor(sim)),
  );
  // A function may run for 900 s: no socket timeout while a response is pending.
  server.timeout = 0;
  // Malformed, oversized, truncated or too slow requests never reach the REST layer: answer them
  // (typed, as every other answer) and close. A request whose body was cut short this way reads as
  // 'aborted' in serve(), so its function does not run.
  server.on('clientError', (error: NodeJS.ErrnoException & { reason?: string }, socket) => {
    if (!socket.writable) return void socket.destroy(error);
    connections.answerAndClose(socket as Socket, rawResponse(clientErrorResponse(error, { headersTimeout, requestTimeout }, requestIdFor(sim))));
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
  const endpoint: LambdaEndpoint = {
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
        connections.closeLingering();
        const timer = hostTimeout(grace, () => server.closeAllConnections());
        void drained.then(() => {
          timer.cancel();
          server.closeAllConnections();
        });
      });
      return closing;
    },
  };
  budgets.set(endpoint, budget);
  return endpoint;
}

/** What an endpoint's request bodies hold now, as {@link bodyBudgetOf} shows it. */
export interface BodyBudgetView {
  /** `maxBufferedBodyBytes`. */
  readonly size: number;
  /** Bytes of request bodies received and held now. */
  readonly used: number;
  /** Resolves once `test(used)` holds: at once if it does now, else at the first change that makes it hold. */
  until(test: (used: number) => boolean): Promise<void>;
}

const budgets = new WeakMap<LambdaEndpoint, BodyBudget>();

/**
 * Internal hook (tests, diagnostics; not exported from the package): the body budget of an endpoint
 * {@link listen} returned. Clients never see these numbers: an answer saying how much is held would
 * let a client fill the budget to the byte.
 */
export function bodyBudgetOf(endpoint: LambdaEndpoint): BodyBudgetView | undefined {
  return budgets.get(endpoint);
}

/** One request as listen() hands it over: `hold` is its share of the body budget, `expectsContinue` says it waits for a 100. */
interface Exchange {
  req: IncomingMessage;
  res: ServerResponse;
  hold: BodyHold;
  expectsContinue: boolean;
}

async function serve(sim: LambdaApi, { req, res, hold, expectsContinue }: Exchange, options: RestOptions): Promise<void> {
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
  const body = await readBody(req, limit, hold, () => expectsContinue && res.writeContinue());
  if (body === 'aborted') return; // the client went away mid-upload: nothing to run, nobody to answer
  if (typeof body === 'string') {
    // Refused before (or while) its body arrives: the connection closes after the answer; until then the rest is read and dropped.
    response = refusedBody(body, { limit, operation: operationName(method, url.pathname), budget: hold.budget.size }, requestIdFor(sim));
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

/**
 * The request body, held against the endpoint's budget as it arrives; or why it was refused:
 * 'too-large' past its operation's limit, 'never-fits' when it is larger than the whole budget
 * (both known from a declared length before anything is read, or from the chunk that passes),
 * 'over-budget' when a chunk would pass what the endpoint's budget has left now. A refused body is
 * not kept: what arrived is dropped and given back, the rest is read and discarded until the
 * connection closes after the answer. 'aborted' when the upload was cut short. `onAccepted` is
 * called once the declared length is within both limits, before the body is read.
 *
 * Only bytes received are charged, never a declared length: a client that declares a large body
 * and sends a byte holds a byte, so it cannot make the endpoint refuse others.
 */
function readBody(req: IncomingMessage, limit: number, hold: BodyHold, onAccepted: () => void): Promise<Uint8Array | 'too-large' | 'over-budget' | 'never-fits' | 'aborted'> {
  return new Promise((resolve) => {
    let chunks: Buffer[] = [];
    let size = 0;
    const refuse = (why: 'too-large' | 'over-budget' | 'never-fits'): void => {
      chunks = [];
      hold.release();
      req.removeAllListeners('data');
      req.resume();
      resolve(why);
    };
    // Refused from the headers alone when it can be: a declared length over a bound is never read.
    const length = Number(req.headers['content-length'] ?? 0); // Node's parser has checked it is digits
    const declared = Number.isFinite(length) ? length : 0;
    if (declared > limit) return refuse('too-large');
    if (declared > hold.budget.size) return refuse('never-fits');
    onAccepted();
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) return refuse('too-large'); // a chunked body declares nothing: its limit is checked as it arrives
      const taken = hold.take(chunk.length);
      if (taken !== 'taken') return refuse(taken);
      chunks.push(chunk);
    });
    const joined = (): Uint8Array => {
      const buffer = Buffer.concat(chunks);
      chunks = [];
      return new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.byteLength); // a view: no second copy of a large body
    };
    req.on('end', () => resolve(joined()));
    const cut = (): void => resolve(req.complete ? joined() : 'aborted');
    req.on('aborted', cut);
    req.on('close', cut);
  });
}

/**
 * The endpoint's budget of request-body bytes (`maxBufferedBodyBytes`). Each request holds a share
 * through a {@link BodyHold}: the bytes of its body received so far, until its answer is sent.
 */
class BodyBudget implements BodyBudgetView {
  readonly size: number;
  #used = 0;
  /** Checks of pending until() calls, run at every change. */
  readonly #watchers = new Set<() => void>();
  constructor(size: number) {
    this.size = size;
  }
  get used(): number {
    return this.#used;
  }
  hold(): BodyHold {
    return new BodyHold(this, (n) => {
      if (n === 0) return;
      this.#used += n;
      for (const check of this.#watchers) check();
    });
  }
  until(test: (used: number) => boolean): Promise<void> {
    return new Promise((resolve) => {
      const check = (): void => {
        if (!test(this.#used)) return;
        this.#watchers.delete(check);
        resolve();
      };
      this.#watchers.add(check);
      check();
    });
  }
}

/** One request's share of the {@link BodyBudget}. `release()` gives all of it back; it may be called again. */
class BodyHold {
  readonly #budget: BodyBudget;
  readonly #add: (n: number) => void;
  #bytes = 0;
  constructor(budget: BodyBudget, add: (n: number) => void) {
    this.#budget = budget;
    this.#add = add;
  }
  get bytes(): number {
    return this.#bytes;
  }
  get budget(): BodyBudget {
    return this.#budget;
  }
  /** Takes `n` more bytes (just received), or nothing: 'never-fits' when this request would pass the whole budget, 'over-budget' when others hold too much of it now. */
  take(n: number): 'taken' | 'over-budget' | 'never-fits' {
    if (this.#bytes + n > this.#budget.size) return 'never-fits';
    if (this.#budget.used + n > this.#budget.size) return 'over-budget';
    this.#bytes += n;
    this.#add(n);
    return 'taken';
  }
  release(): void {
    this.#add(-this.#bytes);
    this.#bytes = 0;
  }
}

/**
 * The connection cap, in front of Node's HTTP handling: a connection under the cap goes to the
 * HTTP server's own connection listener, one past it is answered on the raw socket and closed.
 * (Node's `server.maxConnections` would close it unanswered: the client would see a reset, not a
 * reason.) A refused socket never reaches the HTTP parser, so nothing it sends is run.
 *
 * A connection counts against the cap until the server has answered it for the last time: one
 * closed after an error answer (408, 400, 431) stops counting then, and waits apart, like a refused
 * one, for the client to close its side (at most {@link LINGER_MS}).
 */
class ConnectionCap {
  readonly #max: number;
  readonly #answer: () => RestResponse;
  #open = 0;
  /** Sockets the server has answered for the last time, waiting for the client to close; their linger timers. */
  readonly #lingering = new Map<Socket, HostTimer>();
  /** Admitted sockets still counted against the cap. */
  readonly #counted = new WeakSet<Socket>();

  constructor(server: Server, max: number, answer: () => RestResponse) {
    this.#max = max;
    this.#answer = answer;
    const listeners = server.listeners('connection');
    if (listeners.length !== 1) throw new Error(`lambda-sim expected node:http to have one 'connection' listener, found ${listeners.length}`);
    const http = listeners[0] as (this: Server, socket: Socket) => void;
    server.removeListener('connection', http);
    server.on('connection', (socket: Socket) => {
      if (this.#open >= this.#max) return this.#refuse(socket);
      this.#open++;
      this.#counted.add(socket);
      socket.once('close', () => this.#uncount(socket));
      http.call(server, socket);
    });
  }

  /**
   * Sends `answer` as the last bytes of the connection and closes it: what the client still sends
   * is read and dropped (closing with unread bytes would make the kernel reset the connection, and
   * a reset can discard the answer before the client reads it), and the socket is destroyed once
   * the client closes its side too, or after the linger. Past {@link MAX_LINGERING}
   * lingering sockets, it is destroyed as soon as the answer is written.
   */
  answerAndClose(socket: Socket, answer: Buffer): void {
    this.#uncount(socket);
    socket.on('error', () => {});
    if (this.#lingering.size < MAX_LINGERING) {
      this.#lingering.set(socket, hostTimeout(LINGER_MS, () => socket.destroy()));
      socket.once('close', () => {
        this.#lingering.get(socket)?.cancel();
        this.#lingering.delete(socket);
      });
    } else {
      socket.once('finish', () => socket.destroy());
    }
    socket.resume();
    socket.end(answer);
  }

  /** Destroys the sockets waiting out their linger (for close()). */
  closeLingering(): void {
    for (const socket of this.#lingering.keys()) socket.destroy();
  }

  #refuse(socket: Socket): void {
    this.answerAndClose(socket, rawResponse(withRetryAfter(this.#answer())));
  }

  #uncount(socket: Socket): void {
    if (this.#counted.delete(socket)) this.#open--;
  }
}

/** An option that must be a whole number >= 1 (`what` says of what, for the message). */
function wholeOption(name: string, value: unknown, what: string): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 1) throw new TypeError(`Expected \`${name}\` to be ${what} >= 1, got \`${String(value)}\``);
  return value;
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

/** The answer to a request whose body was refused ({@link readBody}). */
function refusedBody(why: 'too-large' | 'over-budget' | 'never-fits', at: { limit: number; operation: string; budget: number }, requestId: string): RestResponse {
  switch (why) {
    case 'too-large':
      return errorResponse(new RequestEntityTooLargeException(`Request must be smaller than ${at.limit} bytes for the ${at.operation} operation`), undefined, requestId);
    case 'never-fits':
      return errorResponse(new RequestEntityTooLargeException(`Request must be smaller than ${at.budget} bytes: this endpoint holds at most that many bytes of request bodies at once (listen({ maxBufferedBodyBytes }))`), undefined, requestId);
    case 'over-budget':
      // How much the others hold is not said (nor the budget, which the answer does not need): it
      // would let a client fill the budget to the byte.
      return withRetryAfter(errorResponse(
        new HostLimitExceededError('This endpoint already holds as many bytes of request bodies as it may at once (listen({ maxBufferedBodyBytes })); try again once requests in flight are answered'),
        503,
        requestId,
      ));
  }
}

/** A 503 that the SDKs and the CLI retry after a second. */
function withRetryAfter(response: RestResponse): RestResponse {
  return { ...response, headers: { ...response.headers, 'retry-after': '1' } };
}

/** A whole HTTP/1.1 answer as bytes, for a socket the HTTP server does not (or no longer) drive. */
function rawResponse({ statusCode, headers, body }: RestResponse): Buffer {
  const head = Object.entries({ ...headers, connection: 'close', 'content-length': String(body.byteLength) }).map(([k, v]) => `${k}: ${v}\r\n`);
  return Buffer.concat([Buffer.from(`HTTP/1.1 ${statusCode} ${STATUS_CODES[statusCode] ?? ''}\r\n${head.join('')}\r\n`), body]);
}
