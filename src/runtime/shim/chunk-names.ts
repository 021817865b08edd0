/**
 * Protocol constants between the host's chunk builder (runtime/shim-source.ts) and the shim: which
 * shim sources load lazily as chunks of their own, and which shim modules those chunks share with
 * the main shim (shim/internals.ts answers their `require`).
 */

/** Shim sources loaded on first use (each `./<name>.ts`), so a cold start evaluates none of them. */
export const SHIM_CHUNKS = ['util', 'crypto-keys', 'small-modules', 'unsupported', 'url-module', 'extra-modules', 'sdk', 'zlib', 'web-fetch', 'dom-exception', 'http', 'webcrypto', 'fs-streams', 'net', 'dgram', 'host-objects'] as const;

/** Shim modules with state or size that chunks import from the main shim instead of bundling a copy. */
export const SHARED_SHIM_MODULES = ['codec', 'fs', 'host', 'hostcall', 'lazy', 'limits', 'text', 'timers', 'url'] as const;

/** Globals that load their chunk when code first reads them (a write replaces the global, as on Node). */
export const LAZY_GLOBALS: Record<string, string> = {
  fetch: 'web-fetch', Headers: 'web-fetch', Request: 'web-fetch', Response: 'web-fetch', FormData: 'web-fetch', Blob: 'web-fetch', File: 'web-fetch',
  TextEncoderStream: 'web-fetch', TextDecoderStream: 'web-fetch', DOMException: 'dom-exception', CryptoKey: 'webcrypto', SubtleCrypto: 'webcrypto',
  ReadableStream: 'web-streams', ReadableStreamDefaultReader: 'web-streams', ReadableStreamBYOBReader: 'web-streams', ReadableStreamBYOBRequest: 'web-streams',
  ReadableByteStreamController: 'web-streams', ReadableStreamDefaultController: 'web-streams', TransformStream: 'web-streams',
  TransformStreamDefaultController: 'web-streams', WritableStream: 'web-streams', WritableStreamDefaultWriter: 'web-streams',
  WritableStreamDefaultController: 'web-streams', ByteLengthQueuingStrategy: 'web-streams', CountQueuingStrategy: 'web-streams',
};
