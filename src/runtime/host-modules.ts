/**
 * Host modules: objects of the user's test process that handler code imports by name
 * (`modules: { 'my-db': fakeDb }`), bridged into the sandbox: functions are called on the host
 * with copied arguments, their results (or promises' results) copied back, errors rethrown in the
 * sandbox with name, message and own fields. This is how users inject fakes of their own
 * infrastructure.
 */
import { encode } from './shim/codec.js';
import type { HostCallAnswer, HostModuleShape } from './host-calls.js';

const MAX_DEPTH = 8;

/** The functions and the data of a host object, as the sandbox will rebuild it. */
export function describeHostModule(value: unknown): HostModuleShape {
  const functions: string[] = [];
  const seen = new Set<unknown>();
  const walk = (v: unknown, path: string, depth: number): unknown => {
    if (typeof v === 'function') {
      functions.push(path);
      // A function with properties (module.exports = fn; fn.helper = …) keeps them.
      const extra: Record<string, unknown> = {};
      for (const k of Object.keys(v)) extra[k] = walk((v as unknown as Record<string, unknown>)[k], join(path, k), depth + 1);
      return Object.keys(extra).length > 0 ? extra : undefined;
    }
    if (v === null || typeof v !== 'object' || depth > MAX_DEPTH || seen.has(v)) return v;
    if (v instanceof Date || v instanceof Uint8Array || v instanceof Map || v instanceof Set) return v;
    seen.add(v);
    const out: Record<string, unknown> = Array.isArray(v) ? ([] as unknown as Record<string, unknown>) : {};
    for (const k of methodNames(v)) {
      const x = walk((v as Record<string, unknown>)[k], join(path, k), depth + 1);
      if (x !== undefined) out[k] = x;
    }
    return out;
  };
  const data = walk(value, '', 0);
  return { functions, values: encode(data === undefined ? {} : data) };
}

/** Own enumerable keys, plus methods of class instances (prototype chain up to Object). */
function methodNames(obj: object): string[] {
  const names = new Set(Object.keys(obj));
  for (let p = Object.getPrototypeOf(obj) as object | null; p !== null && p !== Object.prototype && p !== Array.prototype; p = Object.getPrototypeOf(p) as object | null) {
    for (const k of Object.getOwnPropertyNames(p)) {
      if (k !== 'constructor' && typeof Object.getOwnPropertyDescriptor(p, k)?.value === 'function') names.add(k);
    }
  }
  return [...names];
}

function join(path: string, key: string): string {
  return path === '' ? key : `${path}.${key}`;
}

/** Calls the function at `path` of host module `root`, with `this` its parent object. */
export function callHostModule(name: string, root: unknown, path: string, args: unknown[], latencyMs: number): HostCallAnswer {
  let parent: unknown = undefined;
  let fn: unknown = root;
  if (path !== '') {
    for (const part of path.split('.')) {
      parent = fn;
      fn = fn === null || fn === undefined ? undefined : (fn as Record<string, unknown>)[part];
    }
  }
  if (typeof fn !== 'function') return { kind: 'error', error: new TypeError(`host module '${name}': ${path || '(module)'} is not a function`) };
  let result: unknown;
  try {
    result = (fn as (...a: unknown[]) => unknown).apply(parent, args);
  } catch (error) {
    return { kind: 'error', error };
  }
  if (result !== null && typeof result === 'object' && typeof (result as { then?: unknown }).then === 'function') {
    return { kind: 'promise', promise: Promise.resolve(result), latencyMs };
  }
  return { kind: 'value', value: result };
}
