import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import { LambdaSimulator, TooManyRequestsException } from '../../src/index.js';
import {
  assertInvariants,
  burstyArrivals,
  checkInvariants,
  constantArrivals,
  faultPlan,
  InvariantViolation,
  lambdaCommands,
  LambdaModel,
  poissonArrivals,
  recordTrace,
  replay,
  runWorkload,
  Trace,
  validateFaultPlan,
  workload,
  type LambdaReal,
} from '../../src/testing/index.js';
import '../../src/testing/vitest.js';
import { ORDER_PROCESSOR } from '../examples/orders.js';

const FLAKY = `export const handler = async (e) => { await new Promise((r) => setTimeout(r, e.ms ?? 50)); if (Math.random() < 0.3) throw new Error('flaky'); return e; };`;

let open: LambdaSimulator[] = [];
afterEach(async () => {
  await Promise.all(open.map((s) => s.close()));
  open = [];
});

describe('invariants over a recorded trace', () => {
  it('hold on random workloads with random fault plans (the project property, on the toolkit)', async () => {
    await fc.assert(
      fc.asyncProperty(workload({ handlers: { a: FLAKY, b: FLAKY }, durationMs: 300_000, maxArrivals: 12 }), async (w) => {
        const run = await runWorkload(w);
        open.push(run.sim);
        await assertInvariants(run.sim, run.trace);
      }),
      { numRuns: 25, seed: 11 },
    );
  }, 120_000);

  it('the oracle finds violations in a trace that breaks them (it reads the trace, not the simulator)', async () => {
    const sim = new LambdaSimulator({ seed: 1 });
    open.push(sim);
    await sim.createFunction({ FunctionName: 'f', Handler: 'index.handler', Runtime: 'nodejs20.x', Code: { Source: 'export const handler = async () => 1;' } });
    await sim.putFunctionConcurrency({ FunctionName: 'f', ReservedConcurrentExecutions: 1 });
    const broken = Trace.fromJSON({
      start: 0,
      events: [
        { t: 0, kind: 'queued', fn: 'f', requestId: 'r1', chain: 0 },
        { t: 0, kind: 'delivered', fn: 'f', requestId: 'r1', chain: 0, attempt: 1 },
        { t: 10, kind: 'retry-scheduled', fn: 'f', requestId: 'r1', chain: 0, attempt: 2 },
        { t: 50_000, kind: 'delivered', fn: 'f', requestId: 'r1', chain: 0, attempt: 2 },
        { t: 0, kind: 'invoke:start', fn: 'f' },
        { t: 0, kind: 'invoke:start', fn: 'f' },
        { t: 0, kind: 'queued', fn: 'f', requestId: 'r2', chain: 0 },
      ],
    });
    const violations = await checkInvariants(sim, broken);
    expect(violations).toEqual([
      'f: 2 invocations running at +0 ms, above its reservation of 1',
      'r1#0 (f): never reached a terminal state',
      'r1#0 (f): attempt 2 came 49990 ms after the failure, less than 60000 ms',
      'r2#0 (f): never reached a terminal state',
    ]);
    const error = await assertInvariants(sim, broken).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InvariantViolation);
    expect((error as Error).message).toContain('+50.000s    f               delivered        r1/0 attempt 2');
  });
});

describe('model-based testing with fc.asyncModelRun', () => {
  it('random commands (invokes, async invokes, time, reservations, faults) keep every invariant', async () => {
    await fc.assert(
      fc.asyncProperty(fc.commands(lambdaCommands(['orders', 'audit']), { maxCommands: 25 }), async (cmds) => {
        const store = new Map<string, unknown>();
        const sim = new LambdaSimulator({ seed: 3, modules: { 'orders-db': { putIfAbsent: async (k: string, v: unknown) => (store.has(k) ? false : (store.set(k, v), true)) } } });
        open.push(sim);
        await sim.createFunction({ FunctionName: 'orders', Handler: 'index.handler', Runtime: 'nodejs20.x', Code: { Source: ORDER_PROCESSOR } });
        await sim.createFunction({ FunctionName: 'audit', Handler: 'index.handler', Runtime: 'nodejs20.x', Code: { Source: FLAKY } });
        const real: LambdaReal = { sim, trace: recordTrace(sim) };
        const model = new LambdaModel();
        await fc.asyncModelRun(() => ({ model, real }), cmds);
        await sim.settle();
        const accepted = [...model.accepted.values()].reduce((n, ids) => n + ids.length, 0);
        expect(real.trace.events.filter((e) => e.kind === 'queued')).toHaveLength(accepted);
        await assertInvariants(sim, real.trace, model.settings());
      }),
      { numRuns: 20, seed: 5 },
    );
  }, 120_000);
});

