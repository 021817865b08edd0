/**
 * The names of the host callbacks the shim expects as `__lh_<name>` globals: the contract between
 * the host (sandbox-build.ts installs them) and the shim (host.ts takes them). A leaf file.
 */
export const HOST_CALLBACKS = ['log', 'timer', 'clearTimer', 'now', 'done', 'fs', 'map', 'lazy', 'url', 'hash', 'crypto', 'zlib', 'call'] as const;
export type HostCallbackName = (typeof HOST_CALLBACKS)[number];
