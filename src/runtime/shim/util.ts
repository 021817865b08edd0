/**
 * `util` and `util/types` in the sandbox: Node's own `format`/`inspect` (node-inspect-extracted,
 * a lazy chunk), and the rest written here. `types` checks brands where JavaScript can (a getter
 * or method of the built-in that throws on anything else), so a `Symbol.toStringTag` does not
 * fool them; what JavaScript cannot see (`isProxy`, `isExternal`) answers false.
 */
import { inspectModule, loadedOnly } from './lazy.js';
import { TextDecoder, TextEncoder } from './text.js';
import * as timers from './timers.js';

/** No KeyObject exists before the crypto-keys chunk loads, so the check never loads it. */
const isKeyObject = (v: unknown): boolean => loadedOnly<{ isKeyObject(v: unknown): boolean }>('crypto-keys')?.isKeyObject(v) ?? false;
const isCryptoKey = (v: unknown): boolean => loadedOnly<{ isCryptoKey(v: unknown): boolean }>('webcrypto')?.isCryptoKey(v) ?? false;

const promisifyCustom = Symbol.for('nodejs.util.promisify.custom');
const toStringTag = (v: unknown): string => Object.prototype.toString.call(v);
const apply = Reflect.apply;

/** True when `fn` accepts `v` as its receiver (a brand check), false when it throws. */
function brand(fn: ((this: unknown) => unknown) | undefined, v: unknown): boolean {
  if (fn === undefined || v === null || typeof v !== 'object') return false;
  try {
    apply(fn, v, []);
    return true;
  } catch {
    return false;
  }
}
const getter = (proto: object, key: PropertyKey): ((this: unknown) => unknown) | undefined => Object.getOwnPropertyDescriptor(proto, key)?.get;
const typedArrayTag = getter(Object.getPrototypeOf(Uint8Array.prototype) as object, Symbol.toStringTag)!;
const typedName = (v: unknown): string | undefined => (ArrayBuffer.isView(v) ? (apply(typedArrayTag, v, []) as string | undefined) : undefined);
const isTyped = (name: string) => (v: unknown): boolean => typedName(v) === name;
const boxed = (valueOf: (this: unknown) => unknown) => (v: unknown): boolean => brand(valueOf, v);

export const types: Record<string, (v: unknown) => boolean> = {
  isExternal: () => false,
  isDate: (v) => brand(Date.prototype.getTime as (this: unknown) => unknown, v),
  isArgumentsObject: (v) => typeof v === 'object' && v !== null && toStringTag(v) === '[object Arguments]',
  isBigIntObject: boxed(BigInt.prototype.valueOf as (this: unknown) => unknown),
  isBooleanObject: boxed(Boolean.prototype.valueOf as (this: unknown) => unknown),
  isNumberObject: boxed(Number.prototype.valueOf as (this: unknown) => unknown),
  isStringObject: boxed(String.prototype.valueOf as (this: unknown) => unknown),
  isSymbolObject: boxed(Symbol.prototype.valueOf as (this: unknown) => unknown),
  isNativeError: (v) => typeof v === 'object' && v !== null && toStringTag(v) === '[object Error]',
  isRegExp: (v) => brand(getter(RegExp.prototype, 'source'), v) && v !== RegExp.prototype,
  isAsyncFunction: (v) => typeof v === 'function' && /^\[object Async(Generator)?Function\]$/.test(toStringTag(v)),
  isGeneratorFunction: (v) => typeof v === 'function' && /^\[object (Async)?GeneratorFunction\]$/.test(toStringTag(v)),
  isGeneratorObject: (v) => typeof v === 'object' && v !== null && /^\[object (Async)?Generator\]$/.test(toStringTag(v)),
  isPromise: (v) => typeof v === 'object' && v !== null && toStringTag(v) === '[object Promise]',
  isMap: (v) => brand(getter(Map.prototype, 'size'), v),
  isSet: (v) => brand(getter(Set.prototype, 'size'), v),
  isMapIterator: (v) => typeof v === 'object' && v !== null && toStringTag(v) === '[object Map Iterator]',
  isSetIterator: (v) => typeof v === 'object' && v !== null && toStringTag(v) === '[object Set Iterator]',
  isWeakMap: (v) => {
    try {
      return typeof v === 'object' && v !== null && (apply(WeakMap.prototype.has, v, [{}]), true);
    } catch {
      return false;
    }
  },
  isWeakSet: (v) => {
    try {
      return typeof v === 'object' && v !== null && (apply(WeakSet.prototype.has, v, [{}]), true);
    } catch {
      return false;
    }
  },
  isArrayBuffer: (v) => brand(getter(ArrayBuffer.prototype, 'byteLength'), v),
  isSharedArrayBuffer: (v) => typeof SharedArrayBuffer === 'function' && brand(getter(SharedArrayBuffer.prototype, 'byteLength'), v),
  isAnyArrayBuffer: (v) => types['isArrayBuffer']!(v) || types['isSharedArrayBuffer']!(v),
  isDataView: (v) => brand(getter(DataView.prototype, 'byteLength'), v),
  isProxy: () => false,
  isModuleNamespaceObject: (v) => typeof v === 'object' && v !== null && toStringTag(v) === '[object Module]' && Object.getPrototypeOf(v) === null,
  isBoxedPrimitive: (v) => ['isBigIntObject', 'isBooleanObject', 'isNumberObject', 'isStringObject', 'isSymbolObject'].some((k) => types[k]!(v)),
  isArrayBufferView: (v) => ArrayBuffer.isView(v),
  isTypedArray: (v) => typedName(v) !== undefined,
  isUint8Array: isTyped('Uint8Array'),
  isUint8ClampedArray: isTyped('Uint8ClampedArray'),
  isUint16Array: isTyped('Uint16Array'),
  isUint32Array: isTyped('Uint32Array'),
  isInt8Array: isTyped('Int8Array'),
  isInt16Array: isTyped('Int16Array'),
  isInt32Array: isTyped('Int32Array'),
  isFloat32Array: isTyped('Float32Array'),
  isFloat64Array: isTyped('Float64Array'),
  /** Node 22+ has it; the sandbox's V8 may have no Float16Array, so it is false there. */
  isFloat16Array: isTyped('Float16Array'),
  isBigInt64Array: isTyped('BigInt64Array'),
  isBigUint64Array: isTyped('BigUint64Array'),
  isKeyObject,
  isCryptoKey,
};

