/**
 * Building a sandbox inside an isolate, shared by the in-process factory and the supervised child
 * process (which bundles this file, so it imports nothing but types, the code cache and the real clock).
 */
import type { Context, ExternalCopy, Isolate, Module, Reference } from 'isolated-vm';
import { realNow } from '../kernel/host-time.js';
import { compileModule, compileScript } from './code-cache.js';
import type { Ivm } from './isolated-vm.js';
import { BUNDLE_FILENAME, HOST_CALLBACKS, SANDBOX_ENTRIES, type HeapStats, type HostCallbacks, type SandboxEntry, type SandboxHandle } from './sandbox-contract.js';

export { BUNDLE_FILENAME, HOST_CALLBACKS, SANDBOX_ENTRIES, type HostCallbackName, type HostCallbacks, type SandboxEntry } from './sandbox-contract.js';

const LOADER = 'import * as ns from "user"; globalThis.__lambda_register(ns);';
const LOADER_FILENAME = 'file:///var/runtime/loader.mjs';
const DELETE_PROTOCOL = SANDBOX_ENTRIES.map((e) => `delete globalThis.__lambda_${e};`).join(' ') + ' delete globalThis.__lambda_setup;';

/**
 * Builds a sandbox in `isolate`: host callbacks as `__lh_<name>` globals, the shim (from V8's code
 * cache when there is one), setup, then the protocol globals go (handler code cannot end its own
 * invocation or rebind the host callbacks through them). Shared by both factories.
 */
export function buildSandbox(
  ivm: Ivm,
  isolate: Isolate,
  callbacks: HostCallbacks,
  setupJson: string,
  shim: { code: string; filename: string },
  shimCache: ExternalCopy<ArrayBuffer> | undefined,
): { context: Context; entries: Record<SandboxEntry, Reference<(...args: never[]) => void>> } {
  const context = isolate.createContextSync();
  const g = context.global;
  for (const name of HOST_CALLBACKS) g.setSync(`__lh_${name}`, new ivm.Callback(callbacks[name]));
  const script = shimCache === undefined ? compileScript(isolate, shim, shim.code, shim.filename) : isolate.compileScriptSync(shim.code, { filename: shim.filename, cachedData: shimCache });
  script.runSync(context);
  const ref = <T>(name: string): Reference<T> => g.getSync(name, { reference: true }) as Reference<T>;
  const setup = ref<(json: string) => void>('__lambda_setup');
  const entries = Object.fromEntries(SANDBOX_ENTRIES.map((e) => [e, ref(`__lambda_${e}`)])) as Record<SandboxEntry, Reference<(...args: never[]) => void>>;
  setup.applySync(undefined, [setupJson]);
  setup.release();
  context.evalSync(DELETE_PROTOCOL);
  return { context, entries };
}

/** Compiles the bundle and the loader that registers its exports with the shim, and links them. */
export function linkModule(isolate: Isolate, context: Context, bundle: { readonly code: string }, compile = compileModule): Module {
  const user = compile(isolate, bundle, bundle.code, BUNDLE_FILENAME);
  const entry = isolate.compileModuleSync(LOADER, { filename: LOADER_FILENAME });
  entry.instantiateSync(context, () => user);
  return entry;
}

/**
 * A sandbox in an isolate of this thread: the in-process factory's handle, and what the supervised
 * child holds for each of its parent's handles. `counter` (in-process) counts the first dispose.
 */
export class IsolateSandbox implements SandboxHandle {
  readonly synchronous = false;
  onLost: (() => void) | undefined;
  #module: Module | undefined;
  #counted = false;
  constructor(
    readonly isolate: Isolate,
    readonly context: Context,
    readonly entries: Record<SandboxEntry, Reference<(...args: never[]) => void>>,
    readonly counter: { disposed: number } | undefined,
  ) {}

  get disposed(): boolean {
    return this.isolate.isDisposed;
  }
  call(entry: SandboxEntry, args: unknown[], timeoutMs: number): void {
    this.entries[entry].applySync(undefined, args as never[], { timeout: timeoutMs });
  }
  async callAsync(entry: SandboxEntry, args: unknown[], timeoutMs: number): Promise<void> {
    await this.entries[entry].apply(undefined, args as never[], { timeout: timeoutMs });
  }
  loadModule(bundle: { readonly code: string }): void {
    this.#module = linkModule(this.isolate, this.context, bundle);
  }
  evaluateModule(timeoutMs: number): void {
    this.#module?.evaluateSync({ timeout: timeoutMs });
  }
  /**
   * Evaluates a lazy chunk (its value is a factory) and hands the factory to the shim's `chunk`
   * entry, both under `timeoutMs`: handler code may run in between (getters it planted on
   * intrinsics the chunk uses), so nothing here may outlast the invocation's budget.
   */
  runChunk(chunk: { readonly name: string; readonly code: string; readonly filename: string }, timeoutMs: number): void {
    const began = realNow();
    const factory = compileScript(this.isolate, chunk, chunk.code, chunk.filename).runSync(this.context, { reference: true, timeout: timeoutMs }) as Reference<unknown>;
    try {
      // What the evaluation left of the budget, not the whole of it again.
      const left = Math.max(1, Math.ceil(timeoutMs - (realNow() - began)));
      this.entries.chunk.applySync(undefined, [chunk.name, factory.derefInto()] as never[], { timeout: left });
    } finally {
      factory.release();
    }
  }
  heapStats(): HeapStats | undefined {
    if (this.isolate.isDisposed) return undefined;
    try {
      const s = this.isolate.getHeapStatisticsSync();
      return {
        used: s.used_heap_size,
        external: s.externally_allocated_size,
        total: s.total_heap_size,
        totalExecutable: s.total_heap_size_executable,
        physical: s.total_physical_size,
        available: s.total_available_size,
        limit: s.heap_size_limit,
        malloced: s.malloced_memory,
        peakMalloced: s.peak_malloced_memory,
      };
    } catch {
      return undefined; // disposed meanwhile
    }
  }
  dispose(): void {
    if (!this.#counted) {
      this.#counted = true;
      if (this.counter !== undefined) this.counter.disposed++;
      for (const r of Object.values(this.entries)) {
        try {
          r.release();
        } catch {
          /* isolate already gone */
        }
      }
    }
    if (!this.isolate.isDisposed) this.isolate.dispose();
  }
}
