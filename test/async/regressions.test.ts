/**
 * Regression tests from the review of the asynchronous-invocation change (issue 5): each of these
 * failed on the reviewed code because of a real bug or gap (the comments say what happened then);
 * the last one covers the queue's `waiting` counter, which no other test observes.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { InvalidParameterValueException, ResourceConflictException, ResourceNotFoundException } from '../../src/index.js';
import { deploy, newSim, type Sim } from '../helpers.js';

let sim: Sim;
afterEach(async () => {
  await sim?.close();
});

const FAILING = `export const handler = async (e) => { throw new TypeError('bad ' + e.id); };`;
const OK = `export const handler = async (e) => ({ done: e.id });`;
const SLOW = `export const handler = async (e) => { await new Promise((r) => setTimeout(r, e.ms ?? 1000)); return e.id; };`;

async function arnOf(fn: string): Promise<string> {
  return (await sim.getFunction({ FunctionName: fn })).Configuration.FunctionArn!;
}

describe('sim.schedule and the kernel', () => {
  it('cancelling a handle after its callback ran does not make settle() return while an event is still queued', async () => {
    // EventHeap.cancel() on an event that was already popped decrements `foreground` again.
    sim = newSim();
    const fn = await deploy(sim, FAILING);
    const handle = sim.schedule(sim.now() + 10, () => {});
    await sim.advance(20);
    handle.cancel(); // a no-op for the caller: the callback has run
    await sim.invoke({ FunctionName: fn, InvocationType: 'Event', Payload: '{"id":1}' });
    await sim.settle();
    expect(sim.asyncEvents().map((r) => r.state)).toEqual(['failed']); // got ['queued']
  });

  it('an async schedule() callback acts at its instant: each awaited Event invoke is accepted then, before settle() returns (#wakes regression)', async () => {
    // Passes with the kernel of 08b925a (a full setImmediate turn before every clock move).
    sim = newSim();
    const fn = await deploy(sim, SLOW);
    const t0 = sim.now();
    sim.schedule(t0 + 1000, async () => {
      for (let id = 1; id <= 4; id++) await sim.invoke({ FunctionName: fn, InvocationType: 'Event', Payload: JSON.stringify({ id }) });
    });
    await sim.settle();
    // Got [1000, 1000, 2000]: the third is accepted a second late, the fourth after settle() resolved.
    expect(sim.asyncEvents().map((r) => r.receivedAt - t0)).toEqual([1000, 1000, 1000, 1000]);
  });

  it('schedule() refuses a time that is not finite (the clock would jump to Infinity)', () => {
    sim = newSim();
    expect(() => sim.schedule(Number.POSITIVE_INFINITY, () => {})).toThrow(TypeError);
  });

  it("schedule(): a rejected promise returned by the callback becomes a warning, like a throw (README's `() => sim.invoke(...)` otherwise leaves an unhandled rejection)", async () => {
    sim = newSim();
    const warnings: string[] = [];
    sim.on('warning', (w) => warnings.push(w.message));
    const rejected = Promise.reject(new Error('generator bug'));
    rejected.catch(() => {}); // keep this test's process clean; the simulator never looks at it
    sim.schedule(sim.now() + 5, () => rejected);
    await sim.settle();
    await new Promise((r) => setImmediate(r));
    expect(warnings.some((m) => m.includes('generator bug'))).toBe(true);
  });
});

describe('Lambda destinations', () => {
  it('an OnFailure destination to its own function with reserved concurrency 0 is not an unbounded synchronous recursion', async () => {
    sim = newSim();
    const fn = await deploy(sim, FAILING);
    await sim.putFunctionConcurrency({ FunctionName: fn, ReservedConcurrentExecutions: 0 });
    await sim.putFunctionEventInvokeConfig({ FunctionName: fn, DestinationConfig: { OnFailure: { Destination: await arnOf(fn) } } });
    await sim.invoke({ FunctionName: fn, InvocationType: 'Event', Payload: '{"id":1}' });
    await sim.settle();
    const records = sim.asyncEvents();
    // Was: ~750 chains from one invoke, made inside that one call until the stack overflowed. Now
    // each hop is one more step of the lineage, and the 17th hop is stopped as a recursive loop,
    // whose failure goes to no function (that would start the loop again).
    expect(records.every((r) => r.destination !== undefined)).toBe(true);
    expect(records.map((r) => r.condition)).toEqual([...Array(17).fill('ZeroReservedConcurrency'), 'RecursiveInvocationDetected']);
    expect(records.filter((r) => r.destination?.ok === false).map((r) => r.destination!.error)).toEqual(['a recursive loop was stopped: its failure is not sent to a function']);
  });

  it('an OnSuccess destination to the same function is stopped as a recursive loop (destinations do not advance the lineage)', async () => {
    sim = newSim();
    const fn = await deploy(sim, `export const handler = async () => { await new Promise((r) => setTimeout(r, 10)); return 'ok'; };`);
    await sim.putFunctionEventInvokeConfig({ FunctionName: fn, DestinationConfig: { OnSuccess: { Destination: await arnOf(fn) } } });
    await sim.invoke({ FunctionName: fn, InvocationType: 'Event', Payload: '{}' });
    // Got SimulationStalledError: the loop never ends (and the record nests the previous one, so
    // each hop's payload grows: with a handler that returns at once it is one endless kernel event
    // ending ~80 s later in a RangeError).
    await expect(sim.settle({ maxEvents: 600 })).resolves.toBeUndefined();
    expect(sim.asyncEvents().at(-1)).toMatchObject({ state: 'failed', condition: 'RecursiveInvocationDetected' });
  });

  it('an invocation record larger than the async payload limit is not queued on a Lambda destination (DestinationDeliveryFailures)', async () => {
    sim = newSim({ eventQueue: { maxPayloadBytes: 2000 } });
    const target = await deploy(sim, OK);
    const fn = await deploy(sim, `export const handler = async () => 'x'.repeat(1900);`);
    await sim.putFunctionEventInvokeConfig({ FunctionName: fn, DestinationConfig: { OnSuccess: { Destination: await arnOf(target) } } });
    await sim.invoke({ FunctionName: fn, InvocationType: 'Event', Payload: '{}' });
    await sim.settle();
    expect(sim.asyncEvents({ functionName: fn })[0]!.destination!.ok).toBe(false);
    expect(sim.asyncEvents({ functionName: target })).toEqual([]);
    expect(sim.metrics().functions[fn]!.DestinationDeliveryFailures).toBe(1);
  });
});

describe('records and metrics', () => {
  it("an alias event that never ran names the alias's version in its invocation record, not $LATEST", async () => {
    sim = newSim();
    const q = sim.createQueue('failures');
    const fn = await deploy(sim, OK);
    await sim.publishVersion({ FunctionName: fn });
    await sim.createAlias({ FunctionName: fn, Name: 'live', FunctionVersion: '1' });
    await sim.putFunctionEventInvokeConfig({ FunctionName: fn, Qualifier: 'live', DestinationConfig: { OnFailure: { Destination: q.arn } } });
    await sim.putFunctionConcurrency({ FunctionName: fn, ReservedConcurrentExecutions: 0 });
    await sim.invoke({ FunctionName: fn, Qualifier: 'live', InvocationType: 'Event', Payload: '{}' });
    await sim.settle();
    const record = JSON.parse(q.messages()[0]!.Body) as { requestContext: { functionArn: string; condition: string } };
    expect(record.requestContext.condition).toBe('ZeroReservedConcurrency');
    expect(record.requestContext.functionArn).not.toMatch(/:\$LATEST$/); // got …:fn:$LATEST; version 1 (or :live) ran/would run
  });

  it('AsyncEventsDropped counts events, not delivery chains: it never exceeds AsyncEventsReceived', async () => {
    sim = newSim({ eventQueue: { duplicateProbability: 1 } });
    const fn = await deploy(sim, FAILING);
    await sim.putFunctionEventInvokeConfig({ FunctionName: fn, MaximumRetryAttempts: 0 });
    await sim.invoke({ FunctionName: fn, InvocationType: 'Event', Payload: '{}' });
    await sim.settle();
    const m = sim.metrics().functions[fn]!;
    expect(m.AsyncEventsDropped).toBeLessThanOrEqual(m.AsyncEventsReceived); // got Dropped 2, Received 1
  });

  it('a FIFO queue is not a valid DLQ or destination: sends to it fail (DeadLetterErrors, DestinationDeliveryFailures)', async () => {
    sim = newSim();
    const fifo = sim.createQueue('orders.fifo');
    const fn = await deploy(sim, FAILING, { DeadLetterConfig: { TargetArn: fifo.arn } });
    await sim.putFunctionEventInvokeConfig({ FunctionName: fn, MaximumRetryAttempts: 0, DestinationConfig: { OnFailure: { Destination: fifo.arn } } });
    await sim.invoke({ FunctionName: fn, InvocationType: 'Event', Payload: '{"id":1}' });
    await sim.settle();
    expect(fifo.size).toBe(0); // got 2
    expect(sim.metrics().functions[fn]).toMatchObject({ DeadLetterErrors: 1, DestinationDeliveryFailures: 1 });
  });
});

describe('deleted functions', () => {
  it('events queued for a deleted function are dropped (FunctionDeleted), not delivered to a new function created with the same name', async () => {
    sim = newSim();
    const fn = await deploy(sim, SLOW);
    await sim.putFunctionConcurrency({ FunctionName: fn, ReservedConcurrentExecutions: 1 });
    await sim.invoke({ FunctionName: fn, InvocationType: 'Event', Payload: '{"id":1,"ms":2000}' });
    await sim.invoke({ FunctionName: fn, InvocationType: 'Event', Payload: '{"id":2}' }); // throttled: waits in the queue
    await sim.advance(500);
    await sim.deleteFunction({ FunctionName: fn });
    await deploy(sim, OK, { FunctionName: fn });
    await sim.settle();
    const second = sim.asyncEvents().find((r) => JSON.parse(r.payload).id === 2)!;
    expect(second).toMatchObject({ state: 'dropped', dropReason: 'FunctionDeleted', attempts: [] }); // got succeeded on the new function
  });
});

describe('the queue counter', () => {
  it('after throttles, age expiry, delayed duplicates, a zero-reservation failure and a FunctionDeleted drop, capacity still admits exactly `capacity` waiting events', async () => {
    const HANDLER = `export const handler = async (e) => { await new Promise((r) => setTimeout(r, e.ms ?? 10)); if (e.fail) throw new Error('x'); return 1; };`;
    sim = newSim({ eventQueue: { capacity: 3, duplicateProbability: 0.5 } });
    const fn = await deploy(sim, HANDLER, { Timeout: 900 });
    const fire = async (p: object): Promise<string> => (await sim.invoke({ FunctionName: fn, InvocationType: 'Event', Payload: JSON.stringify(p) })).$metadata.requestId!;
    await sim.putFunctionConcurrency({ FunctionName: fn, ReservedConcurrentExecutions: 1 });
    await sim.putFunctionEventInvokeConfig({ FunctionName: fn, MaximumEventAgeInSeconds: 120 });
    await fire({ ms: 90_000 });
    await fire({ fail: true });
    sim.duplicateEvent(await fire({}), 30_000);
    await sim.advance(100_000);
    await fire({ fail: true }); // fails, waits 60 s for its retry...
    await sim.advance(1000);
    await sim.putFunctionConcurrency({ FunctionName: fn, ReservedConcurrentExecutions: 0 }); // ...which finds reservation 0
    await sim.advance(70_000);
    await sim.putFunctionConcurrency({ FunctionName: fn, ReservedConcurrentExecutions: 1 });
    await fire({ fail: true }); // fails, waits for its retry...
    await sim.advance(1000);
    await sim.deleteFunction({ FunctionName: fn }); // ...which finds the function gone
    await sim.advance(70_000);
    await deploy(sim, HANDLER, { FunctionName: fn, Timeout: 900 });
    await sim.putFunctionConcurrency({ FunctionName: fn, ReservedConcurrentExecutions: 1 });
    await sim.settle();
    const paths = sim.asyncEvents().map((r) => r.condition ?? r.dropReason);
    expect(paths).toEqual(expect.arrayContaining(['EventAgeExceeded', 'ZeroReservedConcurrency', 'FunctionDeleted', 'Success']));
    expect(sim.asyncEvents().some((r) => r.duplicate)).toBe(true);
    expect(sim.asyncEvents().some((r) => r.throttles > 0)).toBe(true);
    expect(sim.asyncEvents().every((r) => ['succeeded', 'failed', 'dropped'].includes(r.state))).toBe(true);
    // Five events at one instant (none delivered yet): exactly three fit.
    const burst = await Promise.all([0, 1, 2, 3, 4].map(() => fire({})));
    const states = burst.map((id) => sim.asyncEvents({ requestId: id }).find((r) => r.chain === 0)!.state);
    expect(states).toEqual(['queued', 'queued', 'queued', 'dropped', 'dropped']);
    await sim.settle();
  });
});

describe('smaller mends from the review', () => {
  it("asyncEvents() refuses an unknown state filter; DeadLetterConfig.TargetArn '' removes the DLQ; deleting a version keeps the function's reservation", async () => {
    sim = newSim();
    expect(() => sim.asyncEvents({ state: 'bogus' as never })).toThrow('Expected `state` to be one of queued, running, retrying, succeeded, failed, dropped, got `bogus`');
    const dlq = sim.createQueue('dlq');
    const fn = await deploy(sim, FAILING, { DeadLetterConfig: { TargetArn: dlq.arn } });
    const updated = await sim.updateFunctionConfiguration({ FunctionName: fn, DeadLetterConfig: { TargetArn: '' } });
    expect(updated.DeadLetterConfig).toBeUndefined();
    await sim.publishVersion({ FunctionName: fn });
    await sim.putFunctionConcurrency({ FunctionName: fn, ReservedConcurrentExecutions: 3 });
    await sim.deleteFunction({ FunctionName: fn, Qualifier: '1' });
    expect(await sim.getFunctionConcurrency({ FunctionName: fn })).toMatchObject({ ReservedConcurrentExecutions: 3 });
    await expect(sim.invoke({ FunctionName: `${fn}:1` })).rejects.toThrow(ResourceNotFoundException);
    await sim.publishVersion({ FunctionName: fn });
    await sim.createAlias({ FunctionName: fn, Name: 'live', FunctionVersion: '2' });
    await expect(sim.deleteFunction({ FunctionName: fn, Qualifier: '2' })).rejects.toThrow(new ResourceConflictException('Unable to delete version because the following aliases reference it: [live]'));
    await expect(sim.deleteFunction({ FunctionName: fn, Qualifier: '$LATEST' })).rejects.toThrow(InvalidParameterValueException);
  });
});
