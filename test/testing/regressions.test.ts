/**
 * Regression tests from the review of lambda-sim/testing (fault plans, the invariant oracle,
 * expectIdempotent, arbitraries, the model commands, matchers) and of scenarios (traffic, summary,
 * validation). Each test not marked "(coverage)" failed on the reviewed code because of the bug it names.
 */
import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import { LambdaSimulator, TooManyRequestsException } from '../../src/index.js';
import {
  checkInvariants,
  expectIdempotent,
  fault,
  lambdaCommands,
  LambdaModel,
  recordTrace,
  replay,
  runWorkload,
  Trace,
  validateFaultPlan,
  workload,
  type LambdaReal,
} from '../../src/testing/index.js';
import '../../src/testing/vitest.js';
import { parseScenario, ScenarioError } from '../../src/scenario/format.js';
import { runScenario } from '../../src/scenario/runner.js';

const OK = `export const handler = async (e) => { await new Promise((r) => setTimeout(r, 100)); return e; };`;
const FAILS = `export const handler = async () => { throw new Error('x'); };`;
const FLAKY = `export const handler = async (e) => { await new Promise((r) => setTimeout(r, e.ms ?? 50)); if (Math.random() < 0.3) throw new Error('flaky'); return e; };`;

let open: LambdaSimulator[] = [];
afterEach(async () => {
  await Promise.all(open.map((s) => s.close()));
  open = [];
});
const newSim = (options: ConstructorParameters<typeof LambdaSimulator>[0] = {}): LambdaSimulator => {
  const sim = new LambdaSimulator({ seed: 1, ...options });
  open.push(sim);
  return sim;
};
const create = (sim: LambdaSimulator, name: string, source = OK, extra: object = {}): Promise<unknown> =>
  sim.createFunction({ FunctionName: name, Handler: 'index.handler', Runtime: 'nodejs20.x', Code: { Source: source }, ...extra });
const fire = async (sim: LambdaSimulator, name: string, payload: object = {}): Promise<string> =>
  (await sim.invoke({ FunctionName: name, InvocationType: 'Event', Payload: JSON.stringify(payload) })).$metadata.requestId!;

const MODEL = (durationMs = 10, failureRate = 0): object => ({ model: { durationMs: { fixed: durationMs }, failureRate } });
const scenario = (extra: object): ReturnType<typeof parseScenario> =>
  parseScenario({ name: 'review', durationSeconds: 10, functions: [{ name: 'f', code: MODEL() }], traffic: [], ...extra });