type Callback = (error: unknown, ...values: unknown[]) => void;

export function promisify(fn: (...a: unknown[]) => unknown): (...a: unknown[]) => Promise<unknown> {
  if (typeof fn !== 'function') {
    throw Object.assign(new TypeError(`The "original" argument must be of type function. Received ${fn === null ? 'null' : typeof fn}`), { code: 'ERR_INVALID_ARG_TYPE' });
  }
  const custom = (fn as unknown as Record<symbol, unknown>)[promisifyCustom];
  if (typeof custom === 'function') return custom as (...a: unknown[]) => Promise<unknown>;
  const promisified = function (this: unknown, ...args: unknown[]): Promise<unknown> {
    return new Promise((resolve, reject) => {
      apply(fn, this, [...args, ((error: unknown, value: unknown) => (error ? reject(error) : resolve(value))) as Callback]);
    });
  };
  Object.setPrototypeOf(promisified, Object.getPrototypeOf(fn) as object);
  Object.defineProperty(promisified, promisifyCustom, { value: promisified, configurable: true });
  return Object.defineProperties(promisified, Object.getOwnPropertyDescriptors(fn)) as (...a: unknown[]) => Promise<unknown>;
}
Object.defineProperty(promisify, 'custom', { value: promisifyCustom, enumerable: false });

// As in Node: promisify(setTimeout) and promisify(setImmediate) are timers/promises'.
Object.defineProperty(timers.setTimeout, promisifyCustom, { value: timers.promises.setTimeout, configurable: true });
Object.defineProperty(timers.setImmediate, promisifyCustom, { value: timers.promises.setImmediate, configurable: true });

/** `util.debuglog(section)`: silent unless NODE_DEBUG names the section (as Node decides it, once). */
function debuglog(section: string, callback?: (fn: (...a: unknown[]) => void) => void): ((...a: unknown[]) => void) & { enabled: boolean } {
  const wanted = String((globalThis as unknown as { process?: { env?: Record<string, string | undefined> } }).process?.env?.['NODE_DEBUG'] ?? '');
  const names = wanted.split(/[\s,]+/).filter(Boolean).map((n) => new RegExp(`^${n.replace(/[|\\{}()[\]^$+?.]/g, '\\$&').replace(/\*/g, '.*')}$`, 'i'));
  const enabled = names.some((re) => re.test(section));
  const log = Object.assign(
    (...args: unknown[]): void => {
      if (!enabled) return;
      const ins = inspectModule();
      (globalThis as unknown as { console: { error(m: string): void } }).console.error(`${section.toUpperCase()} 8: ${ins.format(...args)}`);
    },
    { enabled },
  );
  callback?.(log);
  return log;
}

