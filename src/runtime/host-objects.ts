/**
 * Host objects: what a sandbox holds of the host modules it was given (`modules: { pg, axios,
 * 'my-db': fake }`), as references, not copies (wire contract: shim/object-wire.ts). One table per
 * sandbox, disposed of with it (host-scope.ts).
 *
 * Plain data crosses as a copy; functions, class instances, promises and objects with methods
 * cross as references, so a host class can be constructed from the sandbox, a returned object
 * keeps its methods, getters and state, and an event emitter can be listened to. Sandbox functions
 * handed to the host become host functions that queue their calls for the sandbox.
 *
 * Only what the host exposed is reachable: a property is looked up on the object and its
 * prototypes *above* the host's intrinsics (Object.prototype, Function.prototype and the function
 * kinds'), so `fn.constructor`, `obj.__proto__`, `fn.call`/`bind` and `Object.prototype`'s methods
 * are never the host's (the sandbox's proxies answer them with the sandbox's own); and the host's
 * `Function` constructors, `eval`, `Object`, `Reflect`, `process` and `globalThis` are never handed
 * out, whoever returns them.
 */
import type { HostCallAnswer } from './host-calls.js';
import { HOST_CALLBACK_QUIET_MS, MAX_HOST_COPY_DEPTH, MAX_HOST_OBJECTS, MAX_SANDBOX_CALLBACKS, NETWORK_REAL_TIMEOUT_MS } from './host-limits.js';
import type { ScopedResource } from './host-scope.js';
import { encodeError, type EncodedError } from './shim/codec.js';
import { isHostRef, isSandboxFn, type WireCallbackBatch, type WireCallbackCall, type WireHostRef, type WireLookup } from './shim/object-wire.js';

/* eslint-disable @typescript-eslint/no-unsafe-function-type */
const AsyncFunction = (async () => {}).constructor as Function;
const GeneratorFunction = function* () {}.constructor as Function;
const AsyncGeneratorFunction = async function* () {}.constructor as Function;

/** Prototypes a property lookup stops before: what is found there is the sandbox's own. */
const INTRINSIC_PROTOTYPES = new Set<unknown>([
  Object.prototype,
  Function.prototype,
  AsyncFunction.prototype,
  GeneratorFunction.prototype,
  AsyncGeneratorFunction.prototype,
]);

/** Host values never handed to a sandbox: each would let handler code run code on the host. */
const REFUSED = new Map<unknown, string>([
  [Function, 'Function constructor'],
  [AsyncFunction, 'AsyncFunction constructor'],
  [GeneratorFunction, 'GeneratorFunction constructor'],
  [AsyncGeneratorFunction, 'AsyncGeneratorFunction constructor'],
  [eval, 'eval'],
  [globalThis, 'global object'],
  [process, 'process object'],
  [Object, 'Object constructor'],
  [Reflect, 'Reflect object'],
  [Proxy, 'Proxy constructor'],
  ...[...INTRINSIC_PROTOTYPES].map((p): [unknown, string] => [p, 'intrinsic prototype']),
]);

type Settle = { resolve(value: unknown): void; reject(error: unknown): void };

export class HostObjects implements ScopedResource {
  readonly #objects = new Map<number, object>();
  readonly #ids = new WeakMap<object, number>();
  /** The host module each reference came from: its `hostLatency` route. */
  readonly #origin = new Map<number, string>();
  #nextId = 1;

