/**
 * Node built-ins libraries import at load time and use lightly, written for the sandbox: `tty`,
 * `worker_threads`, `module`, `diagnostics_channel`, `perf_hooks`, `domain`, `readline`,
 * `stream/consumers`. Each answers as it would in Lambda's single-threaded runtime with no
 * terminal; whatever the host's module has and these lack is added as a throwing stub (see
 * unsupported.ts).
 */
import { callHost } from './hostcall.js';
import { lazy } from './lazy.js';
import { unsupported } from './unsupported.js';

type Emitter = { on(e: string, f: (...a: unknown[]) => void): unknown; emit(e: string, ...a: unknown[]): boolean; removeListener(e: string, f: (...a: unknown[]) => void): unknown };
const EventEmitter = (): new () => Emitter => (lazy<{ EventEmitter: new () => Emitter }>('events')).EventEmitter;

/** Lambda's stdout and stderr are pipes, not terminals. */
export const tty = {
  isatty: (_fd: unknown): boolean => false,
};

/** The runtime is the main (and only) thread. */
export const workerThreads = {
  isMainThread: true,
  parentPort: null,
  threadId: 0,
  workerData: null,
  resourceLimits: {},
  markAsUntransferable: (): void => {},
  getEnvironmentData: (): undefined => undefined,
  setEnvironmentData: (): void => {},
};

/** `module`: `createRequire` gives the built-ins (the bundle holds everything else, resolved at create time). */
export function moduleModule(require: (id: string) => unknown): Record<string, unknown> {
  const self: Record<string, unknown> = {
    createRequire: (_from: unknown) => {
      const r = (id: string): unknown => {
        try {
          return require(String(id));
        } catch {
          const e = new Error(`Cannot find module '${String(id)}': in lambda-sim's sandbox a require made by createRequire() loads Node built-ins only; import the package instead (the bundler then includes it)`) as Error & { code: string };
          e.code = 'MODULE_NOT_FOUND';
          throw e;
        }
      };
      return Object.assign(r, { resolve: (id: string) => String(id), cache: {} });
    },
    isBuiltin: (id: unknown): boolean => {
      const bare = String(id).replace(/^node:/, '');
      const list = self['builtinModules'];
      return Array.isArray(list) && list.includes(bare);
    },
  };
  return self;
}

interface Subscriber {
  (message: unknown, name: string): void;
}

