/**
 * `dgram`, in the sandbox: UDP sockets whose one reachable peer is the X-Ray daemon. On Lambda the
 * X-Ray SDK (and so the Powertools Tracer) sends each sampled segment as a datagram to
 * `AWS_XRAY_DAEMON_ADDRESS` (`169.254.79.129:2000`); here a datagram to that address is accepted
 * and dropped, as the daemon would take it (nothing in lambda-sim reads traces). A datagram to any
 * other address fails as a network error (`ENETUNREACH`) whose message names the limitation. A
 * bound socket receives nothing: nothing can reach the sandbox. Callbacks and events come
 * asynchronously, as Node's do.
 */
import { lazy } from './lazy.js';
import { unsupported } from './unsupported.js';

type Listener = (...a: unknown[]) => void;
interface Emitter {
  on(e: string, f: Listener): this;
  once(e: string, f: Listener): this;
  emit(e: string, ...a: unknown[]): boolean;
  listenerCount(e: string): number;
}
interface BufferStatic {
  byteLength(v: unknown, enc?: string): number;
}

const EventEmitter = lazy<new () => Emitter>('events');
const Buf = (): BufferStatic => lazy<{ Buffer: BufferStatic }>('buffer').Buffer;
const later = (fn: () => void): void => {
  void Promise.resolve().then(fn);
};

/** Lambda's X-Ray daemon, where AWS_XRAY_DAEMON_ADDRESS points on Lambda. */
const LAMBDA_DAEMON = '169.254.79.129:2000';
/** The largest UDP payload a datagram carries (IPv4: 65535 - 8 - 20; IPv6: 65535 - 8). */
const MAX_PAYLOAD = { udp4: 65507, udp6: 65527 } as const;
const DEFAULT_BUFFER_SIZE = 212992;

type Family = 'udp4' | 'udp6';
type Callback = (error: Error | null, bytes?: number) => void;

function coded(Kind: typeof Error, code: string, message: string, extra: Record<string, unknown> = {}): Error {
  return Object.assign(new Kind(message), { code }, extra);
}

/** The daemon's UDP address, from `AWS_XRAY_DAEMON_ADDRESS` as the X-Ray SDK reads it (`ip:port` or `udp:ip:port tcp:ip:port`). */
function daemonAddress(): string {
  const env = (globalThis as unknown as { process?: { env?: Record<string, string | undefined> } }).process?.env ?? {};
  const value = (env['AWS_XRAY_DAEMON_ADDRESS'] ?? '').trim();
  if (value === '') return LAMBDA_DAEMON;
  const parts = value.split(/\s+/);
  const udp = parts.length === 1 ? parts[0]! : (parts.find((p) => p.startsWith('udp:')) ?? '').slice(4);
  return udp === '' ? LAMBDA_DAEMON : udp;
}

function validPort(port: unknown, allowZero: boolean): number {
  const n = typeof port === 'string' && port.trim() !== '' ? Number(port) : port;
  if (typeof n !== 'number' || !Number.isInteger(n) || n < (allowZero ? 0 : 1) || n > 65535) {
    throw coded(RangeError, 'ERR_SOCKET_BAD_PORT', `Port should be ${allowZero ? '>=' : '>'} 0 and < 65536. Received ${typeof port === 'string' ? `type string ('${port}')` : String(port)}.`);
  }
  return n;
}

function byteLength(msg: unknown): number {
  const one = (m: unknown): number => {
    if (typeof m === 'string') return Buf().byteLength(m);
    if (m instanceof ArrayBuffer || ArrayBuffer.isView(m)) return (m as ArrayBufferView).byteLength;
    throw coded(TypeError, 'ERR_INVALID_ARG_TYPE', 'The "buffer" argument must be of type string or an instance of Buffer, TypedArray, or DataView.');
  };
  return Array.isArray(msg) ? msg.reduce((n: number, m: unknown) => n + one(m), 0) : one(msg);
}

type State = 'unbound' | 'bound' | 'closed';

let ephemeral = 0;
/** Linux's default ephemeral range, 32768 to 60999. */
const nextEphemeral = (): number => 32768 + (ephemeral++ % 28232);

export class Socket extends EventEmitter {
  readonly type: Family;
  #state: State = 'unbound';
  #local = { address: '', port: 0 };
  #remote: { address: string; port: number } | undefined;
  #recvBufferSize = DEFAULT_BUFFER_SIZE;
  #sendBufferSize = DEFAULT_BUFFER_SIZE;