describe('fault plans do what their fields say', () => {
  it('validateFaultPlan refuses a type that is an Object.prototype key (constructor, toString)', () => {
    // `type in KEYS` is true for inherited keys: { type: 'constructor' } is accepted as a valid plan,
    // and with any other field the validator crashes with "KEYS[type].includes is not a function".
    expect(() => validateFaultPlan([{ type: 'constructor' } as never])).toThrow('Expected `faults[0].type` to be one of');
    expect(() => validateFaultPlan([{ type: 'toString', function: 'f' } as never])).toThrow('Expected `faults[0].type` to be one of');
  });

  it('`invocation` and `event` count from the simulator start, also for a plan injected mid-run', async () => {
    const sim = newSim();
    await create(sim, 'f');
    await sim.invoke({ FunctionName: 'f' });
    await sim.invoke({ FunctionName: 'f' });
    const before = await fire(sim, 'f');
    await sim.settle();
    // "Only the n-th invocation of the function (1-based, counting every start)": this is the 4th.
    sim.injectFaults([{ type: 'error', function: 'f', invocation: 4 }, { type: 'duplicate', function: 'f', event: 2 }]);
    expect((await sim.invoke({ FunctionName: 'f' })).FunctionError).toBe('Unhandled');
    const second = await fire(sim, 'f');
    await sim.settle();
    expect([before, second].map((id) => sim.asyncEvents({ requestId: id }).length)).toEqual([1, 2]);
  });

  it('duplicate `event: n` numbers every accepted event, also one refused at once (ZeroReservedConcurrency)', async () => {
    const sim = newSim({ faults: [{ type: 'duplicate', function: 'f', event: 2 }] });
    await create(sim, 'f');
    await sim.putFunctionConcurrency({ FunctionName: 'f', ReservedConcurrentExecutions: 0 });
    const first = await fire(sim, 'f'); // accepted (202), then fails with ZeroReservedConcurrency
    await sim.deleteFunctionConcurrency({ FunctionName: 'f' });
    const second = await fire(sim, 'f');
    const third = await fire(sim, 'f');
    await sim.settle();
    expect([first, second, third].map((id) => sim.asyncEvents({ requestId: id }).length)).toEqual([1, 2, 1]);
  });

  it('a duplicate (delayMs 0) does not overtake its original: the original is delivered first, not throttled by its own copy', async () => {
    const sim = newSim({ faults: [{ type: 'duplicate', function: 'f' }] });
    await create(sim, 'f');
    await sim.putFunctionConcurrency({ FunctionName: 'f', ReservedConcurrentExecutions: 1 });
    const id = await fire(sim, 'f');
    await sim.settle();
    const [original, copy] = sim.asyncEvents({ requestId: id }).sort((a, b) => a.chain - b.chain);
    expect(original!.throttles).toBe(0);
    expect(original!.attempts[0]!.start).toBeLessThanOrEqual(copy!.attempts[0]!.start);
  });

  it('`fraction` draws are independent per fault: adding a fault for b does not change which invocations of a fail', async () => {
    const outcomes = async (plan: Parameters<LambdaSimulator['injectFaults']>[0]): Promise<string[]> => {
      const sim = newSim({ faults: plan });
      await create(sim, 'a');
      await create(sim, 'b');
      const out: string[] = [];
      for (let i = 0; i < 12; i++) {
        out.push((await sim.invoke({ FunctionName: 'a' })).FunctionError ?? 'ok');
        await sim.invoke({ FunctionName: 'b' });
      }
      return out;
    };
    const alone = await outcomes([{ type: 'error', function: 'a', fraction: 0.5 }]);
    const withB = await outcomes([{ type: 'error', function: 'a', fraction: 0.5 }, { type: 'error', function: 'b', fraction: 0.5 }]);
    // Otherwise shrinking a plan (dropping the b fault) changes a's failures and loses the counterexample.
    expect(withB).toEqual(alone);
  });

  it('delayPoller holds a retry that falls due inside the window until the window ends (coverage)', async () => {
    const sim = newSim({ faults: [{ type: 'error', attempt: 1 }, { type: 'delayPoller', from: 30_000, to: 90_000 }] });
    await create(sim, 'f');
    const t0 = sim.now();
    const id = await fire(sim, 'f');
    await sim.settle();
    const [record] = sim.asyncEvents({ requestId: id });
    expect(record!.attempts.map((a) => [a.start - t0, a.status])).toEqual([
      [0, 'error'],
      [90_000, 'success'],
    ]);
  });

  it('targetFailure with count and a window fails only the first n sends inside the window (coverage)', async () => {
    const sim = newSim({ faults: [{ type: 'targetFailure', from: 1000, to: 5000, count: 2 }] });
    const dlq = sim.createQueue('dlq');
    await create(sim, 'f', FAILS, { DeadLetterConfig: { TargetArn: dlq.arn } });
    await sim.putFunctionEventInvokeConfig({ FunctionName: 'f', MaximumRetryAttempts: 0 });
    for (let i = 0; i < 5; i++) {
      await fire(sim, 'f');
      await sim.advance(1000);
    }
    await sim.settle();
    expect(sim.asyncEvents({ functionName: 'f' }).map((r) => r.deadLetter?.ok)).toEqual([true, false, false, true, true]);
    expect(sim.metrics().functions['f']!.DeadLetterErrors).toBe(2);
  });
});

