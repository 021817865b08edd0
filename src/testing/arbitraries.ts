/**
 * fast-check arbitraries for Lambda workloads: arrival schedules, fault plans and whole workloads.
 * Everything they generate is plain data and shrinks towards small counterexamples (fewer arrivals,
 * fewer faults, smaller numbers).
 */
import fc from 'fast-check';
import type { Fault, FaultPlan } from '../faults.js';
import type { Arrival, Workload, WorkloadFunction } from './workload.js';

export interface ArrivalOptions {
  /** Events per second on average. */
  ratePerSecond: number;
  /** Simulated ms the schedule covers. */
  durationMs: number;
  /** At most this many arrivals (keeps runs small). Default 200. */
  maxArrivals?: number;
}

/** Arrival times (ms, ascending): evenly spaced with a random phase. */
export function constantArrivals(o: ArrivalOptions): fc.Arbitrary<number[]> {
  const gap = 1000 / o.ratePerSecond;
  const count = Math.min(o.maxArrivals ?? 200, Math.floor(o.durationMs / gap));
  // An integral phase below the gap keeps the last arrival inside the span (no rounding up to its end).
  return fc.integer({ min: 0, max: Math.max(0, Math.ceil(gap) - 1) }).map((phase) => Array.from({ length: count }, (_, i) => Math.min(o.durationMs - 1, Math.floor(phase + i * gap))));
}

/** Arrival times of a Poisson process (exponential gaps), shrinking to fewer and later events. */
export function poissonArrivals(o: ArrivalOptions): fc.Arbitrary<number[]> {
  const mean = 1000 / o.ratePerSecond;
  return fc.array(fc.double({ min: 1e-9, max: 1, noNaN: true }), { maxLength: o.maxArrivals ?? 200 }).map((us) => {
    const out: number[] = [];
    let t = 0;
    for (const u of us) {
      t += -Math.log(u) * mean;
      if (t >= o.durationMs) break;
      out.push(Math.floor(t));
    }
    return out;
  });
}

/** Bursts: a few instants, each with many arrivals at once. */
export function burstyArrivals(o: ArrivalOptions & { maxBurst?: number }): fc.Arbitrary<number[]> {
  return fc
    .array(fc.record({ at: fc.integer({ min: 0, max: Math.max(0, o.durationMs - 1) }), size: fc.integer({ min: 1, max: o.maxBurst ?? 20 }) }), { minLength: 1, maxLength: 10 })
    .map((bursts) => bursts.flatMap((b) => Array.from({ length: b.size }, () => b.at)).sort((a, b) => a - b).slice(0, o.maxArrivals ?? 200));
}

/** One fault, over the given functions and time span (`targets`: ARNs a targetFailure may name). */
export function fault(functions: string[], durationMs: number, targets: string[] = functions.map((f) => `arn:aws:sqs:us-east-1:123456789012:${f}-dlq`)): fc.Arbitrary<Fault> {
  const fn = fc.option(fc.constantFrom(...functions), { nil: undefined });
  const window = fc.tuple(fc.integer({ min: 0, max: durationMs }), fc.integer({ min: 1, max: Math.max(1, durationMs) })).map(([from, len]) => ({ from, to: from + len }));
  // Optional fields left out rather than undefined: plans stay plain JSON.
  const strip = (o: Record<string, unknown>): Fault => Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as unknown as Fault;
  const optWindow = fc.option(window, { nil: undefined });
  const fraction = fc.option(fc.constantFrom(0.25, 0.5, 1), { nil: undefined });
  return fc.oneof(
    fc
      .record({
        type: fc.constantFrom('error' as const, 'timeout' as const, 'crash' as const),
        function: fn,
        attempt: fc.option(fc.integer({ min: 1, max: 3 }), { nil: undefined }),
        invocation: fc.option(fc.integer({ min: 1, max: 20 }), { nil: undefined }),
        fraction,
        window: optWindow,
      })
      .map(({ window: w, ...f }) => strip({ ...f, ...w })),
    fc
      .record({ function: fn, window, reason: fc.option(fc.constantFrom('ConcurrentInvocationLimitExceeded' as const, 'ReservedFunctionConcurrentInvocationLimitExceeded' as const, 'FunctionInvocationRateLimitExceeded' as const), { nil: undefined }) })
      .map(({ window: w, ...f }) => strip({ type: 'throttle', ...f, ...w })),
    fc
      .record({ function: fn, event: fc.option(fc.integer({ min: 1, max: 20 }), { nil: undefined }), fraction, delayMs: fc.option(fc.integer({ min: 0, max: 5000 }), { nil: undefined }), window: optWindow })
      .map(({ window: w, ...f }) => strip({ type: 'duplicate', ...f, ...w })),
    fc.tuple(fn, window).map(([f, w]) => strip({ type: 'delayPoller' as const, function: f, ...w })),
    fc
      .record({ count: fc.option(fc.integer({ min: 1, max: 3 }), { nil: undefined }), target: fc.option(fc.constantFrom(...targets), { nil: undefined }), window: optWindow })
      .map(({ window: w, ...f }) => strip({ type: 'targetFailure', ...f, ...w })),
  );
}

/** A fault plan (shrinks to no faults). */
export function faultPlan(functions: string[], durationMs: number, maxFaults = 4): fc.Arbitrary<FaultPlan> {
  return fc.array(fault(functions, durationMs), { maxLength: maxFaults });
}

export interface WorkloadOptions {
  /** Handler sources to pick from, by name. */
  handlers: Record<string, string>;
  /** Payloads of the events. Default: `{ id }` with a small integer. */
  payload?: fc.Arbitrary<unknown>;
  durationMs?: number;
  maxArrivals?: number;
  /** Generate fault plans too. Default true. */
  faults?: boolean;
}

/** A whole workload: functions (reservations, retries, ages, DLQs), arrivals and faults. */
export function workload(o: WorkloadOptions): fc.Arbitrary<Workload> {
  const names = Object.keys(o.handlers);
  if (names.length === 0) throw new TypeError('workload() needs at least one handler in `handlers`');
  const duration = o.durationMs ?? 600_000;
  const fnSpec = (name: string): fc.Arbitrary<WorkloadFunction> =>
    fc.record({
      reservation: fc.option(fc.integer({ min: 0, max: 3 }), { nil: undefined, freq: 2 }),
      maxRetries: fc.option(fc.integer({ min: 0, max: 2 }), { nil: undefined }),
      maxAgeSeconds: fc.option(fc.constantFrom(60, 120, 300, 21_600), { nil: undefined }),
      dlq: fc.boolean(),
    }).map((s) => Object.fromEntries(Object.entries({ name, source: o.handlers[name]!, ...s }).filter(([, v]) => v !== undefined)) as unknown as WorkloadFunction);
  const arrival: fc.Arbitrary<Arrival> = fc.record({
    at: fc.integer({ min: 0, max: duration }),
    fn: fc.integer({ min: 0, max: names.length - 1 }),
    payload: o.payload ?? fc.record({ id: fc.integer({ min: 0, max: 99 }) }),
  });
  return fc.record({
    seed: fc.integer({ min: 1, max: 1_000_000 }),
    functions: fc.tuple(...names.map(fnSpec)),
    arrivals: fc.array(arrival, { minLength: 1, maxLength: o.maxArrivals ?? 20 }),
    faults: o.faults === false ? fc.constant([] as FaultPlan) : faultPlan(names, duration),
  });
}
