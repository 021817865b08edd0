import { InvokeCommand, TooManyRequestsException as SdkTooManyRequests } from '@aws-sdk/client-lambda';
import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import { InvalidParameterValueException, LambdaSimulator, TooManyRequestsException, type ThrottleReason } from '../../src/index.js';
import { deploy } from '../helpers.js';

const SLEEPER = 'export const handler = async (e) => { await new Promise((r) => setTimeout(r, e.ms ?? 1000)); return "done"; };';

let sim: LambdaSimulator | undefined;
afterEach(async () => {
  await sim?.close();
  sim = undefined;
});

async function throttleOf(p: Promise<unknown>): Promise<unknown> {
  return p.then(
    () => 'ran',
    (e: unknown) => e,
  );
}

describe('reserved concurrency', () => {
  it('runs at most R at once; the next invoke gets 429 ReservedFunctionConcurrentInvocationLimitExceeded at once', async () => {
    sim = new LambdaSimulator({ seed: 1 });
    const fn = await deploy(sim, SLEEPER);
    expect(await sim.putFunctionConcurrency({ FunctionName: fn, ReservedConcurrentExecutions: 2 })).toMatchObject({ ReservedConcurrentExecutions: 2 });
    const results = await Promise.all([1, 2, 3].map(() => throttleOf(sim!.invoke({ FunctionName: fn }))));
    expect(results.slice(0, 2)).toEqual(['ran', 'ran']);
    const e = results[2] as TooManyRequestsException;
    expect(e).toBeInstanceOf(TooManyRequestsException);
    expect(e).toMatchObject({ name: 'TooManyRequestsException', Reason: 'ReservedFunctionConcurrentInvocationLimitExceeded', message: 'Rate Exceeded.', $fault: 'client', $metadata: { httpStatusCode: 429 } });
    expect(JSON.stringify(e)).toBe('{"Reason":"ReservedFunctionConcurrentInvocationLimitExceeded","Type":"User","message":"Rate Exceeded."}');
    // once they finish, capacity is back
    expect(await throttleOf(sim.invoke({ FunctionName: fn }))).toBe('ran');
  });

  it('reserved concurrency 0 throttles every invocation', async () => {
    sim = new LambdaSimulator({ seed: 1 });
    const fn = await deploy(sim, SLEEPER);
    await sim.putFunctionConcurrency({ FunctionName: fn, ReservedConcurrentExecutions: 0 });
    expect(await throttleOf(sim.invoke({ FunctionName: fn }))).toMatchObject({ Reason: 'ReservedFunctionConcurrentInvocationLimitExceeded' });
    await sim.deleteFunctionConcurrency({ FunctionName: fn });
    expect(await sim.getFunctionConcurrency({ FunctionName: fn })).not.toHaveProperty('ReservedConcurrentExecutions');
    expect(await throttleOf(sim.invoke({ FunctionName: fn }))).toBe('ran');
  });

  it('refuses a reservation that would leave less than the unreserved minimum, with the exact message', async () => {
    sim = new LambdaSimulator({ seed: 1 });
    const a = await deploy(sim, SLEEPER);
    const b = await deploy(sim, SLEEPER);
    await sim.putFunctionConcurrency({ FunctionName: a, ReservedConcurrentExecutions: 800 });
    const e = await sim.putFunctionConcurrency({ FunctionName: b, ReservedConcurrentExecutions: 101 }).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(InvalidParameterValueException);
    expect((e as Error).message).toBe("Specified ReservedConcurrentExecutions for function decreases account's UnreservedConcurrentExecution below its minimum value of [100].");
    await sim.putFunctionConcurrency({ FunctionName: b, ReservedConcurrentExecutions: 100 });
    expect(await sim.getAccountSettings()).toMatchObject({ AccountLimit: { ConcurrentExecutions: 1000, UnreservedConcurrentExecutions: 100 }, AccountUsage: { FunctionCount: 2 } });
    await expect(sim.putFunctionConcurrency({ FunctionName: b, ReservedConcurrentExecutions: -1 })).rejects.toThrow("Value '-1' at 'reservedConcurrentExecutions'");
  });
});

