/**
 * One execution environment: an isolated-vm isolate (memory limit = MemorySize) with one context,
 * the runtime shim, and the handler bundle evaluated once at init and reused while warm.
 *
 * Everything here is driven synchronously by the kernel: an invocation starts with `applySync`
 * calls into the sandbox at the current simulated instant; whatever it leaves pending continues when
 * its timers (kernel events) fire; the phase ends when the shim reports `done`, when the deadline
 * event fires (timeout), or when the isolate dies (memory limit). No `await` sits on this path, so
 * the kernel's order of events is the only order there is.
 *
 * Between invocations the environment is *frozen*: timers that fall due are held and fire when the
 * next invocation thaws it (as on Lambda).
 */
import { Deferred } from '../kernel/deferred.js';
import type { SimEvent } from '../kernel/event-heap.js';
import { hostTimeout, realNow } from '../kernel/host-time.js';
import type { Kernel } from '../kernel/kernel.js';
import type { Random } from '../kernel/random.js';
import { syntaxErrorMessage, type HandlerBundle } from './bundle.js';
import { hostCallTooLarge, MAX_HOST_CALL_CHARS, type HostCallAnswer, type HostCallRouter } from './host-calls.js';
import { HostHashes, parseUrlOnHost } from './host-services.js';
import { HostCrypto } from './host-crypto.js';
import { HostScope } from './host-scope.js';
import { runZlib } from './host-zlib.js';
import { HOST_BYTES_PER_PENDING_CHAR, HOST_BYTES_PER_TIMER, MAX_PENDING_HOST_CALL_CHARS, MAX_PENDING_HOST_CALLS, MAX_TIMERS } from './host-limits.js';
import { MAX_MAPPED_FRAMES } from './shim/limits.js';
import { decode, encode, encodeError } from './shim/codec.js';
import type { SdkShape } from './shim/sdk.js';
import { LogFormatter, type ErrorBody, type LogFormat } from './logs.js';
import { lazyChunk } from './shim-source.js';
import { SandboxLostError } from '../errors.js';
import type { HostCallbacks, SandboxEntry, SandboxFactory, SandboxHandle } from './sandbox-contract.js';
import { TmpFs } from './tmpfs.js';
import type { SandboxExecutor } from './executor.js';
import { MAX_LOG_CHARS, MAX_RESPONSE_BYTES, type EnvironmentSpec, type InvocationRecord, type InvocationStatus, type InvokeRequest } from './execution.js';

/** An InvocationRecord whose END and REPORT lines are formatted on first read of `logs`. */
class Invocation implements InvocationRecord {
  readonly functionError: 'Unhandled' | undefined;
  constructor(
    readonly requestId: string,
    readonly functionName: string,
    readonly version: string,
    readonly environmentId: string,
    readonly status: InvocationStatus,
    readonly errorType: string | undefined,
    readonly payload: string,
    readonly coldStart: boolean,
    readonly startTime: number,
    readonly endTime: number,
    readonly durationMs: number,
    readonly billedDurationMs: number,
    readonly initDurationMs: number | undefined,
    readonly maxMemoryUsedMB: number,
    readonly lines: () => string[],
  ) {
    this.functionError = status === 'success' ? undefined : 'Unhandled';
  }
  get logs(): string[] {
    return this.lines();
  }
  toJSON(): Omit<InvocationRecord, 'lines'> {
    const { lines: _lines, ...rest } = this;
    return { ...rest, logs: this.logs };
  }
}

type Outcome =
  | { kind: 'ok'; body: string }
  | { kind: 'error'; body: ErrorBody; fatal: boolean; label: string }
  | { kind: 'timeout' }
  | { kind: 'crash'; errorType: 'Runtime.OutOfMemory' | 'Runtime.ExitError'; body: ErrorBody | undefined; exit?: string };

interface Phase {
  readonly kind: 'init' | 'invoke';
  /** Loading the handler (in the init phase, or Lambda's second try inside the invoke phase). */
  readonly isInit: boolean;
  drainedCalled: boolean;
  readonly start: number;
  readonly limitMs: number;
  readonly requestId: string | undefined;
  deadlineEvent: SimEvent | undefined;
  cpuLeftMs: number;
  /** Stopped by the CPU budget: the sandbox is gone, the deadline event reports the timeout. */
  killed: boolean;
  outcome: Outcome | undefined;
  readonly onEnd: (outcome: Outcome) => void;
}

interface TimerState {
  event: SimEvent | undefined;
  /** When the event is due, and what it runs (to move it between foreground and background). */
  at: number;
  fire: () => void;
  ref: boolean;
  due: boolean;
  /** Simulated time it fell due while the environment was frozen. */
  dueAt: number;
}

interface PendingCall {
  /** The sandbox generation the call came from: answers to a reset sandbox are dropped. */
  sandbox: Sandbox;
  /** Set when the answer arrived while the environment was frozen. */
  due: { ok: boolean; json: string; at: number } | undefined;
  /** A call that does not keep the event loop alive (see host-calls.ts). */
  weak?: boolean;
}

type Sandbox = SandboxHandle;

const TIMED_OUT = 'Script execution timed out.';

/** Disposes of a sandbox a host turn later (not from inside its own callbacks, which is refused). */
function disposeSoon(sandbox: Sandbox): void {
  hostTimeout(0, () => sandbox.dispose());
}

/** What isolated-vm throws from a call that otherwise returned: an unhandled promise rejection. */
function unhandledRejection(reason: unknown): Outcome {
  return {
    kind: 'error',
    body: {
      errorType: 'Runtime.UnhandledPromiseRejection',
      errorMessage: String(reason),
      trace: reason instanceof Error && typeof reason.stack === 'string' ? cutBoundary(reason.stack) : [],
    },
    fatal: true,
    label: 'Unhandled Promise Rejection',
  };
}

let environmentCounter = 0;

export { MAX_LOG_CHARS, MAX_RESPONSE_BYTES, type EnvironmentSpec, type InvocationRecord, type InvocationStatus, type InvokeRequest, type Runtime } from './execution.js';

export class Environment {
  readonly id: string;
  readonly spec: EnvironmentSpec;
  readonly logStreamName: string;
  readonly #kernel: Kernel;
  readonly #random: Random;
  readonly #log: LogFormatter;
  readonly #tmp: TmpFs;
  #sandbox: Sandbox | undefined;
  #ready = false;
  #phase: Phase | undefined;
  #inCall = 0;
  /** Firing overdue timers before the handler runs: the loop is not "empty" yet. */
  #thawing = false;
  #disposed = false;
  #busy = false;
  /** Real clock: a sandbox call is running on the isolate's thread. */
  #flying = false;
  /** Real clock: calls that came while one was running, in arrival order. */
  readonly #waitingCalls: Array<() => void> = [];
  readonly #timers = new Map<number, TimerState>();
  readonly #calls = new Map<number, PendingCall>();
  /** How many of `#calls` are weak (they do not keep the loop alive). */
  #weakCalls = 0;
  /** Timers with `ref` set (a running count: checked after every sandbox call). */
  #refCount = 0;
  #lines: string[] = [];
  #onEnd: ((record: InvocationRecord) => void) | undefined;
  /** X-Ray trace header of the current invocation (carried into host calls). */
  #traceId: string | undefined;
  #resets = 0;
  #peakMB = 0;
  /** Characters of log kept for the current invocation, and records dropped beyond the cap. */
  #logBytes = 0;
  #dropped = 0;
  /** Real CPU ms the last init phase spent in the sandbox. */
  #lastInitCpuMs = 0;
  #sinceSample = 0;
  #lastUsed: number;
  /** Real time the outermost running sandbox call began (host callbacks are charged from it). */
  #callStarted = 0;
  /** The budget ran out after the phase had its outcome: refuse callbacks, reset on completion. */
  #overBudget = false;

