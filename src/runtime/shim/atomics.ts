/**
 * `Atomics.wait`, `Atomics.waitAsync` and `Atomics.notify` for the one agent a sandbox is.
 *
 * V8 times `waitAsync` out and delivers `notify` to it through tasks it posts to the embedder's
 * platform; isolated-vm cannot run them for an isolate: `Atomics.waitAsync(i32, 0, 0, 5)` aborted
 * the whole host (SIGABRT), and a notified waiter never woke. A sandbox has no other thread that
 * could share its memory (SharedArrayBuffers are copied, not shared, when they cross to the host),
 * so waiting here is decided within the agent:
 *
 * - `waitAsync` keeps its waiters in the shim: `notify` wakes them ('ok', oldest first), a finite
 *   timeout is a timer on simulated time ('timed-out'), as `setTimeout` is;
 * - `wait` on a value that matches blocks a thread nobody can wake: with a finite timeout it
 *   answers 'timed-out' at once (simulated time, like CPU work, does not move meanwhile); with no
 *   timeout it blocks as V8 does, until the CPU budget stops the invocation as a timeout.
 *
 * Argument checks, 'not-equal' and zero timeouts are left to V8's own functions called with a
 * timeout of 0, which answer synchronously and post nothing.
 */
import * as timers from './timers.js';

type Typed = Int32Array | BigInt64Array;

interface Waiter {
  buffer: ArrayBufferLike;
  /** Byte offset of the element waited on. */
  at: number;
  resolve(value: 'ok' | 'timed-out'): void;
  timer: unknown;
}

export function installAtomics(g: Record<string, unknown>): void {
  const atomics = g['Atomics'] as Record<string, unknown> | undefined;
  if (atomics === undefined || atomics === null) return;
  const realWait = atomics['wait'] as (ta: Typed, i: number, v: unknown, t?: number) => string;
  const realWaitAsync = atomics['waitAsync'] as ((ta: Typed, i: number, v: unknown, t?: number) => { async: boolean; value: unknown }) | undefined;
  const realNotify = atomics['notify'] as (ta: Typed, i: number, count?: number) => number;
  const apply = Reflect.apply;
  const PromiseCtor = Promise;
  const toNumber = Number;
  const isNaN = Number.isNaN;
  const trunc = Math.trunc;
  const byteOffsetOf = Object.getOwnPropertyDescriptor(Object.getPrototypeOf(Int32Array.prototype) as object, 'byteOffset')!.get!;
  const bufferOf = Object.getOwnPropertyDescriptor(Object.getPrototypeOf(Int32Array.prototype) as object, 'buffer')!.get!;
  const bytesPer = (ta: Typed): number => (ta instanceof Int32Array ? 4 : 8);
  const waiters: Waiter[] = [];
  const splice = Array.prototype.splice;
  const push = Array.prototype.push;

  /** Milliseconds as the spec reads a timeout: NaN and undefined wait forever, negatives are 0. */
  const timeoutOf = (t: unknown): number => {
    const n = t === undefined ? Infinity : toNumber(t);
    return isNaN(n) ? Infinity : n < 0 ? 0 : n;
  };
  const define = (name: string, fn: (...args: never[]) => unknown, length: number): void => {
    Object.defineProperty(fn, 'name', { value: name });
    Object.defineProperty(fn, 'length', { value: length });
    Object.defineProperty(atomics, name, { value: fn, writable: true, enumerable: false, configurable: true });
  };

  define(
    'wait',
    (ta: Typed, index: number, value: unknown, timeout?: unknown): string => {
      const now = apply(realWait, atomics, [ta, index, value, 0]) as string;
      if (now === 'not-equal') return now;
      const ms = timeoutOf(timeout);
      if (ms !== Infinity) return 'timed-out';
      return apply(realWait, atomics, [ta, index, value]) as string;
    },
    4,
  );

  if (realWaitAsync !== undefined) {
    define(
      'waitAsync',
      (ta: Typed, index: number, value: unknown, timeout?: unknown): { async: boolean; value: unknown } => {
        const now = apply(realWaitAsync, atomics, [ta, index, value, 0]) as { async: boolean; value: unknown };
        const ms = timeoutOf(timeout);
        if (now.value === 'not-equal' || ms === 0) return now;
        const at = (apply(byteOffsetOf, ta, []) as number) + trunc(toNumber(index)) * bytesPer(ta);
        const buffer = apply(bufferOf, ta, []) as ArrayBufferLike;
        const promise = new PromiseCtor<'ok' | 'timed-out'>((resolve) => {
          const waiter: Waiter = { buffer, at, resolve, timer: undefined };
          if (ms !== Infinity) {
            waiter.timer = timers.setTimeout(() => {
              const i = waiters.indexOf(waiter);
              if (i >= 0) apply(splice, waiters, [i, 1]);
              resolve('timed-out');
            }, ms);
          }
          apply(push, waiters, [waiter]);
        });
        return { async: true, value: promise };
      },
      4,
    );
  }

  define(
    'notify',
    (ta: Typed, index: number, count?: unknown): number => {
      // V8 checks the arguments (and wakes nobody: no thread of this agent can be waiting in it).
      apply(realNotify, atomics, [ta, index, 0]);
      // ToIntegerOrInfinity, at least 0: NaN wakes nobody, as in V8.
      const n = count === undefined ? Infinity : toNumber(count);
      let left = isNaN(n) || n < 0 ? 0 : n;
      if (!(ta instanceof Int32Array || ta instanceof BigInt64Array)) return 0;
      const at = (apply(byteOffsetOf, ta, []) as number) + trunc(toNumber(index)) * bytesPer(ta);
      const buffer = apply(bufferOf, ta, []) as ArrayBufferLike;
      let woken = 0;
      for (let i = 0; i < waiters.length && left >= 1; ) {
        const w = waiters[i]!;
        if (w.buffer === buffer && w.at === at) {
          apply(splice, waiters, [i, 1]);
          if (w.timer !== undefined) timers.clearTimeout(w.timer);
          w.resolve('ok');
          woken++;
          left--;
        } else i++;
      }
      return woken;
    },
    3,
  );
}