describe('the unreserved pool and the account limit', () => {
  it('throttles with ConcurrentInvocationLimitExceeded when the unreserved pool is full', async () => {
    sim = new LambdaSimulator({ seed: 1, accountConcurrency: 3, unreservedConcurrencyMinimum: 1 });
    const reserved = await deploy(sim, SLEEPER);
    const open = await deploy(sim, SLEEPER);
    await sim.putFunctionConcurrency({ FunctionName: reserved, ReservedConcurrentExecutions: 2 });
    const results = await Promise.all([
      throttleOf(sim.invoke({ FunctionName: open })),
      throttleOf(sim.invoke({ FunctionName: open })),
      throttleOf(sim.invoke({ FunctionName: reserved })),
      throttleOf(sim.invoke({ FunctionName: reserved })),
    ]);
    expect(results[0]).toBe('ran');
    expect(results[1]).toMatchObject({ Reason: 'ConcurrentInvocationLimitExceeded' });
    expect(results.slice(2)).toEqual(['ran', 'ran']);
  });

  it('a handler invoking a throttled function through the SDK gets the SDK TooManyRequestsException with its Reason', async () => {
    sim = new LambdaSimulator({ seed: 1 });
    const target = await deploy(sim, SLEEPER, { FunctionName: 'target' });
    await sim.putFunctionConcurrency({ FunctionName: target, ReservedConcurrentExecutions: 0 });
    const caller = await deploy(sim, `import { LambdaClient, InvokeCommand, TooManyRequestsException } from '@aws-sdk/client-lambda';
      export const handler = async () => { try { await new LambdaClient({}).send(new InvokeCommand({ FunctionName: 'target' })); } catch (e) { return [e instanceof TooManyRequestsException, e.Reason, e.$metadata.httpStatusCode]; } };`);
    const out = await sim.invoke({ FunctionName: caller });
    expect(JSON.parse(out.Payload!.transformToString())).toEqual([true, 'ReservedFunctionConcurrentInvocationLimitExceeded', 429]);
    void InvokeCommand;
    void SdkTooManyRequests;
  });

  it('rejects an unreserved minimum above the account limit', () => {
    expect(() => new LambdaSimulator({ accountConcurrency: 50 })).toThrow('Expected `unreservedConcurrencyMinimum` (100) to be at most `accountConcurrency` (50)');
  });
});

describe('rate limits', () => {
  it('serves at most N requests per second per unit of concurrency (ReservedFunctionInvocationRateLimitExceeded / FunctionInvocationRateLimitExceeded)', async () => {
    sim = new LambdaSimulator({ seed: 1, accountConcurrency: 2, unreservedConcurrencyMinimum: 1, requestsPerSecondPerConcurrency: 3 });
    const reserved = await deploy(sim, 'export const handler = async () => "ok";');
    const open = await deploy(sim, 'export const handler = async () => "ok";');
    await sim.putFunctionConcurrency({ FunctionName: reserved, ReservedConcurrentExecutions: 1 });
    const burst = async (fn: string, n: number): Promise<unknown[]> => {
      const out: unknown[] = [];
      for (let i = 0; i < n; i++) out.push(await throttleOf(sim!.invoke({ FunctionName: fn })));
      return out;
    };
    // reservation 1 → 3 per second; unreserved pool 1 → 3 per second
    expect(await burst(reserved, 4)).toMatchObject(['ran', 'ran', 'ran', { Reason: 'ReservedFunctionInvocationRateLimitExceeded' }]);
    expect(await burst(open, 4)).toMatchObject(['ran', 'ran', 'ran', { Reason: 'FunctionInvocationRateLimitExceeded' }]);
    await sim.advance(1000); // a new one-second window: unused capacity does not carry over, used capacity comes back
    expect(await burst(reserved, 1)).toEqual(['ran']);
  });

  it('adds at most N new environments per window (scaling rate); the throttle Reason is ConcurrentInvocationLimitExceeded', async () => {
    sim = new LambdaSimulator({ seed: 1, scalingRate: { environments: 2, perMs: 10_000 } });
    const fn = await deploy(sim, SLEEPER);
    const first = await Promise.all([1, 2, 3].map(() => throttleOf(sim!.invoke({ FunctionName: fn, Payload: '{"ms":100}' }))));
    expect(first).toMatchObject(['ran', 'ran', { Reason: 'ConcurrentInvocationLimitExceeded' }]);
    // warm environments are reused without counting against the scaling rate
    const warm = await Promise.all([1, 2].map(() => throttleOf(sim!.invoke({ FunctionName: fn, Payload: '{"ms":100}' }))));
    expect(warm).toEqual(['ran', 'ran']);
    await sim.advance(10_000);
    const later = await Promise.all([1, 2, 3].map(() => throttleOf(sim!.invoke({ FunctionName: fn, Payload: '{"ms":100}' }))));
    expect(later).toEqual(['ran', 'ran', 'ran']);
  });

  it('rejects bad rate options', () => {
    expect(() => new LambdaSimulator({ scalingRate: { environments: 0, perMs: 10 } })).toThrow('Expected `scalingRate` to be { environments: integer >= 1, perMs: ms > 0 }');
    expect(() => new LambdaSimulator({ requestsPerSecondPerConcurrency: 0 })).toThrow('Expected `requestsPerSecondPerConcurrency` to be a number > 0');
  });
});

