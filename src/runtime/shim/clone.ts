/** `structuredClone` for the value types handlers use (the HTML structured clone algorithm's core). */

function dataCloneError(value: unknown): Error {
  const e = new Error(`${typeof value === 'function' ? String(value).slice(0, 60) : Object.prototype.toString.call(value)} could not be cloned.`);
  e.name = 'DataCloneError';
  return e;
}

export function structuredClone<T>(value: T, _options?: unknown): T {
  const seen = new Map<object, unknown>();
  const walk = (v: unknown): unknown => {
    if (typeof v === 'function' || typeof v === 'symbol') throw dataCloneError(v);
    if (v === null || typeof v !== 'object') return v;
    const hit = seen.get(v);
    if (hit !== undefined) return hit;
    if (v instanceof Date) return remember(v, new Date(v.getTime()));
    if (v instanceof RegExp) return remember(v, new RegExp(v.source, v.flags));
    if (v instanceof ArrayBuffer) return remember(v, v.slice(0));
    if (ArrayBuffer.isView(v)) {
      const C = (v as unknown as { constructor: new (b: ArrayBuffer, o: number, l: number) => unknown }).constructor;
      const buffer = walk(v.buffer) as ArrayBuffer;
      const length = v instanceof DataView ? v.byteLength : (v as unknown as { length: number }).length;
      return remember(v, new C(buffer, v.byteOffset, length));
    }
    if (v instanceof Map) {
      const m = new Map();
      remember(v, m);
      for (const [k, x] of v) m.set(walk(k), walk(x));
      return m;
    }
    if (v instanceof Set) {
      const s = new Set();
      remember(v, s);
      for (const x of v) s.add(walk(x));
      return s;
    }
    if (v instanceof Error) {
      const Ctor = (globalThis as unknown as Record<string, ErrorConstructor>)[v.name] ?? Error;
      const e = remember(v, new Ctor(v.message)) as Error;
      if (v.stack !== undefined) e.stack = v.stack;
      if ('cause' in v) (e as Error & { cause: unknown }).cause = walk(v.cause);
      return e;
    }
    if (v instanceof Boolean || v instanceof Number || v instanceof String) return remember(v, Object(v.valueOf()));
    const proto = Object.getPrototypeOf(v) as unknown;
    if (proto !== Object.prototype && proto !== Array.prototype && proto !== null) {
      // Class instances clone as plain objects (their own enumerable data), like the HTML algorithm.
      if (typeof (v as { then?: unknown }).then === 'function' || v instanceof WeakMap || v instanceof WeakSet) throw dataCloneError(v);
    }
    const out: Record<string, unknown> | unknown[] = Array.isArray(v) ? new Array(v.length) : {};
    remember(v, out);
    for (const k of Object.keys(v)) (out as Record<string, unknown>)[k] = walk((v as Record<string, unknown>)[k]);
    return out;
  };
  const remember = (from: object, to: unknown): unknown => {
    seen.set(from, to);
    return to;
  };
  return walk(value) as T;
}
