/**
 * WebAssembly's promise-based API, compiled synchronously. V8 compiles `WebAssembly.compile` and
 * `WebAssembly.instantiate` on background tasks that isolated-vm never runs for a sandbox between
 * host calls, so their promises never settled (the invocation ended in Runtime.NodeJsExit). Here
 * they compile and instantiate with the synchronous constructors and carry the result in a promise,
 * as Node's would (the work costs the same CPU, charged to the invocation). The streaming variants
 * (Node has them; bare V8 does not) are there and refuse: they need a fetch `Response`, which the
 * sandbox does not have.
 *
 * Memory: WebAssembly memories are not counted against the isolate's limit (isolated-vm's
 * allocator does not see them); supervised mode's resident-memory watchdog contains them.
 */
interface Wasm {
  Module: new (bytes: unknown) => object;
  Instance: new (module: object, imports?: unknown) => object;
  [key: string]: unknown;
}

export function installWasm(g: Record<string, unknown>): void {
  const wasm = g['WebAssembly'] as Wasm | undefined;
  if (wasm === undefined || wasm === null) return;
  const { Module, Instance } = wasm;
  const resolve = Promise.resolve.bind(Promise);
  const reject = Promise.reject.bind(Promise);
  const isModule = (v: unknown): v is object => v instanceof Module;
  const define = (name: string, fn: (...args: unknown[]) => Promise<unknown>): void => {
    Object.defineProperty(fn, 'name', { value: name });
    Object.defineProperty(wasm, name, { value: fn, writable: true, enumerable: false, configurable: true });
  };
  define('compile', (bytes: unknown) => {
    try {
      return resolve(new Module(bytes));
    } catch (e) {
      return reject(e);
    }
  });
  define('instantiate', (source: unknown, imports?: unknown) => {
    try {
      if (isModule(source)) return resolve(new Instance(source, imports));
      const module = new Module(source);
      return resolve({ module, instance: new Instance(module, imports) });
    } catch (e) {
      return reject(e);
    }
  });
  for (const name of ['compileStreaming', 'instantiateStreaming']) {
    define(name, () => reject(new TypeError(`WebAssembly.${name}(): Argument 0 must be a Response (there is no fetch in lambda-sim's sandbox)`)));
  }
}
