/**
 * The sandbox's TCP and TLS sockets, on the host, under the simulator's `network` policy: with
 * `'host'` each sandbox socket is a real `net`/`tls` socket of the host (so `pg`, `ioredis` or
 * `mysql2` in a handler talk to a real local server); with `'off'` a connection is refused with a
 * message naming the option; a `network` function answers HTTP only, so it refuses sockets too.
 *
 * **Simulated time and sockets.** Host work normally stops the clock until it is done. A socket is
 * different: a pooled connection may sit idle for hours of simulated time, and holding the clock for
 * it would freeze the simulation. So the clock waits for a socket only while a reply is *expected*:
 * from a connect until it is up, and from each write until the peer's answer has arrived and then
 * stayed quiet for {@link SOCKET_QUIET_MS} real ms (a reply in several TCP segments arrives whole
 * at the same simulated instant). An expectation lasts at most {@link NETWORK_REAL_TIMEOUT_MS} real
 * ms without data (a blocking `BLPOP` then lets time move on; the read stays pending). Reads are
 * pulled by the sandbox (`read`, answered when something happens) and never hold the clock
 * themselves.
 */
import * as dns from 'node:dns';
import * as net from 'node:net';
import * as tls from 'node:tls';
import { MAX_SOCKETS_PER_SANDBOX, MAX_SOCKET_BUFFERED_BYTES, MAX_SOCKET_WRITE_QUEUE_BYTES, NETWORK_REAL_TIMEOUT_MS, SOCKET_QUIET_MS } from './host-limits.js';
import type { ScopedResource } from './host-scope.js';
import type { NetworkPolicy } from './host-network.js';
import { DNS_QUERIES, type DnsQuery, type SocketEvent, type WireConnected, type WireOpen, type WireSocketError, type WireSocketSettings, type WireTlsOptions } from './shim/socket-wire.js';

/** Holds simulated time until the promise settles (the kernel's `hold`). */
export type HoldTime = (until: Promise<void>) => void;

interface Entry {
  id: number;
  socket: net.Socket;
  host: string;
  port: number;
  events: SocketEvent[];
  buffered: number;
  reader: ((events: SocketEvent[]) => void) | undefined;
  /** Ends the current expectation (releases the clock); set while one runs. */
  release: (() => void) | undefined;
  quiet: NodeJS.Timeout | undefined;
  bound: NodeJS.Timeout | undefined;
  done: boolean;
}

const HOSTNAME = /^[^\0\s/\\]{1,253}$/;

function policyWhy(policy: NetworkPolicy): string {
  return policy === 'off'
    ? "the sandbox's network is off; set the simulator option `network: 'host'` for sockets to the host's network (a local PostgreSQL, Redis…)"
    : "a `network` function answers HTTP requests only; sockets (net, tls: database and cache clients) need the simulator option `network: 'host'`";
}

function socketError(e: unknown): WireSocketError {
  const x = e as (Error & Record<string, unknown>) | null;
  const out: WireSocketError = {
    name: typeof x?.name === 'string' ? x.name : 'Error',
    message: typeof x?.message === 'string' ? x.message.slice(0, 2000) : String(e).slice(0, 2000),
  };
  for (const k of ['code', 'syscall', 'address', 'hostname'] as const) if (typeof x?.[k] === 'string') out[k] = x[k] as string;
  for (const k of ['errno', 'port'] as const) if (typeof x?.[k] === 'number') out[k] = x[k] as number;
  return out;
}

function checkBytesList(v: unknown, what: string): Array<string | Buffer> | undefined {
  if (v === undefined || v === null) return undefined;
  const list = Array.isArray(v) ? (v as unknown[]) : [v];
  return list.map((x) => {
    if (typeof x === 'string') return x;
    if (x instanceof Uint8Array) return Buffer.from(x);
    throw new TypeError(`lambda-sim: the TLS option ${what} must be strings or bytes`);
  });
}

