import { afterEach, describe, expect, it } from 'vitest';
import { TooManyRequestsException } from '../../src/index.js';
import { deploy, newSim, type Sim } from '../helpers.js';

let sim: Sim;
afterEach(async () => {
  await sim?.close();
});

const OK = `export const handler = async (e) => { await new Promise((r) => setTimeout(r, 100)); return { ok: e.id ?? null }; };`;
const fire = async (fn: string, payload: object = {}): Promise<string> =>
  (await sim.invoke({ FunctionName: fn, InvocationType: 'Event', Payload: JSON.stringify(payload) })).$metadata.requestId!;

describe('fault injection (plans as data)', () => {
  it('fails a chosen attempt without running the handler: the retry runs the real handler', async () => {
    sim = newSim({ faults: [{ type: 'error', function: 'orders', attempt: 1 }] });
    const fn = await deploy(sim, OK, { FunctionName: 'orders' });
    await fire(fn, { id: 1 });
    await sim.settle();
    const [record] = sim.asyncEvents();
    expect(record!.attempts.map((a) => [a.status, a.errorType])).toEqual([
      ['error', 'InjectedFault'],
      ['success', undefined],
    ]);
    expect(record!.state).toBe('succeeded');
  });

  it('injects a timeout (Sandbox.Timedout at the function Timeout) and a crash (Runtime.ExitError), synchronously too', async () => {
    sim = newSim({ faults: [{ type: 'timeout', invocation: 1 }, { type: 'crash', invocation: 2 }] });
    const fn = await deploy(sim, OK, { Timeout: 5 });
    const t0 = sim.now();
    const timedOut = await sim.invoke({ FunctionName: fn });
    expect(JSON.parse(timedOut.Payload!.transformToString())).toMatchObject({ errorType: 'Sandbox.Timedout' });
    expect(sim.now() - t0).toBe(5000);
    const crashed = await sim.invoke({ FunctionName: fn, LogType: 'Tail' });
    expect(JSON.parse(crashed.Payload!.transformToString())).toMatchObject({ errorType: 'Runtime.ExitError' });
    const fine = await sim.invoke({ FunctionName: fn, Payload: '{"id":3}' });
    expect(fine.Payload!.transformToString()).toBe('{"ok":3}');
  });

  it('throttles a window of time with the Reason given; outside it the function runs', async () => {
    sim = newSim({ faults: [{ type: 'throttle', from: 1000, to: 2000, reason: 'FunctionInvocationRateLimitExceeded' }] });
    const fn = await deploy(sim, OK);
    expect((await sim.invoke({ FunctionName: fn })).StatusCode).toBe(200);
    await sim.advance(1500 - (sim.now() - Date.UTC(2025, 0, 1)));
    const e = await sim.invoke({ FunctionName: fn }).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(TooManyRequestsException);
    expect((e as TooManyRequestsException).Reason).toBe('FunctionInvocationRateLimitExceeded');
    await sim.advance(1000);
    expect((await sim.invoke({ FunctionName: fn })).StatusCode).toBe(200);
  });

  it('duplicates the n-th async event, holds the poller for a window, and makes a target refuse its first send', async () => {
    const dlq = 'arn:aws:sqs:us-east-1:123456789012:dlq';
    sim = newSim({
      faults: [
        { type: 'duplicate', function: 'dup', event: 2, delayMs: 500 },
        { type: 'delayPoller', from: 0, to: 30_000 },
        { type: 'targetFailure', target: dlq, count: 1 },
      ],
    });
    const queue = sim.createQueue('dlq');
    const fn = await deploy(sim, OK, { FunctionName: 'dup' });
    const bad = await deploy(sim, `export const handler = async () => { throw new Error('x'); };`, { DeadLetterConfig: { TargetArn: queue.arn } });
    await sim.putFunctionEventInvokeConfig({ FunctionName: bad, MaximumRetryAttempts: 0 });
    const t0 = sim.now();
    const first = await fire(fn, { id: 1 });
    const second = await fire(fn, { id: 2 });
    await fire(bad);
    await fire(bad);
    await sim.settle();
    const chains = (id: string): number => sim.asyncEvents({ requestId: id }).length;
    expect([chains(first), chains(second)]).toEqual([1, 2]);
    // Nothing was delivered while the poller was held.
    expect(Math.min(...sim.asyncEvents().flatMap((r) => r.attempts.map((a) => a.start - t0)))).toBe(30_000);
    expect(sim.asyncEvents({ functionName: bad }).map((r) => r.deadLetter?.ok)).toEqual([false, true]);
    expect(queue.size).toBe(1);
    expect(sim.metrics().functions[bad]!.DeadLetterErrors).toBe(1);
  });

  it('draws `fraction` from the seed: the same plan and seed fail the same invocations', async () => {
    const run = async (): Promise<string[]> => {
      sim = newSim({ faults: [{ type: 'error', fraction: 0.5 }] });
      const fn = await deploy(sim, OK, { FunctionName: 'frac' });
      const out: string[] = [];
      for (let i = 0; i < 20; i++) out.push((await sim.invoke({ FunctionName: fn })).FunctionError ?? 'ok');
      await sim.close();
      return out;
    };
    const a = await run();
    const b = await run();
    expect(b).toEqual(a);
    expect(a.filter((x) => x === 'Unhandled').length).toBeGreaterThan(3);
    expect(a.filter((x) => x === 'ok').length).toBeGreaterThan(3);
  });

  it('refuses a malformed plan with the path and what was expected; injectFaults adds to the plan in force', async () => {
    expect(() => newSim({ faults: [{ type: 'explode' } as never] })).toThrow("Expected `faults[0].type` to be one of error, timeout, crash, throttle, duplicate, delayPoller, targetFailure, got `explode`");
    expect(() => newSim({ faults: [{ type: 'throttle', from: 5 } as never] })).toThrow('Expected `faults[0].to` to be a number >= 0, got `null`');
    expect(() => newSim({ faults: [{ type: 'error', fraction: 2 }] })).toThrow('Expected `faults[0].fraction` to be a number from 0 to 1, got `2`');
    sim = newSim();
    sim.injectFaults([{ type: 'crash', function: 'x' }]);
    expect(sim.faultPlan()).toEqual([{ type: 'crash', function: 'x' }]);
  });
});
