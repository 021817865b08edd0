import { SimulationStalledError } from '../errors.js';
import { Deferred } from './deferred.js';
import { EventHeap, type SimEvent } from './event-heap.js';
import { hostTimeout, realNow, wallClockEpoch, yieldToHost, type HostTimer } from './host-time.js';
import { Random } from './random.js';

export type ClockMode = 'virtual' | 'real';

/** 2025-01-01T00:00:00.000Z: where virtual time starts unless `epoch` says otherwise. */
export const DEFAULT_EPOCH = Date.UTC(2025, 0, 1);

export interface KernelOptions {
  seed: number;
  clock: ClockMode;
  /** Simulated epoch ms at start. Virtual default: {@link DEFAULT_EPOCH}; real default: the wall clock. */
  epoch?: number | undefined;
  /** Real clock only: simulated ms per real ms (2 runs twice as fast as the wall clock). */
  timeScale?: number | undefined;
}

export interface DrainLimits {
  /** Most events a drain may run before it fails with {@link SimulationStalledError}. */
  maxEvents?: number;
}

const DEFAULT_MAX_EVENTS = 10_000_000;

interface AdvanceGoal {
  target: number;
  done: Deferred<void>;
}

/**
 * The simulation kernel: one clock, one event heap, seeded randomness.
 *
 * **Virtual time** advances only when no real work is pending (no `hold`-ed host promise in
 * flight); then the clock jumps to the next event. Before it moves the clock to a later instant the
 * driver yields one turn of the host event loop, so that every caller that meant to act "now" (a
 * `Promise.all` of invokes, the continuation of an awaited result) has done so at the current
 * instant. Events at the same instant run in insertion order (see {@link EventHeap}).
 *
 * The simulation runs while somebody awaits it: {@link wait} drives until a result is known,
 * {@link settle} until nothing is left, {@link advance} to a given time. One driver loop serves
 * all of them.
 *
 * **Real time** reads the host's monotonic clock (optionally scaled) and dispatches due events from
 * one host timer.
 */
export class Kernel {
  readonly mode: ClockMode;
  readonly random: Random;
  readonly epoch: number;
  readonly timeScale: number;

  readonly #heap = new EventHeap();
  #now: number;
  #inFlight = 0;
  #idleListeners: Array<() => void> = [];
  readonly #waiting = new Set<Deferred<unknown>>();
  #settles: Array<{ done: Deferred<void>; maxEvents: number; ran: number }> = [];
  #advances: AdvanceGoal[] = [];
  #driving = false;
  #closed = false;
  /**
   * Results handed to the host since the driver last let it run (settled waits, advances and
   * settles, answered host work): only then can a continuation of user code be waiting to act at
   * the current instant, so only then does moving the clock need a full turn of the host loop.
   */
  #wakes = 1;

  // real clock
  readonly #realStart: number;
  #realTimer: HostTimer | undefined;
  #realTimerAt = Infinity;

  constructor(options: KernelOptions) {
    this.mode = options.clock;
    this.random = new Random(options.seed);
    this.timeScale = options.timeScale ?? 1;
    if (!(this.timeScale > 0) || !Number.isFinite(this.timeScale)) {
      throw new TypeError(`Expected \`timeScale\` to be a finite number > 0, got \`${String(options.timeScale)}\``);
    }
    this.epoch = options.epoch ?? (this.mode === 'virtual' ? DEFAULT_EPOCH : wallClockEpoch());
    this.#now = this.epoch;
    this.#realStart = realNow();
  }

  /**
   * User code ran inside the simulation (a listener, a scheduled callback, a host module): it may
   * have left continuations that act at this instant, so the driver takes a full turn of the host
   * loop before it moves the clock.
   */
  wake(): void {
    this.#wakes++;
  }

