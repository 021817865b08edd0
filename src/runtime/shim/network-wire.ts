/**
 * The sandbox network's wire contract: what the shim (shim/web-fetch.ts, the http client) sends to
 * the host's network (runtime/host-network.ts) and what it answers. A leaf file: both sides import it.
 */

/** Which sandbox API made the request: `fetch` goes out through the host's fetch, `http` through node:http(s). */
export type NetworkApi = 'fetch' | 'http';

export type RedirectMode = 'follow' | 'manual' | 'error';

export interface WireRequest {
  api: NetworkApi;
  url: string;
  method: string;
  headers: Array<[string, string]>;
  /** A string when the handler gave one (interceptors then see a string, as from Node's fetch). */
  body: Uint8Array | string | null;
  redirect: RedirectMode;
}

export type WireAnswer =
  | { kind: 'response'; status: number; statusText: string; headers: Array<[string, string]>; url: string; redirected: boolean; body: Uint8Array }
  /** A connection-level failure, shaped as Node's (code, errno, syscall…): fetch rejects with TypeError('fetch failed', { cause }), http emits 'error'. */
  | { kind: 'failure'; error: NetworkFailure };

export interface NetworkFailure {
  name: string;
  message: string;
  code: string;
  errno?: number;
  syscall?: string;
  hostname?: string;
}
