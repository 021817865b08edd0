/**
 * Calls from the sandbox to host objects: injected host modules and the runtime-provided AWS SDK.
 * Arguments and results are copied through ./codec.ts; a host function that returns a promise
 * answers later (the host waits for it as real work, then delivers the result as a simulated event).
 */
import { decode, encode, type EncodedError } from './codec.js';
import { host } from './host.js';

interface Waiter {
  resolve(value: unknown): void;
  reject(error: unknown): void;
  errors: ErrorLookup | undefined;
  bytes: ((b: Uint8Array) => Uint8Array) | undefined;
}

export type ErrorLookup = (name: string) => (new (message: string) => Error) | undefined;

const waiting = new Map<number, Waiter>();
let nextId = 1;

export function rebuildError(json: string, errors?: ErrorLookup): Error {
  const info = JSON.parse(json) as EncodedError;
  const Ctor = errors?.(info.name) ?? builtinError(info.name) ?? Error;
  const e = new Ctor(info.message);
  try {
    Object.defineProperty(e, 'name', { value: info.name, writable: true, configurable: true, enumerable: false });
  } catch {
    /* frozen */
  }
  const fields = decode(JSON.stringify(info.fields)) as Record<string, unknown>;
  for (const [k, v] of Object.entries(fields)) (e as unknown as Record<string, unknown>)[k] = v;
  return e;
}

function builtinError(name: string): (new (message: string) => Error) | undefined {
  const map: Record<string, new (message: string) => Error> = { TypeError, RangeError, SyntaxError, ReferenceError, EvalError, URIError };
  return map[name];
}

export function callHost(
  target: string,
  path: string,
  args: unknown[],
  options: { errors?: ErrorLookup; bytes?: (b: Uint8Array) => Uint8Array } = {},
): unknown {
  const id = nextId++;
  const answer = host.call(target, path, encode(args), id);
  switch (answer[0]) {
    case 'v':
      return decode(answer.slice(1), options.bytes);
    case 'e':
      throw rebuildError(answer.slice(1), options.errors);
    default:
      return new Promise((resolve, reject) => {
        waiting.set(id, { resolve, reject, errors: options.errors, bytes: options.bytes });
      });
  }
}

/** The host delivers the answer of a pending call. */
export function settle(id: number, ok: boolean, json: string): void {
  const w = waiting.get(id);
  if (w === undefined) return;
  waiting.delete(id);
  if (ok) w.resolve(decode(json, w.bytes));
  else w.reject(rebuildError(json, w.errors));
}

interface ModuleShape {
  functions: string[];
  values: string;
}

// Captured when the shim starts: handler code may replace these before it first imports a host
// module. (The host calls only the paths it described anyway: see control/host-router.ts.)
const split = String.prototype.split;
const apply = Reflect.apply;
const defineProperty = Object.defineProperty;
const assign = Object.assign;

/** A host module as the sandbox sees it: its functions (bridged) and data (copied). */
export function hostModule(name: string, shape: ModuleShape): unknown {
  const bridge = (path: string, label: string): ((...args: unknown[]) => unknown) => {
    const fn = (...args: unknown[]): unknown => callHost(`host:${name}`, path, args);
    defineProperty(fn, 'name', { value: label });
    return fn;
  };
  const data = (decode(shape.values) ?? {}) as Record<string, unknown>;
  const functions = shape.functions;
  let callable = false;
  for (let i = 0; i < functions.length; i++) if (functions[i] === '') callable = true;
  // A module that is itself a function (module.exports = fn) keeps its data as properties.
  const root: Record<string, unknown> = callable ? assign(bridge('', name), data) : data;
  for (let i = 0; i < functions.length; i++) {
    const path = functions[i]!;
    if (path === '') continue;
    const parts = apply(split, path, ['.']) as string[];
    let node = root;
    for (let j = 0; j < parts.length - 1; j++) {
      const part = parts[j]!;
      const next = node[part];
      if (next === undefined || next === null || (typeof next !== 'object' && typeof next !== 'function')) node[part] = {};
      node = node[part] as Record<string, unknown>;
    }
    node[parts[parts.length - 1]!] = bridge(path, parts[parts.length - 1]!);
  }
  return root;
}