describe('the invariant oracle', () => {
  it('reads the retry and age settings of the qualifier the event was invoked with (no false violation for f:1)', async () => {
    const sim = newSim();
    await create(sim, 'f', FAILS);
    await sim.publishVersion({ FunctionName: 'f' });
    // $LATEST: no retries, 60 s; version 1 has no config, so its events get the defaults (2 retries, 6 h).
    await sim.putFunctionEventInvokeConfig({ FunctionName: 'f', MaximumRetryAttempts: 0, MaximumEventAgeInSeconds: 60 });
    const trace = recordTrace(sim);
    await sim.invoke({ FunctionName: 'f:1', InvocationType: 'Event', Payload: '{}' });
    await sim.settle();
    expect(sim.asyncEvents()[0]!.attempts).toHaveLength(3); // the simulator is right
    expect(await checkInvariants(sim, trace)).toEqual([]);
  });

  it('reports a delivery after the chain reached its terminal state', async () => {
    const sim = newSim();
    await create(sim, 'f');
    const broken = Trace.fromJSON({
      start: 0,
      events: [
        { t: 0, kind: 'queued', fn: 'f', requestId: 'r1', chain: 0 },
        { t: 0, kind: 'delivered', fn: 'f', requestId: 'r1', chain: 0, attempt: 1 },
        { t: 100, kind: 'succeeded', fn: 'f', requestId: 'r1', chain: 0, attempt: 1 },
        { t: 200, kind: 'delivered', fn: 'f', requestId: 'r1', chain: 0, attempt: 2 },
      ],
    });
    expect(await checkInvariants(sim, broken)).not.toEqual([]);
  });
});

describe('model commands', () => {
  it('injectFault shifts a window to "from now on" even when the trace started after the simulator (time already passed)', async () => {
    const sim = newSim();
    await create(sim, 'f');
    await sim.advance(10_000); // e.g. warming up, or provisioned environments initialising
    const real: LambdaReal = { sim, trace: recordTrace(sim) };
    const model = new LambdaModel();
    // An InjectFault command (the class is not exported: take one from the arbitrary and build ours).
    const sample = fc.sample(lambdaCommands(['f'])[4]!, { seed: 1, numRuns: 1 })[0]!;
    const InjectFault = sample.constructor as new (f: unknown) => fc.AsyncCommand<LambdaModel, LambdaReal>;
    await new InjectFault({ type: 'throttle', function: 'f', from: 0, to: 1000 }).run(model, real);
    const answer = await sim.invoke({ FunctionName: 'f' }).catch((e: unknown) => e);
    expect(answer).toBeInstanceOf(TooManyRequestsException);
  });
});

describe('expectIdempotent', () => {
  const subject = (source: string) => async () => {
    const store = new Map<string, unknown>();
    const sim = new LambdaSimulator({ seed: 7, modules: { db: { putIfAbsent: async (k: string, v: unknown) => (store.has(k) ? false : (store.set(k, v), true)) } } });
    await create(sim, 'orders', source);
    return { sim, functionName: 'orders', state: () => Object.fromEntries([...store].sort()) };
  };

  it('passes a first-writer-wins handler that generates an id for the record it creates (no false positive)', async () => {
    // Idempotent: each order is created once (conditional put); the id is drawn once per order.
    const source = `import { putIfAbsent } from 'db';
export const handler = async (e) => { await new Promise((r) => setTimeout(r, 20)); await putIfAbsent(String(e.id), { id: e.id, ref: Math.random() }); };`;
    // The generated ref comes from the environment's seeded stream, and with duplicates the events
    // land on other environments: `normalize` leaves generated values out of the comparison.
    const withoutRef = (state: unknown): unknown => Object.fromEntries(Object.entries(state as Record<string, { id: number }>).map(([k, v]) => [k, { id: v.id }]));
    await expect(expectIdempotent(subject(source), [{ id: 1 }, { id: 2 }, { id: 3 }], { normalize: withoutRef })).resolves.toBeUndefined();
    await expect(expectIdempotent(subject(source), [{ id: 1 }, { id: 2 }, { id: 3 }])).rejects.toThrow(/not idempotent/); // compared literally
  });

  it('passes a handler that records the request id (duplicates keep it) (coverage)', async () => {
    const source = `import { putIfAbsent } from 'db';
export const handler = async (e, ctx) => { await new Promise((r) => setTimeout(r, 20)); await putIfAbsent(String(e.id), { id: e.id, requestId: ctx.awsRequestId }); };`;
    await expect(expectIdempotent(subject(source), [{ id: 1 }, { id: 2 }, { id: 3 }])).resolves.toBeUndefined();
  });
});

