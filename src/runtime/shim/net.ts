/**
 * `net`, `tls` and `dns` for the sandbox (a shim chunk, loaded on first import): client sockets
 * whose other end is a real socket of the host (runtime/host-sockets.ts) under the simulator's
 * `network` policy, so `pg`, `ioredis` or `mysql2` in a handler talk to a local server in an
 * integration test. A `Socket` is a Duplex stream with Node's surface (`connect`, `setTimeout`,
 * `setNoDelay`, `setKeepAlive`, `ref`/`unref`, the address fields, `connect`/`ready`/`timeout`
 * events); bytes cross whole chunks, pulled by one pending read per socket. Nothing listens:
 * `createServer` is present and unsupported.
 */
import { callHost, rebuildError } from './hostcall.js';
import { lazy } from './lazy.js';
import { clearTimeout as simClearTimeout, setTimeout as simTimeout } from './timers.js';
import { SOCKET_TARGET, type SocketEvent, type WireConnected, type WireOpen, type WireSocketError, type WireTlsOptions } from './socket-wire.js';

/* The parts of the sandbox's stream and buffer modules this file uses. */
type Callback = (error?: Error | null) => void;
interface DuplexLike {
  push(chunk: unknown): boolean;
  destroy(error?: Error): this;
  end(): this;
  emit(event: string, ...args: unknown[]): boolean;
  once(event: string, fn: (...args: unknown[]) => void): this;
  removeListener(event: string, fn: (...args: unknown[]) => void): this;
  readonly destroyed: boolean;
  readonly readableEnded: boolean;
  readonly writableEnded: boolean;
  readonly writableFinished: boolean;
  readonly readable: boolean;
  readonly writable: boolean;
}
type DuplexCtor = new (options?: Record<string, unknown>) => DuplexLike;
interface BufferStatic {
  from(v: ArrayBufferLike, offset?: number, length?: number): Uint8Array;
  from(v: string, enc?: string): Uint8Array;
}

const Duplex = lazy<{ Duplex: DuplexCtor }>('stream').Duplex;
const Buf = (): BufferStatic => lazy<{ Buffer: BufferStatic }>('buffer').Buffer;
const asBuffer = (b: Uint8Array): Uint8Array => Buf().from(b.buffer, b.byteOffset, b.length);

function host(op: string, args: unknown[]): unknown {
  return callHost(SOCKET_TARGET, op, args, { bytes: asBuffer });
}

function errorOf(w: WireSocketError): Error {
  const e = rebuildError(JSON.stringify({ name: w.name, message: w.message, fields: {} })) as Error & Record<string, unknown>;
  for (const k of ['code', 'errno', 'syscall', 'address', 'port', 'hostname'] as const) if (w[k] !== undefined) e[k] = w[k];
  return e;
}

function codedError(Kind: ErrorConstructor | RangeErrorConstructor | TypeErrorConstructor, code: string, message: string): Error {
  const e = new Kind(message) as Error & { code: string };
  e.code = code;
  return e;
}

/* ---- addresses ---- */

const V4 = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;
const HEX = /^[0-9a-fA-F]{1,4}$/;

export function isIPv4(input: unknown): boolean {
  return typeof input === 'string' && V4.test(input);
}

export function isIPv6(input: unknown): boolean {
  if (typeof input !== 'string' || input.length > 45) return false;
  let s = input;
  const zone = s.indexOf('%');
  if (zone !== -1) {
    if (zone === s.length - 1) return false;
    s = s.slice(0, zone);
  }
  let groups = 8;
  const lastColon = s.lastIndexOf(':');
  if (lastColon !== -1 && s.slice(lastColon + 1).includes('.')) {
    if (!isIPv4(s.slice(lastColon + 1))) return false;
    s = `${s.slice(0, lastColon + 1)}0`;
    groups = 7;
  }
  const halves = s.split('::');
  if (halves.length > 2) return false;
  const parts = (h: string): string[] | undefined => {
    if (h === '') return [];
    const p = h.split(':');
    return p.every((x) => HEX.test(x)) ? p : undefined;
  };
  const a = parts(halves[0]!);
  if (a === undefined) return false;
  if (halves.length === 1) return a.length === groups;
  const b = parts(halves[1]!);
  return b !== undefined && a.length + b.length < groups;
}

