/**
 * The sandbox sockets' wire contract: what the shim's `net`, `tls` and `dns` (shim/net.ts) send to
 * the host's sockets (runtime/host-sockets.ts, host call target `socket`) and what they answer. A
 * leaf file: both sides import it.
 *
 * A socket is opened (`open`, or `upgrade` of an open one to TLS) and answers an id at once; the
 * sandbox then pulls what happened with `read` (a pending call, one per socket at a time) and
 * pushes bytes with `write`. The host decides for each pending read whether simulated time waits
 * for it: only while a reply is expected (see host-sockets.ts), so an idle pooled connection does
 * not stop the clock.
 */

/** The host call target of the sockets. */
export const SOCKET_TARGET = 'socket';

/** Operations (the host call's path). */
export type SocketOp = 'open' | 'upgrade' | 'read' | 'write' | 'end' | 'destroy' | 'configure' | 'dns';

/** TLS options that cross (strings or bytes; no functions such as checkServerIdentity). */
export interface WireTlsOptions {
  servername?: string;
  rejectUnauthorized?: boolean;
  ca?: Array<string | Uint8Array>;
  cert?: Array<string | Uint8Array>;
  key?: Array<string | Uint8Array>;
  passphrase?: string;
  ALPNProtocols?: string[];
  minVersion?: string;
  maxVersion?: string;
}

export interface WireOpen {
  host: string;
  port: number;
  /** 0 (either), 4 or 6. */
  family?: number;
  localAddress?: string;
  /** Set for `tls.connect`. */
  tls?: WireTlsOptions;
}

/** What the sandbox learns once the connection is up. */
export interface WireConnected {
  localAddress?: string;
  localPort?: number;
  remoteAddress?: string;
  remotePort?: number;
  remoteFamily?: string;
  /** TLS only. */
  authorized?: boolean;
  authorizationError?: string | null;
  alpnProtocol?: string | false;
  protocol?: string | null;
  peerCertificate?: Record<string, unknown>;
}

/** A socket error, shaped as Node's (code, errno, syscall, address, port). */
export interface WireSocketError {
  name: string;
  message: string;
  code?: string;
  errno?: number;
  syscall?: string;
  address?: string;
  port?: number;
  hostname?: string;
}

/** What one `read` answers: everything that happened since the last one, in order. */
export type SocketEvent =
  | { t: 'connect'; info: WireConnected }
  | { t: 'data'; bytes: Uint8Array }
  /** The peer ended its side (FIN). */
  | { t: 'end' }
  | { t: 'error'; error: WireSocketError }
  | { t: 'close'; hadError: boolean }
  /** The socket now carries TLS under another id (`upgrade`): this one reads nothing more. */
  | { t: 'upgraded' };

/** `configure` settings. */
export interface WireSocketSettings {
  noDelay?: boolean;
  keepAlive?: boolean;
  keepAliveDelay?: number;
}

/** `dns` queries (node:dns's names). */
export type DnsQuery = 'lookup' | 'resolve' | 'resolve4' | 'resolve6' | 'resolveCname' | 'resolveMx' | 'resolveNs' | 'resolveSrv' | 'resolveTxt' | 'reverse';

export const DNS_QUERIES: readonly DnsQuery[] = ['lookup', 'resolve', 'resolve4', 'resolve6', 'resolveCname', 'resolveMx', 'resolveNs', 'resolveSrv', 'resolveTxt', 'reverse'];