/** `diagnostics_channel`, in the sandbox (undici and Powertools publish to it). */
export function diagnosticsChannel(): Record<string, unknown> {
  class Channel {
    readonly #subscribers: Subscriber[] = [];
    readonly #stores = new Map<{ run(store: unknown, fn: () => unknown): unknown }, ((m: unknown) => unknown) | undefined>();
    constructor(readonly name: string) {}
    get hasSubscribers(): boolean {
      return this.#subscribers.length > 0 || this.#stores.size > 0;
    }
    subscribe(fn: Subscriber): void {
      if (typeof fn !== 'function') throw new TypeError('The "subscription" argument must be of type function.');
      this.#subscribers.push(fn);
    }
    unsubscribe(fn: Subscriber): boolean {
      const i = this.#subscribers.indexOf(fn);
      if (i < 0) return false;
      this.#subscribers.splice(i, 1);
      return true;
    }
    publish(message: unknown): void {
      for (const fn of [...this.#subscribers]) {
        try {
          fn(message, this.name);
        } catch (error) {
          // Node reports a subscriber's error as uncaught on the next tick; the publisher goes on.
          void Promise.reject(error);
        }
      }
    }
    bindStore(store: { run(store: unknown, fn: () => unknown): unknown }, transform?: (m: unknown) => unknown): void {
      this.#stores.set(store, transform);
    }
    unbindStore(store: { run(store: unknown, fn: () => unknown): unknown }): boolean {
      return this.#stores.delete(store);
    }
    runStores<T>(message: unknown, fn: (...args: unknown[]) => T, thisArg?: unknown, ...args: unknown[]): T {
      let run = (): T => {
        this.publish(message);
        return Reflect.apply(fn, thisArg, args);
      };
      for (const [store, transform] of this.#stores) {
        const inner = run;
        run = () => store.run(transform === undefined ? message : transform(message), inner) as T;
      }
      return run();
    }
  }
  const channels = new Map<string | symbol, Channel>();
  const channel = (name: string | symbol): Channel => {
    let c = channels.get(name);
    if (c === undefined) channels.set(name, (c = new Channel(String(name))));
    return c;
  };
  const EVENTS = ['start', 'end', 'asyncStart', 'asyncEnd', 'error'] as const;
  class TracingChannel {
    readonly start: Channel;
    readonly end: Channel;
    readonly asyncStart: Channel;
    readonly asyncEnd: Channel;
    readonly error: Channel;
    constructor(nameOrChannels: string | Record<string, Channel>) {
      const pick = (e: (typeof EVENTS)[number]): Channel => (typeof nameOrChannels === 'string' ? channel(`tracing:${nameOrChannels}:${e}`) : nameOrChannels[e]!);
      this.start = pick('start');
      this.end = pick('end');
      this.asyncStart = pick('asyncStart');
      this.asyncEnd = pick('asyncEnd');
      this.error = pick('error');
    }
    get hasSubscribers(): boolean {
      return EVENTS.some((e) => this[e].hasSubscribers);
    }
    subscribe(handlers: Partial<Record<(typeof EVENTS)[number], Subscriber>>): void {
      for (const e of EVENTS) if (handlers[e] !== undefined) this[e].subscribe(handlers[e]);
    }
    unsubscribe(handlers: Partial<Record<(typeof EVENTS)[number], Subscriber>>): boolean {
      let all = true;
      for (const e of EVENTS) if (handlers[e] !== undefined && !this[e].unsubscribe(handlers[e])) all = false;
      return all;
    }
    /** start, the call, then end; error in between if it throws. `settle` says what a result is. */
    #trace<T>(fn: (...a: unknown[]) => T, context: Record<string, unknown>, thisArg: unknown, args: unknown[], settle: (result: T) => T): T {
      this.start.publish(context);
      try {
        return settle(Reflect.apply(fn, thisArg, args));
      } catch (error) {
        context['error'] = error;
        this.error.publish(context);
        throw error;
      } finally {
        this.end.publish(context);
      }
    }
    traceSync<T>(fn: (...a: unknown[]) => T, context: Record<string, unknown> = {}, thisArg?: unknown, ...args: unknown[]): T {
      return this.#trace(fn, context, thisArg, args, (result) => ((context['result'] = result), result));
    }
    tracePromise<T>(fn: (...a: unknown[]) => Promise<T>, context: Record<string, unknown> = {}, thisArg?: unknown, ...args: unknown[]): Promise<T> {
      const asyncEnd = (): void => {
        this.asyncStart.publish(context);
        this.asyncEnd.publish(context);
      };
      return this.#trace(fn, context, thisArg, args, (promise) =>
        Promise.resolve(promise).then(
          (result) => ((context['result'] = result), asyncEnd(), result),
          (error: unknown) => {
            context['error'] = error;
            this.error.publish(context);
            asyncEnd();
            throw error;
          },
        ),
      );
    }
    traceCallback(fn: (...a: unknown[]) => unknown, position = -1, context: Record<string, unknown> = {}, thisArg?: unknown, ...args: unknown[]): unknown {
      const at = position < 0 ? args.length + position : position;
      const callback = args[at] as (error: unknown, result?: unknown) => unknown;
      if (typeof callback !== 'function') throw new TypeError('The "callback" argument must be of type function.');
      args[at] = (error: unknown, result: unknown) => {
        if (error !== null && error !== undefined) {
          context['error'] = error;
          this.error.publish(context);
        } else context['result'] = result;
        this.asyncStart.publish(context);
        try {
          return callback(error, result);
        } finally {
          this.asyncEnd.publish(context);
        }
      };
      return this.traceSync(fn, context, thisArg, ...args);
    }
  }
  return {
    channel,
    hasSubscribers: (name: string | symbol): boolean => channels.get(name)?.hasSubscribers ?? false,
    subscribe: (name: string | symbol, fn: Subscriber): void => channel(name).subscribe(fn),
    unsubscribe: (name: string | symbol, fn: Subscriber): boolean => channels.get(name)?.unsubscribe(fn) ?? false,
    tracingChannel: (nameOrChannels: string | Record<string, Channel>): TracingChannel => new TracingChannel(nameOrChannels),
    Channel,
  };
}

/** `perf_hooks`: the sandbox's `performance` (simulated time). */
export function perfHooks(): Record<string, unknown> {
  return { performance: (globalThis as unknown as { performance: unknown }).performance };
}

/**
 * `v8`: `getHeapStatistics()` of this sandbox's isolate (its heap limit is the function's memory, as
 * Lambda's Node sizes its heap by it); the rest of the module is completed as unsupported.
 */
export function v8Module(): Record<string, unknown> {
  return {
    getHeapStatistics(): Record<string, number> {
      const s = callHost('v8', 'heap', []) as Record<string, number> | null;
      if (s === null) throw new Error('lambda-sim: the isolate is gone');
      return {
        total_heap_size: s['total']!,
        total_heap_size_executable: s['totalExecutable']!,
        total_physical_size: s['physical']!,
        total_available_size: s['available']!,
        used_heap_size: s['used']!,
        heap_size_limit: s['limit']!,
        malloced_memory: s['malloced']!,
        peak_malloced_memory: s['peakMalloced']!,
        does_zap_garbage: 0,
        number_of_native_contexts: 1,
        number_of_detached_contexts: 0,
        total_global_handles_size: 0,
        used_global_handles_size: 0,
        external_memory: s['external']!,
      };
    },
  };
}

