/**
 * The wire contract of host objects: how the sandbox (shim/host-objects.ts) and the host
 * (runtime/host-objects.ts) refer to each other's objects across the isolate boundary. A leaf file:
 * both sides import it.
 *
 * A host module is not copied into the sandbox: plain data (primitives, arrays, plain objects,
 * bytes, dates, maps, sets) crosses as a copy, anything with behaviour (a function, a class
 * instance, a promise) crosses as a reference `{ $hostRef: id }` that the sandbox turns into a
 * proxy; every use of the proxy (a property read, a call, `new`) is a host call `objects <op>`.
 * Sandbox functions handed to the host cross as `{ $sandboxFn: id }`: the host gets a function
 * that, when called, queues the call for the sandbox, which pulls its queue with `next` (an
 * answer that comes when the host calls back) and answers each call's result with `return`.
 */

/** The host call target of host objects. */
export const OBJECTS_TARGET = 'objects';

/** Operations (the host call's path). */
export type ObjectOp =
  /** `[name]`: the host module's root value, exported. */
  | 'module'
  /** `[id, key]`: a property read → {@link WireLookup}. */
  | 'get'
  /** `[id, key, value]`. */
  | 'set'
  /** `[id, key]` → boolean. */
  | 'has'
  /** `[id, key]` → boolean. */
  | 'delete'
  /** `[id]` → the object's own string keys. */
  | 'keys'
  /** `[id, key]`: an own property → {@link WireLookup} with `enumerable`. */
  | 'describe'
  /** `[id, this, args]`: calls a host function (a promise result answers later). */
  | 'call'
  /** `[id, args]`: `new` on a host function. */
  | 'construct'
  /** `[id, value]` → `value instanceof` the host function. */
  | 'instanceof'
  /** `[ids]`: proxies the sandbox no longer holds. */
  | 'release'
  /** `[]`: the host's next calls of sandbox functions → {@link WireCallbackCall}[] (answers when there are some). */
  | 'next'
  /** `[call, ok, value]`: a sandbox function's result (or thrown error, encoded). */
  | 'return';

/** A host object as it crosses to the sandbox. */
export interface WireHostRef {
  $hostRef: number;
  /** 1 when the host object is a function (the proxy is callable and constructible). */
  fn?: 1;
  /** The function's name, for the proxy's `name` and messages. */
  name?: string;
}

/** An error value (not a thrown one) as it crosses to the sandbox: a copy, as thrown errors are. */
export interface WireHostError {
  $hostError: { name: string; message: string; fields: Record<string, unknown> };
}

/** A sandbox function as it crosses to the host. */
export interface WireSandboxFn {
  $sandboxFn: number;
}

/** A property lookup's answer: absent (not found above the intrinsics), or its value. */
export type WireLookup = { absent: true } | { absent?: undefined; value: unknown; enumerable?: boolean };

/** One call of a sandbox function by the host. */
export interface WireCallbackCall {
  call: number;
  fn: number;
  args: unknown[];
}

/** What `next` answers: calls to run, and sandbox functions the host no longer holds. */
export interface WireCallbackBatch {
  calls: WireCallbackCall[];
  released: number[];
}

export function isHostRef(v: unknown): v is WireHostRef {
  return v !== null && typeof v === 'object' && typeof (v as { $hostRef?: unknown }).$hostRef === 'number';
}

export function isSandboxFn(v: unknown): v is WireSandboxFn {
  return v !== null && typeof v === 'object' && typeof (v as { $sandboxFn?: unknown }).$sandboxFn === 'number';
}

export function isHostError(v: unknown): v is WireHostError {
  return v !== null && typeof v === 'object' && typeof (v as { $hostError?: unknown }).$hostError === 'object';
}
