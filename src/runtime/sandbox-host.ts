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
import type { Ivm } from './isolated-vm.js';
import { SandboxLostError } from '../errors.js';
import { buildSandbox, IsolateSandbox } from './sandbox-build.js';
import type { HostCallbacks, SandboxFactory, SandboxHandle, SandboxStats } from './sandbox-contract.js';
import { shimChunk, shimCodeCache } from './shim-source.js';

export { SANDBOX_ENTRIES, type HeapStats, type HostCallbacks, type SandboxEntry, type SandboxFactory, type SandboxHandle, type SandboxStats } from './sandbox-contract.js';
export { SandboxLostError };

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
