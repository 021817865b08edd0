/**
 * Metrics under CloudWatch's Lambda names, aggregated from the simulator's events (so they agree
 * with the event stream by construction of the same facts, and a test checks them against it):
 * per function `Invocations`, `Errors`, `Throttles`, `Duration` (with percentiles),
 * `ConcurrentExecutions` (maximum), and for the account `ConcurrentExecutions` and
 * `UnreservedConcurrentExecutions` (maxima). Durations keep a bounded sample (reservoir of 10,000,
 * seeded) so hours of traffic stay in constant memory; counts are exact.
 */
import type { Random } from '../kernel/random.js';

export interface DurationStats {
  count: number;
  sum: number;
  min: number;
  max: number;
  p50: number;
  p90: number;
  p99: number;
}

export interface FunctionMetrics {
  Invocations: number;
  /** Invocations served by provisioned environments, and those beyond them (on a version or alias with provisioned concurrency). */
  ProvisionedConcurrencyInvocations: number;
  ProvisionedConcurrencySpilloverInvocations: number;
  Errors: number;
  Throttles: number;
  ColdStarts: number;
  Duration: DurationStats;
  ConcurrentExecutions: number;
  /** Asynchronous invocation: events accepted (202). */
  AsyncEventsReceived: number;
  /** Ms from an event's acceptance to each of its deliveries. */
  AsyncEventAge: DurationStats;
  /** Events dropped without a successful run: retries exhausted, age expired, zero concurrency, recursion, overflow. */
  AsyncEventsDropped: number;
  DeadLetterErrors: number;
  DestinationDeliveryFailures: number;
}

export interface MetricsSnapshot {
  functions: Record<string, FunctionMetrics>;
  account: { ConcurrentExecutions: number; UnreservedConcurrentExecutions: number; Throttles: number };
}

const RESERVOIR = 10_000;

/** Exact count, sum, min and max, and a bounded seeded sample for percentiles. */
class Reservoir {
  values: number[] = [];
  seen = 0;
  sum = 0;
  min = Number.POSITIVE_INFINITY;
  max = 0;

  add(value: number, random: Random): void {
    this.seen++;
    this.sum += value;
    if (value < this.min) this.min = value;
    if (value > this.max) this.max = value;
    if (this.values.length < RESERVOIR) this.values.push(value);
    else {
      const j = Math.floor(random.next() * this.seen);
      if (j < RESERVOIR) this.values[j] = value;
    }
  }

  stats(): DurationStats {
    const sorted = [...this.values].sort((a, b) => a - b);
    const q = (p: number): number => (sorted.length === 0 ? 0 : sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!);
    return { count: this.seen, sum: this.sum, min: this.seen === 0 ? 0 : this.min, max: this.max, p50: q(50), p90: q(90), p99: q(99) };
  }
}

class FunctionStats {
  invocations = 0;
  provisioned = 0;
  spillover = 0;
  errors = 0;
  throttles = 0;
  coldStarts = 0;
  running = 0;
  maxRunning = 0;
  readonly durations = new Reservoir();
  asyncReceived = 0;
  readonly ages = new Reservoir();
  asyncDropped = 0;
  deadLetterErrors = 0;
  destinationFailures = 0;
}

export class MetricsRecorder {
  readonly #functions = new Map<string, FunctionStats>();
  readonly #random: Random;
  #running = 0;
  #maxRunning = 0;
  #unreservedRunning = 0;
  #maxUnreserved = 0;
  #throttles = 0;

  constructor(random: Random) {
    this.#random = random;
  }

  #of(fn: string): FunctionStats {
    let s = this.#functions.get(fn);
    if (s === undefined) {
      s = new FunctionStats();
      this.#functions.set(fn, s);
    }
    return s;
  }

  /** `provisioned`: undefined when the version has no provisioned concurrency, else whether a provisioned environment served it. */
  started(fn: string, coldStart: boolean, reserved: boolean, provisioned?: boolean): void {
    const s = this.#of(fn);
    s.invocations++;
    if (provisioned === true) s.provisioned++;
    else if (provisioned === false) s.spillover++;
    if (coldStart) s.coldStarts++;
    s.running++;
    s.maxRunning = Math.max(s.maxRunning, s.running);
    this.#running++;
    this.#maxRunning = Math.max(this.#maxRunning, this.#running);
    if (!reserved) {
      this.#unreservedRunning++;
      this.#maxUnreserved = Math.max(this.#maxUnreserved, this.#unreservedRunning);
    }
  }

  ended(fn: string, failed: boolean, durationMs: number, reserved: boolean): void {
    const s = this.#of(fn);
    if (failed) s.errors++;
    s.running--;
    this.#running--;
    if (!reserved) this.#unreservedRunning--;
    s.durations.add(durationMs, this.#random);
  }

  throttled(fn: string): void {
    this.#of(fn).throttles++;
    this.#throttles++;
  }

  asyncReceived(fn: string): void {
    this.#of(fn).asyncReceived++;
  }

  asyncAge(fn: string, ms: number): void {
    this.#of(fn).ages.add(ms, this.#random);
  }

  asyncDropped(fn: string): void {
    this.#of(fn).asyncDropped++;
  }

  deadLetterError(fn: string): void {
    this.#of(fn).deadLetterErrors++;
  }

  destinationFailure(fn: string): void {
    this.#of(fn).destinationFailures++;
  }

  snapshot(): MetricsSnapshot {
    const functions: Record<string, FunctionMetrics> = {};
    for (const [fn, s] of [...this.#functions].sort(([a], [b]) => (a < b ? -1 : 1))) {
      functions[fn] = {
        Invocations: s.invocations,
        ProvisionedConcurrencyInvocations: s.provisioned,
        ProvisionedConcurrencySpilloverInvocations: s.spillover,
        Errors: s.errors,
        Throttles: s.throttles,
        ColdStarts: s.coldStarts,
        Duration: s.durations.stats(),
        ConcurrentExecutions: s.maxRunning,
        AsyncEventsReceived: s.asyncReceived,
        AsyncEventAge: s.ages.stats(),
        AsyncEventsDropped: s.asyncDropped,
        DeadLetterErrors: s.deadLetterErrors,
        DestinationDeliveryFailures: s.destinationFailures,
      };
    }
    return { functions, account: { ConcurrentExecutions: this.#maxRunning, UnreservedConcurrentExecutions: this.#maxUnreserved, Throttles: this.#throttles } };
  }
}