export function isIP(input: unknown): 0 | 4 | 6 {
  return isIPv4(input) ? 4 : isIPv6(input) ? 6 : 0;
}

/* ---- Socket ---- */

interface ConnectOptions {
  port?: unknown;
  host?: unknown;
  path?: unknown;
  family?: unknown;
  localAddress?: unknown;
  timeout?: unknown;
  noDelay?: unknown;
  keepAlive?: unknown;
  keepAliveInitialDelay?: unknown;
}

/** `connect(options[, cb])`, `connect(port[, host][, cb])` → options and the callback. */
function connectArgs(args: unknown[]): [ConnectOptions, ((...a: unknown[]) => void) | undefined] {
  const cb = typeof args[args.length - 1] === 'function' ? (args[args.length - 1] as (...a: unknown[]) => void) : undefined;
  const first = args[0];
  if (first !== null && typeof first === 'object') return [first as ConnectOptions, cb];
  if (typeof first === 'string' && !/^\d+$/.test(first)) return [{ path: first }, cb];
  return [{ port: first, host: typeof args[1] === 'string' ? args[1] : undefined }, cb];
}

function checkPort(port: unknown): number {
  const n = typeof port === 'string' && /^\d+$/.test(port) ? Number(port) : port;
  if (typeof n !== 'number' || !Number.isInteger(n) || n < 0 || n > 65535) {
    throw codedError(RangeError, 'ERR_SOCKET_BAD_PORT', `Port should be >= 0 and < 65536. Received ${typeof port === 'string' ? `type string ('${port}')` : String(port)}.`);
  }
  return n;
}

export class Socket extends Duplex {
  connecting = false;
  remoteAddress: string | undefined = undefined;
  remotePort: number | undefined = undefined;
  remoteFamily: string | undefined = undefined;
  localAddress: string | undefined = undefined;
  localPort: number | undefined = undefined;
  bytesRead = 0;
  #written = 0;
  #id: number | undefined;
  #pulling = false;
  #paused = false;
  #upgraded = false;
  /** The peer ended its side (its FIN was read). */
  #ended = false;
  /** Writes made while connecting, sent once the connection is up (Node buffers them too). */
  #queued: Array<[Uint8Array, Callback]> = [];
  #timeoutMs = 0;
  #timer: unknown;
  #settings: Record<string, unknown> = {};

  constructor(options: Record<string, unknown> = {}) {
    super({ allowHalfOpen: options['allowHalfOpen'] === true, decodeStrings: true, emitClose: true, autoDestroy: true });
  }

  get bytesWritten(): number {
    return this.#written;
  }

  get pending(): boolean {
    return this.#id === undefined || this.connecting;
  }

  get readyState(): string {
    if (this.connecting) return 'opening';
    if (this.readable && this.writable) return 'open';
    if (this.readable && !this.writable) return 'readOnly';
    if (!this.readable && this.writable) return 'writeOnly';
    return 'closed';
  }

  /** The host socket's id (for `tls.connect({ socket })`). */
  get _lambdaSimId(): number | undefined {
    return this.#id;
  }

  connect(...args: unknown[]): this {
    const [options, cb] = connectArgs(args);
    if (options.path !== undefined) throw codedError(Error, 'ERR_LAMBDA_SIM_UNSUPPORTED', `lambda-sim: a Unix socket (${String(options.path)}) cannot be reached from the sandbox: connect to a host and port (simulator option \`network: 'host'\`)`);
    const wire: WireOpen = { host: typeof options.host === 'string' && options.host !== '' ? options.host : 'localhost', port: checkPort(options.port) };
    if (options.family === 4 || options.family === 6) wire.family = options.family;
    if (typeof options.localAddress === 'string') wire.localAddress = options.localAddress;
    if (typeof options.timeout === 'number') this.setTimeout(options.timeout);
    if (options.noDelay === true) this.setNoDelay(true);
    if (options.keepAlive === true) this.setKeepAlive(true, Number(options.keepAliveInitialDelay) || 0);
    if (cb !== undefined) this.once(this._connectEvent(), cb);
    this._open(wire);
    return this;
  }

  /** Opens the host socket (tls.ts's subclass adds the TLS options). */
  _open(wire: WireOpen): void {
    this.connecting = true;
    this._adopt(host('open', [wire]) as number);
  }

