/**
 * Where sandboxes live. An environment asks a {@link SandboxFactory} for a sandbox and drives it
 * through a {@link SandboxHandle}: create it (isolate, context, host callbacks, the runtime shim),
 * load and evaluate the handler module, call the shim's four entry points, run lazily loaded chunks,
 * read heap statistics, dispose of it.
 *
 * Two factories:
 * - {@link InProcessSandboxes}: isolates in this process (the default; fastest).
 * - `SupervisedSandboxes` (supervisor/supervised.ts): isolates in a child process this one
 *   supervises, so what isolated-vm cannot contain (a host abort, memory it does not count) kills the
 *   child, not the simulator.
 */
import type { HandlerBundle } from './bundle.js';
import type { Ivm } from './isolated-vm.js';
import { buildSandbox, IsolateSandbox, type HostCallbacks, type SandboxEntry } from './sandbox-build.js';
import { shimChunk, shimCodeCache, type SandboxChunk } from './shim-source.js';

export { SANDBOX_ENTRIES, type HostCallbacks, type SandboxEntry } from './sandbox-build.js';

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
  loadModule(bundle: HandlerBundle): void;
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

/**
 * Thrown by a supervised sandbox's calls when its process died (a host-level crash isolated-vm
 * could not contain): the environment reports `Runtime.ExitError`, as Lambda does when the runtime
 * process exits.
 */
export class SandboxLostError extends Error {
  override readonly name = 'SandboxLostError';
  /** How the process ended, as Lambda words it: `signal: killed`, `signal: aborted`, `exit status 1`. */
  readonly exit: string;
  constructor(exit = 'signal: killed', detail = '') {
    super(`lambda-sim: the sandbox process exited (${exit})${detail === '' ? '' : `: ${detail}`}`);
    this.exit = exit;
  }
}

/** Counts created / disposed once per handle. */
export class SandboxCounter {
  created = 0;
  disposed = 0;
  restarts = 0;
  stats(): SandboxStats {
    return { created: this.created, disposed: this.disposed, live: this.created - this.disposed, restarts: this.restarts };
  }
}

/** Isolates in this process. */
export class InProcessSandboxes implements SandboxFactory {
  readonly mode = 'in-process' as const;
  readonly #counter = new SandboxCounter();
  constructor(readonly ivm: Ivm) {}

  create(memoryMB: number, callbacks: HostCallbacks, setupJson: string): SandboxHandle {
    const ivm = this.ivm;
    // No V8 startup snapshot of the shim: isolated-vm 5's snapshots lose or corrupt single-character
    // identifiers and strings (test/runtime/snapshot-regression.test.ts), so every environment runs it.
    // No `onCatastrophicError`: isolated-vm 5, 6 and 7 all crash the process (SIGSEGV) or hang it
    // for good while delivering it, and it turns an uninterruptible operation that outlives its
    // timeout by 5 s (a JSON.parse thrashing the GC near the heap limit) from a contained
    // Sandbox.Timedout into a host crash (test/security/isolation.test.ts). Without it V8's own
    // fatal out-of-memory aborts the host, as before: supervised mode is for code that can do that.
    const isolate = new ivm.Isolate({ memoryLimit: Math.max(8, memoryMB) });
    this.#counter.created++;
    try {
      const { context, entries } = buildSandbox(ivm, isolate, callbacks, setupJson, shimChunk(), shimCodeCache(ivm));
      return new IsolateSandbox(isolate, context, entries, this.#counter);
    } catch (e) {
      this.#counter.disposed++;
      if (!isolate.isDisposed) isolate.dispose();
      throw e;
    }
  }
  stats(): SandboxStats {
    return this.#counter.stats();
  }
  close(): void {
    /* environments dispose of their own isolates */
  }
}
