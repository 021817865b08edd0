/**
 * The sandbox's network, on the host, under the simulator's `network` policy: `'off'` (every
 * request fails as a refused connection whose message names the option), `'host'` (executed by the
 * host's own `fetch` or `http`/`https`, so the interceptors of the test process — msw, nock,
 * undici's MockAgent — answer them unchanged), or a function `(request: Request) => Response` (an
 * in-process fake). The sandbox sends a {@link WireRequest} and gets a {@link WireAnswer}; bodies
 * are whole (bounded), not streamed.
 */
import * as http from 'node:http';
import * as https from 'node:https';
import { MAX_NETWORK_BODY_BYTES } from './shim/limits.js';
import { MAX_NETWORK_HELD_BYTES, NETWORK_REAL_TIMEOUT_MS } from './host-limits.js';
import type { NetworkFailure, WireAnswer, WireRequest } from './shim/network-wire.js';

export type { NetworkApi, WireAnswer, WireRequest } from './shim/network-wire.js';

export type NetworkHandler = (request: Request) => Response | Promise<Response>;
export type NetworkPolicy = 'off' | 'host' | NetworkHandler;

const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;

/** Checks what the sandbox sent (it is handler-controlled data): a TypeError says what was wrong. */
export function checkWireRequest(raw: unknown): WireRequest {
  const r = raw as Partial<WireRequest> | null;
  if (r === null || typeof r !== 'object') throw new TypeError('lambda-sim: a network request must be an object');
  if (r.api !== 'fetch' && r.api !== 'http') throw new TypeError(`lambda-sim: unknown network api ${String(r.api)}`);
  if (typeof r.url !== 'string' || r.url.length > 65536) throw new TypeError('lambda-sim: a request URL must be a string of at most 65536 characters');
  const url = new URL(r.url);
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new TypeError(`lambda-sim: only http: and https: requests go to the network, not ${url.protocol}`);
  if (typeof r.method !== 'string' || !TOKEN.test(r.method)) throw new TypeError(`lambda-sim: '${String(r.method)}' is not a valid HTTP method`);
  if (!Array.isArray(r.headers) || r.headers.length > 10000) throw new TypeError('lambda-sim: request headers must be a list of at most 10000 [name, value] pairs');
  const headers: Array<[string, string]> = [];
  for (const h of r.headers as unknown[]) {
    if (!Array.isArray(h) || typeof h[0] !== 'string' || typeof h[1] !== 'string' || !TOKEN.test(h[0]) || /[\r\n\0]/.test(h[1])) {
      throw new TypeError('lambda-sim: a request header must be a [name, value] pair of strings (a token, and a value with no CR, LF or NUL)');
    }
    headers.push([h[0], h[1]]);
  }
  const body = r.body ?? null;
  if (body !== null && typeof body !== 'string' && !(body instanceof Uint8Array)) throw new TypeError('lambda-sim: a request body must be bytes or a string');
  if (body !== null && body.length > MAX_NETWORK_BODY_BYTES) throw new RangeError(`lambda-sim: a request body of ${body.length} bytes is over the sandbox network's ${MAX_NETWORK_BODY_BYTES}`);
  const redirect = r.redirect ?? 'follow';
  if (redirect !== 'follow' && redirect !== 'manual' && redirect !== 'error') throw new TypeError(`lambda-sim: redirect must be follow, manual or error, not ${String(redirect)}`);
  return { api: r.api, url: url.href, method: r.method, headers, body, redirect };
}

function refused(request: WireRequest): WireAnswer {
  const { hostname, port, protocol } = new URL(request.url);
  const what = request.api === 'fetch' ? `fetch(${JSON.stringify(request.url)})` : `${protocol.slice(0, -1)}.request to ${request.url}`;
  return {
    kind: 'failure',
    error: {
      name: 'Error',
      message:
        `connect ECONNREFUSED ${hostname}:${port || (protocol === 'https:' ? 443 : 80)} (lambda-sim: the sandbox's network is off, so ${what} was refused; ` +
        "set the simulator option `network: 'host'` for the host's network and its interceptors (msw, nock, undici MockAgent), or `network: (request) => new Response(…)` for a fake)",
      code: 'ECONNREFUSED',
      errno: -111,
      syscall: 'connect',
      hostname,
    },
  };
}

