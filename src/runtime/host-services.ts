/**
 * Host services the sandbox shim calls for things best done by Node itself: WHATWG URL parsing and
 * hashing. Both are pure functions of their inputs, so determinism is unaffected. What they accept
 * is bounded before any work is done: the time a host callback takes is charged to the invocation
 * only once it returns, so one call must never be long (see environment.ts, #chargeCallback).
 */
import { createHash, createHmac, type Hash, type Hmac } from 'node:crypto';

const URL_PARTS = ['href', 'origin', 'protocol', 'username', 'password', 'host', 'hostname', 'port', 'pathname', 'search', 'hash'] as const;

/** Longest URL (input, base or a part set) the host parses: 8 MiB, a large data: URL. */
export const MAX_URL_CHARS = 8 * 1048576;

function urlText(v: unknown): string {
  const text = String(v);
  if (text.length > MAX_URL_CHARS) throw Object.assign(new TypeError(`Invalid URL: longer than ${MAX_URL_CHARS} characters (lambda-sim's bound)`), { code: 'ERR_INVALID_URL' });
  return text;
}

export function parseUrlOnHost(input: string, base: string | undefined, prop: string | undefined, value: string | undefined): string {
  input = urlText(input);
  if (base !== undefined && base !== null) base = urlText(base);
  if (value !== undefined && value !== null) value = urlText(value);
  const url = new URL(String(input), base === undefined || base === null ? undefined : String(base));
  if (prop !== undefined && prop !== null) {
    if (!(URL_PARTS as readonly string[]).includes(prop) || prop === 'origin') throw new TypeError(`Cannot set URL.${prop}`);
    (url as unknown as Record<string, string>)[prop] = String(value);
  }
  const parts: Record<string, string> = {};
  for (const p of URL_PARTS) parts[p] = url[p];
  return JSON.stringify(parts);
}

export { MAX_HASH_CHUNK } from './shim/limits.js';
import { MAX_HASH_CHUNK } from './shim/limits.js';
/**
 * Hashes an environment may have in progress on the host. Past it the least recently fed one is
 * dropped (a hash object the handler let go of stays here until its sandbox goes, as nothing tells
 * the host); feeding or digesting a dropped hash is a RangeError, never a wrong digest.
 */
export const MAX_OPEN_HASHES = 1024;

/** An environment's hashes in progress, by the sandbox's id for them. */
export class HostHashes {
  readonly #open = new Map<number, Hash | Hmac>();

  /**
   * Feeds `data` to hash `id`; its digest when `final`, else null. `continued`: the sandbox fed
   * this hash before (so a missing state was dropped, not never made).
   */
  feed(id: number, algorithm: string, key: Uint8Array | null, data: Uint8Array, final: boolean, continued: boolean): Uint8Array | null {
    if (!(data instanceof Uint8Array)) throw new TypeError('The "data" argument must be bytes');
    if (data.length > MAX_HASH_CHUNK) throw new RangeError(`lambda-sim: a hash chunk of ${data.length} bytes is over the host's ${MAX_HASH_CHUNK}`);
    let h = this.#open.get(id);
    if (h === undefined) {
      if (continued) {
        throw new RangeError(`lambda-sim: this hash was dropped: more than ${MAX_OPEN_HASHES} hashes were in progress in this environment (update() called, digest() not yet)`);
      }
      h = key === null || key === undefined ? createHash(algorithm) : createHmac(algorithm, key);
    } else this.#open.delete(id); // re-inserted below: the Map's order is the order of use
    h.update(data);
    if (final) return new Uint8Array(h.digest());
    this.#open.set(id, h);
    if (this.#open.size > MAX_OPEN_HASHES) this.#open.delete(this.#open.keys().next().value!);
    return null;
  }

  /** The sandbox is gone: its hashes with it. */
  clear(): void {
    this.#open.clear();
  }

  get size(): number {
    return this.#open.size;
  }
}