function optionalString(v: unknown, what: string): string | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'string' || v.length > 4096) throw new TypeError(`lambda-sim: the socket option ${what} must be a string`);
  return v;
}

function checkTls(raw: unknown): tls.ConnectionOptions {
  const t = (raw ?? {}) as WireTlsOptions;
  if (typeof t !== 'object') throw new TypeError('lambda-sim: TLS options must be an object');
  const out: tls.ConnectionOptions = {};
  const servername = optionalString(t.servername, 'servername');
  if (servername !== undefined) out.servername = servername;
  if (t.rejectUnauthorized !== undefined) out.rejectUnauthorized = t.rejectUnauthorized !== false;
  const ca = checkBytesList(t.ca, 'ca');
  if (ca !== undefined) out.ca = ca;
  const cert = checkBytesList(t.cert, 'cert');
  if (cert !== undefined) out.cert = cert;
  const key = checkBytesList(t.key, 'key');
  if (key !== undefined) out.key = key;
  const passphrase = optionalString(t.passphrase, 'passphrase');
  if (passphrase !== undefined) out.passphrase = passphrase;
  if (t.ALPNProtocols !== undefined) {
    if (!Array.isArray(t.ALPNProtocols) || !t.ALPNProtocols.every((p) => typeof p === 'string')) throw new TypeError('lambda-sim: ALPNProtocols must be strings');
    out.ALPNProtocols = t.ALPNProtocols;
  }
  const min = optionalString(t.minVersion, 'minVersion');
  if (min !== undefined) out.minVersion = min as tls.SecureVersion;
  const max = optionalString(t.maxVersion, 'maxVersion');
  if (max !== undefined) out.maxVersion = max as tls.SecureVersion;
  return out;
}

/** Checks what the sandbox asked to open (handler-controlled data): a TypeError says what was wrong. */
export function checkOpen(raw: unknown): WireOpen {
  const o = raw as Partial<WireOpen> | null;
  if (o === null || typeof o !== 'object') throw new TypeError('lambda-sim: socket options must be an object');
  if (typeof o.host !== 'string' || !HOSTNAME.test(o.host)) throw new TypeError(`lambda-sim: a socket's host must be a hostname or address, not ${JSON.stringify(o.host)}`);
  if (typeof o.port !== 'number' || !Number.isInteger(o.port) || o.port < 0 || o.port > 65535) {
    throw new RangeError(`lambda-sim: a socket's port must be an integer from 0 to 65535, not ${String(o.port)}`);
  }
  const family = o.family ?? 0;
  if (family !== 0 && family !== 4 && family !== 6) throw new TypeError(`lambda-sim: a socket's family must be 0, 4 or 6, not ${String(family)}`);
  const open: WireOpen = { host: o.host, port: o.port, family };
  const local = optionalString(o.localAddress, 'localAddress');
  if (local !== undefined) open.localAddress = local;
  if (o.tls !== undefined) open.tls = o.tls;
  return open;
}

function connectedInfo(socket: net.Socket): WireConnected {
  const info: WireConnected = {};
  if (socket.localAddress !== undefined) info.localAddress = socket.localAddress;
  if (socket.localPort !== undefined) info.localPort = socket.localPort;
  if (socket.remoteAddress !== undefined) info.remoteAddress = socket.remoteAddress;
  if (socket.remotePort !== undefined) info.remotePort = socket.remotePort;
  if (socket.remoteFamily !== undefined) info.remoteFamily = socket.remoteFamily;
  if (socket instanceof tls.TLSSocket) {
    info.authorized = socket.authorized;
    info.authorizationError = socket.authorizationError === undefined || socket.authorizationError === null ? null : String(socket.authorizationError);
    info.alpnProtocol = socket.alpnProtocol ?? false;
    info.protocol = socket.getProtocol();
    const cert = socket.getPeerCertificate();
    const plain: Record<string, unknown> = {};
    for (const k of ['subject', 'issuer', 'subjectaltname', 'valid_from', 'valid_to', 'fingerprint', 'fingerprint256', 'serialNumber'] as const) {
      const v = (cert as unknown as Record<string, unknown>)[k];
      if (typeof v === 'string') plain[k] = v;
      else if (v !== null && typeof v === 'object') plain[k] = { ...(v as Record<string, unknown>) };
    }
    info.peerCertificate = plain;
  }
  return info;
}