function failureOf(error: unknown): WireAnswer {
  // Node's fetch wraps the connection error as its cause; http gives it directly.
  const e = (error instanceof Error && error.message === 'fetch failed' && error.cause instanceof Error ? error.cause : error) as Error & Record<string, unknown>;
  const failure: NetworkFailure = {
    name: typeof e?.name === 'string' ? e.name : 'Error',
    message: typeof e?.message === 'string' ? e.message.slice(0, 2000) : String(e).slice(0, 2000),
    code: typeof e?.['code'] === 'string' ? e['code'] : 'ERR_LAMBDA_SIM_NETWORK',
  };
  if (typeof e?.['errno'] === 'number') failure.errno = e['errno'];
  if (typeof e?.['syscall'] === 'string') failure.syscall = e['syscall'];
  if (typeof e?.['hostname'] === 'string') failure.hostname = e['hostname'];
  return { kind: 'failure', error: failure };
}

function tooLarge(url: string): WireAnswer {
  return {
    kind: 'failure',
    error: { name: 'RangeError', message: `lambda-sim: the response of ${url} is over the sandbox network's ${MAX_NETWORK_BODY_BYTES} bytes (bodies cross whole), or the simulator's network holds ${MAX_NETWORK_HELD_BYTES} bytes of answers in flight`, code: 'ERR_LAMBDA_SIM_BODY_TOO_LARGE' },
  };
}

/** Counts `n` more body bytes held; false when the simulator's network holds too many. */
type Reserve = (n: number) => boolean;

async function readBounded(response: Response, reserve: Reserve): Promise<Uint8Array | undefined> {
  const declared = Number(response.headers.get('content-length'));
  if (Number.isFinite(declared) && declared > MAX_NETWORK_BODY_BYTES) {
    await response.body?.cancel().catch(() => {});
    return undefined;
  }
  if (response.body === null) return new Uint8Array(0);
  const parts: Uint8Array[] = [];
  let size = 0;
  const reader = response.body.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.length;
    if (size > MAX_NETWORK_BODY_BYTES || !reserve(value.length)) {
      await reader.cancel().catch(() => {});
      return undefined;
    }
    parts.push(value);
  }
  return new Uint8Array(Buffer.concat(parts));
}

function headerPairs(headers: Headers): Array<[string, string]> {
  const pairs: Array<[string, string]> = [];
  for (const [k, v] of headers) if (k !== 'set-cookie') pairs.push([k, v]);
  for (const c of headers.getSetCookie()) pairs.push(['set-cookie', c]);
  return pairs;
}

async function answerOf(response: unknown, request: WireRequest, reserve: Reserve): Promise<WireAnswer> {
  if (!(response instanceof Response)) {
    const got = response === null ? 'null' : typeof response === 'object' ? (response.constructor?.name ?? 'an object') : typeof response;
    return {
      kind: 'failure',
      error: { name: 'TypeError', message: `lambda-sim: the simulator's \`network\` function must return a Response (or a promise of one); for ${request.method} ${request.url} it returned ${got}`, code: 'ERR_LAMBDA_SIM_NETWORK' },
    };
  }
  const body = await readBounded(response, reserve);
  if (body === undefined) return tooLarge(request.url);
  return { kind: 'response', status: response.status, statusText: response.statusText, headers: headerPairs(response.headers), url: response.url || request.url, redirected: response.redirected, body };
}

function viaFetch(request: WireRequest, signal: AbortSignal, reserve: Reserve): Promise<WireAnswer> {
  const init: RequestInit = { method: request.method, headers: request.headers, redirect: request.redirect, signal };
  if (request.body !== null && request.method !== 'GET' && request.method !== 'HEAD') init.body = request.body;
  return fetch(request.url, init).then((r) => answerOf(r, request, reserve));
}

