/**
 * The sandbox contract: what an environment needs of a sandbox ({@link SandboxHandle}), who makes
 * them ({@link SandboxFactory}), and the protocol constants both sides share (the shim's entry
 * points, the host callbacks' names, where the bundle lives). A leaf: the in-process factory
 * (sandbox-host.ts), the builder (sandbox-build.ts), the supervised factory and its child, and the
 * environment import it; it imports only the shim's callback-name list (itself a leaf).
 */
import type { HostCallbackName } from './shim/callbacks.js';

export { HOST_CALLBACKS, type HostCallbackName } from './shim/callbacks.js';

/** Where the handler bundle lives inside the sandbox (stack traces name it). */
export const BUNDLE_FILENAME = 'file:///var/task/__bundle.mjs';

/** The shim's entry points the host calls (taken as references, then deleted from the global). */
export const SANDBOX_ENTRIES = ['invoke', 'fire', 'drained', 'settle', 'chunk'] as const;
export type SandboxEntry = (typeof SANDBOX_ENTRIES)[number];

/** The host functions a sandbox is given, by name (installed as `__lh_<name>` globals). */
export type HostCallbacks = Record<HostCallbackName, (...args: never[]) => unknown>;

/** A piece of runtime code run in a sandbox: the shim, or one of its lazily loaded chunks. */
export interface SandboxChunk {
  readonly name: string;
  readonly filename: string;
  readonly code: string;
}

/** Isolates created for environments, disposed of (or dead), and alive now. */
export interface SandboxStats {
  created: number;
  disposed: number;
  live: number;
  /** Supervised mode: times the sandbox process died and was started again. */
  restarts: number;
}

/** An isolate's heap, in bytes, as V8 reports it (what `v8.getHeapStatistics()` answers in the sandbox). */
export interface HeapStats {
  used: number;
  external: number;
  total: number;
  totalExecutable: number;
  physical: number;
  available: number;
  limit: number;
  malloced: number;
  peakMalloced: number;
}

export interface SandboxHandle {
  /** The isolate is gone (disposed of, or killed by its memory limit or with its process). */
  readonly disposed: boolean;
  /** Every call blocks this thread until it returns (supervised): no isolate thread to hand it to. */
  readonly synchronous: boolean;
  /** Runs an entry point with a CPU timeout; throws what isolated-vm throws. */
  call(entry: SandboxEntry, args: unknown[], timeoutMs: number): void;
  /** The same on the isolate's own thread (real clock). */
  callAsync(entry: SandboxEntry, args: unknown[], timeoutMs: number): Promise<void>;
  /** Compiles and links the handler bundle (throws its syntax and link errors). */
  loadModule(bundle: { readonly code: string }): void;
  /** Evaluates the loaded module (the init phase); throws what the module throws. */
  evaluateModule(timeoutMs: number): void;
  /** Runs a lazily loaded runtime chunk (Node's util.inspect, Buffer…) with a CPU timeout. */
  runChunk(chunk: SandboxChunk, timeoutMs: number): void;
  /** The isolate's heap (bytes); undefined once the isolate is gone. */
  heapStats(): HeapStats | undefined;
  /** Idempotent. */
  dispose(): void;
  /** Told when the sandbox is lost with its process (supervised mode), outside any call. */
  onLost: (() => void) | undefined;
}

export interface SandboxFactory {
  readonly mode: 'in-process' | 'supervised';
  /** A fresh isolate with the host callbacks and the shim, set up with `setupJson`. */
  create(memoryMB: number, callbacks: HostCallbacks, setupJson: string): SandboxHandle;
  stats(): SandboxStats;
  /** Ends the factory (the supervised child exits); live handles are disposed of. */
  close(): void;
}
