/**
 * Host objects as the sandbox sees them (wire contract: ./object-wire.ts; the host's side is
 * runtime/host-objects.ts). A host module's functions, class instances and promises are proxies:
 * reading a property, calling, `new`, `in`, `Object.keys` are host calls, answered with copies of
 * plain data and proxies of the rest, so state stays on the host and methods keep their `this`.
 * Sandbox functions handed to the host (listeners, callbacks, interceptors) are kept here by id;
 * the host's calls of them are pulled with `next` and run in the sandbox, their results (or
 * promises' results) answered with `return`.
 *
 * What the proxies do not forward: symbols (a host object is not iterable from the sandbox), the
 * prototype (`Object.getPrototypeOf(proxy)` is the sandbox's Object or Function prototype, and a
 * sandbox class cannot extend a host class), and what the host finds only on its intrinsics
 * (`toString`, `hasOwnProperty`, `call`, `bind`, `constructor` of a function): the sandbox's own.
 */
import { encodeError } from './codec.js';
import { callHost, rebuildError } from './hostcall.js';
import { isHostError, isHostRef, OBJECTS_TARGET, type WireCallbackBatch, type WireCallbackCall, type WireHostRef, type WireLookup } from './object-wire.js';

// Captured when the shim starts: handler code may replace these later, not what is used here.
const apply = Reflect.apply;
const reflectGet = Reflect.get;
const reflectHas = Reflect.has;
const reflectSet = Reflect.set;
const reflectOwnDescriptor = Reflect.getOwnPropertyDescriptor;
const defineProperty = Object.defineProperty;
const getPrototypeOf = Object.getPrototypeOf;
const objectKeys = Object.keys;
const isArray = Array.isArray;
const ObjectPrototype = Object.prototype;
const ProxyCtor = Proxy;
const MapCtor = Map;
const SetCtor = Set;
const WeakRefCtor = WeakRef;
const bind = Function.prototype.bind;
const promiseThen = Promise.prototype.then;
const mapEntries = Map.prototype.entries;
const setValues = Set.prototype.values;
const hasInstance = Symbol.hasInstance;
const PromiseCtor = Promise;

// ---- host objects referenced from the sandbox ----

const proxies = new MapCtor<number, WeakRef<object>>();
const refIds = new WeakMap<object, number>();
let released: number[] = [];
const collected = new FinalizationRegistry<number>((id) => {
  if (proxies.get(id)?.deref() === undefined) {
    proxies.delete(id);
    released.push(id);
  }
});

function op(name: string, args: unknown[]): unknown {
  if (released.length > 0) {
    const ids = released;
    released = [];
    callHost(OBJECTS_TARGET, 'release', [ids]);
  }
  return callHost(OBJECTS_TARGET, name, args);
}

/** A host answer as handler code gets it: references become proxies, error values errors. */
function wrap(v: unknown, depth = 0): unknown {
  if (v === null || typeof v !== 'object' || depth > 256) return v;
  if (isHostRef(v)) return proxyFor(v);
  if (isHostError(v)) return rebuildError(JSON.stringify(v.$hostError));
  if (isArray(v)) {
    for (let i = 0; i < v.length; i++) v[i] = wrap(v[i], depth + 1);
    return v;
  }
  if (v instanceof MapCtor) {
    const out = new MapCtor<unknown, unknown>();
    for (const [k, x] of apply(mapEntries, v, []) as IterableIterator<[unknown, unknown]>) out.set(wrap(k, depth + 1), wrap(x, depth + 1));
    return out;
  }
  if (v instanceof SetCtor) {
    const out = new SetCtor<unknown>();
    for (const x of apply(setValues, v, []) as IterableIterator<unknown>) out.add(wrap(x, depth + 1));
    return out;
  }
  if (getPrototypeOf(v) === ObjectPrototype) {
    const o = v as Record<string, unknown>;
    const keys = objectKeys(o);
    for (let i = 0; i < keys.length; i++) own(o, keys[i]!, wrap(o[keys[i]!], depth + 1));
  }
  return v;
}