/** `domain` (deprecated in Node): a domain runs its functions and forwards their errors to 'error'. */
export function domainModule(): Record<string, unknown> {
  const Base = EventEmitter();
  class Domain extends Base {
    members: unknown[] = [];
    add(x: unknown): void {
      this.members.push(x);
    }
    remove(x: unknown): void {
      this.members = this.members.filter((m) => m !== x);
    }
    run<T>(fn: (...a: unknown[]) => T, ...args: unknown[]): T {
      return fn(...args);
    }
    bind<F extends (...a: unknown[]) => unknown>(fn: F): F {
      return fn;
    }
    intercept(fn: (...a: unknown[]) => unknown): (...a: unknown[]) => unknown {
      return (error: unknown, ...rest: unknown[]) => {
        if (error !== null && error !== undefined) {
          this.emit('error', error);
          return undefined;
        }
        return fn(...rest);
      };
    }
    enter(): void {}
    exit(): void {}
    dispose(): void {}
  }
  return { Domain, create: (): Domain => new Domain(), createDomain: (): Domain => new Domain(), active: null };
}

interface ReadableLike {
  on(event: string, fn: (...a: unknown[]) => void): unknown;
  [Symbol.asyncIterator]?(): AsyncIterator<unknown>;
}

/** `readline`: `createInterface` over a readable stream ('line' events, async iteration); the terminal helpers write nothing. */
export function readlineModule(): Record<string, unknown> {
  const Base = EventEmitter();
  class Interface extends Base {
    #closed = false;
    #buffered = '';
    readonly terminal = false;
    line = '';
    constructor(options: { input?: ReadableLike } | ReadableLike) {
      super();
      const input = (options as { input?: ReadableLike }).input ?? (options as ReadableLike);
      if (input === undefined || input === null || typeof input.on !== 'function') return;
      input.on('data', (chunk: unknown) => {
        this.#buffered += typeof chunk === 'string' ? chunk : String(chunk);
        const lines = this.#buffered.split(/\r?\n/);
        this.#buffered = lines.pop() ?? '';
        for (const l of lines) this.emit('line', l);
      });
      input.on('end', () => {
        if (this.#buffered !== '') this.emit('line', this.#buffered);
        this.#buffered = '';
        this.close();
      });
    }
    close(): void {
      if (this.#closed) return;
      this.#closed = true;
      this.emit('close');
    }
    question(): never {
      throw unsupported('readline', 'Interface.prototype.question');
    }
    setPrompt(p: string): void {
      void p;
    }
    prompt(): void {}
    pause(): this {
      return this;
    }
    resume(): this {
      return this;
    }
    write(): void {}
    async *[Symbol.asyncIterator](): AsyncGenerator<string> {
      const queue: string[] = [];
      let wake: (() => void) | undefined;
      let done = this.#closed;
      this.on('line', (l: unknown) => {
        queue.push(String(l));
        wake?.();
      });
      this.on('close', () => {
        done = true;
        wake?.();
      });
      for (;;) {
        if (queue.length > 0) yield queue.shift()!;
        else if (done) return;
        else await new Promise<void>((r) => (wake = r));
      }
    }
  }
  const noop = (_stream: unknown, ..._rest: unknown[]): boolean => {
    const cb = _rest[_rest.length - 1];
    if (typeof cb === 'function') void Promise.resolve().then(() => (cb as () => void)());
    return true;
  };
  return {
    Interface,
    createInterface: (options: { input?: ReadableLike }) => new Interface(options),
    clearLine: noop,
    clearScreenDown: noop,
    cursorTo: noop,
    moveCursor: noop,
    emitKeypressEvents: (): void => {},
  };
}

/** `stream/consumers`: a readable (Node or web) read to the end. */
export function streamConsumers(): Record<string, unknown> {
  const Buffer = (): { concat(list: Uint8Array[]): Uint8Array & { toString(enc?: string): string }; from(x: unknown): Uint8Array } =>
    (lazy<{ Buffer: { concat(list: Uint8Array[]): Uint8Array & { toString(enc?: string): string }; from(x: unknown): Uint8Array } }>('buffer')).Buffer;
  const chunks = async (stream: AsyncIterable<unknown>): Promise<Uint8Array[]> => {
    const out: Uint8Array[] = [];
    for await (const c of stream) out.push(typeof c === 'string' ? Buffer().from(c) : (c as Uint8Array));
    return out;
  };
  const buffer = async (stream: AsyncIterable<unknown>) => Buffer().concat(await chunks(stream));
  return {
    buffer,
    arrayBuffer: async (stream: AsyncIterable<unknown>) => {
      const b = await buffer(stream);
      return b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength);
    },
    text: async (stream: AsyncIterable<unknown>) => (await buffer(stream)).toString('utf8'),
    json: async (stream: AsyncIterable<unknown>) => JSON.parse((await buffer(stream)).toString('utf8')) as unknown,
  };
}
