/**
 * Protocol constants between the host's chunk builder (runtime/shim-source.ts) and the shim: which
 * shim sources load lazily as chunks of their own, and which shim modules those chunks share with
 * the main shim (shim/internals.ts answers their `require`).
 */

/** Shim sources loaded on first use (each `./<name>.ts`), so a cold start evaluates none of them. */
export const SHIM_CHUNKS = ['util', 'crypto-keys', 'small-modules', 'unsupported', 'url-module', 'extra-modules', 'sdk', 'zlib'] as const;

/** Shim modules with state or size that chunks import from the main shim instead of bundling a copy. */
export const SHARED_SHIM_MODULES = ['codec', 'host', 'hostcall', 'lazy', 'limits', 'text', 'timers', 'url'] as const;
