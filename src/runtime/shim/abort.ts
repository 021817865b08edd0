/** `Event`, `EventTarget`, `AbortController` and `AbortSignal` (the parts handlers and libraries use). */
import { lazy } from './lazy.js';
import { setTimeout as simTimeout } from './timers.js';

type Listener = ((event: Event) => void) | { handleEvent(event: Event): void };

export class Event {
  readonly type: string;
  readonly timeStamp: number;
  defaultPrevented = false;
  target: EventTarget | null = null;
  currentTarget: EventTarget | null = null;
  readonly #cancelable: boolean;
  constructor(type: string, init: { cancelable?: boolean } = {}) {
    this.type = String(type);
    this.#cancelable = init.cancelable === true;
    this.timeStamp = Date.now();
  }
  get cancelable(): boolean {
    return this.#cancelable;
  }
  preventDefault(): void {
    if (this.#cancelable) this.defaultPrevented = true;
  }
  stopPropagation(): void {}
  stopImmediatePropagation(): void {}
}

export class EventTarget {
  readonly #listeners = new Map<string, Array<{ fn: Listener; once: boolean }>>();
  addEventListener(type: string, fn: Listener | null, options?: boolean | { once?: boolean; signal?: AbortSignal }): void {
    if (fn === null || fn === undefined) return;
    const list = this.#listeners.get(type) ?? [];
    if (list.some((l) => l.fn === fn)) return;
    const once = typeof options === 'object' && options?.once === true;
    list.push({ fn, once });
    this.#listeners.set(type, list);
    if (typeof options === 'object' && options?.signal !== undefined) options.signal.addEventListener('abort', () => this.removeEventListener(type, fn));
  }
  removeEventListener(type: string, fn: Listener | null): void {
    const list = this.#listeners.get(type);
    if (list !== undefined) this.#listeners.set(type, list.filter((l) => l.fn !== fn));
  }
  dispatchEvent(event: Event): boolean {
    event.target = this;
    event.currentTarget = this;
    for (const l of [...(this.#listeners.get(event.type) ?? [])]) {
      if (l.once) this.removeEventListener(event.type, l.fn);
      if (typeof l.fn === 'function') l.fn.call(this, event);
      else l.fn.handleEvent(event);
    }
    const handler = (this as unknown as Record<string, unknown>)[`on${event.type}`];
    if (typeof handler === 'function') handler.call(this, event);
    return !event.defaultPrevented;
  }
}

/** A DOMException, as Node's signals carry (the class is a chunk: loaded when a signal first aborts). */
const domException = (message: string, name: string): Error =>
  new (lazy<{ DOMException: new (message: string, name: string) => Error }>('dom-exception').DOMException)(message, name);

function abortError(reason?: unknown): unknown {
  return reason !== undefined ? reason : domException('This operation was aborted', 'AbortError');
}

export class AbortSignal extends EventTarget {
  aborted = false;
  reason: unknown = undefined;
  onabort: ((event: Event) => void) | null = null;
  throwIfAborted(): void {
    if (this.aborted) throw this.reason;
  }
  static abort(reason?: unknown): AbortSignal {
    const c = new AbortController();
    c.abort(reason);
    return c.signal;
  }
  static timeout(ms: number): AbortSignal {
    const c = new AbortController();
    simTimeout(() => {
      c.abort(domException('The operation was aborted due to timeout', 'TimeoutError'));
    }, ms).unref();
    return c.signal;
  }
  static any(signals: AbortSignal[]): AbortSignal {
    const c = new AbortController();
    for (const s of signals) {
      if (s.aborted) {
        c.abort(s.reason);
        break;
      }
      s.addEventListener('abort', () => c.abort(s.reason), { once: true });
    }
    return c.signal;
  }
}

export class AbortController {
  readonly signal = new AbortSignal();
  abort(reason?: unknown): void {
    if (this.signal.aborted) return;
    this.signal.aborted = true;
    this.signal.reason = abortError(reason);
    this.signal.dispatchEvent(new Event('abort'));
  }
}