/** One sandbox's sockets (a resource of its {@link HostScope}). */
export class HostSockets implements ScopedResource {
  readonly #entries = new Map<number, Entry>();
  #nextId = 1;
  #disposed = false;

  constructor(
    readonly policy: NetworkPolicy,
    readonly hold: HoldTime,
  ) {}

  /** The hostname a socket was opened to (for `network:<hostname>` latency). */
  hostOf(id: number): string | undefined {
    return this.#entries.get(id)?.host;
  }

  /** Opens a socket; what becomes of it (connect, error) is read with {@link read}. */
  open(raw: unknown): number {
    const o = checkOpen(raw);
    const tlsOptions = o.tls === undefined ? undefined : checkTls(o.tls);
    this.#checkRoom();
    if (this.policy !== 'host') {
      const entry = this.#entry(new net.Socket(), o.host, o.port);
      const error: WireSocketError = {
        name: 'Error',
        message: `connect ECONNREFUSED ${o.host}:${o.port} (lambda-sim: ${policyWhy(this.policy)})`,
        code: 'ECONNREFUSED',
        errno: -111,
        syscall: 'connect',
        address: o.host,
        port: o.port,
      };
      this.#push(entry, { t: 'error', error });
      this.#push(entry, { t: 'close', hadError: true });
      entry.done = true;
      return entry.id;
    }
    const options: net.TcpNetConnectOpts = { host: o.host, port: o.port, family: o.family ?? 0 };
    if (o.localAddress !== undefined) options.localAddress = o.localAddress;
    const socket = tlsOptions === undefined ? net.connect(options) : tls.connect({ ...options, ...tlsOptions, ...(tlsOptions.servername === undefined && net.isIP(o.host) === 0 ? { servername: o.host } : {}) });
    return this.#track(socket, o.host, o.port, tlsOptions !== undefined);
  }

  /** `tls.connect({ socket })`: the open socket `id` now carries TLS, under the id answered. */
  upgrade(id: number, rawTls: unknown): number {
    const entry = this.#get(id);
    const options = checkTls(rawTls);
    if (entry.done) throw Object.assign(new Error('lambda-sim: cannot start TLS on a closed socket'), { code: 'ERR_SOCKET_CLOSED' });
    this.#checkRoom();
    const host = entry.host;
    const secure = tls.connect({ ...options, socket: entry.socket, ...(options.servername === undefined && net.isIP(host) === 0 ? { servername: host } : {}) });
    // The plain side stops here: what arrives now is TLS records, read by the new socket.
    entry.socket.removeAllListeners('data');
    entry.done = true;
    this.#settleExpectation(entry);
    this.#push(entry, { t: 'upgraded' });
    this.#entries.delete(id);
    return this.#track(secure, host, entry.port, true);
  }

  /**
   * What happened since the last read: at once when something has (the sandbox must get it at this
   * simulated instant; the clock may move before a promise's answer is delivered), else when
   * something does (never held: see the module's comment).
   */
  read(id: number): SocketEvent[] | Promise<SocketEvent[]> {
    const entry = this.#entries.get(id);
    if (entry === undefined) return [{ t: 'close', hadError: false }];
    if (entry.reader !== undefined) throw new Error('lambda-sim internal error: two reads of one socket');
    if (entry.events.length > 0) return this.#take(entry);
    return new Promise((resolve) => {
      entry.reader = resolve;
    });
  }

