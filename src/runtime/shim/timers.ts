/**
 * Timers on the simulation clock. The sandbox keeps the callbacks; the host keeps the schedule (one
 * kernel event per armed timer) and calls `fire(id)` when simulated time reaches it. An environment
 * that is frozen between invocations does not fire: the host holds due timers until the next thaw.
 */
import { host } from './host.js';

interface Entry {
  fn: (...args: unknown[]) => void;
  args: unknown[];
  delay: number;
  repeat: boolean;
  ref: boolean;
  handle: Timeout | Immediate;
}

const entries = new Map<number, Entry>();
let nextId = 1;

/** Thrown errors of timer callbacks go here (the runtime treats them as uncaught exceptions). */
let onUncaught: (error: unknown) => void = () => {};
export function setUncaughtHandler(fn: (error: unknown) => void): void {
  onUncaught = fn;
}

class Timeout {
  readonly #id: number;
  constructor(id: number) {
    this.#id = id;
  }
  ref(): this {
    const e = entries.get(this.#id);
    if (e !== undefined && !e.ref) {
      e.ref = true;
      host.timer(this.#id, -1, true);
    }
    return this;
  }
  unref(): this {
    const e = entries.get(this.#id);
    if (e !== undefined && e.ref) {
      e.ref = false;
      host.timer(this.#id, -1, false);
    }
    return this;
  }
  hasRef(): boolean {
    return entries.get(this.#id)?.ref ?? false;
  }
  refresh(): this {
    const e = entries.get(this.#id);
    if (e !== undefined) host.timer(this.#id, e.delay, e.ref);
    return this;
  }
  close(): this {
    clear(this.#id);
    return this;
  }
  [Symbol.toPrimitive](): number {
    return this.#id;
  }
}

class Immediate {
  readonly #id: number;
  constructor(id: number) {
    this.#id = id;
  }
  ref(): this {
    return this;
  }
  unref(): this {
    return this;
  }
  hasRef(): boolean {
    return entries.has(this.#id);
  }
  /** @internal */
  get _id(): number {
    return this.#id;
  }
}

function normaliseDelay(ms: unknown): number {
  const n = Number(ms);
  // Node: a delay that is not a number in [1, 2^31-1] becomes 1.
  return n >= 1 && n <= 2147483647 ? Math.trunc(n) : 1;
}

function arm(fn: unknown, delay: number, repeat: boolean, args: unknown[], immediate: boolean): Timeout | Immediate {
  if (typeof fn !== 'function') {
    const e = new TypeError(`The "callback" argument must be of type function. Received ${fn === null ? 'null' : typeof fn}`) as TypeError & { code: string };
    e.code = 'ERR_INVALID_ARG_TYPE';
    throw e;
  }
  const id = nextId++;
  const handle = immediate ? new Immediate(id) : new Timeout(id);
  entries.set(id, { fn: fn as Entry['fn'], args, delay, repeat, ref: true, handle });
  host.timer(id, delay, true);
  return handle;
}

function idOf(handle: unknown): number | undefined {
  if (handle instanceof Immediate) return handle._id;
  if (handle instanceof Timeout) return +handle;
  if (typeof handle === 'number') return handle;
  if (typeof handle === 'string' && /^\d+$/.test(handle)) return Number(handle);
  return undefined;
}

function clear(id: number | undefined): void {
  if (id === undefined || !entries.delete(id)) return;
  host.clearTimer(id);
}

export function setTimeout(fn: unknown, ms?: unknown, ...args: unknown[]): Timeout {
  return arm(fn, normaliseDelay(ms), false, args, false) as Timeout;
}
export function setInterval(fn: unknown, ms?: unknown, ...args: unknown[]): Timeout {
  return arm(fn, normaliseDelay(ms), true, args, false) as Timeout;
}
export function setImmediate(fn: unknown, ...args: unknown[]): Immediate {
  return arm(fn, 0, false, args, true) as Immediate;
}
export function clearTimeout(handle: unknown): void {
  clear(idOf(handle));
}
export const clearInterval = clearTimeout;
export const clearImmediate = clearTimeout;

/** Called by the host when timer `id` is due and the environment is running. */
export function fire(id: number): void {
  const e = entries.get(id);
  if (e === undefined) return;
  if (e.repeat) host.timer(id, e.delay, e.ref);
  else entries.delete(id);
  try {
    e.fn(...e.args);
  } catch (error) {
    onUncaught(error);
  }
}

/** The public functions of `timers` (the module and the globals). */
export const publicTimers = { setTimeout, setInterval, setImmediate, clearTimeout, clearInterval, clearImmediate };

/** `timers/promises` */
export const promises = {
  setTimeout<T>(ms?: number, value?: T): Promise<T | undefined> {
    return new Promise((resolve) => setTimeout(resolve, ms, value));
  },
  setImmediate<T>(value?: T): Promise<T | undefined> {
    return new Promise((resolve) => setImmediate(resolve, value));
  },
  async *setInterval<T>(ms?: number, value?: T): AsyncGenerator<T | undefined> {
    for (;;) yield await new Promise<T | undefined>((resolve) => setTimeout(resolve, ms, value));
  },
  scheduler: {
    wait: (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms)),
    yield: (): Promise<void> => new Promise((resolve) => setImmediate(resolve)),
  },
};
