/**
 * Modelled functions (`Code: { Model }`, a lambda-sim extension for scenarios): no sandbox and no
 * code — each invocation takes a duration drawn from a distribution (seeded) and fails at a given
 * rate. They go through everything else as real functions do: the governor, rate limits, cold and
 * warm environments (a cold start costs `initMs`), timeouts, the async queue, retries, DLQs,
 * destinations, logs and metrics. An hour at thousands of requests per second stays affordable.
 */
import { Deferred } from '../kernel/deferred.js';
import type { Kernel } from '../kernel/kernel.js';
import type { Random } from '../kernel/random.js';
import type { EnvironmentSpec, InvocationRecord, InvokeRequest } from './execution.js';
import type { Distribution, ModelSpec } from './model-spec.js';
import { LogFormatter } from './logs.js';

export type { Distribution, ModelSpec } from './model-spec.js';

/** One draw from a distribution (ms >= 0). */
export function draw(d: Distribution, random: Random): number {
  let v: number;
  if ('fixed' in d) v = d.fixed;
  else if ('uniform' in d) v = d.uniform[0] + random.next() * (d.uniform[1] - d.uniform[0]);
  else if ('normal' in d) v = d.normal.mean + d.normal.stddev * Math.sqrt(-2 * Math.log(1 - random.next())) * Math.cos(2 * Math.PI * random.next());
  else v = -Math.log(1 - random.next()) * d.exponential.mean;
  return Number.isFinite(v) && v > 0 ? Math.round(v) : 0;
}

let counter = 0;

/** An execution environment of a modelled function: the same surface as Environment, no isolate. */
export class ModelEnvironment {
  readonly id: string;
  readonly spec: EnvironmentSpec;
  readonly initializationType: 'on-demand' | 'provisioned-concurrency';
  readonly #model: ModelSpec;
  readonly #kernel: Kernel;
  readonly #random: Random;
  readonly #log: LogFormatter;
  #ready = false;
  #busy = false;
  #disposed = false;
  #lastUsed: number;

  constructor(spec: EnvironmentSpec, model: ModelSpec, kernel: Kernel, random: Random, initializationType: 'on-demand' | 'provisioned-concurrency' = 'on-demand', sequence = ++counter) {
    this.spec = spec;
    this.#model = model;
    this.#kernel = kernel;
    this.#random = random;
    this.initializationType = initializationType;
    this.id = `${spec.functionName}#${sequence}`;
    this.#log = new LogFormatter(spec.logFormat);
    this.#lastUsed = kernel.now();
  }

  get busy(): boolean {
    return this.#busy;
  }
  get disposed(): boolean {
    return this.#disposed;
  }
  get initialized(): boolean {
    return this.#ready;
  }
  get lastUsed(): number {
    return this.#lastUsed;
  }
  /** No sandbox, no memory. */
  get heapMB(): number {
    return 0;
  }
  get hostMB(): number {
    return 0;
  }
  get resets(): number {
    return 0;
  }

  #initMs(): number {
    return Math.max(0, this.spec.initLatencyMs()) + (this.#model.initMs ?? 0);
  }

  prewarm(onReady: (ok: boolean) => void): void {
    if (this.#ready || this.#disposed) {
      onReady(this.#ready);
      return;
    }
    this.#busy = true;
    this.#kernel.after(this.#initMs(), `${this.id} provisioning`, () => {
      this.#busy = false;
      this.#ready = true;
      this.#lastUsed = this.#kernel.now();
      onReady(true);
    });
  }

  invoke(request: InvokeRequest, onEnd?: (record: InvocationRecord) => void): Deferred<InvocationRecord> {
    if (this.#busy || this.#disposed) throw new Error(`lambda-sim internal error: environment ${this.id} is ${this.#busy ? 'busy' : 'disposed'}`);
    this.#busy = true;
    const result = new Deferred<InvocationRecord>();
    const cold = !this.#ready;
    const initMs = cold ? this.#initMs() : 0;
    const queued = this.#kernel.now();
    const run = (): void => {
      this.#ready = true;
      const start = this.#kernel.now();
      const duration = draw(this.#model.durationMs, this.#random);
      const timedOut = duration > this.spec.timeoutMs;
      const failed = !timedOut && this.#random.next() < (this.#model.failureRate ?? 0);
      const elapsed = timedOut ? this.spec.timeoutMs : duration;
      const finish = (): void => {
        const end = this.#kernel.now();
        const id = request.requestId;
        const status: InvocationRecord['status'] = timedOut ? 'timeout' : failed ? 'error' : 'success';
        const errorType = timedOut ? 'Sandbox.Timedout' : failed ? 'ModelledFailure' : undefined;
        const payload = timedOut
          ? JSON.stringify({ errorType, errorMessage: `RequestId: ${id} Error: Task timed out after ${(this.spec.timeoutMs / 1000).toFixed(2)} seconds` })
          : failed
            ? JSON.stringify({ errorType, errorMessage: 'modelled failure', trace: [] })
            : JSON.stringify({ ms: duration });
        const initDurationMs = cold ? initMs : undefined;
        const billed = Math.max(1, Math.ceil(elapsed + (initDurationMs ?? 0)));
        const log = this.#log;
        const spec = this.spec;
        const record: InvocationRecord = {
          requestId: id,
          functionName: spec.functionName,
          version: spec.version,
          environmentId: this.id,
          status,
          functionError: status === 'success' ? undefined : 'Unhandled',
          errorType,
          payload,
          coldStart: cold,
          startTime: queued,
          endTime: end,
          durationMs: elapsed,
          billedDurationMs: billed,
          initDurationMs,
          maxMemoryUsedMB: 0,
          // Formatted only when read.
          get logs(): string[] {
            const lines = [log.start(start, id, spec.version)];
            if (timedOut) lines.push(log.timedOut(end, id, spec.timeoutMs));
            const endLine = log.end(id);
            if (endLine !== undefined) lines.push(endLine);
            lines.push(log.report(end, { requestId: id, durationMs: elapsed, billedMs: billed, memorySizeMB: spec.memoryMB, maxMemoryUsedMB: 0, initDurationMs, status: timedOut ? 'timeout' : 'success', errorType: undefined }));
            return lines;
          },
        };
        this.#busy = false;
        this.#lastUsed = end;
        onEnd?.(record);
        result.resolve(record);
      };
      if (elapsed > 0) this.#kernel.after(elapsed, `${this.id} modelled invocation`, finish);
      else finish();
    };
    if (initMs > 0) this.#kernel.after(initMs, `${this.id} cold start`, run);
    else run();
    return result;
  }

  dispose(): void {
    this.#disposed = true;
  }
}
