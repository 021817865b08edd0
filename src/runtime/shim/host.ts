/**
 * The host side of the sandbox protocol, as the shim sees it. Every member is an isolated-vm
 * `Callback` installed as a global `__lh_<name>` by the host before the shim runs; the shim takes
 * them into this module and deletes the globals, so handler code cannot reach them by name.
 */
export interface Host {
  /** A formatted console record: level, message text. */
  log(level: string, message: string): void;
  /** Arms (or re-arms) timer `id` to fire after `delay` ms of simulated time. */
  timer(id: number, delay: number, ref: boolean): void;
  clearTimer(id: number): void;
  /** Simulated epoch milliseconds. */
  now(): number;
  /** The phase (init or invoke) finished: kind and a JSON body. */
  done(kind: 'ok' | 'error' | 'fatal' | 'exit' | 'registered', body: string): void;
  /** `/tmp` file system operation, executed on the host's per-environment store. */
  fs(op: string, path: string, a?: unknown, b?: unknown): unknown;
  /** Maps generated positions to original ones: JSON `[[file,line,col],…]` → JSON `[[file,line,col,name]|null,…]`. */
  map(frames: string): string;
  /** Evaluates a lazily loaded chunk (Node's util.inspect, Buffer, events, path) in this context. */
  lazy(name: string): void;
  /** WHATWG URL parsing by the host's own URL implementation: JSON of the parts, or throws. */
  url(input: string, base: string | undefined, setProp?: string, setValue?: string): string;
  /** Hash/HMAC digest of bytes on the host (node:crypto). */
  hash(algorithm: string, key: Uint8Array | null, data: Uint8Array): Uint8Array;
  /**
   * A host call (host module function, AWS SDK command): `'v' + value`, `'e' + error`, or `'p'`
   * when the answer comes later through `__lambda_settle(id, ok, json)`.
   */
  call(target: string, path: string, argsJson: string, id: number): string;
}

declare const globalThis: Record<string, unknown>;

const NAMES = ['log', 'timer', 'clearTimer', 'now', 'done', 'fs', 'map', 'lazy', 'url', 'hash', 'call'] as const;

/**
 * Filled by {@link bindHost} when the environment is set up, so the shim's own evaluation does not
 * depend on the callbacks (it could then move into a startup snapshot once those work; see
 * test/runtime/snapshot-regression.test.ts).
 */
export const host = {} as Host;

export function bindHost(): void {
  for (const name of NAMES) {
    const key = `__lh_${name}`;
    (host as unknown as Record<string, unknown>)[name] = globalThis[key];
    delete globalThis[key];
  }
}