  write(id: number, bytes: unknown): boolean {
    const entry = this.#get(id);
    if (!(bytes instanceof Uint8Array) && typeof bytes !== 'string') throw new TypeError('lambda-sim: a socket write must be bytes or a string');
    if (entry.done || entry.socket.destroyed) throw Object.assign(new Error('This socket has been ended by the other party'), { code: 'EPIPE' });
    if (entry.socket.writableLength + bytes.length > MAX_SOCKET_WRITE_QUEUE_BYTES) {
      throw Object.assign(new RangeError(`lambda-sim: ${entry.socket.writableLength} bytes already wait to be sent on this socket (at most ${MAX_SOCKET_WRITE_QUEUE_BYTES}): wait for 'drain'`), { code: 'ENOBUFS' });
    }
    this.#expect(entry);
    return entry.socket.write(typeof bytes === 'string' ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length));
  }

  end(id: number): void {
    const entry = this.#entries.get(id);
    if (entry !== undefined && !entry.done) entry.socket.end();
  }

  destroy(id: number): void {
    const entry = this.#entries.get(id);
    if (entry === undefined) return;
    entry.socket.destroy();
  }

  configure(id: number, raw: unknown): void {
    const entry = this.#get(id);
    const s = (raw ?? {}) as WireSocketSettings;
    if (s.noDelay !== undefined) entry.socket.setNoDelay(s.noDelay === true);
    if (s.keepAlive !== undefined) entry.socket.setKeepAlive(s.keepAlive === true, Math.max(0, Number(s.keepAliveDelay) || 0));
  }

  /** node:dns queries, answered by the host's resolver (`'host'`), else ENOTFOUND naming the option. */
  dns(query: unknown, args: unknown): Promise<unknown> {
    if (typeof query !== 'string' || !(DNS_QUERIES as readonly string[]).includes(query)) throw new TypeError(`lambda-sim: unknown dns query ${String(query)}`);
    const list = Array.isArray(args) ? (args as unknown[]) : [];
    const name = list[0];
    if (typeof name !== 'string' || name.length > 253) throw new TypeError(`lambda-sim: dns.${query} needs a hostname (a string of at most 253 characters)`);
    if (this.policy !== 'host') {
      const e = Object.assign(new Error(`${query === 'lookup' ? 'getaddrinfo' : `query${query.replace('resolve', '') || 'A'}`} ENOTFOUND ${name} (lambda-sim: ${policyWhy(this.policy)})`), {
        code: 'ENOTFOUND',
        syscall: query === 'lookup' ? 'getaddrinfo' : query,
        hostname: name,
      });
      return Promise.reject(e);
    }
    const q = query as DnsQuery;
    if (q === 'lookup') {
      const o = (list[1] ?? {}) as { family?: unknown; all?: unknown; verbatim?: unknown };
      const family = o.family === 4 || o.family === 6 ? o.family : 0;
      return dns.promises.lookup(name, { family, all: o.all === true, verbatim: o.verbatim !== false });
    }
    if (q === 'resolve') return dns.promises.resolve(name, typeof list[1] === 'string' ? list[1] : 'A');
    return (dns.promises[q] as (n: string) => Promise<unknown>)(name);
  }

  dispose(): void {
    this.#disposed = true;
    for (const entry of this.#entries.values()) {
      entry.socket.destroy();
      this.#settleExpectation(entry);
      const reader = entry.reader;
      entry.reader = undefined;
      reader?.([{ t: 'close', hadError: false }]);
    }
    this.#entries.clear();
  }

  #checkRoom(): void {
    if (this.#disposed) throw new Error('lambda-sim: the sandbox was reset');
    if (this.#entries.size >= MAX_SOCKETS_PER_SANDBOX) {
      throw Object.assign(new Error(`lambda-sim: this sandbox already has ${this.#entries.size} open sockets (at most ${MAX_SOCKETS_PER_SANDBOX}): close some first`), { code: 'EMFILE' });
    }
  }

  #get(id: number): Entry {
    const entry = this.#entries.get(id);
    if (entry === undefined) throw Object.assign(new Error('lambda-sim: no such socket (it was closed)'), { code: 'ERR_SOCKET_CLOSED' });
    return entry;
  }

  #entry(socket: net.Socket, host: string, port: number): Entry {
    const entry: Entry = { id: this.#nextId++, socket, host, port, events: [], buffered: 0, reader: undefined, release: undefined, quiet: undefined, bound: undefined, done: false };
    this.#entries.set(entry.id, entry);
    // An idle socket does not keep the host process alive; one awaiting a reply does (see #expect).
    socket.unref();
    return entry;
  }

  #track(socket: net.Socket, host: string, port: number, secure: boolean): number {
    const entry = this.#entry(socket, host, port);
    this.#expect(entry); // the connect is awaited as a reply
    socket.once(secure ? 'secureConnect' : 'connect', () => {
      this.#push(entry, { t: 'connect', info: connectedInfo(socket) });
      this.#heard(entry); // a server that speaks first (a greeting) is heard at the same instant
    });
    socket.on('data', (chunk: Buffer) => {
      this.#push(entry, { t: 'data', bytes: new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.length) });
      entry.buffered += chunk.length;
      if (entry.buffered > MAX_SOCKET_BUFFERED_BYTES) socket.pause(); // resumed when the sandbox reads
      this.#heard(entry);
    });
    socket.on('end', () => this.#push(entry, { t: 'end' }));
    socket.on('error', (error) => this.#push(entry, { t: 'error', error: socketError(error) }));
    socket.on('close', (hadError) => {
      entry.done = true;
      this.#push(entry, { t: 'close', hadError });
      this.#settleExpectation(entry);
    });
    return entry.id;
  }

  #push(entry: Entry, event: SocketEvent): void {
    entry.events.push(event);
    const reader = entry.reader;
    if (reader !== undefined) {
      entry.reader = undefined;
      reader(this.#take(entry));
    }
  }

  #take(entry: Entry): SocketEvent[] {
    const events = entry.events;
    entry.events = [];
    if (entry.buffered > MAX_SOCKET_BUFFERED_BYTES) entry.socket.resume();
    entry.buffered = 0;
    // Once the sandbox has read the close, the id is forgotten.
    if (entry.done && events.some((ev) => ev.t === 'close' || ev.t === 'upgraded')) this.#entries.delete(entry.id);
    return events;
  }

  /** A reply is expected (a connect or a write): simulated time waits until it has been heard. */
  #expect(entry: Entry): void {
    if (entry.quiet !== undefined) clearTimeout(entry.quiet);
    entry.quiet = undefined;
    if (entry.release === undefined) {
      let release!: () => void;
      const until = new Promise<void>((resolve) => {
        release = resolve;
      });
      entry.release = release;
      entry.socket.ref();
      this.hold(until);
    }
    if (entry.bound !== undefined) clearTimeout(entry.bound);
    entry.bound = setTimeout(() => this.#settleExpectation(entry), NETWORK_REAL_TIMEOUT_MS);
  }

  /** Something arrived: the expectation ends once the peer has been quiet for a moment. */
  #heard(entry: Entry): void {
    if (entry.release === undefined) return;
    if (entry.quiet !== undefined) clearTimeout(entry.quiet);
    entry.quiet = setTimeout(() => this.#settleExpectation(entry), SOCKET_QUIET_MS);
  }

  #settleExpectation(entry: Entry): void {
    if (entry.quiet !== undefined) clearTimeout(entry.quiet);
    if (entry.bound !== undefined) clearTimeout(entry.bound);
    entry.quiet = undefined;
    entry.bound = undefined;
    const release = entry.release;
    entry.release = undefined;
    if (release !== undefined) {
      entry.socket.unref();
      release();
    }
  }
}
