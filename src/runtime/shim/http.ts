/**
 * `http` and `https` for the sandbox (a shim chunk, loaded on first import). Two halves:
 *
 * - The client (`request`, `get`, `ClientRequest`, `Agent`): a request is sent whole to the host's
 *   network (runtime/host-network.ts, `api: 'http'`), which executes it with the host's own
 *   node:http(s) under the simulator's `network` policy, so nock in the test process answers it.
 *   The answer arrives whole, as an `IncomingMessage` stream.
 * - The message classes without a socket (`IncomingMessage`, `OutgoingMessage`, `ServerResponse`):
 *   what serverless-http (express, koa, fastify…) builds a request and response from. They follow
 *   Node's observable protocol: `_header` holds the header block once it is stored, the first
 *   write to the socket carries it, `finish` follows `end`.
 *
 * No server listens: `Server` exists (serverless-http accepts one) but `listen()` is unsupported.
 */
import { concatBytes } from './codec.js';
import { lazy } from './lazy.js';
import { setTimeout as simTimeout, clearTimeout as simClearTimeout } from './timers.js';
import { URL } from './url.js';
import { utf8Encode } from './text.js';
import { networkError, sendToNetwork } from './web-fetch.js';
import type { WireAnswer } from './network-wire.js';

/* The parts of the sandbox's stream, events and buffer modules this file uses. */
type Listener = (...args: any[]) => unknown; // eslint-disable-line @typescript-eslint/no-explicit-any
interface Emitter {
  on(event: string, fn: Listener): this;
  once(event: string, fn: Listener): this;
  emit(event: string, ...args: unknown[]): boolean;
  listenerCount(event: string): number;
  removeListener(event: string, fn: Listener): this;
}
interface ReadableLike extends Emitter {
  push(chunk: unknown): boolean;
  destroy(error?: Error): this;
  resume(): this;
  readonly destroyed: boolean;
}
interface BufferStatic {
  from(v: unknown, enc?: string): Uint8Array & { toString(enc?: string): string };
  concat(list: Uint8Array[]): Uint8Array & { toString(enc?: string): string };
  byteLength(v: unknown, enc?: string): number;
  isBuffer(v: unknown): boolean;
}
type Ctor<T> = new (...args: any[]) => T; // eslint-disable-line @typescript-eslint/no-explicit-any
interface StreamModule {
  Readable: Ctor<ReadableLike>;
  Stream: Ctor<Emitter>;
}

const streamModule = lazy<StreamModule>('stream');
const events = lazy<Ctor<Emitter>>('events');
const Buf = (): BufferStatic => lazy<{ Buffer: BufferStatic }>('buffer').Buffer;
const nextTick = (fn: () => void): void => {
  void Promise.resolve().then(fn);
};

export const STATUS_CODES: Record<number, string> = {
  100: 'Continue', 101: 'Switching Protocols', 102: 'Processing', 103: 'Early Hints', 200: 'OK', 201: 'Created', 202: 'Accepted',
  203: 'Non-Authoritative Information', 204: 'No Content', 205: 'Reset Content', 206: 'Partial Content', 207: 'Multi-Status',
  208: 'Already Reported', 226: 'IM Used', 300: 'Multiple Choices', 301: 'Moved Permanently', 302: 'Found', 303: 'See Other',
  304: 'Not Modified', 305: 'Use Proxy', 307: 'Temporary Redirect', 308: 'Permanent Redirect', 400: 'Bad Request', 401: 'Unauthorized',
  402: 'Payment Required', 403: 'Forbidden', 404: 'Not Found', 405: 'Method Not Allowed', 406: 'Not Acceptable',
  407: 'Proxy Authentication Required', 408: 'Request Timeout', 409: 'Conflict', 410: 'Gone', 411: 'Length Required',
  412: 'Precondition Failed', 413: 'Payload Too Large', 414: 'URI Too Long', 415: 'Unsupported Media Type', 416: 'Range Not Satisfiable',
  417: 'Expectation Failed', 418: "I'm a Teapot", 421: 'Misdirected Request', 422: 'Unprocessable Entity', 423: 'Locked',
  424: 'Failed Dependency', 425: 'Too Early', 426: 'Upgrade Required', 428: 'Precondition Required', 429: 'Too Many Requests',
  431: 'Request Header Fields Too Large', 451: 'Unavailable For Legal Reasons', 500: 'Internal Server Error', 501: 'Not Implemented',
  502: 'Bad Gateway', 503: 'Service Unavailable', 504: 'Gateway Timeout', 505: 'HTTP Version Not Supported', 506: 'Variant Also Negotiates',
  507: 'Insufficient Storage', 508: 'Loop Detected', 509: 'Bandwidth Limit Exceeded', 510: 'Not Extended', 511: 'Network Authentication Required',
};