  /** Simulated epoch milliseconds. Integral in virtual mode. */
  now(): number {
    if (this.mode === 'virtual') return this.#now;
    return this.epoch + (realNow() - this.#realStart) * this.timeScale;
  }

  /**
   * Schedules `run` at simulated time `at` (clamped to now). A `background` event (housekeeping
   * such as reaping idle environments) runs when time reaches it but does not keep `settle()` busy.
   */
  schedule(at: number, label: string, run: () => void, background = false): SimEvent {
    const now = this.now();
    const event = this.#heap.push(at < now ? now : at, label, run, background);
    if (this.mode === 'real') this.#armRealTimer();
    return event;
  }

  /** Schedules `run` after `delayMs` of simulated time. */
  after(delayMs: number, label: string, run: () => void, background = false): SimEvent {
    return this.schedule(this.now() + Math.max(0, delayMs), label, run, background);
  }

  cancel(event: SimEvent): void {
    this.#heap.cancel(event);
  }

  /** Live scheduled events. */
  get pendingEvents(): number {
    return this.#heap.size;
  }

  /** Whether real work is in flight: simulated time cannot move (see {@link hold}). */
  get holding(): boolean {
    return this.#inFlight > 0;
  }

  /**
   * Marks real (host) work the simulation must wait for: virtual time does not advance while `work`
   * is in flight.
   */
  hold<T>(work: Promise<T>): Promise<T> {
    this.#inFlight++;
    const release = (): void => {
      this.#inFlight--;
      this.#wakes++;
      if (this.#inFlight === 0) {
        const listeners = this.#idleListeners;
        this.#idleListeners = [];
        for (const l of listeners) l();
        if (this.mode === 'real') this.#realCheckGoals();
      }
    };
    work.then(release, release);
    return work;
  }

  /** Drives the simulation until `deferred` settles, and returns its result. */
  wait<T>(deferred: Deferred<T>): Promise<T> {
    if (!deferred.settled) {
      this.#waiting.add(deferred as Deferred<unknown>);
      deferred.onSettled(() => {
        this.#waiting.delete(deferred as Deferred<unknown>);
        this.#wakes++;
      });
      this.#kick();
    }
    return deferred.promise;
  }

  /**
   * Runs until no event is left and no real work is in flight. Fails with
   * {@link SimulationStalledError} after `maxEvents` events (an environment with a `setInterval`
   * never settles; frozen environments do not count, their timers wait for the next invoke).
   */
  settle(limits: DrainLimits = {}): Promise<void> {
    const done = new Deferred<void>();
    this.#settles.push({ done, maxEvents: limits.maxEvents ?? DEFAULT_MAX_EVENTS, ran: 0 });
    if (this.mode === 'real') this.#realCheckGoals();
    else this.#kick();
    return done.promise;
  }

  /** Runs every event due within the next `ms` of simulated time, then sets the clock to now + ms. */
  advance(ms: number): Promise<void> {
    if (!(ms >= 0) || !Number.isFinite(ms)) {
      return Promise.reject(new TypeError(`Expected \`ms\` to be a finite number >= 0, got \`${String(ms)}\``));
    }
    const done = new Deferred<void>();
    if (this.mode === 'real') {
      hostTimeout(ms / this.timeScale, () => done.resolve());
      return done.promise;
    }
    this.#advances.push({ target: this.#now + ms, done });
    this.#advances.sort((a, b) => a.target - b.target);
    this.#kick();
    return done.promise;
  }

  /** Stops dispatching; pending waits fail. */
  close(reason = 'the simulator was closed'): void {
    this.#closed = true;
    this.#realTimer?.cancel();
    this.#realTimer = undefined;
    this.#failAll(new SimulationStalledError(`Simulation closed: ${reason}`));
  }

  #kick(): void {
    if (this.mode === 'real' || this.#driving || this.#closed) return;
    this.#driving = true;
    void this.#drive();
  }

  /**
   * The driver loop. `#driving` is cleared in a `finally` that runs synchronously with the loop's
   * `return`: a caller that acts in the continuation of a result this loop delivered (its own
   * microtask, queued before the loop's promise settles) must be able to start a new drive.
   */
  async #drive(): Promise<void> {
    try {
      await this.#driveLoop();
    } finally {
      this.#driving = false;
    }
  }