describe('arbitraries and replay', () => {
  it('fault() can generate every field a plan may hold (invocation, event, delayMs, reason, target, windows on error/duplicate)', () => {
    const seen = new Set<string>();
    for (const f of fc.sample(fault(['a', 'b'], 60_000), { seed: 1, numRuns: 3000 })) for (const k of Object.keys(f)) seen.add(`${f.type}.${k}`);
    expect([...seen]).toEqual(expect.arrayContaining(['error.invocation', 'error.from', 'duplicate.event', 'duplicate.delayMs', 'throttle.reason', 'targetFailure.target']));
  });

  it('replay reproduces random workloads with random fault plans, trace for trace (coverage)', async () => {
    const SLOW = `export const handler = async (e) => { await new Promise((r) => setTimeout(r, 2000)); return e; };`;
    for (const w of fc.sample(workload({ handlers: { a: FLAKY, b: SLOW }, durationMs: 300_000, maxArrivals: 12 }), { seed: 42, numRuns: 15 })) {
      const first = await runWorkload(w);
      open.push(first.sim);
      const again = await replay(JSON.stringify(w));
      open.push(again.sim);
      expect(JSON.stringify(again.trace)).toBe(JSON.stringify(first.trace));
      expect(await checkInvariants(first.sim, first.trace)).toEqual([]);
    }
  }, 120_000);
});

describe('vitest matchers', () => {
  it('say what was expected under .not (no "expected a throttle not —", "expected 1 deliveries not,")', async () => {
    const sim = newSim();
    await create(sim, 'zero', OK);
    await create(sim, 'bad', FAILS);
    await sim.putFunctionEventInvokeConfig({ FunctionName: 'bad', MaximumRetryAttempts: 0 });
    await sim.putFunctionConcurrency({ FunctionName: 'zero', ReservedConcurrentExecutions: 0 });
    const throttle = await sim.invoke({ FunctionName: 'zero' }).catch((e: unknown) => e);
    await fire(sim, 'bad');
    await sim.settle();
    const [record] = sim.asyncEvents({ functionName: 'bad' });
    const message = (f: () => void): string => {
      try {
        f();
        return '';
      } catch (e) {
        return (e as Error).message;
      }
    };
    expect(message(() => expect(throttle).not.toBeThrottled())).toMatch(/not to be (a )?throttled?/);
    expect(message(() => expect(record).not.toHaveBeenDeliveredTimes(1))).toMatch(/^expected not 1 deliveries|not to have been delivered 1 time/);
  });
});

describe('scenario traffic', () => {
  const arrivals = async (pattern: object, extra: object = {}, durationSeconds = 10): Promise<{ sent: number; at: number[] }> => {
    const { result, trace } = await runScenario(scenario({ durationSeconds, functions: [{ name: 'f', code: MODEL(1) }], traffic: [{ function: 'f', type: 'sync', pattern, ...extra }] }), { trace: true });
    const at = (trace!.traceEvents as Array<{ ph: string; ts: number }>).filter((e) => e.ph === 'X').map((e) => Math.round(e.ts / 1000) / 1000);
    return { sent: result.functions['f']!.sent, at };
  };

  it('a ramp cut short by the scenario duration keeps its rates (it is not compressed into the shorter span)', async () => {
    // 0 → 20 per second over [0, 20) s; the scenario stops at 10 s, where the rate has reached 10/s: ∫₀¹⁰ t dt = 50 arrivals.
    const { sent } = await arrivals({ ramp: { from: 0, to: 20 } }, { end: 20 }, 10);
    expect(sent).toBeGreaterThanOrEqual(49);
    expect(sent).toBeLessThanOrEqual(51);
  });

  it('constant, steps, recorded and burst arrivals land at the right times inside [start, end) (coverage)', async () => {
    expect(await arrivals({ constant: { rate: 3 } }, { start: 1, end: 2 })).toEqual({ sent: 3, at: [1, 1.333, 1.667] });
    expect(await arrivals({ steps: [{ at: 2, rate: 2 }, { at: 0, rate: 1 }] }, {}, 4)).toEqual({ sent: 6, at: [0, 1, 2, 2.5, 3, 3.5] });
    expect(await arrivals({ recorded: [3, 0.5, 9] }, { start: 1 }, 5)).toEqual({ sent: 2, at: [1.5, 4] });
    expect(await arrivals({ burst: { at: 2, count: 3 } }, { start: 1 }, 5)).toEqual({ sent: 3, at: [3, 3, 3] });
    expect((await arrivals({ ramp: { from: 10, to: 0 } })).sent).toBe(50);
  });

  it('fault windows count from the start of the traffic, also when provisioned environments take time to initialise', async () => {
    // A throttle over the first 2 s of the scenario; one sync arrival at 1 s.
    const run = async (provisioned: boolean): Promise<number> =>
      (
        await runScenario(
          scenario({
            initLatencyMs: 5000,
            faults: [{ type: 'throttle', function: 'f', from: 0, to: 2000 }],
            functions: [{ name: 'f', code: MODEL(), ...(provisioned ? { provisionedConcurrency: 1 } : {}) }],
            traffic: [{ function: 'f', type: 'sync', pattern: { burst: { at: 1, count: 1 } } }],
          }),
        )
      ).result.functions['f']!.throttles;
    expect(await run(false)).toBe(1);
    expect(await run(true)).toBe(1);
  });
});