const ANSI = /[\u001B\u009B][[\]()#;?]*(?:(?:(?:(?:;[-a-zA-Z\d/#&.:=?%@~_]+)*|[a-zA-Z\d]+(?:;[-a-zA-Z\d/#&.:=?%@~_]*)*)?\u0007)|(?:(?:\d{1,4}(?:;\d{0,4})*)?[\dA-PR-TZcf-ntqry=><~]))/g;

export function util(): Record<string, unknown> {
  const ins = inspectModule();
  const is = (t: string) => (v: unknown): boolean => typeof v === t;
  return {
    format: ins.format,
    formatWithOptions: ins.formatWithOptions,
    inspect: ins.inspect,
    promisify,
    callbackify:
      (fn: (...a: unknown[]) => Promise<unknown>) =>
      (...args: unknown[]): void => {
        const cb = args.pop() as (e: unknown, v?: unknown) => void;
        fn(...args).then(
          (v) => cb(null, v),
          (e: unknown) => cb(e ?? Object.assign(new Error('Promise was rejected with a falsy value'), { code: 'ERR_FALSY_VALUE_REJECTION', reason: e })),
        );
      },
    inherits(ctor: { prototype: object; super_?: unknown }, superCtor: { prototype: object }): void {
      Object.defineProperty(ctor, 'super_', { value: superCtor, writable: true, configurable: true });
      Object.setPrototypeOf(ctor.prototype, superCtor.prototype);
    },
    deprecate: <T>(fn: T): T => fn,
    debuglog,
    debug: debuglog,
    isDeepStrictEqual: (a: unknown, b: unknown): boolean => ins.inspect(a, { depth: Infinity, sorted: true }) === ins.inspect(b, { depth: Infinity, sorted: true }),
    types,
    TextEncoder,
    TextDecoder,
    isArray: Array.isArray,
    isBoolean: is('boolean'),
    isBuffer: (v: unknown): boolean => (v as { constructor?: { isBuffer?: (x: unknown) => boolean } } | null)?.constructor?.isBuffer?.(v) === true,
    isNull: (v: unknown): boolean => v === null,
    isNullOrUndefined: (v: unknown): boolean => v === null || v === undefined,
    isNumber: is('number'),
    isString: is('string'),
    isSymbol: is('symbol'),
    isUndefined: (v: unknown): boolean => v === undefined,
    isRegExp: types['isRegExp'],
    isObject: (v: unknown): boolean => v !== null && typeof v === 'object',
    isDate: types['isDate'],
    isError: (v: unknown): boolean => types['isNativeError']!(v) || v instanceof Error,
    isFunction: is('function'),
    isPrimitive: (v: unknown): boolean => v === null || (typeof v !== 'object' && typeof v !== 'function'),
    _extend: (target: Record<string, unknown>, source: Record<string, unknown> | null): Record<string, unknown> => {
      if (source === null || typeof source !== 'object') return target;
      for (const k of Object.keys(source)) target[k] = source[k];
      return target;
    },
    log: (...args: unknown[]): void => {
      const d = new Date();
      const p = (n: number): string => String(n).padStart(2, '0');
      const stamp = `${d.getDate()} ${['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'][d.getMonth()]} ${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}`;
      (globalThis as unknown as { console: { log(m: string): void } }).console.log(`${stamp} - ${ins.format(...args)}`);
    },
    stripVTControlCharacters: (s: string): string => String(s).replace(ANSI, ''),
    toUSVString: (s: string): string => String(s).replace(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g, '\uFFFD'),
    aborted: (signal: { aborted: boolean; addEventListener(t: string, f: () => void, o: object): void }, _resource: unknown): Promise<void> =>
      new Promise((resolve) => (signal.aborted ? resolve() : signal.addEventListener('abort', () => resolve(), { once: true }))),
    transferableAbortSignal: <T>(signal: T): T => signal,
    transferableAbortController: (): unknown => new (globalThis as unknown as { AbortController: new () => unknown }).AbortController(),
    parseEnv: (content: string): Record<string, string> => {
      const out: Record<string, string> = {};
      for (const line of String(content).split(/\r?\n/)) {
        const m = /^\s*(?:export\s+)?([\w.-]+)\s*=\s*(.*)?\s*$/.exec(line);
        if (m === null) continue;
        let v = (m[2] ?? '').trim();
        const q = /^(['"`])([\s\S]*)\1$/.exec(v);
        if (q !== null) v = q[1] === '"' ? q[2]!.replace(/\\n/g, '\n') : q[2]!;
        else v = v.replace(/\s+#.*$/, '');
        out[m[1]!] = v;
      }
      return out;
    },
  };
}
