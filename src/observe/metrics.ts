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
}

export interface MetricsSnapshot {
  functions: Record<string, FunctionMetrics>;
  account: { ConcurrentExecutions: number; UnreservedConcurrentExecutions: number; Throttles: number };
}

const RESERVOIR = 10_000;

class FunctionStats {
  invocations = 0;
  provisioned = 0;
  spillover = 0;
  errors = 0;
  throttles = 0;
  coldStarts = 0;
  running = 0;
  maxRunning = 0;
  durations: number[] = [];
  seen = 0;
  sum = 0;
  min = Number.POSITIVE_INFINITY;
  max = 0;
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
    s.seen++;
    s.sum += durationMs;
    s.min = Math.min(s.min, durationMs);
    s.max = Math.max(s.max, durationMs);
    if (s.durations.length < RESERVOIR) s.durations.push(durationMs);
    else {
      const j = Math.floor(this.#random.next() * s.seen);
      if (j < RESERVOIR) s.durations[j] = durationMs;
    }
  }

  throttled(fn: string): void {
    this.#of(fn).throttles++;
    this.#throttles++;
  }

  snapshot(): MetricsSnapshot {
    const functions: Record<string, FunctionMetrics> = {};
    for (const [fn, s] of [...this.#functions].sort(([a], [b]) => (a < b ? -1 : 1))) {
      const sorted = [...s.durations].sort((a, b) => a - b);
      const q = (p: number): number => (sorted.length === 0 ? 0 : sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!);
      functions[fn] = {
        Invocations: s.invocations,
        ProvisionedConcurrencyInvocations: s.provisioned,
        ProvisionedConcurrencySpilloverInvocations: s.spillover,
        Errors: s.errors,
        Throttles: s.throttles,
        ColdStarts: s.coldStarts,
        Duration: { count: s.seen, sum: s.sum, min: s.seen === 0 ? 0 : s.min, max: s.max, p50: q(50), p90: q(90), p99: q(99) },
        ConcurrentExecutions: s.maxRunning,
      };
    }
    return { functions, account: { ConcurrentExecutions: this.#maxRunning, UnreservedConcurrentExecutions: this.#maxUnreserved, Throttles: this.#throttles } };
  }
}