  /** Host functions standing for sandbox functions, by the sandbox's id (weakly: the host may drop them). */
  readonly #stubs = new Map<number, WeakRef<Function>>();
  readonly #dropped = new FinalizationRegistry<number>((fn) => {
    if (this.#stubs.get(fn)?.deref() === undefined) {
      this.#stubs.delete(fn);
      this.#releasedFns.push(fn);
    }
  });
  #releasedFns: number[] = [];
  #queue: WireCallbackCall[] = [];
  #waiter: ((batch: WireCallbackBatch) => void) | undefined;
  readonly #returns = new Map<number, Settle>();
  #nextCall = 1;
  /** Set while importing arguments: whether they carried sandbox functions. */
  #sawSandboxFn = false;
  #quiet: { resolve(): void; timer: ReturnType<typeof setTimeout>; bound: ReturnType<typeof setTimeout> } | undefined;
  #disposed = false;

  /**
   * @param hold holds simulated time until the promise settles (the calling sandbox's; see host-calls.ts).
   * @param latencyOf the simulated latency of an asynchronous answer of a host module's objects.
   */
  constructor(
    private readonly hold: (until: Promise<void>) => void,
    private readonly latencyOf: (module: string) => number,
  ) {}

  /** Live references (for tests and bounds). */
  get size(): number {
    return this.#objects.size;
  }

  /** A host module's root value, as the sandbox imports it. */
  module(name: string, root: unknown): unknown {
    return this.#export(root, name);
  }

  /** Answers one operation of the wire contract on the object `args[0]`. */
  run(op: string, args: unknown[]): HostCallAnswer {
    try {
      switch (op) {
        case 'get':
          return this.#value(this.#get(Number(args[0]), args[1]));
        case 'describe':
          return this.#value(this.#describe(Number(args[0]), args[1]));
        case 'set': {
          const key = propertyKey(args[1]);
          if (key === '__proto__') throw new TypeError("lambda-sim: a host object's __proto__ cannot be set from the sandbox");
          return this.#value(Reflect.set(this.#object(Number(args[0])), key, this.#import(args[2])));
        }
        case 'has':
          return this.#value(lookup(this.#object(Number(args[0])), propertyKey(args[1])) !== undefined);
        case 'delete':
          return this.#value(Reflect.deleteProperty(this.#object(Number(args[0])), propertyKey(args[1])));
        case 'keys':
          return this.#value(Reflect.ownKeys(this.#object(Number(args[0]))).filter((k) => typeof k === 'string'));
        case 'call':
        case 'construct':
          return this.#invoke(op, Number(args[0]), args[1], args[op === 'call' ? 2 : 1]);
        case 'instanceof': {
          const fn = this.#function(Number(args[0]));
          const v = this.#import(args[1]);
          return this.#value(v !== null && (typeof v === 'object' || typeof v === 'function') && v instanceof fn);
        }
        case 'release':
          for (const id of Array.isArray(args[0]) ? args[0] : []) this.#release(Number(id));
          return this.#value(undefined);
        case 'next':
          return this.#next();
        case 'return':
          this.#return(Number(args[0]), args[1] === true, args[2]);
          return this.#value(undefined);
        default:
          return { kind: 'error', error: new Error(`lambda-sim: no host object operation ${op}`) };
      }
    } catch (error) {
      return { kind: 'error', error };
    }
  }

  dispose(): void {
    this.#disposed = true;
    const gone = new Error('lambda-sim: the sandbox that held this function was reset (a timeout, a crash, or a reaped environment)');
    for (const r of this.#returns.values()) r.reject(gone);
    this.#returns.clear();
    this.#objects.clear();
    this.#origin.clear();
    this.#queue = [];
    this.#quiet?.resolve();
  }

  // ---- the sandbox's operations ----

  #value(value: unknown): HostCallAnswer {
    return { kind: 'value', value };
  }

  #get(id: number, key: unknown): WireLookup {
    const obj = this.#object(id);
    const d = lookup(obj, propertyKey(key));
    if (d === undefined) return { absent: true };
    return { value: this.#export(d.get !== undefined ? Reflect.apply(d.get, obj, []) : d.value, this.#origin.get(id)) };
  }

  #describe(id: number, key: unknown): WireLookup {
    const obj = this.#object(id);
    const d = Reflect.getOwnPropertyDescriptor(obj, propertyKey(key));
    if (d === undefined) return { absent: true };
    const value = d.get !== undefined ? Reflect.apply(d.get, obj, []) : d.value;
    return { value: this.#export(value, this.#origin.get(id)), enumerable: d.enumerable === true };
  }

  #invoke(op: 'call' | 'construct', id: number, thisArg: unknown, rawArgs: unknown): HostCallAnswer {
    const fn = this.#function(id);
    const origin = this.#origin.get(id);
    this.#sawSandboxFn = false;
    const args = Array.isArray(rawArgs) ? (this.#import(rawArgs) as unknown[]) : [];
    const self = op === 'call' ? this.#import(thisArg) : undefined;
    const handedFunctions = this.#sawSandboxFn;
    const result: unknown = op === 'call' ? Reflect.apply(fn, self, args) : Reflect.construct(fn, args);
    if (op === 'call' && result !== null && (typeof result === 'object' || typeof result === 'function') && typeof (result as { then?: unknown }).then === 'function') {
      const promise = Promise.resolve(result).then((v) => this.#export(v, origin));
      const label = `host:${origin ?? '?'} ${functionName(fn) ?? '(anonymous)'}`;
      return { kind: 'promise', promise, latencyMs: origin === undefined ? 0 : this.latencyOf(origin), label };
    }
    // A callback-style API: the host may call back any time now; simulated time waits a moment.
    if (handedFunctions) this.#holdQuiet();
    return this.#value(this.#export(result, origin));
  }

  // ---- references ----

  #object(id: number): object {
    const obj = this.#objects.get(id);
    if (obj === undefined) throw new ReferenceError(`lambda-sim: host object ${id} is not held by this sandbox`);
    return obj;
  }

  #function(id: number): Function {
    const fn = this.#object(id);
    if (typeof fn !== 'function') throw new TypeError('lambda-sim: this host object is not a function');
    return fn;
  }

  #ref(value: object, origin: string | undefined): WireHostRef {
    const refused = REFUSED.get(value);
    if (refused !== undefined) throw new TypeError(`lambda-sim: a host module handed the sandbox the host's ${refused}; refused (handler code could run code on the host with it)`);
    let id = this.#ids.get(value);
    if (id === undefined || !this.#objects.has(id)) {
      if (this.#disposed) throw new Error('lambda-sim: the sandbox that made this call was reset');
      if (this.#objects.size >= MAX_HOST_OBJECTS) {
        throw new RangeError(`lambda-sim: this sandbox holds ${MAX_HOST_OBJECTS} host objects (the most it may): drop references to host objects it no longer uses`);
      }
      id = this.#nextId++;
      this.#objects.set(id, value);
      this.#ids.set(value, id);
      if (origin !== undefined) this.#origin.set(id, origin);
    }
    if (typeof value !== 'function') return { $hostRef: id };
    const name = functionName(value);
    return { $hostRef: id, fn: 1, ...(name === undefined ? {} : { name }) };
  }

  #release(id: number): void {
    const obj = this.#objects.get(id);
    if (obj === undefined) return;
    this.#objects.delete(id);
    this.#origin.delete(id);
    if (this.#ids.get(obj) === id) this.#ids.delete(obj);
  }

  /** A host value as it crosses to the sandbox: data copied, the rest referenced. */
  #export(value: unknown, origin: string | undefined, depth = 0, seen?: Set<object>): unknown {
    if (value === null || (typeof value !== 'object' && typeof value !== 'function')) return value;
    if (typeof value === 'function') return this.#ref(value, origin);
    if (value instanceof Uint8Array || value instanceof ArrayBuffer || value instanceof Date) return value;
    if (value instanceof Error) return { $hostError: JSON.parse(encodeError(value)) as EncodedError };
    if (seen?.has(value) === true || depth >= MAX_HOST_COPY_DEPTH || !isData(value)) return this.#ref(value, origin);
    // Made for the first copy only: most answers (a primitive, a reference) need none.
    const ancestors = seen ?? new Set<object>();
    ancestors.add(value);
    try {
      const inner = (v: unknown): unknown => this.#export(v, origin, depth + 1, ancestors);
      if (Array.isArray(value)) return value.map(inner);
      if (value instanceof Map) return new Map([...value].map(([k, v]) => [inner(k), inner(v)]));
      if (value instanceof Set) return new Set([...value].map(inner));
      const out: Record<string, unknown> = {};
      for (const k of Object.keys(value)) own(out, k, inner((value as Record<string, unknown>)[k]));
      return out;
    } finally {
      ancestors.delete(value);
    }
  }

  /** A sandbox value as the host receives it: references back to their objects, functions to callers. */
  #import(value: unknown, depth = 0): unknown {
    if (value === null || typeof value !== 'object' || depth > 256) return value;
    if (isHostRef(value)) return this.#object(value.$hostRef);
    if (isSandboxFn(value)) return this.#stub(value.$sandboxFn);
    if (Array.isArray(value)) {
      for (let i = 0; i < value.length; i++) value[i] = this.#import(value[i], depth + 1);
      return value;
    }
    if (value instanceof Map) return new Map([...value].map(([k, v]) => [this.#import(k, depth + 1), this.#import(v, depth + 1)]));
    if (value instanceof Set) return new Set([...value].map((v) => this.#import(v, depth + 1)));
    if (Object.getPrototypeOf(value) === Object.prototype) {
      const o = value as Record<string, unknown>;
      for (const k of Object.keys(o)) own(o, k, this.#import(o[k], depth + 1));
    }
    return value;
  }

  // ---- sandbox functions called by the host ----

  #stub(fn: number): Function {
    this.#sawSandboxFn = true;
    const known = this.#stubs.get(fn)?.deref();
    if (known !== undefined) return known;
    if (this.#stubs.size >= MAX_SANDBOX_CALLBACKS) {
      throw new RangeError(`lambda-sim: the host holds ${MAX_SANDBOX_CALLBACKS} of this sandbox's functions (the most it may): remove listeners it no longer needs`);
    }
    this.#releasedFns = this.#releasedFns.filter((f) => f !== fn);
    const objects = this;
    // Called by host code: queued for the sandbox; the promise answers the sandbox function's result.
    const stub = function sandboxFunction(...args: unknown[]): Promise<unknown> {
      return objects.#callBack(fn, args);
    };
    this.#stubs.set(fn, new WeakRef(stub));
    this.#dropped.register(stub, fn);
    return stub;
  }

  #callBack(fn: number, args: unknown[]): Promise<unknown> {
    let settle!: Settle;
    const answer = new Promise<unknown>((resolve, reject) => {
      settle = { resolve, reject };
    });
    // Host code that calls a listener rarely awaits it: its failure must not be an unhandled rejection.
    answer.catch(() => {});
    if (this.#disposed) {
      settle.reject(new Error('lambda-sim: the sandbox this function came from was reset'));
      return answer;
    }
    if (this.#returns.size >= MAX_SANDBOX_CALLBACKS) {
      settle.reject(new RangeError(`lambda-sim: ${MAX_SANDBOX_CALLBACKS} calls of sandbox functions are waiting for the sandbox: the host calls back faster than the sandbox runs`));
      return answer;
    }
    let exported: unknown[];
    try {
      exported = this.#export(args, undefined) as unknown[];
    } catch (error) {
      settle.reject(error);
      return answer;
    }
    const call = this.#nextCall++;
    this.#returns.set(call, settle);
    this.#queue.push({ call, fn, args: exported });
    this.#quiet?.timer.refresh();
    const waiter = this.#waiter;
    if (waiter !== undefined) {
      this.#waiter = undefined;
      waiter(this.#batch());
    }
    return answer;
  }

  #batch(): WireCallbackBatch {
    const batch = { calls: this.#queue, released: this.#releasedFns };
    this.#queue = [];
    this.#releasedFns = [];
    return batch;
  }

  /** The sandbox pulls the host's calls: at once when some are queued, else when the host calls back. */
  #next(): HostCallAnswer {
    if (this.#queue.length > 0 || this.#releasedFns.length > 0) return this.#value(this.#batch());
    if (this.#waiter !== undefined) throw new Error('lambda-sim: the sandbox already waits for calls from the host');
    // A thenable, not a promise: the host's call back reaches the environment in the same turn
    // (a listener called just before an invocation runs before it, as in Node's event loop).
    const promise: PromiseLike<WireCallbackBatch> = {
      then: ((onBatch: (batch: WireCallbackBatch) => void) => {
        this.#waiter = onBatch;
      }) as PromiseLike<WireCallbackBatch>['then'],
    };
    // Does not keep the sandbox's loop alive (nothing says the host will ever call), and is run
    // at once while simulated time is held (host work in flight may be waiting for its answer).
    return { kind: 'event', promise, latencyMs: 0, weak: true, immediate: true };
  }

  #return(call: number, ok: boolean, value: unknown): void {
    const settle = this.#returns.get(call);
    if (settle === undefined) return;
    this.#returns.delete(call);
    if (ok) settle.resolve(this.#import(value));
    else settle.reject(errorFrom(value));
  }

  /**
   * Holds simulated time until the host has not called back for {@link HOST_CALLBACK_QUIET_MS}
   * real ms (each call back starts the window again), at most the network's real bound.
   */
  #holdQuiet(): void {
    if (this.#quiet !== undefined) {
      this.#quiet.timer.refresh();
      return;
    }
    let resolve!: () => void;
    const until = new Promise<void>((r) => {
      resolve = r;
    });
    const done = (): void => {
      if (this.#quiet === undefined) return;
      clearTimeout(this.#quiet.timer);
      clearTimeout(this.#quiet.bound);
      this.#quiet = undefined;
      resolve();
    };
    this.#quiet = { resolve: done, timer: setTimeout(done, HOST_CALLBACK_QUIET_MS), bound: setTimeout(done, NETWORK_REAL_TIMEOUT_MS) };
    this.hold(until);
  }
}

/** Plain data, copied: an array, a map, a set, or an object of Object.prototype (or none) with only enumerable, non-function properties. */
function isData(value: object): boolean {
  if (Array.isArray(value)) return Object.getPrototypeOf(value) === Array.prototype;
  if (value instanceof Map) return Object.getPrototypeOf(value) === Map.prototype;
  if (value instanceof Set) return Object.getPrototypeOf(value) === Set.prototype;
  const proto = Object.getPrototypeOf(value) as unknown;
  if (proto !== Object.prototype && proto !== null) return false;
  const names = Object.getOwnPropertyNames(value);
  if (names.length !== Object.keys(value).length || Object.getOwnPropertySymbols(value).length > 0) return false;
  for (const k of names) {
    const d = Object.getOwnPropertyDescriptor(value, k)!;
    if (d.get !== undefined || d.set !== undefined || typeof d.value === 'function') return false;
  }
  return true;
}

/** A host function's own `name` (read without running a getter), at most 200 characters; undefined when it has none. */
function functionName(fn: Function): string | undefined {
  const name: unknown = Object.getOwnPropertyDescriptor(fn, 'name')?.value;
  return typeof name === 'string' && name !== '' ? name.slice(0, 200) : undefined;
}

/** A property found on `obj` or its prototypes above the host's intrinsics. */
function lookup(obj: object, key: string): PropertyDescriptor | undefined {
  if (key === '__proto__') return undefined;
  for (let o: object | null = obj; o !== null && !INTRINSIC_PROTOTYPES.has(o); o = Reflect.getPrototypeOf(o)) {
    const d = Reflect.getOwnPropertyDescriptor(o, key);
    if (d !== undefined) return d;
  }
  return undefined;
}

/** Sets an own data property (a `__proto__` key stays a key: assignment would set the prototype). */
function own(o: Record<string, unknown>, key: string, value: unknown): void {
  Object.defineProperty(o, key, { value, writable: true, enumerable: true, configurable: true });
}

function propertyKey(key: unknown): string {
  if (typeof key !== 'string') throw new TypeError('lambda-sim: host object properties are named by strings');
  return key;
}

/** A sandbox function's thrown error, as host code receives it. */
function errorFrom(encoded: unknown): Error {
  const info = (encoded ?? {}) as Partial<EncodedError>;
  const e = new Error(String(info.message ?? 'the sandbox function threw'));
  e.name = String(info.name ?? 'Error');
  if (info.fields !== null && typeof info.fields === 'object') Object.assign(e, info.fields);
  return e;
}
