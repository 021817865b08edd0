/**
 * Heavy polyfills loaded into the sandbox on first use. `host.lazy(name)` makes the host evaluate
 * a precompiled chunk (with V8 code cache) whose value is a factory, `(require) => module`, and
 * hand that factory to {@link receiveChunk} (a protocol entry the host holds, like `invoke`). No
 * global is involved: handler code cannot intercept a chunk or the `require` it gets, and the
 * host runs the chunk under the invocation's remaining CPU budget.
 */
import { host } from './host.js';

const loaded = new Map<string, unknown>();
const mapGet = Map.prototype.get;
const mapSet = Map.prototype.set;
const apply = Reflect.apply;

let chunkRequire: (id: string) => unknown = () => {
  throw new Error('lambda-sim: the sandbox modules are not set up');
};

/** The module table chunks `require` their shared built-ins from (captured at install). */
export function setChunkRequire(require: (id: string) => unknown): void {
  chunkRequire = require;
}

/** Protocol entry: the host evaluated chunk `name`; its factory builds the module. */
export function receiveChunk(name: string, factory: (require: (id: string) => unknown) => unknown): void {
  if (apply(mapGet, loaded, [name]) !== undefined || typeof factory !== 'function') return;
  const require = chunkRequire;
  apply(mapSet, loaded, [name, factory((id: string) => require(id.endsWith('/') ? id.slice(0, -1) : id))]);
}

/** Chunk `name` if something loaded it already (a check that need not load it: no KeyObject exists before crypto-keys loads). */
export function loadedOnly<T>(name: string): T | undefined {
  return apply(mapGet, loaded, [name]) as T | undefined;
}

export function lazy<T>(name: string): T {
  let m = apply(mapGet, loaded, [name]) as unknown;
  if (m === undefined) {
    host.lazy(name);
    m = apply(mapGet, loaded, [name]) as unknown;
    if (m === undefined) throw new Error(`lambda-sim: the sandbox module '${name}' failed to load`);
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
