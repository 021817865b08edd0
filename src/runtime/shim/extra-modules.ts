/** Small Node built-ins written here: `querystring` and `assert`. */
import { inspectModule } from './lazy.js';

function qsEscape(s: string): string {
  return encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

function qsUnescape(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

export const querystring = {
  escape: qsEscape,
  unescape: qsUnescape,
  stringify(obj: Record<string, unknown>, sep = '&', eq = '='): string {
    if (obj === null || typeof obj !== 'object') return '';
    const str = (v: unknown): string => (typeof v === 'string' || typeof v === 'number' || typeof v === 'bigint' || typeof v === 'boolean' ? String(v) : '');
    return Object.keys(obj)
      .flatMap((k) => {
        const v = obj[k];
        return Array.isArray(v) ? v.map((x) => `${qsEscape(k)}${eq}${qsEscape(str(x))}`) : [`${qsEscape(k)}${eq}${qsEscape(str(v))}`];
      })
      .join(sep);
  },
  parse(text: string, sep = '&', eq = '='): Record<string, string | string[]> {
    const out: Record<string, string | string[]> = Object.create(null) as Record<string, string | string[]>;
    if (typeof text !== 'string' || text === '') return out;
    for (const part of text.split(sep)) {
      if (part === '') continue;
      const i = part.indexOf(eq);
      const k = qsUnescape((i < 0 ? part : part.slice(0, i)).replace(/\+/g, ' '));
      const v = qsUnescape((i < 0 ? '' : part.slice(i + eq.length)).replace(/\+/g, ' '));
      const prev = out[k];
      out[k] = prev === undefined ? v : Array.isArray(prev) ? [...prev, v] : [prev, v];
    }
    return out;
  },
};
(querystring as Record<string, unknown>)['encode'] = querystring.stringify;
(querystring as Record<string, unknown>)['decode'] = querystring.parse;

export class AssertionError extends Error {
  actual: unknown;
  expected: unknown;
  operator: string;
  code = 'ERR_ASSERTION';
  generatedMessage: boolean;
  constructor(options: { message?: string; actual?: unknown; expected?: unknown; operator?: string }) {
    const show = (v: unknown): string => inspectModule().inspect(v);
    super(options.message ?? `Expected values to be ${options.operator ?? '=='}:\n${show(options.actual)}\n\nshould equal\n\n${show(options.expected)}`);
    this.name = 'AssertionError';
    this.actual = options.actual;
    this.expected = options.expected;
    this.operator = options.operator ?? '==';
    this.generatedMessage = options.message === undefined;
  }
}

function deepEqual(a: unknown, b: unknown, strict: boolean): boolean {
  const ins = inspectModule();
  if (strict ? Object.is(a, b) : a == b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (strict && Object.getPrototypeOf(a) !== Object.getPrototypeOf(b)) return false;
  const opts = { depth: Infinity, sorted: true, showHidden: false, breakLength: Infinity, maxArrayLength: Infinity, maxStringLength: Infinity };
  return ins.inspect(a, opts) === ins.inspect(b, opts);
}

function fail(message: string | Error | undefined, actual: unknown, expected: unknown, operator: string): never {
  if (message instanceof Error) throw message;
  throw new AssertionError({ ...(message === undefined ? {} : { message }), actual, expected, operator });
}

function ok(value: unknown, message?: string | Error): void {
  if (!value) fail(message ?? 'The expression evaluated to a falsy value', value, true, '==');
}

export const assert = Object.assign(ok, {
  ok,
  AssertionError,
  equal: (a: unknown, b: unknown, m?: string | Error): void => void (a == b || fail(m, a, b, '==')),
  notEqual: (a: unknown, b: unknown, m?: string | Error): void => void (a != b || fail(m, a, b, '!=')),
  strictEqual: (a: unknown, b: unknown, m?: string | Error): void => void (Object.is(a, b) || fail(m, a, b, 'strictEqual')),
  notStrictEqual: (a: unknown, b: unknown, m?: string | Error): void => void (!Object.is(a, b) || fail(m, a, b, 'notStrictEqual')),
  deepEqual: (a: unknown, b: unknown, m?: string | Error): void => void (deepEqual(a, b, false) || fail(m, a, b, 'deepEqual')),
  deepStrictEqual: (a: unknown, b: unknown, m?: string | Error): void => void (deepEqual(a, b, true) || fail(m, a, b, 'deepStrictEqual')),
  notDeepStrictEqual: (a: unknown, b: unknown, m?: string | Error): void => void (!deepEqual(a, b, true) || fail(m, a, b, 'notDeepStrictEqual')),
  fail: (m?: string | Error): never => fail(m ?? 'Failed', undefined, undefined, 'fail'),
  throws(fn: () => unknown, expected?: unknown, m?: string | Error): void {
    try {
      fn();
    } catch (e) {
      if (typeof expected === 'function' && expected.prototype !== undefined && !(e instanceof (expected as new () => unknown))) throw e;
      if (expected instanceof RegExp && !expected.test(String((e as Error)?.message ?? e))) fail(m, e, expected, 'throws');
      return;
    }
    fail(typeof expected === 'string' ? expected : (m ?? 'Missing expected exception.'), undefined, expected, 'throws');
  },
  async rejects(p: Promise<unknown> | (() => Promise<unknown>), expected?: unknown, m?: string | Error): Promise<void> {
    try {
      await (typeof p === 'function' ? p() : p);
    } catch (e) {
      if (expected instanceof RegExp && !expected.test(String((e as Error)?.message ?? e))) fail(m, e, expected, 'rejects');
      return;
    }
    fail(m ?? 'Missing expected rejection.', undefined, expected, 'rejects');
  },
  match: (s: string, re: RegExp, m?: string | Error): void => void (re.test(s) || fail(m, s, re, 'match')),
});
(assert as unknown as Record<string, unknown>)['strict'] = assert;

interface Writable {
  write(chunk: string): unknown;
}

/** `node:console`'s Console: formats like the global console and writes lines to the given streams. */
export class Console {
  readonly #out: Writable;
  readonly #err: Writable;
  constructor(stdoutOrOptions: Writable | { stdout: Writable; stderr?: Writable }, stderr?: Writable) {
    const options = 'stdout' in stdoutOrOptions ? stdoutOrOptions : { stdout: stdoutOrOptions, stderr };
    this.#out = options.stdout;
    this.#err = options.stderr ?? options.stdout;
    for (const k of ['log', 'info', 'debug', 'trace', 'dir'] as const) (this as unknown as Record<string, unknown>)[k] = (...a: unknown[]) => this.#write(this.#out, a);
    for (const k of ['warn', 'error'] as const) (this as unknown as Record<string, unknown>)[k] = (...a: unknown[]) => this.#write(this.#err, a);
  }
  #write(stream: Writable, args: unknown[]): void {
    stream.write(`${inspectModule().format(...args)}\n`);
  }
}

/**
 * `AsyncLocalStorage`. V8 inside an isolate has no async context tracking, so a store set by
 * `run(store, fn)` stays current until fn's returned promise settles. One environment runs one
 * invocation at a time (as on Lambda), which is what makes this enough for request-scoped stores.
 */
export class AsyncLocalStorage<T> {
  #store: T | undefined;
  #enabled = true;
  getStore(): T | undefined {
    return this.#enabled ? this.#store : undefined;
  }
  run<R>(store: T, fn: (...args: unknown[]) => R, ...args: unknown[]): R {
    const previous = this.#store;
    this.#store = store;
    let result: R;
    try {
      result = fn(...args);
    } catch (e) {
      this.#store = previous;
      throw e;
    }
    if (result !== null && typeof result === 'object' && typeof (result as { finally?: unknown }).finally === 'function') {
      return (result as unknown as Promise<unknown>).finally(() => {
        this.#store = previous;
      }) as R;
    }
    this.#store = previous;
    return result;
  }
  enterWith(store: T): void {
    this.#store = store;
  }
  exit<R>(fn: (...args: unknown[]) => R, ...args: unknown[]): R {
    const previous = this.#store;
    this.#store = undefined;
    try {
      return fn(...args);
    } finally {
      this.#store = previous;
    }
  }
  disable(): void {
    this.#enabled = false;
  }
}

export const asyncHooks = {
  AsyncLocalStorage,
  AsyncResource: class AsyncResource {
    constructor(readonly type: string) {}
    runInAsyncScope<R>(fn: (...a: unknown[]) => R, thisArg?: unknown, ...args: unknown[]): R {
      return fn.apply(thisArg, args);
    }
    static bind<F>(fn: F): F {
      return fn;
    }
    bind<F>(fn: F): F {
      return fn;
    }
    emitDestroy(): this {
      return this;
    }
  },
  executionAsyncId: (): number => 1,
  triggerAsyncId: (): number => 0,
  createHook: () => ({ enable: (): unknown => undefined, disable: (): unknown => undefined }),
};
