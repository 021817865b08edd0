/**
 * Compiled sandbox code, per isolate, with V8's code cache shared across isolates: the first
 * environment compiles the shim and each chunk and keeps the cache data; later environments skip
 * parsing. Keyed by the source object, so a bundle's cache goes when the bundle does.
 */
import type { ExternalCopy, Isolate, Module, Script } from 'isolated-vm';

const scriptCache = new WeakMap<object, ExternalCopy<ArrayBuffer>>();

export function compileScript(isolate: Isolate, key: object, code: string, filename: string): Script {
  const cachedData = scriptCache.get(key);
  const script = isolate.compileScriptSync(code, cachedData === undefined ? { filename, produceCachedData: true } : { filename, cachedData }) as Script & {
    cachedData?: ExternalCopy<ArrayBuffer>;
    cachedDataRejected?: boolean;
  };
  if (cachedData === undefined && script.cachedData !== undefined) scriptCache.set(key, script.cachedData);
  else if (script.cachedDataRejected === true) scriptCache.delete(key);
  return script;
}

const moduleCache = new WeakMap<object, ExternalCopy<ArrayBuffer>>();

export function compileModule(isolate: Isolate, key: object, code: string, filename: string): Module {
  const cachedData = moduleCache.get(key);
  const options = cachedData === undefined ? { filename, produceCachedData: true } : { filename, cachedData };
  const module = isolate.compileModuleSync(code, options as { filename: string });
  const produced = (module as unknown as { cachedData?: ExternalCopy<ArrayBuffer> }).cachedData;
  if (cachedData === undefined && produced !== undefined) moduleCache.set(key, produced);
  return module;
}
