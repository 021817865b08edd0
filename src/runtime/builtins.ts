/**
 * Which Node built-ins a handler bundle may import. Every import of a built-in is resolved at
 * create time: to the sandbox shim's implementation (src/runtime/shim/modules.ts keeps the same
 * list) or to an error naming the module and the importing file. Nothing is left for the sandbox
 * to fail on obscurely at run time.
 */
import { builtinModules } from 'node:module';

/** Built-ins the shim implements (the basics handlers use; see README "Node built-ins"). */
export const PROVIDED_BUILTINS: ReadonlySet<string> = new Set([
  'fs', 'fs/promises', 'path', 'path/posix', 'events', 'buffer', 'util', 'crypto',
  'timers', 'timers/promises', 'url', 'process', 'os',
]);

const ALL = new Set(builtinModules);

/** The bare name of a built-in (`node:fs` → `fs`), or undefined when `specifier` is not one. */
export function builtinName(specifier: string): string | undefined {
  const bare = specifier.startsWith('node:') ? specifier.slice(5) : specifier;
  return ALL.has(bare) || (specifier.startsWith('node:') && bare.length > 0) ? bare : undefined;
}

export const BUILTIN_FILTER = new RegExp(`^(node:.+|${[...ALL].map((m) => m.replace(/[/]/g, '\\/')).join('|')})$`);