export const METHODS = [
  'ACL', 'BIND', 'CHECKOUT', 'CONNECT', 'COPY', 'DELETE', 'GET', 'HEAD', 'LINK', 'LOCK', 'M-SEARCH', 'MERGE', 'MKACTIVITY', 'MKCALENDAR',
  'MKCOL', 'MOVE', 'NOTIFY', 'OPTIONS', 'PATCH', 'POST', 'PROPFIND', 'PROPPATCH', 'PURGE', 'PUT', 'QUERY', 'REBIND', 'REPORT', 'SEARCH',
  'SOURCE', 'SUBSCRIBE', 'TRACE', 'UNBIND', 'UNLINK', 'UNLOCK', 'UNSUBSCRIBE',
];

const TOKEN = /^[\^_`a-zA-Z\-0-9!#$%&'*+.|~]+$/;
const BAD_VALUE = /[^\t\x20-\x7e\x80-\xff]/;

function codedError(Kind: typeof Error, code: string, message: string): Error {
  const e = new Kind(message) as Error & { code: string };
  e.code = code;
  return e;
}

export function validateHeaderName(name: unknown): void {
  if (typeof name !== 'string' || !name || !TOKEN.test(name)) throw codedError(TypeError, 'ERR_INVALID_HTTP_TOKEN', `Header name must be a valid HTTP token ["${String(name)}"]`);
}

export function validateHeaderValue(name: string, value: unknown): void {
  if (value === undefined) throw codedError(TypeError, 'ERR_HTTP_INVALID_HEADER_VALUE', `Invalid value "${String(value)}" for header "${name}"`);
  if (BAD_VALUE.test(String(value))) throw codedError(TypeError, 'ERR_INVALID_CHAR', `Invalid character in header content ["${name}"]`);
}

function unsupported(what: string, why: string): Error {
  return codedError(Error, 'ERR_LAMBDA_SIM_UNSUPPORTED', `lambda-sim: ${what} is not supported in the sandbox: ${why}`);
}

/** end()'s optional arguments, as Node shifts them: (cb), (chunk, cb), (chunk, encoding, cb). */
function endArgs(chunk: unknown, encoding: unknown, callback: unknown): [unknown, unknown, unknown] {
  if (typeof chunk === 'function') return [undefined, undefined, chunk];
  if (typeof encoding === 'function') return [chunk, undefined, encoding];
  return [chunk, encoding, callback];
}

/* ---- IncomingMessage ---- */

/** Duplicates of these are dropped (the first wins), as Node's parser does; set-cookie is a list; the rest join with ', '. */
const SINGLE = new Set(['age', 'authorization', 'content-length', 'content-type', 'etag', 'expires', 'from', 'host', 'if-modified-since', 'if-unmodified-since', 'last-modified', 'location', 'max-forwards', 'proxy-authorization', 'referer', 'retry-after', 'server', 'user-agent']);

function headersOf(raw: string[]): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  for (let i = 0; i + 1 < raw.length; i += 2) {
    const k = raw[i]!.toLowerCase();
    const v = raw[i + 1]!;
    const had = out[k];
    if (k === 'set-cookie') out[k] = [...((had as string[] | undefined) ?? []), v];
    else if (had === undefined) out[k] = v;
    else if (!SINGLE.has(k)) out[k] = `${had as string}, ${v}`;
  }
  return out;
}

export interface IncomingMessage extends ReadableLike {
  socket: unknown;
  connection: unknown;
  httpVersion: string;
  httpVersionMajor: number;
  httpVersionMinor: number;
  complete: boolean;
  headers: Record<string, string | string[]>;
  rawHeaders: string[];
  trailers: Record<string, string>;
  rawTrailers: string[];
  aborted: boolean;
  upgrade: boolean;
  url: string;
  method: string | null;
  statusCode: number | null;
  statusMessage: string | null;
  req?: unknown;
}

/** Defined once `stream` is loaded (the chunk loads it on first import of http). */
export const IncomingMessage = class IncomingMessage extends streamModule.Readable {
  socket: unknown;
  connection: unknown;
  httpVersion = '1.1';
  httpVersionMajor = 1;
  httpVersionMinor = 1;
  complete = false;
  headers: Record<string, string | string[]> = {};
  rawHeaders: string[] = [];
  trailers: Record<string, string> = {};
  rawTrailers: string[] = [];
  aborted = false;
  upgrade = false;
  url = '';
  method: string | null = null;
  statusCode: number | null = null;
  statusMessage: string | null = null;
  constructor(socket?: unknown) {
    super({});
    this.socket = socket ?? null;
    this.connection = socket ?? null;
  }
  _read(): void {}
  get headersDistinct(): Record<string, string[]> {
    const out: Record<string, string[]> = {};
    for (let i = 0; i + 1 < this.rawHeaders.length; i += 2) (out[this.rawHeaders[i]!.toLowerCase()] ??= []).push(this.rawHeaders[i + 1]!);
    return out;
  }
  setTimeout(_ms: number, cb?: () => void): this {
    if (cb !== undefined) this.once('timeout', cb);
    return this;
  }
} as unknown as Ctor<IncomingMessage>;

/* ---- OutgoingMessage, ServerResponse ---- */

interface SocketLike {
  write?(data: unknown, encoding?: unknown, cb?: () => void): unknown;
  writable?: boolean;
  destroyed?: boolean;
  _httpMessage?: unknown;
  on?(event: string, fn: Listener): unknown;
}

type HeaderValue = string | number | string[];

export const OutgoingMessage = class OutgoingMessage extends streamModule.Stream {
  _header: string | null = null;
  _headerSent = false;
  finished = false;
  chunkedEncoding = false;
  useChunkedEncodingByDefault = true;
  sendDate = false;
  shouldKeepAlive = true;
  _contentLength: number | null = null;
  _hasBody = true;
  _removedContLen = false;
  socket: SocketLike | null = null;
  connection: SocketLike | null = null;
  outputData: Array<{ data: unknown; encoding: unknown; callback: unknown }> = [];
  writable = true;
  destroyed = false;
  readonly #headers = new Map<string, [string, HeaderValue]>();
  #writableFinished = false;

  // Truthiness, as Node checks it: serverless-http sets `_header = ''` to mean "not yet".
  get headersSent(): boolean {
    return !!this._header;
  }
  get writableEnded(): boolean {
    return this.finished;
  }
  get writableFinished(): boolean {
    return this.#writableFinished;
  }
  get writableLength(): number {
    return 0;
  }
  get writableHighWaterMark(): number {
    return 16384;
  }
  get writableObjectMode(): boolean {
    return false;
  }
  get writableCorked(): number {
    return 0;
  }
  setHeader(name: string, value: HeaderValue): this {
    if (this._header) throw codedError(Error, 'ERR_HTTP_HEADERS_SENT', 'Cannot set headers after they are sent to the client');
    validateHeaderName(name);
    validateHeaderValue(name, value);
    this.#headers.set(name.toLowerCase(), [name, Array.isArray(value) ? value.map(String) : value]);
    return this;
  }
  setHeaders(headers: Iterable<[string, HeaderValue]> | { forEach(fn: (v: HeaderValue, k: string) => void): void }): this {
    (headers as { forEach(fn: (v: HeaderValue, k: string) => void): void }).forEach((v, k) => this.setHeader(k, v));
    return this;
  }
  appendHeader(name: string, value: HeaderValue): this {
    const had = this.getHeader(name);
    if (had === undefined) return this.setHeader(name, value);
    return this.setHeader(name, [...(Array.isArray(had) ? had : [String(had)]), ...(Array.isArray(value) ? value : [String(value)])]);
  }
  getHeader(name: string): HeaderValue | undefined {
    return this.#headers.get(String(name).toLowerCase())?.[1];
  }
  getHeaders(): Record<string, HeaderValue> {
    const out = Object.create(null) as Record<string, HeaderValue>;
    for (const [k, [, v]] of this.#headers) out[k] = v;
    return out;
  }
  getHeaderNames(): string[] {
    return [...this.#headers.keys()];
  }
  getRawHeaderNames(): string[] {
    return [...this.#headers.values()].map(([n]) => n);
  }
  hasHeader(name: string): boolean {
    return this.#headers.has(String(name).toLowerCase());
  }
  removeHeader(name: string): void {
    if (this._header) throw codedError(Error, 'ERR_HTTP_HEADERS_SENT', 'Cannot remove headers after they are sent to the client');
    const k = String(name).toLowerCase();
    if (k === 'content-length') this._removedContLen = true;
    this.#headers.delete(k);
  }
  /** Header pairs, as given (for the wire). */
  headerPairs(): Array<[string, string]> {
    const out: Array<[string, string]> = [];
    for (const [, [name, v]] of this.#headers) for (const one of Array.isArray(v) ? v : [v]) out.push([name, String(one)]);
    return out;
  }
  /** Stores the header block (first line, headers, the framing Node adds) in `_header`. */
  _storeHeader(firstLine: string): void {
    let header = firstLine;
    for (const [name, value] of this.headerPairs()) header += `${name}: ${value}\r\n`;
    if (this.sendDate && !this.#headers.has('date')) header += `Date: ${new Date().toUTCString()}\r\n`;
    if (!this.#headers.has('connection')) header += this.shouldKeepAlive ? 'Connection: keep-alive\r\n' : 'Connection: close\r\n';
    if (!this._hasBody) {
      this.chunkedEncoding = false;
    } else if (!this.#headers.has('content-length') && !this.#headers.has('transfer-encoding')) {
      if (!this._removedContLen && typeof this._contentLength === 'number') header += `Content-Length: ${this._contentLength}\r\n`;
      else if (this.useChunkedEncodingByDefault) {
        header += 'Transfer-Encoding: chunked\r\n';
        this.chunkedEncoding = true;
      }
    } else if (/chunked/i.test(String(this.#headers.get('transfer-encoding')?.[1] ?? ''))) this.chunkedEncoding = true;
    this._header = `${header}\r\n`;
    this._headerSent = false;
  }
  _implicitHeader(): void {
    throw codedError(Error, 'ERR_METHOD_NOT_IMPLEMENTED', 'The _implicitHeader() method is not implemented');
  }
  _writeRaw(data: unknown, encoding: unknown, callback?: unknown): boolean {
    const socket = this.socket;
    if (socket !== null && typeof socket.write === 'function' && socket.writable !== false && socket.destroyed !== true) {
      socket.write(data, encoding, typeof callback === 'function' ? (callback as () => void) : undefined);
      return true;
    }
    this.outputData.push({ data, encoding, callback });
    return false;
  }
  _send(data: unknown, encoding?: unknown, callback?: unknown): boolean {
    if (!this._headerSent && this._header) {
      if (typeof data === 'string' && (encoding === undefined || encoding === null || encoding === 'utf8' || encoding === 'utf-8' || encoding === 'latin1')) {
        data = this._header + data;
      } else {
        this.outputData.unshift({ data: this._header, encoding: 'latin1', callback: null });
        this._flushOutput();
      }
      this._headerSent = true;
    }
    return this._writeRaw(data, encoding, callback);
  }
  _flushOutput(): void {
    const socket = this.socket;
    if (socket === null || typeof socket.write !== 'function') return;
    const queued = this.outputData;
    this.outputData = [];
    for (const q of queued) socket.write(q.data, q.encoding, typeof q.callback === 'function' ? (q.callback as () => void) : undefined);
  }
  write(chunk: unknown, encoding?: unknown, callback?: unknown): boolean {
    if (typeof encoding === 'function') {
      callback = encoding;
      encoding = undefined;
    }
    if (this.finished) {
      const e = codedError(Error, 'ERR_STREAM_WRITE_AFTER_END', 'write after end');
      nextTick(() => this.emit('error', e));
      return false;
    }
    if (!this._header) this._implicitHeader();
    if (!this._hasBody) return true;
    if (chunk === undefined || chunk === null) throw codedError(TypeError, 'ERR_STREAM_NULL_VALUES', 'May not write null values to stream');
    if (this.chunkedEncoding) {
      const len = typeof chunk === 'string' ? Buf().byteLength(chunk, encoding as string) : (chunk as Uint8Array).length;
      if (len === 0) return true;
      this._send(`${len.toString(16)}\r\n`, 'latin1');
      this._send(chunk, encoding);
      return this._send('\r\n', 'latin1', callback);
    }
    return this._send(chunk, encoding, callback);
  }
  end(chunk?: unknown, encoding?: unknown, callback?: unknown): this {
    [chunk, encoding, callback] = endArgs(chunk, encoding, callback);
    if (this.finished) {
      if (typeof callback === 'function') nextTick(callback as () => void);
      return this;
    }
    if (chunk !== undefined && chunk !== null) {
      if (!this._header) this._contentLength = typeof chunk === 'string' ? Buf().byteLength(chunk, encoding as string) : (chunk as Uint8Array).length;
      this.write(chunk, encoding);
    } else if (!this._header) {
      this._contentLength = 0;
      this._implicitHeader();
    }
    if (this.chunkedEncoding && this._hasBody) this._send('0\r\n\r\n', 'latin1');
    else if (!this._headerSent) this._send('', 'latin1');
    this.finished = true;
    if (typeof callback === 'function') this.once('finish', callback as Listener);
    this.emit('prefinish');
    this._finish();
    return this;
  }
  /** After `end`: 'finish' once what was written has gone (our sockets take it at once). */
  _finish(): void {
    nextTick(() => {
      this.#writableFinished = true;
      this.emit('finish');
    });
  }
  flushHeaders(): void {
    if (!this._header) this._implicitHeader();
    this._send('');
  }
  cork(): void {}
  uncork(): void {}
  setTimeout(_ms: number, cb?: () => void): this {
    if (cb !== undefined) this.once('timeout', cb);
    return this;
  }
  destroy(error?: Error): this {
    if (this.destroyed) return this;
    this.destroyed = true;
    nextTick(() => {
      if (error !== undefined) this.emit('error', error);
      this.emit('close');
    });
    return this;
  }
  addTrailers(): void {}
};

export const ServerResponse = class ServerResponse extends OutgoingMessage {
  statusCode = 200;
  statusMessage: string | undefined = undefined;
  override sendDate = true;
  req: { method?: string; httpVersionMajor?: number; httpVersionMinor?: number } | undefined;
  _sent100 = false;
  constructor(req?: { method?: string }) {
    super();
    this.req = req;
    if (req?.method === 'HEAD') this._hasBody = false;
  }
  override _implicitHeader(): void {
    this.writeHead(this.statusCode);
  }
  writeHead(statusCode: number, reason?: string | Record<string, HeaderValue> | HeaderValue[], headers?: Record<string, HeaderValue> | HeaderValue[]): this {
    if (this._header) throw codedError(Error, 'ERR_HTTP_HEADERS_SENT', 'Cannot write headers after they are sent to the client');
    const code = Number(statusCode) | 0;
    if (code < 100 || code > 999) throw codedError(RangeError, 'ERR_HTTP_INVALID_STATUS_CODE', `Invalid status code: ${String(statusCode)}`);
    if (typeof reason === 'string') this.statusMessage = reason;
    else {
      headers = reason;
      this.statusMessage ||= STATUS_CODES[code] ?? 'unknown';
    }
    this.statusCode = code;
    if (Array.isArray(headers)) {
      for (let i = 0; i + 1 < headers.length; i += 2) this.appendHeader(String(headers[i]), headers[i + 1] as HeaderValue);
    } else if (headers !== undefined && headers !== null) {
      for (const k of Object.keys(headers)) if (headers[k] !== undefined) this.setHeader(k, headers[k]!);
    }
    if (code === 204 || code === 304 || (code >= 100 && code <= 199)) this._hasBody = false;
    this._storeHeader(`HTTP/1.1 ${code} ${this.statusMessage}\r\n`);
    return this;
  }
  assignSocket(socket: SocketLike): void {
    socket._httpMessage = this;
    this.socket = socket;
    this.connection = socket;
    this.emit('socket', socket);
    this._flushOutput();
  }
  detachSocket(socket: SocketLike): void {
    socket._httpMessage = null;
    this.socket = null;
    this.connection = null;
  }
  writeContinue(cb?: () => void): void {
    this._writeRaw('HTTP/1.1 100 Continue\r\n\r\n', 'ascii', cb);
    this._sent100 = true;
  }
  writeProcessing(cb?: () => void): void {
    this._writeRaw('HTTP/1.1 102 Processing\r\n\r\n', 'ascii', cb);
  }
  writeEarlyHints(): void {}
};

/* ---- Agent ---- */

export class Agent extends events {
  readonly options: Record<string, unknown>;
  keepAlive: boolean;
  maxSockets: number;
  maxFreeSockets: number;
  defaultPort = 80;
  protocol = 'http:';
  requests: Record<string, unknown[]> = {};
  sockets: Record<string, unknown[]> = {};
  freeSockets: Record<string, unknown[]> = {};
  constructor(options: Record<string, unknown> = {}) {
    super();
    this.options = { path: null, ...options };
    this.keepAlive = options['keepAlive'] === true;
    this.maxSockets = typeof options['maxSockets'] === 'number' ? options['maxSockets'] : Infinity;
    this.maxFreeSockets = typeof options['maxFreeSockets'] === 'number' ? options['maxFreeSockets'] : 256;
  }
  getName(options: { host?: string; port?: number; localAddress?: string } = {}): string {
    return `${options.host ?? 'localhost'}:${options.port ?? ''}:${options.localAddress ?? ''}`;
  }
  destroy(): void {}
  createConnection(): never {
    throw unsupported('Agent.createConnection()', "sockets are the host's: requests go through http.request (simulator option `network`)");
  }
}

class HttpsAgent extends Agent {
  constructor(options: Record<string, unknown> = {}) {
    super(options);
    this.defaultPort = 443;
    this.protocol = 'https:';
  }
}

/* ---- ClientRequest ---- */

interface RequestOptions {
  protocol?: string;
  host?: string;
  hostname?: string;
  port?: number | string;
  path?: string;
  method?: string;
  headers?: Record<string, HeaderValue> | string[];
  auth?: string;
  agent?: unknown;
  timeout?: number;
  signal?: { aborted: boolean; reason: unknown; addEventListener(t: string, fn: () => void, o?: object): void };
  setHost?: boolean;
  defaultPort?: number;
}

function optionsOf(url: URL): RequestOptions {
  return {
    protocol: url.protocol,
    hostname: url.hostname.startsWith('[') ? url.hostname.slice(1, -1) : url.hostname,
    path: `${url.pathname}${url.search}`,
    ...(url.port !== '' ? { port: Number(url.port) } : {}),
    ...(url.username !== '' ? { auth: `${decodeURIComponent(url.username)}:${decodeURIComponent(url.password)}` } : {}),
  };
}

export const ClientRequest = class ClientRequest extends OutgoingMessage {
  readonly method: string;
  readonly path: string;
  readonly host: string;
  readonly protocol: string;
  readonly agent: unknown;
  reusedSocket = false;
  maxHeadersCount: number | null = null;
  aborted = false;
  res: IncomingMessage | null = null;
  readonly #url: string;
  readonly #body: Uint8Array[] = [];
  #timer: unknown;
  #timeoutMs = 0;
  #sent = false;
  constructor(input: string | URL | RequestOptions, options?: RequestOptions | (() => void), cb?: (res: IncomingMessage) => void, defaultProtocol = 'http:') {
    super();
    if (typeof options === 'function') {
      cb = options as (res: IncomingMessage) => void;
      options = undefined;
    }
    let o: RequestOptions;
    if (typeof input === 'string') o = { ...optionsOf(new URL(input)), ...(options ?? {}) };
    else if (input instanceof URL) o = { ...optionsOf(input), ...(options ?? {}) };
    else o = { ...input, ...(options ?? {}) };
    const protocol = o.protocol ?? defaultProtocol;
    if (protocol !== 'http:' && protocol !== 'https:') throw codedError(TypeError, 'ERR_INVALID_PROTOCOL', `Protocol "${protocol}" not supported. Expected "${defaultProtocol}"`);
    const method = (o.method ?? 'GET').toUpperCase();
    if (!TOKEN.test(method)) throw codedError(TypeError, 'ERR_INVALID_HTTP_TOKEN', `Method must be a valid HTTP token ["${method}"]`);
    const hostname = o.hostname ?? (o.host ?? 'localhost').replace(/:\d+$/, '');
    const defaultPort = o.defaultPort ?? (protocol === 'https:' ? 443 : 80);
    const port = o.port === undefined || o.port === '' ? defaultPort : Number(o.port);
    const path = o.path ?? '/';
    if (/[\u0000-\u0020]/.test(path)) throw codedError(TypeError, 'ERR_UNESCAPED_CHARACTERS', 'Request path contains unescaped characters');
    this.method = method;
    this.path = path;
    this.host = hostname;
    this.protocol = protocol;
    this.agent = o.agent;
    this.useChunkedEncodingByDefault = !['GET', 'HEAD', 'DELETE', 'OPTIONS', 'TRACE', 'CONNECT'].includes(method);
    const headers = o.headers;
    if (Array.isArray(headers)) {
      for (let i = 0; i + 1 < headers.length; i += 2) this.appendHeader(String(headers[i]), headers[i + 1] as string);
    } else if (headers !== undefined) {
      for (const k of Object.keys(headers)) if (headers[k] !== undefined) this.setHeader(k, headers[k]!);
    }
    const hostPart = hostname.includes(':') ? `[${hostname}]` : hostname;
    if (o.setHost !== false && !this.hasHeader('host')) this.setHeader('Host', port === defaultPort ? hostPart : `${hostPart}:${port}`);
    if (o.auth !== undefined && !this.hasHeader('authorization')) this.setHeader('Authorization', `Basic ${Buf().from(o.auth).toString('base64')}`);
    this.#url = `${protocol}//${hostPart}${port === (protocol === 'https:' ? 443 : 80) ? '' : `:${port}`}${path.startsWith('/') ? path : `/${path}`}`;
    if (cb !== undefined) this.once('response', cb);
    if (typeof o.timeout === 'number') this.setTimeout(o.timeout);
    const signal = o.signal;
    if (signal !== undefined) {
      if (signal.aborted) nextTick(() => this.destroy(abortError(signal.reason)));
      else signal.addEventListener('abort', () => this.destroy(abortError(signal.reason)), { once: true });
    }
    // No socket exists (the host holds the connection): an emitter that never emits stands in, for
    // the libraries that listen on it (node-fetch, follow-redirects).
    const socket = Object.assign(new events(), { remoteAddress: hostname, remotePort: port, encrypted: protocol === 'https:', writable: true, setTimeout() {}, setNoDelay() {}, setKeepAlive() {}, ref() {}, unref() {}, destroy() {} });
    this.socket = socket as unknown as SocketLike;
    nextTick(() => this.emit('socket', socket));
  }
  override _implicitHeader(): void {
    this._storeHeader(`${this.method} ${this.path} HTTP/1.1\r\n`);
  }
  /** The body is gathered here and sent whole at end(). */
  override _writeRaw(data: unknown, encoding: unknown, callback?: unknown): boolean {
    if (typeof callback === 'function') nextTick(callback as () => void);
    return true;
  }
  override write(chunk: unknown, encoding?: unknown, callback?: unknown): boolean {
    if (typeof encoding === 'function') {
      callback = encoding;
      encoding = undefined;
    }
    if (this.finished) return super.write(chunk, encoding, callback);
    if (!this._header) this._implicitHeader();
    if (chunk === undefined || chunk === null) throw codedError(TypeError, 'ERR_STREAM_NULL_VALUES', 'May not write null values to stream');
    this.#body.push(typeof chunk === 'string' ? (encoding === undefined || encoding === 'utf8' ? utf8Encode(chunk) : Buf().from(chunk, encoding as string)) : new Uint8Array((chunk as Uint8Array).buffer, (chunk as Uint8Array).byteOffset, (chunk as Uint8Array).byteLength).slice());
    if (typeof callback === 'function') nextTick(callback as () => void);
    return true;
  }
  override end(chunk?: unknown, encoding?: unknown, callback?: unknown): this {
    [chunk, encoding, callback] = endArgs(chunk, encoding, callback);
    if (this.finished) return this;
    if (chunk !== undefined && chunk !== null) this.write(chunk, encoding);
    if (!this._header) this._implicitHeader();
    this.finished = true;
    if (typeof callback === 'function') this.once('finish', callback as Listener);
    this.emit('prefinish');
    this._finish();
    this.#send();
    return this;
  }
  #send(): void {
    if (this.#sent || this.destroyed) return;
    this.#sent = true;
    const body = concatBytes(this.#body);
    const size = body.length;
    const headers = this.headerPairs();
    if (size > 0 && !this.hasHeader('content-length') && !this.hasHeader('transfer-encoding')) headers.push(['Content-Length', String(size)]);
    sendToNetwork({ api: 'http', url: this.#url, method: this.method, headers, body: size === 0 ? null : body, redirect: 'manual' }).then(
      (answer) => this.#answer(answer),
      (error: unknown) => this.#fail(error instanceof Error ? error : new Error(String(error))),
    );
  }
  #answer(answer: WireAnswer): void {
    this.#clearTimer();
    if (this.destroyed) return;
    if (answer.kind === 'failure') {
      this.#fail(networkError(answer.error));
      return;
    }
    const res = new IncomingMessage({ remoteAddress: this.host, encrypted: this.protocol === 'https:' });
    res.statusCode = answer.status;
    res.statusMessage = answer.statusText || (STATUS_CODES[answer.status] ?? '');
    res.rawHeaders = answer.headers.flat();
    res.headers = headersOf(res.rawHeaders);
    res.req = this;
    this.res = res;
    if (this.listenerCount('response') > 0) this.emit('response', res);
    else res.resume(); // as Node: a response nobody listens for is dumped
    if (answer.body.length > 0 && this.method !== 'HEAD') res.push(Buf().from(answer.body));
    res.complete = true;
    res.push(null);
    this.emit('close');
  }
  #fail(error: Error): void {
    this.#clearTimer();
    if (this.destroyed) return;
    this.destroyed = true;
    this.emit('error', error);
    this.emit('close');
  }
  #clearTimer(): void {
    if (this.#timer !== undefined) simClearTimeout(this.#timer);
    this.#timer = undefined;
  }
  override setTimeout(ms: number, cb?: () => void): this {
    if (cb !== undefined) this.once('timeout', cb);
    this.#clearTimer();
    this.#timeoutMs = Number(ms);
    if (this.#timeoutMs > 0) this.#timer = simTimeout(() => this.emit('timeout'), this.#timeoutMs);
    return this;
  }
  setNoDelay(): void {}
  setSocketKeepAlive(): void {}
  abort(): void {
    if (this.aborted) return;
    this.aborted = true;
    nextTick(() => this.emit('abort'));
    this.destroy();
  }
  override destroy(error?: Error): this {
    if (this.destroyed) return this;
    this.#clearTimer();
    if (this.res !== null && !this.res.destroyed) this.res.destroy(error);
    return super.destroy(error ?? (this.res === null ? codedError(Error, 'ECONNRESET', 'socket hang up') : undefined));
  }
};
export type ClientRequest = InstanceType<typeof ClientRequest>;

