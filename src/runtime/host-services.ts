/**
 * Host services the sandbox shim calls for things best done by Node itself: WHATWG URL parsing and
 * hashing. Both are pure functions of their inputs, so determinism is unaffected.
 */
import { createHash, createHmac } from 'node:crypto';

const URL_PARTS = ['href', 'origin', 'protocol', 'username', 'password', 'host', 'hostname', 'port', 'pathname', 'search', 'hash'] as const;

export function parseUrlOnHost(input: string, base: string | undefined, prop: string | undefined, value: string | undefined): string {
  const url = new URL(String(input), base === undefined || base === null ? undefined : String(base));
  if (prop !== undefined && prop !== null) {
    if (!(URL_PARTS as readonly string[]).includes(prop) || prop === 'origin') throw new TypeError(`Cannot set URL.${prop}`);
    (url as unknown as Record<string, string>)[prop] = String(value);
  }
  const parts: Record<string, string> = {};
  for (const p of URL_PARTS) parts[p] = url[p];
  return JSON.stringify(parts);
}

export function hashOnHost(algorithm: string, key: Uint8Array | null, data: Uint8Array): Uint8Array {
  const h = key === null || key === undefined ? createHash(algorithm) : createHmac(algorithm, key);
  h.update(data);
  return new Uint8Array(h.digest());
}
