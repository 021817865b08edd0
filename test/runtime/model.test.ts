/**
 * Modelled functions (`Code: { Model }`): no sandbox, a drawn duration and failure rate, and every
 * platform rule around them as for real code.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { LambdaSimulator, InvalidParameterValueException } from '../../src/index.js';

let sim: LambdaSimulator;
afterEach(async () => {
  await sim?.close();
});

const model = (m: object, extra: object = {}) => ({ FunctionName: 'm', Handler: 'index.handler', Code: { Model: m } as never, ...extra });

describe('modelled functions', () => {
  it('take their drawn duration in simulated time, with START/END/REPORT and Init Duration on a cold start', async () => {
    sim = new LambdaSimulator({ seed: 1 });
    await sim.createFunction(model({ durationMs: { fixed: 250 }, initMs: 400 }));
    const t0 = sim.now();
    const cold = await sim.invoke({ FunctionName: 'm', LogType: 'Tail' });
    expect(cold.Payload!.transformToString()).toBe('{"ms":250}');
    expect(sim.now() - t0).toBe(650);
    expect(Buffer.from(cold.LogResult!, 'base64').toString()).toMatch(/^START RequestId: \S+ Version: \$LATEST\nEND RequestId: \S+\nREPORT RequestId: \S+\tDuration: 250\.00 ms\tBilled Duration: 650 ms\tMemory Size: 128 MB\tMax Memory Used: 0 MB\tInit Duration: 400\.00 ms\n$/);
    const warm = await sim.invoke({ FunctionName: 'm' });
    expect(warm.StatusCode).toBe(200);
    expect(sim.now() - t0).toBe(900);
  });

  it('fail at their failure rate (a function error) and time out past the function Timeout', async () => {
    sim = new LambdaSimulator({ seed: 1 });
    await sim.createFunction(model({ durationMs: { fixed: 10 }, failureRate: 1 }));
    const failed = await sim.invoke({ FunctionName: 'm' });
    expect(failed.FunctionError).toBe('Unhandled');
    expect(JSON.parse(failed.Payload!.transformToString())).toMatchObject({ errorType: 'ModelledFailure' });
    await sim.createFunction(model({ durationMs: { fixed: 5000 } }, { FunctionName: 'slow', Timeout: 2 }));
    const slow = await sim.invoke({ FunctionName: 'slow' });
    expect(JSON.parse(slow.Payload!.transformToString())).toMatchObject({ errorType: 'Sandbox.Timedout' });
  });

  it('hold no isolates: thousands run at once under maxEnvironments 1, within the concurrency limits', async () => {
    sim = new LambdaSimulator({ seed: 1, maxEnvironments: 1, requestsPerSecondPerConcurrency: Number.POSITIVE_INFINITY, scalingRate: { environments: 1e6, perMs: 1 } });
    await sim.createFunction(model({ durationMs: { uniform: [100, 200] } }));
    const outs = await Promise.allSettled(Array.from({ length: 1200 }, () => sim.invoke({ FunctionName: 'm' })));
    expect(outs.filter((o) => o.status === 'fulfilled')).toHaveLength(1000);
    expect(outs.filter((o) => o.status === 'rejected').map((o) => (o as PromiseRejectedResult).reason.name)).toEqual(Array(200).fill('TooManyRequestsException'));
    expect(sim.metrics().functions['m']!.ConcurrentExecutions).toBe(1000);
  });

  it('go through the async queue: retries, DLQ', async () => {
    sim = new LambdaSimulator({ seed: 1 });
    const dlq = sim.createQueue('dlq');
    await sim.createFunction(model({ durationMs: { exponential: { mean: 50 } }, failureRate: 1 }, { DeadLetterConfig: { TargetArn: dlq.arn } }));
    await sim.invoke({ FunctionName: 'm', InvocationType: 'Event', Payload: '{"k":1}' });
    await sim.settle();
    expect(sim.asyncEvents()[0]!.attempts.map((a) => a.status)).toEqual(['error', 'error', 'error']);
    expect(dlq.messages()[0]!.Body).toBe('{"k":1}');
  });

  it('refuses a malformed model with what was expected', async () => {
    sim = new LambdaSimulator({ seed: 1 });
    await expect(sim.createFunction(model({ durationMs: { gaussian: 3 } }))).rejects.toThrow(InvalidParameterValueException);
    await expect(sim.createFunction(model({ durationMs: { fixed: 1 }, failureRate: 2 }))).rejects.toThrow('Code.Model has a failureRate outside 0..1');
  });
});