  /** 'provisioned-concurrency' for environments initialised ahead of demand. */
  readonly initializationType: 'on-demand' | 'provisioned-concurrency';

  constructor(
    spec: EnvironmentSpec,
    kernel: Kernel,
    random: Random,
    initializationType: 'on-demand' | 'provisioned-concurrency' = 'on-demand',
    /** Numbering per simulator, so ids replay in a process that runs several simulations. */
    sequence = ++environmentCounter,
  ) {
    this.initializationType = initializationType;
    this.spec = spec;
    this.#kernel = kernel;
    this.#random = random;
    this.id = `${spec.functionName}#${sequence}`;
    const now = new Date(kernel.now());
    const day = `${now.getUTCFullYear()}/${String(now.getUTCMonth() + 1).padStart(2, '0')}/${String(now.getUTCDate()).padStart(2, '0')}`;
    this.logStreamName = `${day}/[${spec.version}]${random.hex(32)}`;
    this.#log = new LogFormatter(spec.logFormat);
    this.#tmp = new TmpFs(spec.ephemeralStorageMB * 1024 * 1024, () => this.#kernel.now(), spec.bundle.files);
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
  /** Simulated time this environment last finished an invocation. */
  get lastUsed(): number {
    return this.#lastUsed;
  }
  /** The sandbox's heap high-water mark as last sampled (MB; 0 without a sandbox). */
  get heapMB(): number {
    return this.#sandbox === undefined ? 0 : this.#peakMB;
  }
  /**
   * What the environment holds of the host's memory, as `maxSandboxMemoryMB` counts it (MB): its
   * sandbox's heap high-water mark, its /tmp (bytes and nodes, kept across sandbox resets), its
   * pending timers and the arguments of its host calls still at work.
   */
  get hostMB(): number {
    const held = this.#tmp.hostBytes + this.#timers.size * HOST_BYTES_PER_TIMER + this.#hostWork.chars * HOST_BYTES_PER_PENDING_CHAR;
    return this.heapMB + Math.ceil(held / 1048576);
  }
  /** When {@link sampleHeap} last ran (the budget's count of samples; 0: never). */
  sampledAt = 0;
  /**
   * Samples the heap now (the budget does, for environments whose last sample is the oldest):
   * an invocation can grow its heap far past what its cold start measured.
   */
  sampleHeap(at: number): void {
    this.sampledAt = at;
    const s = this.#sandbox?.heapStats();
    if (s !== undefined) this.#peakMB = Math.max(this.#peakMB, Math.ceil((s.used + s.external) / 1048576));
  }
  /** Times the sandbox was thrown away and re-created (timeouts, crashes). */
  get resets(): number {
    return this.#resets;
  }

  /**
   * Runs one invocation. Starts synchronously at the current simulated instant; the returned
   * deferred settles when the invocation ends (possibly later in simulated time).
   */
  invoke(request: InvokeRequest, onEnd?: (record: InvocationRecord) => void): Deferred<InvocationRecord> {
    if (this.#busy) throw new Error(`lambda-sim internal error: environment ${this.id} is busy`);
    if (this.#disposed) throw new Error(`lambda-sim internal error: environment ${this.id} is disposed`);
    // A sandbox lost while idle (its supervised process died, or it was disposed of from outside): start cold.
    if (this.#sandbox?.disposed === true) this.#discardSandbox(true);
    this.#busy = true;
    this.#lines = [];
    this.#logBytes = 0;
    this.#dropped = 0;
    this.#traceId = request.traceId;
    const result = new Deferred<InvocationRecord>();
    this.#onEnd = onEnd;
    const startedAt = this.#kernel.now();
    const cold = !this.#ready;

    /**
     * The invoke phase: the handler gets the function's timeout from `invokeStart` (less when
     * Lambda's second init try already used part of it inside the invoke phase).
     */
    const runHandler = (initDurationMs: number | undefined, invokeStart: number, logStart = true): void => {
      if (logStart) this.#lines.push(this.#log.start(this.#kernel.now(), request.requestId, this.spec.version));
      const now = this.#kernel.now();
      this.#startPhase('invoke', this.spec.timeoutMs - (now - invokeStart), request.requestId, now, (outcome) => {
        this.#complete(result, request, outcome, { cold, initDurationMs, start: invokeStart });
      });
      this.#thaw();
      const sandbox = this.#sandbox;
      if (sandbox !== undefined) this.#callHandler(sandbox, request, invokeStart + this.spec.timeoutMs);
    };

    if (this.#ready) {
      runHandler(undefined, startedAt);
      return result;
    }

    // Cold start: the init phase (10 s), and on failure Lambda's second try inside the invoke phase.
    this.#afterInitLatency('cold start', () =>
      this.#runInit('init', this.spec.initTimeoutMs, undefined, this.#kernel.now(), (outcome) => {
        const initDuration = this.#kernel.now() - startedAt;
        if (outcome.kind === 'ok') {
          const measured = this.spec.measureInit === true ? Math.round(this.#lastInitCpuMs * 1000) / 1000 : 0;
          if (measured > 0) {
            // The init code's real CPU time, as simulated time (opt-in: it breaks exact replay).
            this.#kernel.after(measured, `${this.id} measured init`, () => runHandler(initDuration + measured, this.#kernel.now()));
          } else runHandler(initDuration, this.#kernel.now());
          return;
        }
        this.#initFailed(outcome, 'init', startedAt);
        const invokeStart = this.#kernel.now();
        this.#lines.push(this.#log.start(invokeStart, request.requestId, this.spec.version));
        this.#runInit('invoke', this.spec.timeoutMs, request.requestId, invokeStart, (second) => {
          if (second.kind === 'ok') {
            runHandler(undefined, invokeStart, false);
            return;
          }
          this.#initFailed(second, 'invoke', invokeStart);
          this.#complete(result, request, second, { cold, initDurationMs: undefined, start: invokeStart, initFailed: true });
        });
      }),
    );
    return result;
  }

  /** Logs a failed init (the error, INIT_REPORT) and throws the sandbox away. */
  #initFailed(outcome: Outcome, phase: 'init' | 'invoke', since: number): void {
    if (outcome.kind === 'error') this.#lines.push(this.#log.error(this.#kernel.now(), undefined, 'Uncaught Exception', outcome.body));
    const now = this.#kernel.now();
    this.#lines.push(this.#log.initReport(now, now - since, phase, outcome.kind === 'timeout' ? 'timeout' : 'error', errorTypeOf(outcome)));
    this.#discardSandbox();
  }

  /** Runs `init` after the platform's part of a cold start (the init latency model), or at once. */
  #afterInitLatency(label: string, init: () => void): void {
    const latency = Math.max(0, this.spec.initLatencyMs());
    if (latency > 0) this.#kernel.after(latency, `${this.id} ${label}`, init);
    else init();
  }

  /** The payload travels as its own string argument: no second JSON encoding of the event. */
  #callHandler(sandbox: Sandbox, request: InvokeRequest, deadline: number): void {
    const extra =
      request.clientContext === undefined && request.identity === undefined && request.fault === undefined
        ? ''
        : JSON.stringify({ clientContext: request.clientContext, identity: request.identity, fault: request.fault });
    // Fewer arguments, fewer copies across the boundary: the short fields travel in one string.
    this.#call(sandbox, 'invoke', [`${request.requestId}\n${deadline}\n${request.traceId}\n${request.invokedFunctionArn}`, request.payload, extra]);
  }

  /**
   * Initialises the environment ahead of any invocation (provisioned concurrency): the init phase
   * runs now; `onReady(true)` once the handler is loaded, `onReady(false)` if init failed (the
   * environment then initialises again on its first invoke, as an on-demand one would).
   */
  prewarm(onReady: (ok: boolean) => void): void {
    if (this.#busy || this.#ready || this.#disposed) {
      onReady(this.#ready);
      return;
    }
    this.#busy = true;
    this.#lines = [];
    this.#afterInitLatency('provisioning', () =>
      this.#runInit('init', this.spec.initTimeoutMs, undefined, this.#kernel.now(), (outcome) => {
        this.#busy = false;
        if (outcome.kind !== 'ok') this.#discardSandbox();
        this.#lastUsed = this.#kernel.now();
        this.#timersToBackground(true);
        onReady(outcome.kind === 'ok');
      }),
    );
  }

  /** Disposes of the sandbox and cancels its timers. The environment cannot be used again. */
  dispose(): void {
    if (this.#disposed) return;
    this.#disposed = true;
    this.#discardSandbox();
  }

  // ---- phases ----

  #startPhase(kind: Phase['kind'], limitMs: number, requestId: string | undefined, start: number, onEnd: (o: Outcome) => void, isInit = false): Phase {
    const phase: Phase = {
      kind,
      isInit,
      drainedCalled: false,
      start,
      limitMs,
      requestId,
      deadlineEvent: undefined,
      cpuLeftMs: Math.min(limitMs, this.spec.cpuBudgetMs),
      killed: false,
      outcome: undefined,
      onEnd,
    };
    this.#phase = phase;
    return phase;
  }

  /**
   * The deadline event is scheduled only once a phase outlives its first synchronous call: most
   * warm invocations finish inside it and never touch the event heap.
   */
  #armDeadline(phase: Phase): void {
    if (phase.deadlineEvent !== undefined || phase.outcome !== undefined) return;
    phase.deadlineEvent = this.#kernel.schedule(phase.start + phase.limitMs, `${this.id} ${phase.kind} deadline`, () => {
      phase.deadlineEvent = undefined;
      if (this.#phase !== phase || phase.outcome !== undefined) return;
      if (this.#flying) this.#stopRunningCall(phase);
      this.#end(phase, { kind: 'timeout' });
    });
  }

  /**
   * Real clock: the deadline passed while a call runs on the isolate's thread. Disposing of the
   * isolate stops it (a turn later: the deadline may fire inside one of its callbacks); the call
   * then returns and the phase ends as a timeout.
   */
  #stopRunningCall(phase: Phase): void {
    phase.killed = true;
    const sandbox = this.#sandbox;
    if (sandbox !== undefined) disposeSoon(sandbox);
  }

  #runInit(kind: Phase['kind'], limitMs: number, requestId: string | undefined, start: number, onEnd: (o: Outcome) => void): void {
    const phase = this.#startPhase(kind, limitMs, requestId, start, onEnd, true);
    const bundle = this.spec.bundle;
    if (bundle.initError !== undefined) {
      this.#end(phase, { kind: 'error', body: { ...bundle.initError, trace: [] }, fatal: false, label: 'Uncaught Exception' });
      return;
    }
    let sandbox: Sandbox;
    try {
      sandbox = this.#createSandbox();
    } catch (e) {
      // A sandbox that could not be made (the supervised process would not start, say) fails this
      // invocation like a runtime that could not start, so every invocation still ends.
      const detail = e instanceof Error ? e.message : String(e);
      this.#end(phase, this.#deathOf(e, undefined) ?? { kind: 'crash', errorType: 'Runtime.ExitError', body: undefined, exit: `lambda-sim could not start a sandbox: ${detail}` });
      return;
    }
    try {
      sandbox.loadModule(bundle);
    } catch (e) {
      if (e instanceof SandboxLostError) this.#end(phase, { kind: 'crash', errorType: 'Runtime.ExitError', body: undefined, exit: e.exit });
      else this.#end(phase, { kind: 'error', body: syntaxBody(e), fatal: false, label: 'Uncaught Exception' });
      return;
    }
    this.#guarded(phase, () => sandbox.evaluateModule(Math.max(1, Math.ceil(phase.cpuLeftMs))), (e, replaced) =>
      // The module had loaded and registered its handler: what isolated-vm threw afterwards is an
      // unhandled promise rejection of the init code, not a load error.
      replaced?.kind === 'ok'
        ? unhandledRejection(e)
        : { kind: 'error', body: initErrorBody(e), fatal: false, label: 'Uncaught Exception' },
    );
  }

  /** Records a phase's outcome; acts on it once no sandbox call is on the stack. */
  #end(phase: Phase, outcome: Outcome): void {
    if (phase.outcome !== undefined) return;
    phase.outcome = outcome;
    if (this.#inCall === 0) this.#finishPhase(phase);
  }

  #finishPhase(phase: Phase): void {
    if (this.#phase !== phase || phase.outcome === undefined) return;
    this.#phase = undefined;
    if (phase.deadlineEvent !== undefined) this.#kernel.cancel(phase.deadlineEvent);
    const outcome = phase.outcome;
    if (phase.isInit && outcome.kind === 'ok') this.#ready = true;
    if (phase.isInit) this.#lastInitCpuMs = Math.min(phase.limitMs, this.spec.cpuBudgetMs) - phase.cpuLeftMs;
    phase.onEnd(outcome);
  }

  /**
   * Calls into the sandbox with the phase's remaining CPU budget, and turns what can go wrong
   * there into outcomes: budget exhausted (the deadline will report a timeout), isolate disposed by
   * its memory limit, or an unhandled promise rejection (which isolated-vm throws from the call).
   */
  #guarded(phase: Phase, run: () => unknown, onThrow: (e: unknown, replaced: Outcome | undefined) => Outcome): void {
    const began = realNow();
    const before = phase.outcome;
    const sandbox = this.#sandbox;
    if (this.#inCall === 0) this.#callStarted = began;
    this.#inCall++;
    let threw = false;
    let error: unknown;
    try {
      run();
    } catch (e) {
      threw = true;
      error = e;
    }
    this.#afterCall(phase, sandbox, before, began, threw, error, onThrow);
  }

  /**
   * What follows every sandbox call, synchronous or (real clock) on an isolate thread: classify a
   * throw, charge the CPU used, then end the phase, kill a runaway sandbox, or notice the loop is
   * empty. `#inCall` was raised by the caller.
   */
  #afterCall(
    phase: Phase,
    sandbox: Sandbox | undefined,
    before: Outcome | undefined,
    began: number,
    threw: boolean,
    e: unknown,
    onThrow: (e: unknown, replaced: Outcome | undefined) => Outcome,
  ): void {
    let death: Outcome | undefined;
    try {
      if (!threw) {
        /* returned */
      } else if (phase.killed || (e instanceof Error && e.message === TIMED_OUT)) {
        phase.killed = true;
      } else if ((death = this.#deathOf(e, sandbox)) !== undefined) {
        phase.outcome = undefined;
        this.#end(phase, death);
      } else {
        // An unhandled rejection surfaces when the call's microtasks are done. In Node the runtime
        // client handles it before the response (an HTTP request) leaves, so it wins over a result
        // reported during the same call.
        const replaced = phase.outcome;
        if (before === undefined && replaced?.kind !== 'crash') phase.outcome = undefined;
        this.#end(phase, onThrow(e, replaced));
      }
    } finally {
      this.#inCall--;
      phase.cpuLeftMs -= realNow() - began;
    }
    if (phase.outcome === undefined) this.#armDeadline(phase);
    if (phase.killed && phase.outcome === undefined) {
      // The sandbox is in an unknown state: throw it away; the deadline event reports the timeout.
      this.#discardSandbox(true);
      return;
    }
    if (phase.outcome === undefined && phase.cpuLeftMs <= 0) {
      phase.killed = true;
      this.#discardSandbox(true);
      return;
    }
    if (phase.outcome !== undefined) {
      if (this.#inCall === 0) this.#finishPhase(phase);
      return;
    }
    this.#checkLoop(phase);
  }

  /** Notices that nothing keeps the event loop alive: no call, ref'd timer, pending host call or held host work. */
  #checkLoop(phase: Phase): void {
    if (
      this.#inCall === 0 &&
      !this.#thawing &&
      this.#waitingCalls.length === 0 &&
      this.#refTimers() === 0 &&
      this.#calls.size === this.#weakCalls &&
      this.#holds === 0
    ) {
      this.#onLoopEmpty(phase);
    }
  }

  #call(sandbox: Sandbox, entry: SandboxEntry, args: unknown[]): void {
    const phase = this.#phase;
    if (phase === undefined || phase.outcome !== undefined || phase.killed) return;
    const executor = this.spec.executor;
    // A supervised sandbox's calls are synchronous round trips: timed on the stack, like the
    // virtual clock's (through the executor, other environments' calls would be charged to it).
    if (executor !== undefined && !sandbox.synchronous) {
      this.#callOnThread(executor, phase, sandbox, entry, args);
      return;
    }
    this.#guarded(phase, () => sandbox.call(entry, args, Math.max(1, Math.ceil(phase.cpuLeftMs))), unhandledRejection);
  }

  /**
   * Real clock: the call runs on the isolate's thread, bounded by the executor. One call at a time
   * per environment; calls that come meanwhile (timers falling due, host answers) wait in order.
   */
  #callOnThread(executor: SandboxExecutor, phase: Phase, target: Sandbox, entry: SandboxEntry, args: unknown[]): void {
    if (this.#flying) {
      this.#waitingCalls.push(() => this.#call(target, entry, args));
      return;
    }
    const sandbox = this.#sandbox;
    const before = phase.outcome;
    this.#flying = true;
    this.#inCall++;
    // The deadline must be able to fire while the call runs (the host loop is free meanwhile).
    this.#armDeadline(phase);
    const task = executor.run(async () => {
      const began = realNow();
      this.#callStarted = began;
      try {
        await target.callAsync(entry, args, Math.max(1, Math.ceil(phase.cpuLeftMs)));
        return { began, threw: false, error: undefined as unknown };
      } catch (error) {
        return { began, threw: true, error };
      }
    });
    void this.#kernel.hold(task).then(({ began, threw, error }) => {
      this.#flying = false;
      if (this.#disposed && this.#phase !== phase) return;
      this.#afterCall(phase, sandbox, before, began, threw, error, unhandledRejection);
      const next = this.#waitingCalls.shift();
      if (next !== undefined) next();
    });
  }

  /** Node's event loop ran dry: the invocation resolves as the runtime client would decide. */
  #onLoopEmpty(phase: Phase): void {
    if (phase.isInit || phase.drainedCalled) {
      if (phase.outcome === undefined) {
        // Top-level await that can never finish: Node exits (code 13).
        this.#end(phase, {
          kind: 'error',
          body: {
            errorType: 'Runtime.NodeJsExit',
            errorMessage:
              'The Lambda runtime client detected an unexpected Node.js exit code. This is most commonly caused by a Promise that was never settled. ' +
              'For more information, see https://nodejs.org/docs/latest/api/process.html#exit-codes',
            trace: [],
          },
          fatal: true,
          label: 'Uncaught Exception',
        });
      }
      return;
    }
    phase.drainedCalled = true;
    const sandbox = this.#sandbox;
    if (sandbox !== undefined) this.#call(sandbox, 'drained', []);
  }

  #complete(
    result: Deferred<InvocationRecord>,
    request: InvokeRequest,
    outcome: Outcome,
    info: { cold: boolean; initDurationMs: number | undefined; start: number; initFailed?: boolean },
  ): void {
    const now = this.#kernel.now();
    const id = request.requestId;
    let status: InvocationStatus = 'success';
    let payload: string;
    let errorType: string | undefined;
    let reportStatus: 'success' | 'timeout' | 'error' = 'success';
    let reportErrorType: string | undefined;
    let reset = false;
    switch (outcome.kind) {
      case 'ok':
        if (Buffer.byteLength(outcome.body) > MAX_RESPONSE_BYTES) {
          status = 'error';
          errorType = 'Function.ResponseSizeTooLarge';
          payload = JSON.stringify({
            errorMessage: `Response payload size exceeded maximum allowed payload size (${MAX_RESPONSE_BYTES} bytes).`,
            errorType,
          });
        } else payload = outcome.body;
        break;
      case 'error':
        status = 'error';
        errorType = outcome.body.errorType;
        payload = JSON.stringify({ errorType: outcome.body.errorType, errorMessage: outcome.body.errorMessage, trace: outcome.body.trace ?? [] });
        if (info.initFailed === true) {
          reportStatus = 'error';
          reportErrorType = errorType;
        } else this.#lines.push(this.#log.error(now, id, outcome.label === 'Uncaught Exception' ? 'Invoke Error' : outcome.label, outcome.body));
        reset = outcome.fatal;
        break;
      case 'timeout': {
        status = 'timeout';
        errorType = 'Sandbox.Timedout';
        const text = `RequestId: ${id} Error: Task timed out after ${(this.spec.timeoutMs / 1000).toFixed(2)} seconds`;
        payload = JSON.stringify({ errorType, errorMessage: text });
        this.#lines.push(this.#log.timedOut(now, id, this.spec.timeoutMs));
        reportStatus = 'timeout';
        reset = true;
        break;
      }
      case 'crash':
        status = 'crash';
        errorType = 'Runtime.ExitError';
        payload = JSON.stringify(
          outcome.body === undefined
            ? { errorType, errorMessage: `RequestId: ${id} Error: Runtime exited with error: ${outcome.exit ?? 'signal: killed'}` }
            : { errorType: outcome.body.errorType, errorMessage: outcome.body.errorMessage },
        );
        reportStatus = 'error';
        reportErrorType = outcome.errorType;
        reset = true;
        break;
    }
    const maxMemoryUsedMB = this.#sampleMemory(outcome, info.cold);
    if (this.#overBudget) {
      this.#overBudget = false;
      reset = true;
    }
    if (reset) this.#discardSandbox(true);
    const durationMs = now - info.start;
    const initMs = info.initDurationMs;
    const billedDurationMs = Math.max(1, Math.ceil(durationMs + (initMs ?? 0)));
    const lines = this.#lines;
    const log = this.#log;
    const memoryMB = this.spec.memoryMB;
    // END and REPORT are formatted when somebody reads the log (LogType Tail, a listener).
    let complete = false;
    const logs = (): string[] => {
      if (!complete) {
        complete = true;
        const end = log.end(id);
        if (end !== undefined) lines.push(end);
        lines.push(
          log.report(now, {
            requestId: id,
            durationMs,
            billedMs: billedDurationMs,
            memorySizeMB: memoryMB,
            maxMemoryUsedMB,
            initDurationMs: initMs,
            status: reportStatus,
            errorType: reportErrorType,
          }),
        );
      }
      return lines;
    };
    this.#busy = false;
    this.#lastUsed = now;
    this.#timersToBackground(true);
    const record = new Invocation(
      id,
      this.spec.functionName,
      this.spec.version,
      this.id,
      status,
      errorType,
      payload,
      info.cold,
      info.start,
      now,
      durationMs,
      billedDurationMs,
      initMs,
      maxMemoryUsedMB,
      logs,
    );
    const onEnd = this.#onEnd;
    this.#onEnd = undefined;
    try {
      onEnd?.(record);
    } finally {
      result.resolve(record);
    }
  }

  /**
   * A console message longer than half the per-invocation cap is cut, with a marker saying how much
   * went, before it is formatted (so a JSON-format record stays valid JSON).
   */
  #cut(message: string): string {
    const cap = this.spec.maxLogChars ?? MAX_LOG_CHARS;
    if (message.length <= cap / 2) return message;
    const keep = Math.max(0, Math.floor(cap / 2) - 200);
    return `${message.slice(0, keep)}… [lambda-sim: record truncated, ${message.length - keep} more characters dropped; the log kept per invocation is capped at ${cap} characters]`;
  }

  /**
   * Keeps a log record. The log kept per invocation is bounded (`maxLogChars`, default
   * MAX_LOG_CHARS): past the cap the oldest records go, replaced by one line saying how many, so
   * the tail (LogType Tail) and the host's memory both stay right however much a handler logs.
   */
  #record(line: string): void {
    const cap = this.spec.maxLogChars ?? MAX_LOG_CHARS;
    this.#lines.push(line);
    this.#logBytes += line.length;
    if (this.#logBytes <= cap) return;
    // The previous trim's note is not a record of the handler's: it goes without being counted.
    if (this.#dropped > 0) this.#lines.shift();
    const keep: string[] = [];
    let kept = 0;
    for (let i = this.#lines.length - 1; i >= 0 && kept + this.#lines[i]!.length <= cap / 2; i--) {
      keep.push(this.#lines[i]!);
      kept += this.#lines[i]!.length;
    }
    this.#dropped += this.#lines.length - keep.length;
    const note = `lambda-sim: ${this.#dropped} earlier log record(s) of this invocation dropped (the log kept per invocation is capped at ${cap} characters)`;
    keep.push(note);
    this.#lines = keep.reverse();
    this.#logBytes = kept + note.length;
  }

  /**
   * Max Memory Used: the isolate's heap high-water mark. Reading heap statistics costs as much as a
   * warm invoke, so it is sampled on cold starts, failures and every 64th invocation; between
   * samples the last peak is reported (a measured figure, outside the determinism contract).
   */
  #sampleMemory(outcome: Outcome, cold: boolean): number {
    if (outcome.kind === 'crash' && outcome.errorType === 'Runtime.OutOfMemory') return (this.#peakMB = this.spec.memoryMB);
    if (!cold && outcome.kind === 'ok' && ++this.#sinceSample < 64) return this.#peakMB;
    this.#sinceSample = 0;
    const s = this.#sandbox?.heapStats();
    if (s !== undefined) this.#peakMB = Math.max(this.#peakMB, Math.ceil((s.used + s.external) / 1048576));
    return this.#peakMB;
  }

  /**
   * A sandbox that died under a call: its memory limit (`Runtime.OutOfMemory`), or anything else
   * that took the isolate or its process away — the supervised child exiting, a dispose from
   * outside — as the runtime exiting
   * (`Runtime.ExitError`). Contained to this environment; its next invocation starts cold.
   */
  #deathOf(e: unknown, sandbox: Sandbox | undefined): Outcome | undefined {
    if (e instanceof SandboxLostError) return { kind: 'crash', errorType: 'Runtime.ExitError', body: undefined, exit: e.exit };
    const message = e instanceof Error ? e.message : '';
    if (/memory limit/i.test(message)) return { kind: 'crash', errorType: 'Runtime.OutOfMemory', body: undefined };
    if (sandbox === undefined || !sandbox.disposed) return undefined;
    if (/disposed during execution/i.test(message)) return { kind: 'crash', errorType: 'Runtime.ExitError', body: undefined, exit: 'signal: killed' };
    // Heap exhaustion that surfaced as another error (inside a host callback, say).
    return { kind: 'crash', errorType: 'Runtime.OutOfMemory', body: undefined };
  }

  // ---- timers ----

  #refTimers(): number {
    return this.#refCount;
  }

  #setTimer(id: number, t: TimerState | undefined): void {
    const old = this.#timers.get(id);
    if (old?.ref === true) this.#refCount--;
    if (t === undefined) this.#timers.delete(id);
    else {
      this.#timers.set(id, t);
      if (t.ref) this.#refCount++;
    }
  }

  #armTimer(id: number, rawDelay: number, ref: boolean): void {
    // The sandbox's own clamping can be tampered with (Math.trunc…): clamp again, as Node does.
    const delay = rawDelay === -1 ? -1 : rawDelay >= 0 && rawDelay <= 2147483647 ? Math.trunc(rawDelay) : 1;
    let t = this.#timers.get(id);
    if (t === undefined) {
      if (this.#timers.size >= MAX_TIMERS) {
        throw new RangeError(`lambda-sim: more than ${MAX_TIMERS} timers are pending in this environment (the host keeps every one of them)`);
      }
      t = { event: undefined, at: 0, fire: () => {}, ref, due: false, dueAt: 0 };
      this.#setTimer(id, t);
    } else if (t.ref !== ref) {
      this.#refCount += ref ? 1 : -1;
      t.ref = ref;
    }
    if (delay < 0) return; // ref/unref only
    if (t.event !== undefined) this.#kernel.cancel(t.event);
    t.due = false;
    const timer = t;
    timer.at = this.#kernel.now() + delay;
    timer.fire = () => {
      timer.event = undefined;
      if (this.#timers.get(id) !== timer) return;
      const phase = this.#phase;
      if (phase === undefined || phase.outcome !== undefined || phase.killed || this.#sandbox === undefined) {
        timer.due = true; // frozen: fires at the next thaw
        timer.dueAt = this.#kernel.now();
        return;
      }
      this.#setTimer(id, undefined);
      this.#call(this.#sandbox, 'fire', [id]);
    };
    // A frozen environment's timers are background: they do not keep settle() busy.
    t.event = this.#kernel.schedule(timer.at, `${this.id} timer ${id}`, timer.fire, this.#phase === undefined);
  }

  /** Moves pending timer events to the background (frozen) or the foreground (running). */
  #timersToBackground(background: boolean): void {
    for (const t of this.#timers.values()) {
      if (t.event === undefined || t.event.background === background) continue;
      this.#kernel.cancel(t.event);
      t.event = this.#kernel.schedule(t.at, t.event.label, t.fire, background);
    }
  }

  #clearTimer(id: number): void {
    const t = this.#timers.get(id);
    if (t === undefined) return;
    if (t.event !== undefined) this.#kernel.cancel(t.event);
    this.#setTimer(id, undefined);
  }

  /**
   * Timers that fell due while frozen fire as soon as the environment thaws, before the handler
   * sees the new event (Node's event loop runs its timers phase before it polls for the runtime
   * API's answer), in the order they fell due.
   */
  #thaw(): void {
    if (this.#timers.size === 0 && this.#calls.size === 0) return;
    this.#timersToBackground(false);
    const due = [...this.#timers].filter(([, t]) => t.due).sort(([a, x], [b, y]) => x.dueAt - y.dueAt || a - b);
    const answers = [...this.#calls].filter(([, c]) => c.due !== undefined).sort(([a, x], [b, y]) => x.due!.at - y.due!.at || a - b);
    this.#thawing = true;
    try {
      for (const [id] of due) {
        const sandbox = this.#sandbox;
        if (sandbox === undefined) return;
        this.#setTimer(id, undefined);
        this.#call(sandbox, 'fire', [id]);
      }
      for (const [id, c] of answers) {
        const sandbox = this.#sandbox;
        if (sandbox === undefined || c.sandbox !== sandbox) return;
        this.#dropCall(id);
        this.#call(sandbox, 'settle', [id, c.due!.ok, c.due!.json]);
      }
    } finally {
      this.#thawing = false;
    }
  }

  // ---- host calls ----

  /** The sandbox called a host module or the AWS SDK (see host-calls.ts for the answers). */
  #hostCall(target: string, path: string, argsJson: string, id: number): string {
    // Host modules are user code: what they leave pending may act at this instant.
    this.#kernel.wake();
    const sandbox = this.#sandbox;
    if (sandbox === undefined) return `e${encodeError(new Error('lambda-sim: the environment was reset'))}`;
    let answer: HostCallAnswer;
    try {
      if (argsJson.length > MAX_HOST_CALL_CHARS) throw hostCallTooLarge(target, path, argsJson.length);
      if (this.#hostWork.calls >= MAX_PENDING_HOST_CALLS || this.#hostWork.chars + argsJson.length > MAX_PENDING_HOST_CALL_CHARS) {
        throw new RangeError(
          `lambda-sim: this environment already has ${this.#hostWork.calls} host calls waiting for an answer, holding ${this.#hostWork.chars} characters of arguments ` +
            `(at most ${MAX_PENDING_HOST_CALLS} calls and ${MAX_PENDING_HOST_CALL_CHARS} characters): await some before starting more`,
        );
      }
      // The isolate's own heap (v8.getHeapStatistics): only the environment knows its sandbox.
      if (target === 'v8') answer = { kind: 'value', value: sandbox.heapStats() ?? null };
      else answer = this.spec.hostCalls.call(target, path, decode(argsJson) as unknown[], {
        functionName: this.spec.functionName,
        functionArn: this.spec.functionArn,
        requestId: this.#phase?.requestId,
        traceId: this.#traceId,
        scope: this.#scope,
        hold: this.#holdTime,
      });
    } catch (error) {
      answer = { kind: 'error', error };
    }
    switch (answer.kind) {
      case 'value':
        try {
          return `v${encode(answer.value)}`;
        } catch (error) {
          return `e${encodeError(error)}`;
        }
      case 'error':
        return `e${encodeError(answer.error)}`;
      case 'promise':
      case 'event':
      case 'simulated': {
        const weak = answer.kind === 'event' && answer.weak === true;
        const immediate = answer.kind === 'event' && answer.immediate === true;
        const pending: PendingCall = { sandbox, due: undefined, weak };
        this.#calls.set(id, pending);
        if (weak) this.#weakCalls++;
        const latency = Math.max(0, answer.latencyMs);
        // The host holds the arguments until its work settles (whatever becomes of the sandbox).
        const work = this.#hostWork;
        const chars = argsJson.length;
        work.calls++;
        work.chars += chars;
        let settled = false;
        const finish = (ok: boolean, value: unknown): void => {
          if (!settled) {
            settled = true;
            work.calls--;
            work.chars -= chars;
          }
          let json: string;
          try {
            json = ok ? encode(value) : encodeError(value);
          } catch (error) {
            ok = false;
            json = encodeError(error);
          }
          const schedule = (): void => {
            if (immediate && this.#inCall === 0 && !this.#flying && (this.#kernel.holding || this.#phase === undefined)) {
              // Host work in flight may wait for this answer (a host module awaiting a sandbox
              // callback): time cannot move until it settles, so it is delivered at this instant.
              // Frozen, it waits for the thaw in the order it came (before a later invocation).
              this.#deliver(id, pending, ok, json);
              return;
            }
            this.#kernel.after(latency, `${this.id} host call ${id} (${target} ${path})`, () => this.#deliver(id, pending, ok, json));
          };
          // Answered inside a sandbox call (the host called back synchronously): decided once the
          // call has returned, when what it started (a held host promise) is known.
          if (immediate && this.#inCall > 0) queueMicrotask(schedule);
          else schedule();
        };
        if (answer.kind === 'event') {
          // Not held, not bounded: the answerer holds time while a reply is expected.
          answer.promise.then((v) => finish(true, v), (e: unknown) => finish(false, e));
        } else if (answer.kind === 'promise') {
          const bound = this.spec.hostCallTimeoutMs ?? 30_000;
          const bounded = new Promise<unknown>((resolve, reject) => {
            const timer = hostTimeout(bound, () =>
              reject(new Error(`lambda-sim: the host call ${answer.label ?? `${target} ${path}`} did not settle within ${bound} ms of real time (simulated time cannot move while it is pending)`)),
            );
            answer.promise.then(
              (v) => {
                timer.cancel();
                resolve(v);
              },
              (e: unknown) => {
                timer.cancel();
                reject(e);
              },
            );
          });
          void this.#kernel.hold(bounded.then((v) => finish(true, v), (e: unknown) => finish(false, e)));
        } else {
          // Simulated work (a nested invoke) starts as its own event, not inside this sandbox call.
          const start = answer.start;
          this.#kernel.after(0, `${this.id} host call ${id} start`, () => start(finish));
        }
        return 'p';
      }
    }
  }

  #dropCall(id: number): void {
    if (this.#calls.get(id)?.weak === true) this.#weakCalls--;
    this.#calls.delete(id);
  }

  #deliver(id: number, pending: PendingCall, ok: boolean, json: string): void {
    if (this.#calls.get(id) !== pending || this.#sandbox !== pending.sandbox) return;
    const phase = this.#phase;
    if (phase === undefined || phase.outcome !== undefined || phase.killed) {
      pending.due = { ok, json, at: this.#kernel.now() }; // frozen: delivered at the next thaw
      return;
    }
    this.#dropCall(id);
    this.#call(pending.sandbox, 'settle', [id, ok, json]);
  }

  // ---- the sandbox ----

  #createSandbox(): Sandbox {
    const callbacks: HostCallbacks = {
      log: (level: string, message: string) => this.#record(this.#log.console(this.#kernel.now(), this.#phase?.requestId, String(level), this.#cut(String(message)))),
      timer: (id: number, delay: number, ref: boolean) => this.#armTimer(Number(id), Number(delay), ref === true),
      clearTimer: (id: number) => this.#clearTimer(Number(id)),
      now: () => this.#kernel.now(),
      done: (kind: string, body: string) => this.#onDone(String(kind), String(body)),
      fs: (op: string, path: string, a: unknown, b: unknown) => this.#tmp.op(String(op), String(path), a, b),
      map: (frames: string) => this.#mapFrames(String(frames)),
      lazy: (name: string) => this.#loadLazy(String(name)),
      url: (input: string, base: string | undefined, prop: string | undefined, value: string | undefined) => parseUrlOnHost(input, base, prop, value),
      hash: (id: number, algorithm: string, key: Uint8Array | null, data: Uint8Array, final: boolean, continued: boolean) =>
        this.#hashes.feed(Number(id), String(algorithm), key, data, final === true, continued === true),
      crypto: (op: string, argsJson: string) => this.#computeCall('crypto', String(op), String(argsJson), (o, a) => this.#crypto.run(o, a)),
      zlib: (op: string, argsJson: string) => this.#computeCall('zlib', String(op), String(argsJson), runZlib),
      call: (target: string, path: string, argsJson: string, id: number) => this.#hostCall(String(target), String(path), String(argsJson), Number(id)),
    };
    // isolated-vm's timeout counts only the sandbox's own code: the host's time in these callbacks
    // is charged to the phase's CPU budget here, so a handler cannot make the host work for free.
    for (const name of Object.keys(callbacks) as Array<keyof HostCallbacks>) {
      const fn = callbacks[name] as (...args: unknown[]) => unknown;
      (callbacks as unknown as Record<string, (...args: unknown[]) => unknown>)[name] = (...args: unknown[]) => {
        this.#chargeCallback();
        return fn(...args);
      };
    }
    const spec = this.spec;
    const setup = JSON.stringify({
      env: this.#environmentVariables(),
      seedWords: [this.#random.nextUint32(), this.#random.nextUint32(), this.#random.nextUint32(), this.#random.nextUint32()],
      nodeVersion: process.versions.node,
      versions: { node: process.versions.node, v8: process.versions.v8, uv: process.versions.uv, modules: process.versions.modules },
      startedAt: this.#kernel.now(),
      functionName: spec.functionName,
      functionVersion: spec.version,
      memoryLimitInMB: String(spec.memoryMB),
      logGroupName: spec.logGroup,
      logStreamName: this.logStreamName,
      runtime: spec.runtime,
      exportPath: spec.bundle.exportPath,
      handlerString: spec.handler,
      hostModules: [...spec.hostCalls.hostModules],
      sdk: spec.sdk,
      ...(spec.logFormat === 'JSON' && spec.applicationLogLevel !== undefined ? { logLevel: spec.applicationLogLevel } : {}),
    });
    const sandbox = spec.sandboxes.create(spec.memoryMB, callbacks, setup);
    sandbox.onLost = () => this.#sandboxLost(sandbox);
    this.#sandbox = sandbox;
    return sandbox;
  }

  /**
   * Before a host callback runs: once the running call (sandbox code and callbacks together) has
   * used the phase's remaining CPU budget, the phase is stopped as a timeout and every further
   * callback refuses, so the call unwinds; the deadline then reports `Sandbox.Timedout`.
   */
  #chargeCallback(): void {
    const phase = this.#phase;
    if (phase === undefined || this.#inCall === 0) return;
    if (!phase.killed && !this.#overBudget && realNow() - this.#callStarted <= phase.cpuLeftMs) return;
    if (phase.outcome === undefined) phase.killed = true;
    // Past its outcome (microtasks still running in the same call) the result stands, but the
    // sandbox is in an unknown state: it is reset when the invocation completes.
    else this.#overBudget = true;
    throw new Error(TIMED_OUT);
  }

  /**
   * Supervised mode: the process holding this environment's sandbox died while another
   * environment's code ran. A running invocation ends as Lambda's does when its runtime exits; an
   * idle environment starts cold next time.
   */
  #sandboxLost(sandbox: Sandbox): void {
    if (this.#sandbox !== sandbox) return;
    if (!this.#busy) {
      // Idle (or frozen): nothing of it runs now; the next invocation initialises a new sandbox.
      this.#discardSandbox(true);
      return;
    }
    // Running: end the invocation as an event of its own (we are inside another sandbox's call).
    this.#kernel.after(0, `${this.id} sandbox lost`, () => {
      if (this.#sandbox !== sandbox) return;
      const phase = this.#phase;
      if (phase !== undefined && phase.outcome === undefined) {
        this.#end(phase, { kind: 'crash', errorType: 'Runtime.ExitError', body: undefined, exit: 'signal: killed' });
      }
    });
  }

  #environmentVariables(): Record<string, string> {
    const s = this.spec;
    return {
      // X-Ray, as Lambda sets them (a function's own variables may change them): the daemon's
      // address (the sandbox's dgram takes its datagrams), the SDK's behaviour outside a segment.
      AWS_XRAY_DAEMON_ADDRESS: '169.254.79.129:2000',
      _AWS_XRAY_DAEMON_ADDRESS: '169.254.79.129',
      _AWS_XRAY_DAEMON_PORT: '2000',
      AWS_XRAY_CONTEXT_MISSING: 'LOG_ERROR',
      ...s.variables,
      _HANDLER: s.handler,
      _X_AMZN_TRACE_ID: '',
      AWS_REGION: s.region,
      AWS_DEFAULT_REGION: s.region,
      AWS_EXECUTION_ENV: `AWS_Lambda_${s.runtime}`,
      AWS_LAMBDA_FUNCTION_NAME: s.functionName,
      AWS_LAMBDA_FUNCTION_MEMORY_SIZE: String(s.memoryMB),
      AWS_LAMBDA_FUNCTION_VERSION: s.version,
      AWS_LAMBDA_INITIALIZATION_TYPE: this.initializationType,
      AWS_LAMBDA_LOG_GROUP_NAME: s.logGroup,
      AWS_LAMBDA_LOG_STREAM_NAME: this.logStreamName,
      AWS_ACCESS_KEY_ID: 'ASIASIMULATEDKEY0000',
      AWS_SECRET_ACCESS_KEY: 'lambda-sim/simulated/secret/access/key000',
      AWS_SESSION_TOKEN: 'lambda-sim-simulated-session-token',
      AWS_LAMBDA_RUNTIME_API: '127.0.0.1:9001',
      LAMBDA_TASK_ROOT: '/var/task',
      LAMBDA_RUNTIME_DIR: '/var/runtime',
      LANG: 'en_US.UTF-8',
      PATH: '/var/lang/bin:/usr/local/bin:/usr/bin/:/bin:/opt/bin',
      LD_LIBRARY_PATH: '/var/lang/lib:/lib64:/usr/lib64:/var/runtime:/var/runtime/lib:/var/task:/var/task/lib:/opt/lib',
      NODE_PATH: '/opt/nodejs/node20/node_modules:/opt/nodejs/node_modules:/var/runtime/node_modules:/var/runtime:/var/task',
      TZ: ':UTC',
    };
  }

  #onDone(kind: string, body: string): void {
    const phase = this.#phase;
    if (phase === undefined || phase.outcome !== undefined || phase.killed) return;
    switch (kind) {
      case 'registered':
        if (phase.isInit) this.#end(phase, { kind: 'ok', body: '' });
        return;
      case 'ok':
        this.#end(phase, { kind: 'ok', body });
        return;
      case 'error':
        this.#end(phase, { kind: 'error', body: errorBodyFrom(body), fatal: false, label: phase.kind === 'init' ? 'Uncaught Exception' : 'Invoke Error' });
        return;
      case 'fatal':
        this.#end(phase, { kind: 'error', body: errorBodyFrom(body), fatal: true, label: 'Uncaught Exception' });
        return;
      case 'exit':
        this.#end(phase, { kind: 'crash', errorType: 'Runtime.ExitError', body: errorBodyFrom(body) });
        return;
    }
  }

  /**
   * Source-maps a stack's frames. Bounded before any work: a handler can raise
   * Error.stackTraceLimit and send two million frames; past MAX_MAPPED_FRAMES (or their text's
   * size) frames stay as the bundle names them.
   */
  #mapFrames(json: string): string {
    if (json.length > MAX_MAPPED_FRAMES * 64) return '[]';
    let frames: unknown;
    try {
      frames = JSON.parse(json);
    } catch {
      return '[]';
    }
    if (!Array.isArray(frames)) return '[]';
    const out: unknown[] = [];
    for (let i = 0; i < frames.length && i < MAX_MAPPED_FRAMES; i++) {
      const f = frames[i] as unknown;
      out.push(Array.isArray(f) && typeof f[1] === 'number' && typeof f[2] === 'number' ? (this.spec.bundle.mapPosition(f[1], f[2]) ?? null) : null);
    }
    return JSON.stringify(out);
  }

  /** Host work started by this environment's host calls and not settled yet: how many, and their arguments' characters. */
  readonly #hostWork = { calls: 0, chars: 0 };
  readonly #lazyLoaded = new Set<string>();
  /** Hashes the sandbox is feeding in chunks (see host-services.ts). */
  readonly #hashes = new HostHashes();
  /** Host resources of the current sandbox (its sockets): disposed of with it. */
  #scope = new HostScope();
  /**
   * Host work that holds simulated time for this sandbox (a socket expecting a reply, a callback
   * API's quiet window): it keeps the event loop alive too, as an active handle does in Node.
   */
  readonly #holdTime = (until: Promise<void>): void => {
    this.#holds++;
    const release = (): void => {
      this.#holds--;
      const phase = this.#phase;
      if (this.#holds === 0 && phase !== undefined && phase.outcome === undefined && !phase.killed) this.#checkLoop(phase);
    };
    void this.#kernel.hold(until).then(release, release);
  };
  #holds = 0;
  /** Keys, signatures, ciphers in progress (see host-crypto.ts). */
  readonly #crypto = new HostCrypto();

  /** The `crypto` and `zlib` callbacks: `'v' + answer` or `'e' + error`, both codec-encoded (errors keep their code). */
  #computeCall(name: string, op: string, argsJson: string, run: (op: string, args: Record<string, unknown>) => unknown): string {
    try {
      if (argsJson.length > MAX_HOST_CALL_CHARS) throw hostCallTooLarge(name, op, argsJson.length);
      return `v${encode(run(op, decode(argsJson) as Record<string, unknown>))}`;
    } catch (error) {
      return `e${encodeError(error)}`;
    }
  }
  /**
   * Evaluates a lazy chunk inside the running call, under what is left of the phase's CPU budget:
   * handler code can run in the middle (a getter planted on an intrinsic the chunk uses), and a
   * nested call without a timeout would hold the host for good. The first build of a chunk in this
   * process (esbuild, once for everybody) is not charged to the invocation.
   */
  #loadLazy(name: string): void {
    const sandbox = this.#sandbox;
    if (sandbox === undefined || this.#lazyLoaded.has(name)) return;
    const building = realNow();
    const chunk = lazyChunk(name);
    if (this.#inCall > 0) this.#callStarted += realNow() - building;
    if (chunk === undefined) return;
    const phase = this.#phase;
    const left = phase === undefined || this.#inCall === 0 ? this.spec.cpuBudgetMs : phase.cpuLeftMs - (realNow() - this.#callStarted);
    if (left <= 0) this.#chargeCallback(); // throws: the budget is spent
    try {
      sandbox.runChunk(chunk, Math.max(1, Math.ceil(left)));
    } catch (error) {
      if (phase !== undefined && phase.outcome === undefined && error instanceof Error && error.message === TIMED_OUT) {
        phase.killed = true;
        throw new Error(TIMED_OUT);
      }
      throw error;
    }
    this.#lazyLoaded.add(name);
  }

  /** Throws the sandbox away (after a timeout, crash or failed init); `/tmp` stays. */
  #discardSandbox(countReset = false): void {
    for (const t of this.#timers.values()) if (t.event !== undefined) this.#kernel.cancel(t.event);
    this.#timers.clear();
    this.#refCount = 0;
    this.#peakMB = 0;
    this.#lazyLoaded.clear();
    this.#hashes.clear();
    this.#crypto.clear();
    this.#scope.dispose();
    this.#scope = new HostScope();
    const sandbox = this.#sandbox;
    this.#sandbox = undefined;
    this.#ready = false;
    if (countReset) this.#resets++;
    if (sandbox === undefined) return;
    this.#calls.clear();
    this.#weakCalls = 0;
    if (sandbox.disposed) {
      sandbox.dispose(); // counted
    } else if (this.#flying) {
      // A call runs on the isolate's thread (real clock): stop it a turn later, as a deadline does.
      disposeSoon(sandbox);
    } else if (this.#inCall > 0) {
      // Disposing of an isolate from inside one of its own callbacks is not allowed: do it next.
      this.#kernel.after(0, `${this.id} dispose`, () => sandbox.dispose());
    } else sandbox.dispose();
  }
}