  constructor(type: unknown, listener?: Listener) {
    super();
    const t = typeof type === 'object' && type !== null ? (type as { type?: unknown }).type : type;
    if (t !== 'udp4' && t !== 'udp6') throw coded(TypeError, 'ERR_SOCKET_BAD_TYPE', 'Bad socket type specified. Valid types are: udp4, udp6');
    this.type = t;
    if (typeof listener === 'function') this.on('message', listener);
  }

  #running(): void {
    if (this.#state === 'closed') throw coded(Error, 'ERR_SOCKET_DGRAM_NOT_RUNNING', 'Not running');
  }

  #loopback(): string {
    return this.type === 'udp4' ? '127.0.0.1' : '::1';
  }

  /** Binds now (as Node binds implicitly on the first send or connect); 'listening' follows. */
  #bindTo(port: number, address: string | undefined): void {
    this.#state = 'bound';
    // Port 0: an ephemeral port, as the kernel picks one (in turn, so the same code gets the same ports).
    this.#local = { address: address ?? (this.type === 'udp4' ? '0.0.0.0' : '::'), port: port === 0 ? nextEphemeral() : port };
    later(() => this.emit('listening'));
  }

  bind(...args: unknown[]): this {
    this.#running();
    if (this.#state === 'bound') throw coded(Error, 'ERR_SOCKET_ALREADY_BOUND', 'Socket is already bound');
    const callback = typeof args[args.length - 1] === 'function' ? (args.pop() as Listener) : undefined;
    const options = typeof args[0] === 'object' && args[0] !== null ? (args[0] as { port?: unknown; address?: unknown }) : { port: args[0], address: args[1] };
    const port = options.port === undefined ? 0 : validPort(options.port, true);
    if (callback !== undefined) this.once('listening', callback);
    this.#bindTo(port, typeof options.address === 'string' && options.address !== '' ? options.address : undefined);
    return this;
  }

  connect(port: unknown, address?: unknown, callback?: unknown): void {
    this.#running();
    const cb = typeof address === 'function' ? address : callback;
    const p = validPort(port, false);
    if (this.#remote !== undefined) throw coded(Error, 'ERR_SOCKET_DGRAM_IS_CONNECTED', 'Already connected');
    const to = typeof address === 'string' && address !== '' && address !== 'localhost' ? address : this.#loopback();
    if (this.#state === 'unbound') this.#bindTo(0, undefined);
    // UDP's connect only sets the default peer: no packet leaves, so it succeeds; sends decide.
    this.#remote = { address: to, port: p };
    if (typeof cb === 'function') this.once('connect', cb as Listener);
    later(() => this.emit('connect'));
  }

  disconnect(): void {
    this.#running();
    if (this.#remote === undefined) throw coded(Error, 'ERR_SOCKET_DGRAM_NOT_CONNECTED', 'Not connected');
    this.#remote = undefined;
  }

  /** send(msg, [offset, length,] [port, [address,]] [callback]), its arguments shifted as Node shifts them. */
  send(msg: unknown, ...args: unknown[]): void {
    let [offset, length, port, address, callback] = args;
    let sliced = false;
    if (this.#remote === undefined) {
      if (address || (port && typeof port !== 'function')) sliced = true;
      else [callback, port, address] = [port, offset, length];
    } else {
      if (typeof length === 'number') {
        sliced = true;
        if (typeof port === 'function') [callback, port] = [port, undefined];
      } else callback = offset;
      if (port || address) throw coded(Error, 'ERR_SOCKET_DGRAM_IS_CONNECTED', 'Already connected');
    }
    if (typeof address === 'function') [callback, address] = [address, undefined];
    this.#running();
    let bytes = byteLength(msg);
    if (sliced) {
      if (typeof offset !== 'number' || typeof length !== 'number') throw coded(TypeError, 'ERR_INVALID_ARG_TYPE', 'The "offset" and "length" arguments must be of type number.');
      bytes = Math.max(0, Math.min(length, bytes - offset));
    }
    const to = this.#remote ?? { port: validPort(port, false), address: typeof address === 'string' && address !== '' && address !== 'localhost' ? address : this.#loopback() };
    if (this.#state === 'unbound') this.#bindTo(0, undefined);
    const error = this.#refusal(to, bytes);
    later(() => {
      if (typeof callback === 'function') (callback as Callback)(error, error === null ? bytes : undefined);
      else if (error !== null) this.emit('error', error);
    });
  }

  /** Why a datagram does not go (null: the daemon takes it). */
  #refusal(to: { address: string; port: number }, bytes: number): Error | null {
    const at = `${to.address}:${to.port}`;
    const extra = { syscall: 'send', address: to.address, port: to.port };
    if (bytes > MAX_PAYLOAD[this.type]) return coded(Error, 'EMSGSIZE', `send EMSGSIZE ${at}`, { errno: -90, ...extra });
    const daemon = daemonAddress();
    if (at === daemon) return null;
    return coded(Error, 'ENETUNREACH', `send ENETUNREACH ${at}: lambda-sim's sandbox sends UDP datagrams only to the X-Ray daemon (AWS_XRAY_DAEMON_ADDRESS, ${daemon}), which drops them; for another UDP peer use a host module (simulator option \`modules\`)`, { errno: -101, ...extra });
  }

  sendto(msg: unknown, offset: unknown, length: unknown, port: unknown, address: unknown, callback?: unknown): void {
    if (typeof address !== 'string') throw coded(TypeError, 'ERR_INVALID_ARG_TYPE', 'The "address" argument must be of type string.');
    this.send(msg, offset, length, port, address, callback);
  }

  close(callback?: unknown): this {
    this.#running();
    this.#state = 'closed';
    this.#remote = undefined;
    if (typeof callback === 'function') this.once('close', callback as Listener);
    later(() => this.emit('close'));
    return this;
  }

  address(): { address: string; family: string; port: number } {
    this.#running();
    if (this.#state !== 'bound') throw coded(Error, 'EBADF', 'getsockname EBADF', { errno: -9, syscall: 'getsockname' });
    return { address: this.#local.address, family: this.type === 'udp4' ? 'IPv4' : 'IPv6', port: this.#local.port };
  }

  remoteAddress(): { address: string; family: string; port: number } {
    this.#running();
    if (this.#remote === undefined) throw coded(Error, 'ERR_SOCKET_DGRAM_NOT_CONNECTED', 'Not connected');
    return { address: this.#remote.address, family: this.type === 'udp4' ? 'IPv4' : 'IPv6', port: this.#remote.port };
  }

  // Socket options: accepted (nothing in the sandbox depends on them).
  setBroadcast(_flag: unknown): void {
    this.#running();
  }
  setTTL(ttl: number): number {
    this.#running();
    return ttl;
  }
  setMulticastTTL(ttl: number): number {
    this.#running();
    return ttl;
  }
  setMulticastLoopback(flag: unknown): unknown {
    this.#running();
    return flag;
  }
  setMulticastInterface(_address: unknown): void {
    this.#running();
  }
  // Multicast groups would mean receiving: nothing reaches the sandbox.
  addMembership(): never {
    throw unsupported('dgram', 'Socket.prototype.addMembership');
  }
  dropMembership(): never {
    throw unsupported('dgram', 'Socket.prototype.dropMembership');
  }
  addSourceSpecificMembership(): never {
    throw unsupported('dgram', 'Socket.prototype.addSourceSpecificMembership');
  }
  dropSourceSpecificMembership(): never {
    throw unsupported('dgram', 'Socket.prototype.dropSourceSpecificMembership');
  }

  /** No handle keeps the sandbox's event loop alive: ref and unref change nothing. */
  ref(): this {
    return this;
  }
  unref(): this {
    return this;
  }

  setRecvBufferSize(size: number): void {
    this.#running();
    this.#recvBufferSize = size;
  }
  setSendBufferSize(size: number): void {
    this.#running();
    this.#sendBufferSize = size;
  }
  getRecvBufferSize(): number {
    this.#running();
    return this.#recvBufferSize;
  }
  getSendBufferSize(): number {
    this.#running();
    return this.#sendBufferSize;
  }
  getSendQueueSize(): number {
    return 0;
  }
  getSendQueueCount(): number {
    return 0;
  }
}

export function createSocket(type: unknown, listener?: Listener): Socket {
  return new Socket(type, listener);
}

export const dgram = { createSocket, Socket };
