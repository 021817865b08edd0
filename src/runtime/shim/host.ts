/**
 * The host side of the sandbox protocol, as the shim sees it. Every member is an isolated-vm
 * `Callback` installed as a global `__lh_<name>` by the host before the shim runs; the shim takes
 * them into this module and deletes the globals, so handler code cannot reach them by name.
 */
export interface Host {
  /** A formatted console record: level, message text. */
  log(level: string, message: string): void;
  /** Arms (or re-arms) timer `id` to fire after `delay` ms of simulated time. */
  timer(id: number, delay: number, ref: boolean): void;
  clearTimer(id: number): void;
  /** Simulated epoch milliseconds. */
  now(): number;
  /** The phase (init or invoke) finished: kind and a JSON body. */
  done(kind: 'ok' | 'error' | 'fatal' | 'exit' | 'registered', body: string): void;
  /** `/tmp` file system operation, executed on the host's per-environment store. */
  fs(op: string, path: string, a?: unknown, b?: unknown): unknown;
  /** Maps generated positions to original ones: JSON `[[file,line,col],…]` → JSON `[[file,line,col,name]|null,…]`. */
  map(frames: string): string;
  /** Evaluates a lazily loaded chunk (Node's util.inspect, Buffer, events, path) in this context. */
  lazy(name: string): void;
  /** WHATWG URL parsing by the host's own URL implementation: JSON of the parts, or throws. */
  url(input: string, base: string | undefined, setProp?: string, setValue?: string): string;
  /**
   * Hash/HMAC on the host (node:crypto), fed in chunks of at most 8 MiB: hash `id` is created on
   * its first chunk (`continued` false), and `final` answers its digest (null before).
   */
  hash(id: number, algorithm: string, key: Uint8Array | null, data: Uint8Array, final: boolean, continued: boolean): Uint8Array | null;
  /** Keys, signatures, ciphers, key derivation (see runtime/host-crypto.ts): op and its arguments, codec-encoded both ways. */
  crypto(op: string, argsJson: string): string;
  /** node:zlib on the host (see runtime/host-zlib.ts): op and its arguments, codec-encoded both ways. */
  zlib(op: string, argsJson: string): string;
  /**
   * A host call (host module function, AWS SDK command): `'v' + value`, `'e' + error`, or `'p'`
   * when the answer comes later through `__lambda_settle(id, ok, json)`.
   */
  call(target: string, path: string, argsJson: string, id: number): string;
}

import { HOST_CALLBACKS } from './callbacks.js';

declare const globalThis: Record<string, unknown>;

const NAMES = HOST_CALLBACKS;

/**
 * Filled by {@link bindHost} when the environment is set up, so the shim's own evaluation does not
 * depend on the callbacks (it could then move into a startup snapshot once those work; see
 * test/runtime/snapshot-regression.test.ts).
 */
export const host = {} as Host;

// Captured when the shim starts: handler code may replace these later, not what is used here.
const apply = Reflect.apply;
const defineProperty = Object.defineProperty;
const deleteProperty = Reflect.deleteProperty;
const getOwnPropertyDescriptor = Object.getOwnPropertyDescriptor;
const split = String.prototype.split;
const includes = String.prototype.includes;
const exec = RegExp.prototype.exec;
const FRAME = /^\s+at /;
const BOUNDARY = '<isolated-vm boundary>';

/**
 * An error thrown through a host callback carries the host's stack: isolated-vm joins it to the
 * sandbox's at an `<isolated-vm boundary>` line (file paths and lines of the simulator and of node
 * itself). The host's frames are cut before handler code can see the error; the message and the
 * sandbox's own frames stay. Segments between boundaries alternate, the last being the sandbox's
 * (the caller of the callback).
 */
function scrub(error: unknown): unknown {
  if (error === null || typeof error !== 'object') return error;
  const d = getOwnPropertyDescriptor(error, 'stack');
  // An own property, set by V8 or isolated-vm (data or accessor): not something handler code defined.
  const stack: unknown = d === undefined ? undefined : d.get !== undefined ? apply(d.get, error, []) : d.value;
  if (typeof stack !== 'string' || !apply(includes, stack, [BOUNDARY])) return error;
  const lines = apply(split, stack, ['\n']) as string[];
  let boundaries = 0;
  for (let i = 0; i < lines.length; i++) if (apply(includes, lines[i], [BOUNDARY])) boundaries++;
  let out = '';
  let segment = 0;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    if (apply(includes, line, [BOUNDARY])) {
      segment++;
      continue;
    }
    const hostSide = (boundaries - segment) % 2 === 1;
    if (hostSide && apply(exec, FRAME, [line]) !== null) continue;
    out = out === '' ? line : `${out}\n${line}`;
  }
  try {
    // isolated-vm's stack is a native property that ignores assignment and redefinition: replaced.
    deleteProperty(error, 'stack');
    defineProperty(error, 'stack', { value: out, writable: true, enumerable: false, configurable: true });
  } catch {
    /* not configurable: leave it */
  }
  return error;
}

export function bindHost(): void {
  for (const name of NAMES) {
    const key = `__lh_${name}`;
    const callback = globalThis[key] as (...args: unknown[]) => unknown;
    (host as unknown as Record<string, unknown>)[name] = (...args: unknown[]): unknown => {
      try {
        return apply(callback, undefined, args);
      } catch (error) {
        throw scrub(error);
      }
    };
    delete globalThis[key];
  }
}