/**
 * An error body reported by the sandbox, forced into shape: handler code can tamper with the
 * shim's globals (JSON, String…), so nothing it sends is trusted as-is.
 */
function errorBodyFrom(json: string): ErrorBody {
  // Bounded before it is parsed on the host: an error report is a response too.
  if (json.length > MAX_RESPONSE_BYTES || Buffer.byteLength(json) > MAX_RESPONSE_BYTES) {
    return {
      errorType: 'Function.ResponseSizeTooLarge',
      errorMessage: `Response payload size exceeded maximum allowed payload size (${MAX_RESPONSE_BYTES} bytes).`,
      trace: [],
    };
  }
  let v: unknown;
  try {
    v = JSON.parse(json);
  } catch {
    v = undefined;
  }
  const o = (v !== null && typeof v === 'object' ? v : {}) as Record<string, unknown>;
  const str = (x: unknown, fallback: string): string => (typeof x === 'string' ? x : fallback);
  return {
    errorType: str(o['errorType'], 'Runtime.MalformedErrorReport'),
    errorMessage: str(o['errorMessage'], typeof v === 'string' ? v : 'The runtime reported an error it could not describe'),
    trace: Array.isArray(o['trace']) ? (o['trace'] as unknown[]).map((l) => String(l)) : [],
  };
}

