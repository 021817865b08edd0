/**
 * Lambda's two rate limits on top of concurrency (LAMBDA_SEMANTICS §3), in fixed windows of
 * simulated time (unused capacity does not carry over):
 * - scaling: each function adds at most `environments` new execution environments per `perMs`;
 * - request rate: each function serves at most `perConcurrency` requests per second per unit of
 *   its concurrency limit (its reservation, or the unreserved pool).
 */
interface Window {
  start: number;
  count: number;
}

export interface RateLimitOptions {
  scaling: { environments: number; perMs: number };
  requestsPerSecondPerConcurrency: number;
}

export class RateLimits {
  readonly #options: RateLimitOptions;
  readonly #scaling = new Map<string, Window>();
  readonly #requests = new Map<string, Window>();

  constructor(options: RateLimitOptions) {
    this.#options = options;
  }

  /** May `fn` start one more environment at `now`? Counts it when it may. */
  tryScale(fn: string, now: number): boolean {
    return take(this.#scaling, fn, now, this.#options.scaling.perMs, this.#options.scaling.environments);
  }

  /** May `fn` serve one more request at `now`, given its concurrency limit? Counts it when it may. */
  tryRequest(fn: string, now: number, concurrencyLimit: number): boolean {
    return take(this.#requests, fn, now, 1000, this.#options.requestsPerSecondPerConcurrency * concurrencyLimit);
  }

  /** Gives back a request counted by `tryRequest` (the invocation was refused by a later check). */
  returnRequest(fn: string): void {
    const w = this.#requests.get(fn);
    if (w !== undefined && w.count > 0) w.count--;
  }

  forget(fn: string): void {
    this.#scaling.delete(fn);
    this.#requests.delete(fn);
  }
}

function take(windows: Map<string, Window>, key: string, now: number, width: number, limit: number): boolean {
  const start = Math.floor(now / width) * width;
  let w = windows.get(key);
  if (w === undefined || w.start !== start) {
    w = { start, count: 0 };
    windows.set(key, w);
  }
  if (w.count >= limit) return false;
  w.count++;
  return true;
}