  async #driveLoop(): Promise<void> {
    let yieldedAt = Number.NaN;
    while (!this.#closed) {
      if (this.#inFlight > 0) {
        await new Promise<void>((resolve) => this.#idleListeners.push(resolve));
        continue;
      }
      let next = this.#heap.peek();
      this.#resolveAdvances(next);
      if (this.#heap.foreground === 0 && this.#settles.length > 0) {
        for (const s of this.#settles) s.done.resolve();
        this.#settles = [];
        this.#wakes++;
      }
      // Only background events left and nobody waiting for anything: stop (they run when time moves).
      if (this.#waiting.size === 0 && this.#settles.length === 0 && this.#advances.length === 0) {
        this.#driving = false; // synchronously, before any continuation of what this loop delivered runs
        return;
      }
      if (next === undefined || next.at > this.#now) {
        // Somebody may still act at this instant: let the host run once before time moves on.
        if (yieldedAt !== this.#now) {
          yieldedAt = this.#now;
          if (this.#wakes > 0) {
            this.#wakes = 0;
            await yieldToHost();
          } else {
            // Nothing was handed out since the last full turn: pending microtasks suffice.
            await null;
          }
          continue;
        }
        if (next === undefined) {
          this.#stall();
          continue;
        }
      }
      next = this.#heap.pop()!;
      for (const s of this.#settles) {
        if (++s.ran > s.maxEvents) {
          s.done.reject(
            new SimulationStalledError(
              `settle() ran ${s.maxEvents} events without the simulation becoming idle at ${new Date(this.#now).toISOString()}; ` +
                `next events: ${[`${next.label} @${new Date(next.at).toISOString()}`, ...this.#heap.describe(4)].join(', ')}. Raise maxEvents or stop what keeps scheduling.`,
            ),
          );
        }
      }
      this.#settles = this.#settles.filter((s) => !s.done.settled);
      this.#now = next.at;
      this.#run(next);
    }
  }

  /**
   * Runs one event. An exception escaping an event (a bug, or a throwing listener) must not take
   * the host process down from inside the driver: it fails everything waiting on the simulation.
   */
  #run(event: SimEvent): void {
    try {
      event.run();
    } catch (error) {
      this.#failAll(error instanceof Error ? error : new Error(String(error)));
    }
  }

  #resolveAdvances(next: SimEvent | undefined): void {
    while (this.#advances.length > 0) {
      const goal = this.#advances[0]!;
      if (next !== undefined && next.at <= goal.target) return;
      if (goal.target > this.#now) this.#now = goal.target;
      this.#advances.shift();
      goal.done.resolve();
      this.#wakes++;
    }
  }

  #stall(): void {
    const waiting = [...this.#waiting];
    const error = new SimulationStalledError(
      `The simulation is waiting for ${waiting.length} result(s) at ${new Date(this.#now).toISOString()}, ` +
        'but no simulated event is scheduled and no host work is in flight: nothing can ever produce them.',
    );
    for (const d of waiting) d.reject(error);
  }

  #failAll(error: Error): void {
    this.#wakes++;
    for (const d of [...this.#waiting]) d.reject(error);
    for (const s of this.#settles) s.done.reject(error);
    for (const a of this.#advances) a.done.reject(error);
    this.#settles = [];
    this.#advances = [];
  }

  // ---- real clock ----

  #armRealTimer(): void {
    if (this.#closed) return;
    const next = this.#heap.peek();
    if (next === undefined) {
      this.#realTimer?.cancel();
      this.#realTimer = undefined;
      this.#realTimerAt = Infinity;
      return;
    }
    if (this.#realTimer !== undefined && this.#realTimerAt <= next.at) return;
    this.#realTimer?.cancel();
    this.#realTimerAt = next.at;
    const delay = (next.at - this.now()) / this.timeScale;
    this.#realTimer = hostTimeout(delay, () => {
      this.#realTimer = undefined;
      this.#realTimerAt = Infinity;
      this.#realDispatch();
    });
  }

  #realDispatch(): void {
    for (;;) {
      const next = this.#heap.peek();
      if (next === undefined || next.at > this.now()) break;
      this.#heap.pop();
      this.#run(next);
    }
    this.#armRealTimer();
    this.#realCheckGoals();
  }

  #realCheckGoals(): void {
    if (this.#heap.foreground === 0 && this.#inFlight === 0 && this.#settles.length > 0) {
      for (const s of this.#settles) s.done.resolve();
      this.#settles = [];
    }
  }
}