/** A random workload: a small account, some reservations, arrivals and sleep durations. */
const workload = fc
  .record({
    account: fc.integer({ min: 2, max: 6 }),
    rps: fc.oneof(fc.constant(10), fc.integer({ min: 1, max: 2 })),
    minimum: fc.integer({ min: 0, max: 2 }),
    reservations: fc.array(fc.option(fc.integer({ min: 0, max: 3 }), { nil: undefined, freq: 2 }), { minLength: 1, maxLength: 3 }),
    calls: fc.array(fc.record({ fn: fc.nat(2), at: fc.integer({ min: 0, max: 200 }), ms: fc.integer({ min: 1, max: 120 }) }), { minLength: 5, maxLength: 40 }),
  })
  .map((w) => {
    // Keep reservations legal: drop those that would break the unreserved minimum.
    let left = w.account - Math.min(w.minimum, w.account);
    const reservations = w.reservations.map((r) => {
      if (r === undefined || r > left) return undefined;
      left -= r;
      return r;
    });
    return { ...w, minimum: Math.min(w.minimum, w.account), reservations, calls: w.calls.map((c) => ({ ...c, fn: c.fn % reservations.length })) };
  });

type Trace = Array<{ kind: 'start' | 'end'; fn: string; t: number } | { kind: 'throttle'; fn: string; reason: ThrottleReason; t: number }>;