function errorTypeOf(o: Outcome): string | undefined {
  switch (o.kind) {
    case 'error':
      return o.body.errorType;
    case 'crash':
      return o.errorType;
    default:
      return undefined;
  }
}

function cutBoundary(stack: string): string[] {
  const lines = stack.split('\n');
  const i = lines.findIndex((l) => l.includes('<isolated-vm boundary>'));
  return i < 0 ? lines : lines.slice(0, i);
}

/** The error a module threw while loading, as the runtime client reports it. */
function initErrorBody(e: unknown): ErrorBody {
  if (e instanceof Error) {
    const marked = /^\u0000([\w.]+)\u0000([\s\S]*)$/.exec(e.message);
    if (marked !== null) return { errorType: marked[1]!, errorMessage: marked[2]!, trace: `${marked[1]}: ${marked[2]}`.split('\n') };
    const name = e.name;
    if (name === 'SyntaxError') return { errorType: 'Runtime.UserCodeSyntaxError', errorMessage: `SyntaxError: ${e.message}`, trace: [] };
    return { errorType: name, errorMessage: e.message, trace: typeof e.stack === 'string' ? cutBoundary(e.stack) : [] };
  }
  if (e === null || e === undefined) return { errorType: 'string', errorMessage: 'handled', trace: [] };
  return { errorType: typeof e, errorMessage: String(e), trace: [] };
}

function syntaxBody(e: unknown): ErrorBody {
  return { errorType: 'Runtime.UserCodeSyntaxError', errorMessage: syntaxErrorMessage(e), trace: [] };
}