function viaHttp(request: WireRequest, signal: AbortSignal, reserve: Reserve): Promise<WireAnswer> {
  const url = new URL(request.url);
  const lib = url.protocol === 'https:' ? https : http;
  return new Promise((resolve, reject) => {
    const req = lib.request(url, { method: request.method, headers: request.headers.flat(), signal }, (res) => {
      const parts: Buffer[] = [];
      let size = 0;
      res.on('data', (chunk: Buffer) => {
        size += chunk.length;
        if (size > MAX_NETWORK_BODY_BYTES || !reserve(chunk.length)) {
          res.destroy();
          resolve(tooLarge(request.url));
        } else parts.push(chunk);
      });
      res.on('error', reject);
      res.on('end', () => {
        const headers: Array<[string, string]> = [];
        for (let i = 0; i + 1 < res.rawHeaders.length; i += 2) headers.push([res.rawHeaders[i]!, res.rawHeaders[i + 1]!]);
        resolve({ kind: 'response', status: res.statusCode ?? 0, statusText: res.statusMessage ?? '', headers, url: request.url, redirected: false, body: new Uint8Array(Buffer.concat(parts)) });
      });
    });
    req.on('error', reject);
    req.end(request.body === null ? undefined : typeof request.body === 'string' ? request.body : Buffer.from(request.body));
  });
}

function hostRequest(request: WireRequest, signal: AbortSignal): Request {
  const init: RequestInit = { method: request.method, headers: request.headers, redirect: request.redirect, signal };
  if (request.body !== null && request.method !== 'GET' && request.method !== 'HEAD') init.body = request.body;
  return new Request(request.url, init);
}

/** Executes the sandbox's requests under one policy. */
export class HostNetwork {
  constructor(readonly policy: NetworkPolicy) {}

  /** The answer to one (checked) request: never rejects (a failure is a `failure` answer). */
  async send(raw: unknown): Promise<WireAnswer> {
    const request = checkWireRequest(raw);
    const held = this.#held;
    if (held.bytes >= MAX_NETWORK_HELD_BYTES) {
      return { kind: 'failure', error: { name: 'RangeError', message: `lambda-sim: the sandboxes' network already holds ${held.bytes} bytes of bodies in flight (at most ${MAX_NETWORK_HELD_BYTES}): await some requests before starting more`, code: 'ERR_LAMBDA_SIM_BODY_TOO_LARGE' } };
    }
    const reserved = { bytes: 0 };
    const reserve = (n: number): boolean => {
      reserved.bytes += n;
      held.bytes += n;
      return held.bytes <= MAX_NETWORK_HELD_BYTES;
    };
    try {
      return await this.#send(request, reserve);
    } finally {
      // Released once the answer is on its way to the sandbox (the kernel delivers it next).
      setImmediate(() => {
        held.bytes -= reserved.bytes;
      });
    }
  }

  /** Body bytes of answers read and not yet handed on, across this simulator's environments. */
  readonly #held = { bytes: 0 };

  async #send(request: WireRequest, reserve: Reserve): Promise<WireAnswer> {
    const policy = this.policy;
    if (policy === 'off') return refused(request);
    const timeout = AbortSignal.timeout(NETWORK_REAL_TIMEOUT_MS);
    try {
      if (policy === 'host') return await (request.api === 'fetch' ? viaFetch(request, timeout, reserve) : viaHttp(request, timeout, reserve));
      // A fake that never answers meets the same real-time bound (its Request carries the signal too).
      const aborted = new Promise<never>((_, reject) => timeout.addEventListener('abort', () => reject(timeout.reason), { once: true }));
      return await Promise.race([Promise.resolve(policy(hostRequest(request, timeout))).then((r) => answerOf(r, request, reserve)), aborted]);
    } catch (error) {
      if (timeout.aborted) {
        return { kind: 'failure', error: { name: 'Error', message: `lambda-sim: ${request.method} ${request.url} got no answer within ${NETWORK_REAL_TIMEOUT_MS} ms of real time`, code: 'ETIMEDOUT', syscall: 'read' } };
      }
      return failureOf(error);
    }
  }
}

/** Checks the `network` option: what was wrong and what is expected. */
export function isNetworkPolicy(v: unknown): v is NetworkPolicy {
  return v === 'off' || v === 'host' || typeof v === 'function';
}