  _connectEvent(): string {
    return 'connect';
  }

  _adopt(id: number): void {
    this.#id = id;
    if (Object.keys(this.#settings).length > 0) host('configure', [id, this.#settings]);
    this.#pull();
  }

  /** Called by tls.connect({ socket }): this socket's bytes now belong to the TLS socket. */
  _upgraded(): void {
    this.#upgraded = true;
  }

  #pull(): void {
    if (this.#pulling || this.#paused || this.#upgraded || this.#id === undefined || this.destroyed) return;
    this.#pulling = true;
    // Events already on the host come back at once, the others later: both continue here.
    Promise.resolve(host('read', [this.#id]) as SocketEvent[] | Promise<SocketEvent[]>).then(
      (events) => {
        this.#pulling = false;
        for (const event of events) this.#on(event);
        this.#pull();
      },
      (error: unknown) => {
        this.#pulling = false;
        this.destroy(error instanceof Error ? error : new Error(String(error)));
      },
    );
  }

  #on(event: SocketEvent): void {
    if (this.#upgraded || (this.destroyed && event.t !== 'close')) return;
    switch (event.t) {
      case 'connect':
        this.connecting = false;
        this._connected(event.info);
        for (const [bytes, cb] of this.#queued.splice(0)) this.#send(bytes, cb);
        this.#touch();
        this.emit(this._connectEvent());
        if (this._connectEvent() !== 'connect') this.emit('connect');
        this.emit('ready');
        return;
      case 'data':
        this.bytesRead += event.bytes.length;
        this.#touch();
        if (!this.push(event.bytes)) this.#paused = true;
        return;
      case 'end':
        this.#ended = true;
        this.push(null);
        return;
      case 'error':
        this.connecting = false;
        this.destroy(errorOf(event.error));
        return;
      case 'close':
        this.#id = undefined;
        // After the peer's FIN the stream closes itself once its end has been read (as Node's does,
        // a turn after the last data): only an abrupt close destroys it here.
        if (!this.#ended && !this.destroyed) this.destroy();
        return;
      case 'upgraded':
        this.#upgraded = true;
        return;
    }
  }

  _connected(info: WireConnected): void {
    this.remoteAddress = info.remoteAddress;
    this.remotePort = info.remotePort;
    this.remoteFamily = info.remoteFamily;
    this.localAddress = info.localAddress;
    this.localPort = info.localPort;
  }

  _read(): void {
    this.#paused = false;
    this.#pull();
  }

  _write(chunk: Uint8Array, _encoding: string, cb: Callback): void {
    if (this.connecting || this.#id === undefined) {
      if (!this.connecting) return cb(codedError(Error, 'ERR_SOCKET_CLOSED_BEFORE_CONNECTION', 'Socket closed before the connection was established'));
      this.#queued.push([chunk, cb]);
      return;
    }
    this.#send(chunk, cb);
  }

  #send(chunk: Uint8Array, cb: Callback): void {
    try {
      host('write', [this.#id, chunk]);
      this.#written += chunk.length;
      this.#touch();
      cb();
    } catch (error) {
      cb(error as Error);
    }
  }

  _final(cb: Callback): void {
    if (this.#id !== undefined && !this.connecting) host('end', [this.#id]);
    cb();
  }

  _destroy(error: Error | null, cb: Callback): void {
    if (this.#timer !== undefined) simClearTimeout(this.#timer);
    this.#timer = undefined;
    if (this.#id !== undefined && !this.#upgraded) host('destroy', [this.#id]);
    for (const [, queuedCb] of this.#queued.splice(0)) queuedCb(error ?? codedError(Error, 'ERR_SOCKET_CLOSED', 'Socket is closed'));
    cb(error);
  }

  /** Idle timeout in simulated time: 'timeout' is emitted after `ms` without activity (the socket stays open). */
  setTimeout(ms: number, cb?: () => void): this {
    this.#timeoutMs = Number(ms) > 0 ? Number(ms) : 0;
    if (cb !== undefined) {
      if (this.#timeoutMs === 0) this.removeListener('timeout', cb);
      else this.once('timeout', cb);
    }
    this.#touch();
    return this;
  }

  get timeout(): number | undefined {
    return this.#timeoutMs === 0 ? undefined : this.#timeoutMs;
  }

  #touch(): void {
    if (this.#timer !== undefined) simClearTimeout(this.#timer);
    this.#timer = undefined;
    if (this.#timeoutMs > 0 && !this.destroyed) {
      const t = simTimeout(() => {
        this.#timer = undefined;
        this.emit('timeout');
      }, this.#timeoutMs) as { unref?: () => void };
      t.unref?.();
      this.#timer = t;
    }
  }

  setNoDelay(noDelay = true): this {
    this.#configure({ noDelay: noDelay !== false });
    return this;
  }

  setKeepAlive(enable = false, initialDelay = 0): this {
    this.#configure({ keepAlive: enable === true, keepAliveDelay: Number(initialDelay) || 0 });
    return this;
  }

  #configure(settings: Record<string, unknown>): void {
    Object.assign(this.#settings, settings);
    if (this.#id !== undefined) host('configure', [this.#id, settings]);
  }

  /** The host decides what keeps running: a socket awaiting a reply holds simulated time, an idle one does not. */
  ref(): this {
    return this;
  }

  unref(): this {
    return this;
  }

  address(): { address: string; family: string; port: number } | Record<string, never> {
    if (this.localAddress === undefined) return {};
    return { address: this.localAddress, family: this.localAddress.includes(':') ? 'IPv6' : 'IPv4', port: this.localPort ?? 0 };
  }

  resetAndDestroy(): this {
    return this.destroy();
  }
}

export function connect(...args: unknown[]): Socket {
  const [options] = connectArgs(args);
  const socket = new Socket(options as Record<string, unknown>);
  return socket.connect(...args);
}

export const net = { Socket, Stream: Socket, connect, createConnection: connect, isIP, isIPv4, isIPv6 };

/* ---- tls ---- */

function tlsWire(o: Record<string, unknown>): WireTlsOptions {
  const list = (v: unknown): Array<string | Uint8Array> | undefined => (v === undefined || v === null ? undefined : (Array.isArray(v) ? v : [v]).map((x) => (typeof x === 'string' ? x : (x as Uint8Array))));
  const t: WireTlsOptions = {};
  if (typeof o['servername'] === 'string') t.servername = o['servername'];
  if (o['rejectUnauthorized'] !== undefined) t.rejectUnauthorized = o['rejectUnauthorized'] !== false;
  const ca = list(o['ca']);
  if (ca !== undefined) t.ca = ca;
  const cert = list(o['cert']);
  if (cert !== undefined) t.cert = cert;
  const key = list(o['key']);
  if (key !== undefined) t.key = key;
  if (typeof o['passphrase'] === 'string') t.passphrase = o['passphrase'];
  if (Array.isArray(o['ALPNProtocols'])) t.ALPNProtocols = (o['ALPNProtocols'] as unknown[]).map(String);
  if (typeof o['minVersion'] === 'string') t.minVersion = o['minVersion'];
  if (typeof o['maxVersion'] === 'string') t.maxVersion = o['maxVersion'];
  return t;
}

export class TLSSocket extends Socket {
  readonly encrypted = true;
  authorized = false;
  authorizationError: string | null = null;
  alpnProtocol: string | false = false;
  #protocol: string | null = null;
  #peer: Record<string, unknown> = {};
  #tls: WireTlsOptions;

  constructor(socket?: unknown, options: Record<string, unknown> = {}) {
    super(options);
    this.#tls = tlsWire(options);
    if (socket instanceof Socket) {
      const id = socket._lambdaSimId;
      if (id === undefined || socket.connecting) throw codedError(Error, 'ERR_LAMBDA_SIM_UNSUPPORTED', 'lambda-sim: tls.connect({ socket }) needs a connected net.Socket of the sandbox');
      socket._upgraded();
      this.connecting = true;
      this._adopt(host('upgrade', [id, this.#tls]) as number);
    } else if (socket !== undefined && socket !== null) {
      throw codedError(TypeError, 'ERR_LAMBDA_SIM_UNSUPPORTED', 'lambda-sim: tls.connect({ socket }) takes a net.Socket of the sandbox (other duplex streams cannot carry TLS here)');
    }
  }

  override _open(wire: WireOpen): void {
    super._open({ ...wire, tls: this.#tls });
  }

  override _connectEvent(): string {
    return 'secureConnect';
  }

  override _connected(info: WireConnected): void {
    super._connected(info);
    this.authorized = info.authorized === true;
    this.authorizationError = info.authorizationError ?? null;
    this.alpnProtocol = info.alpnProtocol ?? false;
    this.#protocol = info.protocol ?? null;
    this.#peer = info.peerCertificate ?? {};
  }

  getPeerCertificate(): Record<string, unknown> {
    return { ...this.#peer };
  }

  getProtocol(): string | null {
    return this.#protocol;
  }

  getCipher(): undefined {
    return undefined;
  }

  setServername(name: string): void {
    this.#tls.servername = String(name);
  }
}

function tlsConnect(...args: unknown[]): TLSSocket {
  const cb = typeof args[args.length - 1] === 'function' ? (args.pop() as () => void) : undefined;
  let options: Record<string, unknown>;
  if (args[0] !== null && typeof args[0] === 'object') options = { ...(args[0] as Record<string, unknown>) };
  else options = { port: args[0], host: typeof args[1] === 'string' ? args[1] : undefined, ...((typeof args[1] === 'object' ? args[1] : args[2]) as Record<string, unknown> | undefined) };
  const socket = new TLSSocket(options['socket'], options);
  if (cb !== undefined) socket.once('secureConnect', cb);
  if (options['socket'] === undefined || options['socket'] === null) {
    socket.connect({ port: options['port'], host: options['host'] ?? 'localhost', family: options['family'], localAddress: options['localAddress'], timeout: options['timeout'] });
  }
  return socket;
}

export const tls = { TLSSocket, connect: tlsConnect, checkServerIdentity: (): undefined => undefined };

/* ---- dns ---- */

type DnsCallback = (error: Error | null, ...results: unknown[]) => void;

function query(name: string, args: unknown[]): Promise<unknown> {
  return host('dns', [name, args]) as Promise<unknown>;
}

function lookupPromise(hostname: unknown, options: unknown): Promise<unknown> {
  const o = typeof options === 'number' ? { family: options } : ((options ?? {}) as Record<string, unknown>);
  return query('lookup', [hostname, { family: o['family'] === 'IPv4' ? 4 : o['family'] === 'IPv6' ? 6 : o['family'], all: o['all'] === true, verbatim: o['verbatim'] }]);
}

function lookup(hostname: unknown, options: unknown, cb?: unknown): void {
  const callback = (typeof options === 'function' ? options : cb) as DnsCallback;
  const opts = typeof options === 'function' ? undefined : options;
  if (typeof callback !== 'function') throw codedError(TypeError, 'ERR_INVALID_ARG_TYPE', 'The "callback" argument must be of type function');
  lookupPromise(hostname, opts).then(
    (r) => {
      if (Array.isArray(r)) callback(null, r);
      else callback(null, (r as { address: string }).address, (r as { family: number }).family);
    },
    (e: unknown) => callback(e as Error),
  );
}

const RESOLVERS = ['resolve4', 'resolve6', 'resolveCname', 'resolveMx', 'resolveNs', 'resolveSrv', 'resolveTxt', 'reverse'] as const;

function promisesApi(): Record<string, unknown> {
  const api: Record<string, unknown> = {
    lookup: lookupPromise,
    resolve: (hostname: unknown, rrtype?: unknown) => query('resolve', [hostname, typeof rrtype === 'string' ? rrtype : 'A']),
  };
  for (const r of RESOLVERS) api[r] = (hostname: unknown) => query(r, [hostname]);
  return api;
}

function callbackApi(): Record<string, unknown> {
  const api: Record<string, unknown> = {
    lookup,
    resolve: (hostname: unknown, rrtype: unknown, cb?: unknown) => {
      const callback = (typeof rrtype === 'function' ? rrtype : cb) as DnsCallback;
      query('resolve', [hostname, typeof rrtype === 'string' ? rrtype : 'A']).then((r) => callback(null, r), (e: unknown) => callback(e as Error));
    },
  };
  for (const r of RESOLVERS) {
    api[r] = (hostname: unknown, cb: DnsCallback) => {
      query(r, [hostname]).then((v) => cb(null, v), (e: unknown) => cb(e as Error));
    };
  }
  return api;
}

export const dns = { ...callbackApi(), promises: promisesApi() };
