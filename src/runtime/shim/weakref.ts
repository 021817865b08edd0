/**
 * `WeakRef` and `FinalizationRegistry` that do not follow the garbage collector: V8's real ones
 * clear and finalize when a collection happens to run, which depends on heap sizes, allocation
 * timing and the host's load (one seed gave 0, 50000 and 33893 live references in three runs).
 * The spec lets an implementation never collect a weakly held target, and never call a cleanup
 * callback (ECMA-262, "Execution" of WeakRef and FinalizationRegistry: "neither of these are
 * guaranteed"), so the sandbox's versions are the deterministic end of what is allowed:
 * - `new WeakRef(target).deref()` always returns the target: a WeakRef holds it strongly for as
 *   long as the WeakRef itself is reachable (a dropped WeakRef frees its target with it).
 * - A `FinalizationRegistry` never calls its callback; it remembers only which unregister tokens
 *   it has (weakly), so `unregister` answers true once per registered token, and it keeps no
 *   target or held value alive.
 * Argument checks and their TypeError messages are V8's (invalid targets, registered symbols,
 * target === holdings, bad tokens, incompatible receivers); a call without `new` throws a TypeError
 * too, in the words of a class constructor.
 *
 * Gotcha to document: code that counts on weak references being cleared to free memory (a cache of
 * WeakRefs that is never pruned) holds that memory until the environment is reaped.
 */

type Fn = (...args: unknown[]) => unknown;

const defineProperty = Object.defineProperty;
const getPrototypeOf = Object.getPrototypeOf;
const getOwnPropertyDescriptor = Object.getOwnPropertyDescriptor;
const apply = Reflect.apply;
const is = Object.is;
const isArray = Array.isArray;
const keyFor = Symbol.keyFor;
const toStringTag = Symbol.toStringTag;
const RealWeakMap = WeakMap;
const weakGet = WeakMap.prototype.get as Fn;
const weakSet = WeakMap.prototype.set as Fn;
const weakHas = WeakMap.prototype.has as Fn;
const weakDelete = WeakMap.prototype.delete as Fn;
const toStr = String;

/** ECMA-262 CanBeHeldWeakly: objects, functions and symbols not in the global registry. */
function canBeHeldWeakly(v: unknown): boolean {
  const t = typeof v;
  if (t === 'object') return v !== null;
  if (t === 'function') return true;
  return t === 'symbol' && keyFor(v as symbol) === undefined;
}

const isObject = (v: unknown): v is object => (typeof v === 'object' && v !== null) || typeof v === 'function';

/** How V8 names a receiver in "called on incompatible receiver" (without running handler code). */
function receiver(v: unknown): string {
  if (!isObject(v)) return toStr(v);
  if (isArray(v)) return '[object Array]';
  const proto = getPrototypeOf(v) as object | null;
  const ctor: unknown = proto === null ? undefined : getOwnPropertyDescriptor(proto, 'constructor')?.value;
  const name: unknown = typeof ctor === 'function' ? getOwnPropertyDescriptor(ctor, 'name')?.value : undefined;
  return `#<${typeof name === 'string' && name !== '' ? name : 'Object'}>`;
}

const incompatible = (method: string, self: unknown): TypeError => new TypeError(`Method ${method} called on incompatible receiver ${receiver(self)}`);
const badToken = (token: unknown): TypeError => new TypeError(`Invalid unregisterToken ('${toStr(token)}')`);

/**
 * Classes: private fields are the internal slots (and the brand checks), and class syntax makes
 * the built-in shape (non-enumerable methods, non-writable prototype) for free; only the names and
 * tags are set by hand. Called without `new`, a class throws its own TypeError ("Class constructor
 * WeakRef cannot be invoked without 'new'"; V8's says "Constructor WeakRef requires 'new'").
 */
export function installWeakRef(g: Record<string, unknown>): void {
  const WeakRef = class WeakRef {
    /** Held strongly, for as long as this WeakRef is reachable. */
    readonly #target: unknown;
    constructor(target: unknown) {
      if (!canBeHeldWeakly(target)) throw new TypeError('WeakRef: invalid target');
      this.#target = target;
    }
    deref(): unknown {
      if (!isObject(this) || !(#target in this)) throw incompatible('WeakRef.prototype.deref', this);
      return this.#target;
    }
  };

  const FinalizationRegistry = class FinalizationRegistry {
    /** Registrations per unregister token (the callback is never called, so it is not kept; nor are targets or held values). */
    readonly #cells = new RealWeakMap<object, number>();
    constructor(cleanupCallback: unknown) {
      if (typeof cleanupCallback !== 'function') throw new TypeError('FinalizationRegistry: cleanup must be callable');
    }
    register(target: unknown, heldValue: unknown, unregisterToken: unknown = undefined): undefined {
      if (!isObject(this) || !(#cells in this)) throw incompatible('FinalizationRegistry.prototype.register', this);
      if (!canBeHeldWeakly(target)) throw new TypeError('FinalizationRegistry.prototype.register: invalid target');
      if (is(target, heldValue)) throw new TypeError('FinalizationRegistry.prototype.register: target and holdings must not be same');
      if (!canBeHeldWeakly(unregisterToken)) {
        if (unregisterToken !== undefined) throw badToken(unregisterToken);
        return undefined;
      }
      const cells = this.#cells;
      const count = (apply(weakGet, cells, [unregisterToken]) as number | undefined) ?? 0;
      apply(weakSet, cells, [unregisterToken, count + 1]);
      return undefined;
    }
    unregister(unregisterToken: unknown): boolean {
      if (!isObject(this) || !(#cells in this)) throw incompatible('FinalizationRegistry.prototype.unregister', this);
      if (!canBeHeldWeakly(unregisterToken)) throw badToken(unregisterToken);
      const cells = this.#cells;
      if (!(apply(weakHas, cells, [unregisterToken]) as boolean)) return false;
      apply(weakDelete, cells, [unregisterToken]);
      return true;
    }
  };

  for (const [name, ctor] of [
    ['WeakRef', WeakRef],
    ['FinalizationRegistry', FinalizationRegistry],
  ] as const) {
    // The bundler may rename a class that shadows a global; the name is the built-in's.
    defineProperty(ctor, 'name', { value: name });
    defineProperty(ctor.prototype, toStringTag, { value: name, writable: false, enumerable: false, configurable: true });
    defineProperty(g, name, { value: ctor, writable: true, enumerable: false, configurable: true });
  }
}