describe('replay', () => {
  it('a workload saved as JSON runs again to the identical trace', async () => {
    const [w] = fc.sample(workload({ handlers: { a: FLAKY }, maxArrivals: 10 }), { seed: 9, numRuns: 1 });
    const first = await runWorkload(w!);
    open.push(first.sim);
    const saved = JSON.stringify(w);
    const again = await replay(saved);
    open.push(again.sim);
    expect(JSON.stringify(again.trace)).toBe(JSON.stringify(first.trace));
    expect(first.trace.events.length).toBeGreaterThan(0);
    expect(Trace.fromJSON(JSON.stringify(first.trace)).format()).toBe(first.trace.format());
  });
});

describe('arbitraries', () => {
  it('arrival schedules stay in their span, ascending; fault plans are valid plans; everything shrinks to small values', () => {
    for (const arb of [constantArrivals({ ratePerSecond: 5, durationMs: 10_000 }), poissonArrivals({ ratePerSecond: 5, durationMs: 10_000 }), burstyArrivals({ ratePerSecond: 5, durationMs: 10_000 })]) {
      for (const times of fc.sample(arb, { seed: 1, numRuns: 20 })) {
        expect(times.every((t, i) => t >= 0 && t < 10_000 && (i === 0 || t >= times[i - 1]!))).toBe(true);
      }
    }
    expect(fc.sample(constantArrivals({ ratePerSecond: 5, durationMs: 10_000 }), { seed: 1, numRuns: 1 })[0]).toHaveLength(50);
    for (const plan of fc.sample(faultPlan(['a', 'b'], 60_000), { seed: 3, numRuns: 50 })) expect(validateFaultPlan(plan)).toBe(plan);
    const shrunk = fc.check(fc.property(faultPlan(['a'], 60_000), (plan) => plan.length === 0), { seed: 4 });
    expect(shrunk.counterexample?.[0]).toHaveLength(1);
  });
});

describe('vitest matchers (import "lambda-sim/testing/vitest")', () => {
  it('read invoke outputs, throttles and async records, with messages that say what happened', async () => {
    const sim = new LambdaSimulator({ seed: 1 });
    open.push(sim);
    const dlq = sim.createQueue('dlq');
    await sim.createFunction({ FunctionName: 'ok', Handler: 'index.handler', Runtime: 'nodejs20.x', Code: { Source: 'export const handler = async () => 1;' } });
    await sim.createFunction({ FunctionName: 'bad', Handler: 'index.handler', Runtime: 'nodejs20.x', DeadLetterConfig: { TargetArn: dlq.arn }, Code: { Source: 'export const handler = async () => { throw new TypeError("no"); };' } });
    expect(await sim.invoke({ FunctionName: 'ok' })).toSucceed();
    const failed = await sim.invoke({ FunctionName: 'bad' });
    expect(failed).toFailWith('TypeError');
    expect(failed).not.toSucceed();
    expect(() => expect(failed).toFailWith('RangeError')).toThrow(/to fail with RangeError \(it failed with TypeError\)/);
    await sim.putFunctionConcurrency({ FunctionName: 'ok', ReservedConcurrentExecutions: 0 });
    const throttle = await sim.invoke({ FunctionName: 'ok' }).catch((e: unknown) => e);
    expect(throttle).toBeInstanceOf(TooManyRequestsException);
    expect(throttle).toBeThrottled('ReservedFunctionConcurrentInvocationLimitExceeded');
    expect(() => expect(throttle).toBeThrottled('ConcurrentInvocationLimitExceeded')).toThrow(/got Reason ReservedFunctionConcurrentInvocationLimitExceeded/);
    await sim.invoke({ FunctionName: 'bad', InvocationType: 'Event' });
    await sim.settle();
    const [record] = sim.asyncEvents({ functionName: 'bad' });
    expect(record).toHaveBeenDeadLettered();
    expect(record).toHaveBeenDeliveredTimes(3);
    expect(record).toFailWith('TypeError');
    expect(() => expect(record).toHaveBeenDeliveredTimes(1)).toThrow(/expected 1 deliveries, got 3/);
  });
});