/** What a host call answers, wrapped (a promise's value when it comes). */
function answer(r: unknown): unknown {
  return r instanceof PromiseCtor ? apply(promiseThen, r, [wrap]) : wrap(r);
}

/** A sandbox value as it crosses to the host: proxies back to their references, functions by id. */
function unwrap(v: unknown, depth = 0, ancestors: unknown[] = []): unknown {
  if (typeof v === 'function') {
    const id = refIds.get(v);
    return id !== undefined ? { $hostRef: id } : { $sandboxFn: sandboxFnId(v as (...a: unknown[]) => unknown) };
  }
  if (v === null || typeof v !== 'object') return v;
  const id = refIds.get(v);
  if (id !== undefined) return { $hostRef: id };
  if (v instanceof Uint8Array || v instanceof ArrayBuffer || v instanceof Date || depth > 256) return v;
  for (let i = 0; i < ancestors.length; i++) if (ancestors[i] === v) throw new TypeError('Converting circular structure to send it to a host module');
  ancestors.push(v);
  try {
    if (isArray(v)) {
      const out: unknown[] = [];
      for (let i = 0; i < v.length; i++) out.push(unwrap(v[i], depth + 1, ancestors));
      return out;
    }
    if (v instanceof MapCtor) {
      const out = new MapCtor<unknown, unknown>();
      for (const [k, x] of apply(mapEntries, v, []) as IterableIterator<[unknown, unknown]>) out.set(unwrap(k, depth + 1, ancestors), unwrap(x, depth + 1, ancestors));
      return out;
    }
    if (v instanceof SetCtor) {
      const out = new SetCtor<unknown>();
      for (const x of apply(setValues, v, []) as IterableIterator<unknown>) out.add(unwrap(x, depth + 1, ancestors));
      return out;
    }
    const out: Record<string, unknown> = {};
    const keys = objectKeys(v);
    for (let i = 0; i < keys.length; i++) own(out, keys[i]!, unwrap((v as Record<string, unknown>)[keys[i]!], depth + 1, ancestors));
    return out;
  } finally {
    ancestors.pop();
  }
}

/** Sets an own data property (a `__proto__` key stays a key: assignment would set the prototype). */
function own(o: Record<string, unknown>, key: string, value: unknown): void {
  defineProperty(o, key, { value, writable: true, enumerable: true, configurable: true });
}

function unwrapAll(args: unknown[]): unknown[] {
  const out: unknown[] = [];
  for (let i = 0; i < args.length; i++) out.push(unwrap(args[i]));
  return out;
}

function proxyFor(ref: WireHostRef): object {
  const id = ref.$hostRef;
  const known = proxies.get(id)?.deref();
  if (known !== undefined) return known;
  if (released.length > 0) released = released.filter((r) => r !== id);
  const fn = ref.fn === 1;
  // A bound function: callable and constructible, with no own `prototype` the proxy would have to report.
  const target: object = fn ? (apply(bind, function () {}, [null]) as object) : {};
  if (fn) defineProperty(target, 'name', { value: typeof ref.name === 'string' ? ref.name : '', configurable: true });
  const proxy = new ProxyCtor(target, handler(id, fn));
  proxies.set(id, new WeakRefCtor(proxy));
  refIds.set(proxy, id);
  collected.register(proxy, id);
  return proxy;
}

