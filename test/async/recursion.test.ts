import { afterEach, describe, expect, it } from 'vitest';
import type { AsyncLifecycleEvent } from '../../src/index.js';
import { deploy, newSim, type Sim } from '../helpers.js';

let sim: Sim;
afterEach(async () => {
  await sim?.close();
});

/** Invokes itself (sync or async) with n + 1 until n reaches e.max. */
const LOOP = (type: 'RequestResponse' | 'Event'): string => `
import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
const lambda = new LambdaClient({});
export const handler = async (e) => {
  if (e.n >= e.max) return e.n;
  const out = await lambda.send(new InvokeCommand({ FunctionName: 'loop', InvocationType: '${type}', Payload: JSON.stringify({ n: e.n + 1, max: e.max }) }));
  if (out.StatusCode === 202) return 'queued';
  if (out.FunctionError) throw new Error(JSON.parse(new TextDecoder().decode(out.Payload)).errorMessage);
  return JSON.parse(new TextDecoder().decode(out.Payload));
};`;

describe('recursive loop detection', () => {
  it('stops the 17th synchronous function-to-function invocation with RecursiveInvocationException; 16 are fine', async () => {
    sim = newSim();
    await deploy(sim, LOOP('RequestResponse'), { FunctionName: 'loop', Timeout: 60 });
    const ok = await sim.invoke({ FunctionName: 'loop', Payload: JSON.stringify({ n: 0, max: 16 }) });
    expect(ok.Payload!.transformToString()).toBe('16');
    const stopped = await sim.invoke({ FunctionName: 'loop', Payload: JSON.stringify({ n: 0, max: 17 }) });
    expect(stopped.FunctionError).toBe('Unhandled');
    expect(JSON.parse(stopped.Payload!.transformToString()).errorMessage).toMatch(/invoked as part of a recursive loop of more than 16 function-to-function invocations/);
  });

  it("lets the loop run with the recursion config 'Allow'", async () => {
    sim = newSim();
    await deploy(sim, LOOP('RequestResponse'), { FunctionName: 'loop', Timeout: 60 });
    expect(await sim.getFunctionRecursionConfig({ FunctionName: 'loop' })).toMatchObject({ RecursiveLoop: 'Terminate' });
    await sim.putFunctionRecursionConfig({ FunctionName: 'loop', RecursiveLoop: 'Allow' });
    const out = await sim.invoke({ FunctionName: 'loop', Payload: JSON.stringify({ n: 0, max: 20 }) });
    expect(out.Payload!.transformToString()).toBe('20');
    await expect(sim.putFunctionRecursionConfig({ FunctionName: 'loop', RecursiveLoop: 'Maybe' as never })).rejects.toThrow(
      "1 validation error detected: Value 'Maybe' at 'recursiveLoop' failed to satisfy constraint: Member must satisfy enum value set: [Allow, Terminate]",
    );
  });

  it('an asynchronous loop is stopped at the 17th hop and that event goes to failure handling (RecursiveInvocationDetected)', async () => {
    sim = newSim();
    const dlq = sim.createQueue('loop-dlq');
    await deploy(sim, LOOP('Event'), { FunctionName: 'loop', DeadLetterConfig: { TargetArn: dlq.arn } });
    await sim.invoke({ FunctionName: 'loop', InvocationType: 'Event', Payload: JSON.stringify({ n: 0, max: 1000 }) });
    await sim.settle();
    const records = sim.asyncEvents();
    expect(records.filter((r) => r.state === 'succeeded')).toHaveLength(17);
    const stopped = records.filter((r) => r.state === 'failed');
    expect(stopped).toHaveLength(1);
    expect(stopped[0]).toMatchObject({ condition: 'RecursiveInvocationDetected', attempts: [] });
    expect(JSON.parse(stopped[0]!.payload)).toEqual({ n: 17, max: 1000 });
    expect(dlq.messages().map((m) => m.MessageAttributes['ErrorCode']!.StringValue)).toEqual(['400']);
  });
});

describe('observation', () => {
  it('every step of an event is an async:* event, and the metrics agree with them', async () => {
    sim = newSim();
    const dlq = sim.createQueue('dlq');
    const fn = await deploy(sim, `export const handler = async () => { throw new Error('no'); };`, { DeadLetterConfig: { TargetArn: dlq.arn } });
    await sim.putFunctionEventInvokeConfig({ FunctionName: fn, MaximumRetryAttempts: 1 });
    const seen: string[] = [];
    const types = ['queued', 'delivered', 'retry-scheduled', 'failed', 'dead-lettered', 'succeeded', 'dropped', 'throttled', 'destination', 'duplicated'] as const;
    for (const t of types) sim.on(`async:${t}`, (e: AsyncLifecycleEvent) => seen.push(e.type));
    const t0 = sim.now();
    const log: AsyncLifecycleEvent[] = [];
    sim.on('async:delivered', (e) => log.push(e));
    sim.on('async:retry-scheduled', (e) => log.push(e));
    sim.on('async:failed', (e) => log.push(e));
    await sim.invoke({ FunctionName: fn, InvocationType: 'Event' });
    await sim.settle();
    expect(seen).toEqual(['queued', 'delivered', 'retry-scheduled', 'delivered', 'failed', 'dead-lettered']);
    expect(log.map((e) => [e.type, e.time - t0, e.attempt, e.at === undefined ? undefined : e.at - t0])).toEqual([
      ['delivered', 0, 1, undefined],
      ['retry-scheduled', 0, 2, 60_000],
      ['delivered', 60_000, 2, undefined],
      ['failed', 60_000, 2, undefined],
    ]);
    expect(log[3]!.condition).toBe('RetriesExhausted');
    const m = sim.metrics().functions[fn]!;
    expect(m).toMatchObject({ AsyncEventsReceived: 1, AsyncEventsDropped: 1, DeadLetterErrors: 0, Invocations: 2, Errors: 2 });
    expect(m.AsyncEventAge).toMatchObject({ count: 2, min: 0, max: 60_000 });
  });

  it('keeps at most eventQueue.keepEvents ended chains in asyncEvents() while metrics count all', async () => {
    sim = newSim({ eventQueue: { keepEvents: 3 } });
    const fn = await deploy(sim, 'export const handler = async (e) => e;');
    for (let i = 0; i < 10; i++) await sim.invoke({ FunctionName: fn, InvocationType: 'Event', Payload: String(i) });
    await sim.settle();
    expect(sim.asyncEvents().map((r) => r.payload)).toEqual(['7', '8', '9']);
    expect(sim.metrics().functions[fn]!.AsyncEventsReceived).toBe(10);
  });
});
