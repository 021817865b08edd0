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