function handler(id: number, fn: boolean): ProxyHandler<object> {
  return {
    get(target, key) {
      if (typeof key === 'symbol') {
        if (fn && key === hasInstance) return (v: unknown) => refIds.get(v as object) !== undefined && op('instanceof', [id, unwrap(v)]) === true;
        return reflectGet(target, key);
      }
      if (fn && (key === 'call' || key === 'apply' || key === 'bind')) return reflectGet(target, key);
      const found = op('get', [id, key]) as WireLookup;
      return found.absent === true ? reflectGet(target, key) : wrap(found.value);
    },
    set(target, key, value) {
      if (typeof key === 'symbol') return reflectSet(target, key, value);
      return op('set', [id, key, unwrap(value)]) === true;
    },
    has(target, key) {
      return (typeof key === 'string' && op('has', [id, key]) === true) || reflectHas(target, key);
    },
    deleteProperty(_target, key) {
      return typeof key === 'string' ? op('delete', [id, key]) === true : false;
    },
    ownKeys() {
      return op('keys', [id]) as string[];
    },
    getOwnPropertyDescriptor(target, key) {
      if (typeof key === 'symbol') return reflectOwnDescriptor(target, key);
      const found = op('describe', [id, key]) as WireLookup;
      if (found.absent === true) return undefined;
      return { value: wrap(found.value), writable: true, enumerable: found.enumerable === true, configurable: true };
    },
    defineProperty(_target, key, descriptor) {
      if (typeof key === 'symbol' || !('value' in descriptor)) return false;
      return op('set', [id, key, unwrap(descriptor.value)]) === true;
    },
    preventExtensions: () => false,
    setPrototypeOf: () => false,
    apply(_target, self, args) {
      const selfId = self === null || self === undefined ? undefined : refIds.get(self as object);
      return answer(op('call', [id, selfId === undefined ? undefined : { $hostRef: selfId }, unwrapAll(args)]));
    },
    construct(_target, args) {
      return wrap(op('construct', [id, unwrapAll(args)])) as object;
    },
  };
}

/** A host module, as `require` returns it: its root value (a proxy unless it is plain data). */
export function hostModule(name: string): unknown {
  return wrap(op('module', [name]));
}

// ---- sandbox functions called by the host ----

const sandboxFns = new MapCtor<number, (...a: unknown[]) => unknown>();
const sandboxFnIds = new WeakMap<object, number>();
let nextFn = 1;
let pulling = false;

function sandboxFnId(f: (...a: unknown[]) => unknown): number {
  let id = sandboxFnIds.get(f);
  if (id === undefined) {
    id = nextFn++;
    sandboxFnIds.set(f, id);
    sandboxFns.set(id, f);
  }
  if (!pulling) pull();
  return id;
}

/** Asks the host for its next calls of sandbox functions, as long as the host holds some. */
function pull(): void {
  pulling = true;
  for (;;) {
    let r: unknown;
    try {
      r = callHost(OBJECTS_TARGET, 'next', []);
    } catch {
      pulling = false;
      return;
    }
    if (r instanceof PromiseCtor) {
      apply(promiseThen, r, [
        (batch: WireCallbackBatch) => {
          if (run(batch)) pull();
        },
        () => {
          pulling = false;
        },
      ]);
      return;
    }
    if (!run(r as WireCallbackBatch)) return;
  }
}

/** Runs the host's calls; false (and the pull stops) once the host holds no sandbox function. */
function run(batch: WireCallbackBatch): boolean {
  for (let i = 0; i < batch.released.length; i++) {
    const f = sandboxFns.get(batch.released[i]!);
    sandboxFns.delete(batch.released[i]!);
    if (f !== undefined) sandboxFnIds.delete(f);
  }
  for (let i = 0; i < batch.calls.length; i++) runCall(batch.calls[i]!);
  if (sandboxFns.size === 0) pulling = false;
  return pulling;
}

function runCall(c: WireCallbackCall): void {
  const reply = (ok: boolean, value: unknown): void => {
    try {
      callHost(OBJECTS_TARGET, 'return', [c.call, ok, ok ? unwrap(value) : JSON.parse(encodeError(value))]);
    } catch {
      /* the host no longer waits (the sandbox was reset) */
    }
  };
  const f = sandboxFns.get(c.fn);
  if (f === undefined) {
    reply(false, new Error('lambda-sim: the host called a sandbox function it had released'));
    return;
  }
  let v: unknown;
  try {
    v = apply(f, undefined, wrap(c.args) as unknown[]);
  } catch (e) {
    reply(false, e);
    return;
  }
  if (v !== null && (typeof v === 'object' || typeof v === 'function') && typeof (v as { then?: unknown }).then === 'function') {
    apply(promiseThen, new PromiseCtor((resolve) => resolve(v)), [(x: unknown) => reply(true, x), (e: unknown) => reply(false, e)]);
  } else reply(true, v);
}
