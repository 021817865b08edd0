/**
 * Which Node built-ins a handler bundle may import. Every import of a built-in is resolved at
 * create time: to the sandbox shim's implementation (src/runtime/shim/modules.ts keeps the same
 * list) or to an error naming the module and the importing file. Nothing is left for the sandbox
 * to fail on obscurely at run time.
 */
import { builtinModules } from 'node:module';

/** Built-ins the shim implements (the basics handlers use; see README "Node built-ins"). */
export const PROVIDED_BUILTINS: ReadonlySet<string> = new Set([
  'fs', 'fs/promises', 'path', 'path/posix', 'events', 'buffer', 'util', 'util/types', 'crypto',
  'timers', 'timers/promises', 'url', 'process', 'os', 'stream', 'stream/promises', 'string_decoder',
  'querystring', 'assert', 'assert/strict', 'zlib', 'console', 'async_hooks', 'stream/web',
]);

/** What to use instead of a refused built-in (named in the create-time error). */
export const REFUSED_ALTERNATIVES: Readonly<Record<string, string>> = {
  http: 'the runtime-provided AWS SDK (simulator option `aws`) or a host module (option `modules`)',
  https: 'the runtime-provided AWS SDK (simulator option `aws`) or a host module (option `modules`)',
  http2: 'a host module (option `modules`)',
  net: 'a host module (option `modules`)',
  tls: 'a host module (option `modules`)',
  dgram: 'a host module (option `modules`)',
  dns: 'a host module (option `modules`)',
  child_process: 'a host module (option `modules`) that does the work on the host',
  worker_threads: 'plain async code (one environment runs one invocation at a time, as on Lambda)',
  cluster: 'plain async code (one environment runs one invocation at a time, as on Lambda)',
};

const ALL = new Set(builtinModules);

/** The bare name of a built-in (`node:fs` → `fs`), or undefined when `specifier` is not one. */
export function builtinName(specifier: string): string | undefined {
  const bare = specifier.startsWith('node:') ? specifier.slice(5) : specifier;
  return ALL.has(bare) || (specifier.startsWith('node:') && bare.length > 0) ? bare : undefined;
}

export const BUILTIN_FILTER = new RegExp(`^(node:.+|${[...ALL].map((m) => m.replace(/[/]/g, '\\/')).join('|')})$`);