describe('scenario summary and expectations', () => {
  it('`retries` counts retries that happened, not ones cut off by the maximum event age', async () => {
    // Fails at 100 ms; the retry would be due at 60.1 s, past the 60 s maximum age: the event expires instead.
    const { result } = await runScenario(
      scenario({ durationSeconds: 1, functions: [{ name: 'f', code: MODEL(100, 1), maximumEventAgeInSeconds: 60 }], traffic: [{ function: 'f', pattern: { burst: { at: 0, count: 1 } } }] }),
    );
    const f = result.functions['f']!;
    expect(f.invocations).toBe(1);
    expect(f.retries).toBe(0);
  });

  it('refuses an expectation on a figure its owner does not have (it could only ever fail with NaN)', () => {
    expect(() => scenario({ expect: [{ metric: 'account.retries', max: 10 }] })).toThrow(ScenarioError);
    expect(() => scenario({ expect: [{ metric: 'f.maxUnreservedConcurrency', max: 10 }] })).toThrow(ScenarioError);
  });
});

describe('scenario validation: bad input is a ScenarioError naming the path, not a crash at run time', () => {
  it.each([
    ['a typo in a model (failRate)', { functions: [{ name: 'f', code: { model: { durationMs: { fixed: 1 }, failRate: 1 } } }] }, 'scenario.functions[0].code.model.failRate'],
    ['an environment value that is not a string', { functions: [{ name: 'f', code: MODEL(), environment: { MODE: 1 } }] }, 'scenario.functions[0].environment'],
    ['an environment key Lambda refuses', { functions: [{ name: 'f', code: MODEL(), environment: { A: 'x' } }] }, 'scenario.functions[0].environment'],
    ['an account limit below the default unreserved minimum', { account: { concurrency: 10 } }, 'scenario.account'],
    ['provisioned concurrency above the reservation', { functions: [{ name: 'f', code: MODEL(), reservedConcurrency: 2, provisionedConcurrency: 5 }] }, 'scenario.functions[0].provisionedConcurrency'],
    ['traffic that ends before it starts', { traffic: [{ function: 'f', start: 8, end: 2, pattern: { constant: { rate: 1 } } }] }, 'scenario.traffic[0]'],
  ])('%s', (_what, extra, path) => {
    expect(() => scenario(extra)).toThrow(ScenarioError);
    expect(() => scenario(extra)).toThrow(path);
  });

  it('names scenario.faults in the message of a bad fault plan', () => {
    expect(() => scenario({ faults: {} })).toThrow(/^scenario\.faults/);
    expect(() => scenario({ faults: [{ type: 'error', bogus: 1 }] })).toThrow(/^scenario\.faults/);
  });
});
