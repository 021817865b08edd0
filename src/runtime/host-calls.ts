/**
 * The host side of calls from the sandbox: who answers a call (the simulator decides: host
 * modules, AWS SDK routes) and how. Host work that returns a promise is real work: the kernel
 * waits for it (virtual time does not move meanwhile), and the answer reaches the sandbox as a
 * simulated event `latencyMs` later.
 */
import type { HostScope } from './host-scope.js';
import { OBJECTS_TARGET } from './shim/object-wire.js';

/**
 * Characters of encoded arguments one host call may carry (64 MiB: a 48 MB S3 body as base64):
 * the host parses them before any budget check can stop it.
 */
export const MAX_HOST_CALL_CHARS = 64 * 1048576;

/** What a host call over {@link MAX_HOST_CALL_CHARS} fails with (in the host, or before it crosses to it). */
export function hostCallTooLarge(target: string, path: string, chars: number): RangeError {
  const what = target === OBJECTS_TARGET ? `a host module's ${path}` : `${target} ${path}`;
  return new RangeError(`lambda-sim: the arguments of a host call (${what}) are ${chars} characters encoded, over the host's bound of ${MAX_HOST_CALL_CHARS}`);
}

export type HostCallAnswer =
  | { kind: 'value'; value: unknown }
  | { kind: 'error'; error: unknown }
  /** Real host work: held by the kernel until it settles. */
  /** `label` names the call in messages (else its target and path). */
  | { kind: 'promise'; promise: Promise<unknown>; latencyMs: number; label?: string }
  /**
   * An answer that comes when something happens on the host (a socket's next bytes), maybe never:
   * simulated time does not wait for it and no real-time bound applies (whoever answers holds time
   * itself, through the context's `hold`, while a reply is expected).
   */
  | {
      kind: 'event';
      /** A promise, or a thenable that calls back synchronously (so an answer is never a turn late). */
      promise: PromiseLike<unknown>;
      latencyMs: number;
      /** Does not keep the sandbox's event loop alive (an invocation may end while it is pending). */
      weak?: boolean;
      /** Delivered at once, without moving time, when it comes while simulated time is held. */
      immediate?: boolean;
    }
  /** Work inside this simulation (a nested invoke): `done` is called from a kernel event. */
  | { kind: 'simulated'; start(done: (ok: boolean, value: unknown) => void): void; latencyMs: number };

export interface HostCallContext {
  functionName: string;
  functionArn: string;
  requestId: string | undefined;
  traceId: string | undefined;
  /** Host resources owned by the calling sandbox, disposed of with it (its sockets). */
  scope: HostScope;
  /** Holds simulated time until the promise settles (it must settle: bound it in real time). */
  hold(until: Promise<void>): void;
}

export interface HostCallRouter {
  /** Names of the host modules a bundle may import. */
  readonly hostModules: ReadonlySet<string>;
  call(target: string, path: string, args: unknown[], context: HostCallContext): HostCallAnswer;
}

export const NO_HOST_CALLS: HostCallRouter = {
  hostModules: new Set(),
  call(target) {
    return { kind: 'error', error: new Error(`lambda-sim: nothing on the host answers calls to ${target}`) };
  },
};