function abortError(reason: unknown): Error {
  const e = codedError(Error, 'ABORT_ERR', 'The operation was aborted') as Error & { cause?: unknown };
  e.name = 'AbortError';
  if (reason !== undefined) e.cause = reason;
  return e;
}

/* ---- Server (no listening) ---- */

export class Server extends events {
  constructor(options?: unknown, listener?: Listener) {
    super();
    if (typeof options === 'function') listener = options as Listener;
    if (listener !== undefined) this.on('request', listener);
  }
  listen(): never {
    throw unsupported('http.Server.listen()', 'a handler serves no port on Lambda either; wrap the app with serverless-http (or call its handler) and invoke the function');
  }
  close(cb?: () => void): this {
    if (cb !== undefined) nextTick(cb);
    return this;
  }
  address(): null {
    return null;
  }
  setTimeout(): this {
    return this;
  }
}

function moduleFor(protocol: 'http:' | 'https:'): Record<string, unknown> {
  const AgentClass = protocol === 'https:' ? HttpsAgent : Agent;
  const globalAgent = new AgentClass({ keepAlive: true });
  const request = (input: string | URL | RequestOptions, options?: RequestOptions | (() => void), cb?: (res: IncomingMessage) => void): ClientRequest => {
    const opts = typeof options === 'object' ? options : undefined;
    const req = new ClientRequest(input, { agent: globalAgent, ...(opts ?? {}) } as RequestOptions, typeof options === 'function' ? (options as (res: IncomingMessage) => void) : cb, protocol);
    return req;
  };
  const get = (input: string | URL | RequestOptions, options?: RequestOptions | (() => void), cb?: (res: IncomingMessage) => void): ClientRequest => {
    const req = request(input, options, cb);
    req.end();
    return req;
  };
  return {
    Agent: AgentClass,
    globalAgent,
    request,
    get,
    Server,
    createServer: (options?: unknown, listener?: Listener) => new Server(options, listener),
    ...(protocol === 'http:'
      ? {
          ClientRequest,
          IncomingMessage,
          OutgoingMessage,
          ServerResponse,
          STATUS_CODES,
          METHODS,
          maxHeaderSize: 16384,
          validateHeaderName,
          validateHeaderValue,
          setMaxIdleHTTPParsers: (): void => {},
        }
      : {}),
  };
}

export const http = moduleFor('http:');
export const https = moduleFor('https:');