describe('properties (random workloads in virtual time, checked against the event trace)', () => {
  it('never exceeds a reservation, the unreserved pool or the account limit; throttles only when the named limit is full; counts every call once', async () => {
    const hits = { runs: 0, reserved: 0, unreserved: 0, rate: 0 };
    const reasons = new Set<ThrottleReason>();
    await fc.assert(
      fc.asyncProperty(workload, async (w) => {
        const s = new LambdaSimulator({ seed: 3, accountConcurrency: w.account, unreservedConcurrencyMinimum: w.minimum, requestsPerSecondPerConcurrency: w.rps });
        try {
          const names: string[] = [];
          for (let i = 0; i < w.reservations.length; i++) {
            names.push(await deploy(s, SLEEPER, { FunctionName: `f${i}` }));
            const r = w.reservations[i];
            if (r !== undefined) await s.putFunctionConcurrency({ FunctionName: `f${i}`, ReservedConcurrentExecutions: r });
          }
          const trace: Trace = [];
          s.on('invocation:start', (e) => trace.push({ kind: 'start', fn: e.functionName, t: s.now() }));
          s.on('invocation:end', (e) => trace.push({ kind: 'end', fn: e.functionName, t: s.now() }));
          s.on('invocation:throttle', (e) => trace.push({ kind: 'throttle', fn: e.functionName, reason: e.reason, t: s.now() }));
          const calls = [...w.calls].sort((a, b) => a.at - b.at);
          const pending: Array<Promise<unknown>> = [];
          let now = 0;
          for (const c of calls) {
            await s.advance(c.at - now);
            now = c.at;
            pending.push(throttleOf(s.invoke({ FunctionName: names[c.fn]!, Payload: JSON.stringify({ ms: c.ms }) })));
          }
          const outcomes = await Promise.all(pending);
          // The oracle: replay the trace with its own counters.
          const running = new Map<string, number>();
          let total = 0;
          const reservedOf = (fn: string): number | undefined => w.reservations[Number(fn.slice(1))];
          const unreservedCapacity = w.account - w.reservations.reduce<number>((n, r) => n + (r ?? 0), 0);
          const unreservedRunning = (): number => [...running].filter(([fn]) => reservedOf(fn) === undefined).reduce((n, [, v]) => n + v, 0);
          const startsInSecond = new Map<string, number>();
          const second = (fn: string, t: number): string => `${fn}@${Math.floor(t / 1000)}`;
          for (const e of trace) {
            const r = reservedOf(e.fn);
            if (e.kind === 'throttle') reasons.add(e.reason);
            if (e.kind === 'start') {
              startsInSecond.set(second(e.fn, e.t), (startsInSecond.get(second(e.fn, e.t)) ?? 0) + 1);
              running.set(e.fn, (running.get(e.fn) ?? 0) + 1);
              total++;
              if (r !== undefined) expect(running.get(e.fn)!).toBeLessThanOrEqual(r);
              expect(unreservedRunning()).toBeLessThanOrEqual(unreservedCapacity);
              expect(total).toBeLessThanOrEqual(w.account);
            } else if (e.kind === 'end') {
              running.set(e.fn, running.get(e.fn)! - 1);
              total--;
            } else if ('reason' in e && (e.reason === 'ReservedFunctionInvocationRateLimitExceeded' || e.reason === 'FunctionInvocationRateLimitExceeded')) {
              // rps requests per second per unit of the function's concurrency limit were already served.
              const limit = r ?? unreservedCapacity;
              expect(e.reason === 'ReservedFunctionInvocationRateLimitExceeded').toBe(r !== undefined);
              expect(startsInSecond.get(second(e.fn, e.t)) ?? 0).toBeGreaterThanOrEqual(w.rps * limit);
            } else if ('reason' in e && e.reason === 'ReservedFunctionConcurrentInvocationLimitExceeded') {
              expect(r).toBeDefined();
              expect(running.get(e.fn) ?? 0).toBeGreaterThanOrEqual(r!);
            } else {
              expect('reason' in e && e.reason).toBe('ConcurrentInvocationLimitExceeded');
              expect(r).toBeUndefined();
              expect(unreservedRunning() >= unreservedCapacity || total >= w.account).toBe(true);
            }
          }
          // Every call ends exactly once: ran (start + end) or throttled.
          const throttles = trace.filter((e) => e.kind === 'throttle');
          expect(trace.filter((e) => e.kind === 'start')).toHaveLength(outcomes.filter((o) => o === 'ran').length);
          expect(trace.filter((e) => e.kind === 'end')).toHaveLength(outcomes.filter((o) => o === 'ran').length);
          expect(throttles).toHaveLength(outcomes.filter((o) => o instanceof TooManyRequestsException).length);
          expect(outcomes.length).toBe(w.calls.length);
          // Metrics agree with the event stream.
          const m = s.metrics();
          for (const name of names) {
            const starts = trace.filter((e) => e.fn === name && e.kind === 'start').length;
            const thr = trace.filter((e) => e.fn === name && e.kind === 'throttle').length;
            let run = 0;
            let max = 0;
            for (const e of trace) {
              if (e.fn !== name) continue;
              if (e.kind === 'start') max = Math.max(max, ++run);
              else if (e.kind === 'end') run--;
            }
            expect(m.functions[name] ?? { Invocations: 0, Throttles: 0, ConcurrentExecutions: 0 }).toMatchObject({ Invocations: starts, Throttles: thr, ConcurrentExecutions: max });
          }
          expect(m.account.Throttles).toBe(throttles.length);
          hits.runs++;
          if (throttles.some((t) => t.kind === 'throttle' && t.reason === 'ReservedFunctionConcurrentInvocationLimitExceeded')) hits.reserved++;
          if (throttles.some((t) => t.kind === 'throttle' && t.reason === 'ConcurrentInvocationLimitExceeded')) hits.unreserved++;
          if (throttles.some((t) => t.kind === 'throttle' && t.reason.endsWith('InvocationRateLimitExceeded'))) hits.rate++;
        } finally {
          await s.close();
        }
      }),
      { seed: 20261126, numRuns: 40 },
    );
    if (process.env['LAMBDA_SIM_DEBUG_STATS'] !== undefined) console.log(hits, [...reasons]);
    // The generated workloads really exercise every limit.
    expect(hits.reserved / hits.runs).toBeGreaterThanOrEqual(0.3);
    expect(hits.unreserved / hits.runs).toBeGreaterThanOrEqual(0.3);
    expect(hits.rate / hits.runs).toBeGreaterThanOrEqual(0.3);
    expect([...reasons].sort()).toEqual([
      'ConcurrentInvocationLimitExceeded',
      'FunctionInvocationRateLimitExceeded',
      'ReservedFunctionConcurrentInvocationLimitExceeded',
      'ReservedFunctionInvocationRateLimitExceeded',
    ]);
  }, 120_000);

  it('the same seed and inputs give the identical event trace', async () => {
    const run = async (): Promise<string[]> => {
      const s = new LambdaSimulator({ seed: 9, accountConcurrency: 3, unreservedConcurrencyMinimum: 1 });
      try {
        await deploy(s, SLEEPER, { FunctionName: 'a' });
        await deploy(s, SLEEPER, { FunctionName: 'b' });
        await s.putFunctionConcurrency({ FunctionName: 'a', ReservedConcurrentExecutions: 1 });
        const trace: string[] = [];
        s.on('invocation:start', (e) => trace.push(`${s.now()} start ${e.functionName} ${e.requestId}`));
        s.on('invocation:end', (e) => trace.push(`${s.now()} end ${e.functionName} ${e.requestId}`));
        s.on('invocation:throttle', (e) => trace.push(`${s.now()} throttle ${e.functionName} ${e.reason}`));
        await Promise.all(['a', 'a', 'b', 'b', 'b'].map((f, i) => throttleOf(s.invoke({ FunctionName: f, Payload: JSON.stringify({ ms: 10 * (i + 1) }) }))));
        return trace;
      } finally {
        await s.close();
      }
    };
    const a = await run();
    expect(a.length).toBeGreaterThan(5);
    expect(await run()).toEqual(a);
  });
});
