/**
 * Node built-ins in a handler bundle. Every built-in of the host's line resolves: the shim
 * implements the ones below (src/runtime/shim/modules.ts keeps the same list), completed with the
 * host's export names; the others are present with the host's export names and throw
 * ERR_LAMBDA_SIM_UNSUPPORTED when called (shim/unsupported.ts).
 */
import { builtinModules } from 'node:module';

/** Built-ins the shim implements, in part at least (see README "Node built-ins"). */
export const PROVIDED_BUILTINS: ReadonlySet<string> = new Set([
  'fs', 'fs/promises', 'path', 'path/posix', 'events', 'buffer', 'util', 'util/types', 'crypto',
  'timers', 'timers/promises', 'url', 'process', 'os', 'stream', 'stream/promises', 'string_decoder',
  'querystring', 'assert', 'assert/strict', 'zlib', 'console', 'async_hooks', 'stream/web',
  'sys', 'tty', 'worker_threads', 'module', 'diagnostics_channel', 'perf_hooks', 'domain', 'readline',
  'stream/consumers', 'punycode', 'http', 'https', 'net', 'tls', 'dns', 'dns/promises', 'dgram', 'v8',
]);

const ALL = new Set(builtinModules);

/** The bare name of a built-in (`node:fs` → `fs`), or undefined when `specifier` is not one. */
export function builtinName(specifier: string): string | undefined {
  const bare = specifier.startsWith('node:') ? specifier.slice(5) : specifier;
  return ALL.has(bare) || (specifier.startsWith('node:') && bare.length > 0) ? bare : undefined;
}

export const BUILTIN_FILTER = new RegExp(`^(node:.+|${[...ALL].map((m) => m.replace(/[/]/g, '\\/')).join('|')})$`);
