/**
 * The concurrency governor (LAMBDA_SEMANTICS §3): the account limit, reserved concurrency per
 * function, and the unreserved pool shared by every function without a reservation (never below
 * its minimum). `tryAcquire` decides in O(1) whether an invocation may start now, and names the
 * limit that is full when it may not.
 */
import { InvalidParameterValueException, type ThrottleReason } from '../errors.js';

export interface GovernorOptions {
  accountLimit: number;
  unreservedMinimum: number;
}

export class ConcurrencyGovernor {
  readonly accountLimit: number;
  readonly unreservedMinimum: number;
  readonly #reserved = new Map<string, number>();
  readonly #running = new Map<string, number>();
  #reservedTotal = 0;
  #unreservedRunning = 0;
  #totalRunning = 0;

  constructor(options: GovernorOptions) {
    this.accountLimit = options.accountLimit;
    this.unreservedMinimum = options.unreservedMinimum;
  }

  /** Concurrency left to functions without a reservation. */
  get unreservedCapacity(): number {
    return this.accountLimit - this.#reservedTotal;
  }
  get totalRunning(): number {
    return this.#totalRunning;
  }
  get unreservedRunning(): number {
    return this.#unreservedRunning;
  }
  running(fn: string): number {
    return this.#running.get(fn) ?? 0;
  }
  reservation(fn: string): number | undefined {
    return this.#reserved.get(fn);
  }

  setReservation(fn: string, value: number): void {
    const current = this.#reserved.get(fn) ?? 0;
    if (this.accountLimit - (this.#reservedTotal - current + value) < this.unreservedMinimum) {
      throw new InvalidParameterValueException(
        `Specified ReservedConcurrentExecutions for function decreases account's UnreservedConcurrentExecution below its minimum value of [${this.unreservedMinimum}].`,
      );
    }
    const wasReserved = this.#reserved.has(fn);
    this.#reservedTotal += value - current;
    this.#reserved.set(fn, value);
    // Invocations already running move from the unreserved pool to the reservation.
    if (!wasReserved) this.#unreservedRunning -= this.running(fn);
  }

  deleteReservation(fn: string): void {
    const current = this.#reserved.get(fn);
    if (current === undefined) return;
    this.#reservedTotal -= current;
    this.#reserved.delete(fn);
    this.#unreservedRunning += this.running(fn);
  }

  /** Takes one unit of concurrency for `fn`, or says which limit is full. */
  tryAcquire(fn: string): ThrottleReason | undefined {
    const reserved = this.#reserved.get(fn);
    const running = this.#running.get(fn) ?? 0;
    if (reserved !== undefined) {
      if (running >= reserved) return 'ReservedFunctionConcurrentInvocationLimitExceeded';
    } else {
      if (this.#unreservedRunning >= this.unreservedCapacity || this.#totalRunning >= this.accountLimit) return 'ConcurrentInvocationLimitExceeded';
      this.#unreservedRunning++;
    }
    this.#running.set(fn, running + 1);
    this.#totalRunning++;
    return undefined;
  }

  release(fn: string): void {
    const running = this.#running.get(fn) ?? 0;
    if (running <= 0) return;
    this.#running.set(fn, running - 1);
    this.#totalRunning--;
    if (!this.#reserved.has(fn)) this.#unreservedRunning--;
  }
}
