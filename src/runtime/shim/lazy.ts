/**
 * Heavy polyfills loaded into the sandbox on first use: the host evaluates a precompiled chunk (with
 * V8 code cache) that stores the module in `globalThis.__lambdaLazy[name]`; this module takes it
 * and removes the global.
 */
import { host } from './host.js';

declare const globalThis: Record<string, unknown>;

const loaded = new Map<string, unknown>();

export function lazy<T>(name: string): T {
  let m = loaded.get(name);
  if (m === undefined) {
    host.lazy(name);
    const bag = globalThis['__lambdaLazy'] as Record<string, unknown> | undefined;
    m = bag?.[name];
    if (m === undefined) throw new Error(`lambda-sim: the sandbox module '${name}' failed to load`);
    delete bag![name];
    loaded.set(name, m);
  }
  return m as T;
}

export interface InspectModule {
  format(...args: unknown[]): string;
  inspect(value: unknown, options?: object): string;
  formatWithOptions(options: object, ...args: unknown[]): string;
  inspectDefaultOptions: object;
}

export const inspectModule = (): InspectModule => lazy<InspectModule>('inspect');
