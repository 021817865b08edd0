import { afterEach, describe, expect, it } from 'vitest';
import { RequestEntityTooLargeException, type AsyncLifecycleEvent } from '../../src/index.js';
import { deploy, newSim, type Sim } from '../helpers.js';

let sim: Sim;
afterEach(async () => {
  await sim?.close();
});

/** A handler that fails when the event says so (or always), after `ms` of simulated time. */
const FLAKY = `export const handler = async (e, ctx) => {
  if (e.ms) await new Promise((r) => setTimeout(r, e.ms));
  if (e.fail) throw new Error('boom ' + e.id);
  return { ok: e.id, requestId: ctx.awsRequestId };
};`;

const event = (o: object): string => JSON.stringify(o);

describe('InvocationType Event', () => {
  it('answers 202 with an empty payload once queued; the handler sees the same awsRequestId as $metadata.requestId', async () => {
    const seen: string[] = [];
    sim = newSim({ modules: { probe: { seen: (id: string) => void seen.push(id) } } });
    const fn = await deploy(sim, `import { seen } from 'probe'; export const handler = async (e, ctx) => { await seen(ctx.awsRequestId); };`);
    const out = await sim.invoke({ FunctionName: fn, InvocationType: 'Event', Payload: '{"a":1}' });
    expect(out.StatusCode).toBe(202);
    expect(out.Payload!.byteLength).toBe(0);
    expect(out.FunctionError).toBeUndefined();
    expect(seen).toEqual([]); // not delivered yet: the caller got its answer first
    await sim.settle();
    expect(seen).toEqual([out.$metadata.requestId]);
    const [record] = sim.asyncEvents();
    expect(record).toMatchObject({ requestId: out.$metadata.requestId, state: 'succeeded', condition: 'Success', chain: 0, duplicate: false });
    expect(record!.attempts).toHaveLength(1);
  });

  it('refuses an async payload over 1 MB with RequestEntityTooLargeException (413); the limit is configurable', async () => {
    sim = newSim();
    const fn = await deploy(sim, FLAKY);
    const big = JSON.stringify({ s: 'x'.repeat(1_048_576) });
    const error = await sim.invoke({ FunctionName: fn, InvocationType: 'Event', Payload: big }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RequestEntityTooLargeException);
    expect((error as RequestEntityTooLargeException).$metadata.httpStatusCode).toBe(413);
    expect((error as Error).message).toBe(`${big.length} byte payload is too large for the Event invocation type (limit 1048576 bytes)`);
    await sim.close();
    sim = newSim({ eventQueue: { maxPayloadBytes: 262_144 } });
    const fn2 = await deploy(sim, FLAKY);
    await expect(sim.invoke({ FunctionName: fn2, InvocationType: 'Event', Payload: JSON.stringify({ s: 'x'.repeat(262_144) }) })).rejects.toThrow('(limit 262144 bytes)');
    expect(sim.asyncEvents()).toEqual([]);
  });
});

describe('retries', () => {
  it('retries a failing handler twice, 60 s then 120 s after each failure, then fails with RetriesExhausted', async () => {
    sim = newSim();
    const fn = await deploy(sim, FLAKY);
    const t0 = sim.now();
    const out = await sim.invoke({ FunctionName: fn, InvocationType: 'Event', Payload: event({ fail: true, id: 1, ms: 500 }) });
    await sim.settle();
    const [record] = sim.asyncEvents();
    expect(record!.state).toBe('failed');
    expect(record!.condition).toBe('RetriesExhausted');
    expect(record!.attempts.map((a) => [a.attempt, a.start - t0, a.end! - t0, a.status])).toEqual([
      [1, 0, 500, 'error'],
      [2, 60_500, 61_000, 'error'],
      [3, 181_000, 181_500, 'error'],
    ]);
    expect(record!.requestId).toBe(out.$metadata.requestId);
    expect(sim.metrics().functions[fn]).toMatchObject({ Invocations: 3, Errors: 3, AsyncEventsReceived: 1, AsyncEventsDropped: 1 });
  });

  it('MaximumRetryAttempts 0 runs a failing event once', async () => {
    sim = newSim();
    const fn = await deploy(sim, FLAKY);
    await sim.putFunctionEventInvokeConfig({ FunctionName: fn, MaximumRetryAttempts: 0 });
    await sim.invoke({ FunctionName: fn, InvocationType: 'Event', Payload: event({ fail: true }) });
    await sim.settle();
    expect(sim.asyncEvents()[0]).toMatchObject({ state: 'failed', condition: 'RetriesExhausted' });
    expect(sim.asyncEvents()[0]!.attempts).toHaveLength(1);
  });

  it('retries timeouts and crashes like thrown errors', async () => {
    sim = newSim();
    const slow = await deploy(sim, 'export const handler = async () => { await new Promise((r) => setTimeout(r, 5000)); };', { Timeout: 1 });
    const crash = await deploy(sim, 'export const handler = async () => { process.exit(1); };');
    await sim.putFunctionEventInvokeConfig({ FunctionName: slow, MaximumRetryAttempts: 1 });
    await sim.putFunctionEventInvokeConfig({ FunctionName: crash, MaximumRetryAttempts: 1 });
    await sim.invoke({ FunctionName: slow, InvocationType: 'Event' });
    await sim.invoke({ FunctionName: crash, InvocationType: 'Event' });
    await sim.settle();
    const statuses = (fn: string): string[] => sim.asyncEvents({ functionName: fn })[0]!.attempts.map((a) => a.status);
    expect(statuses(slow)).toEqual(['timeout', 'timeout']);
    expect(statuses(crash)).toEqual(['crash', 'crash']);
  });

  it('a success on a retry ends the chain as succeeded', async () => {
    const counts = new Map<string, number>();
    sim = newSim({ modules: { counter: { next: (id: string) => { counts.set(id, (counts.get(id) ?? 0) + 1); return counts.get(id); } } } });
    const fn = await deploy(sim, `import { next } from 'counter'; export const handler = async (e, ctx) => { if ((await next(ctx.awsRequestId)) < 2) throw new Error('first try fails'); return 'ok'; };`);
    await sim.invoke({ FunctionName: fn, InvocationType: 'Event' });
    await sim.settle();
    const [record] = sim.asyncEvents();
    expect(record!.state).toBe('succeeded');
    expect(record!.attempts.map((a) => a.status)).toEqual(['error', 'success']);
  });
});

describe('event age', () => {
  it('fails with EventAgeExceeded when the next retry would come after MaximumEventAgeInSeconds, at the moment the age runs out', async () => {
    sim = newSim();
    const fn = await deploy(sim, FLAKY);
    await sim.putFunctionEventInvokeConfig({ FunctionName: fn, MaximumEventAgeInSeconds: 100 });
    const t0 = sim.now();
    await sim.invoke({ FunctionName: fn, InvocationType: 'Event', Payload: event({ fail: true }) });
    await sim.settle();
    const [record] = sim.asyncEvents();
    expect(record!.condition).toBe('EventAgeExceeded');
    expect(record!.attempts.map((a) => a.start - t0)).toEqual([0, 60_000]); // the second retry (180 s) is past the age
    expect(record!.endedAt! - t0).toBe(100_000);
  });

  it('never delivers an event older than its maximum age, even one that only waited in a throttled queue', async () => {
    sim = newSim();
    const fn = await deploy(sim, 'export const handler = async () => { await new Promise((r) => setTimeout(r, 300_000)); };', { Timeout: 900 });
    await sim.putFunctionConcurrency({ FunctionName: fn, ReservedConcurrentExecutions: 1 });
    await sim.putFunctionEventInvokeConfig({ FunctionName: fn, MaximumEventAgeInSeconds: 60, MaximumRetryAttempts: 0 });
    await sim.invoke({ FunctionName: fn, InvocationType: 'Event' });
    await sim.invoke({ FunctionName: fn, InvocationType: 'Event' });
    await sim.settle();
    const [first, second] = sim.asyncEvents();
    expect(first!.state).toBe('succeeded');
    expect(second).toMatchObject({ state: 'failed', condition: 'EventAgeExceeded', attempts: [] });
    expect(second!.throttles).toBeGreaterThan(3);
    expect(second!.endedAt! - second!.receivedAt).toBe(60_000);
  });
});

describe('throttled deliveries', () => {
  it('go back to the queue with backoff from 1 s (doubling, at most 5 min) and run when concurrency frees', async () => {
    sim = newSim();
    const fn = await deploy(sim, FLAKY);
    await sim.putFunctionConcurrency({ FunctionName: fn, ReservedConcurrentExecutions: 1 });
    const throttled: AsyncLifecycleEvent[] = [];
    sim.on('async:throttled', (e) => throttled.push(e));
    for (let id = 0; id < 3; id++) await sim.invoke({ FunctionName: fn, InvocationType: 'Event', Payload: event({ id, ms: 2000 }) });
    await sim.settle();
    const records = sim.asyncEvents();
    expect(records.map((r) => r.state)).toEqual(['succeeded', 'succeeded', 'succeeded']);
    // Never more than one at a time.
    const spans = records.flatMap((r) => r.attempts.map((a) => [a.start, a.end!] as const)).sort((a, b) => a[0] - b[0]);
    for (let i = 1; i < spans.length; i++) expect(spans[i]![0]).toBeGreaterThanOrEqual(spans[i - 1]![1]);
    const gaps = throttled.filter((t) => t.requestId === records[1]!.requestId).map((t) => t.at! - t.time);
    expect(gaps.slice(0, 4)).toEqual([1000, 2000, 4000, 8000].slice(0, gaps.length));
    expect(throttled[0]!.reason).toBe('ReservedFunctionConcurrentInvocationLimitExceeded');
    expect(sim.metrics().functions[fn]!.Throttles).toBe(throttled.length);
  });

  it('reserved concurrency 0 sends new events straight to failure handling (ZeroReservedConcurrency), without attempts', async () => {
    sim = newSim();
    const dlq = sim.createQueue('dlq');
    const fn = await deploy(sim, FLAKY, { DeadLetterConfig: { TargetArn: dlq.arn } });
    await sim.putFunctionConcurrency({ FunctionName: fn, ReservedConcurrentExecutions: 0 });
    const out = await sim.invoke({ FunctionName: fn, InvocationType: 'Event', Payload: event({ id: 7 }) });
    expect(out.StatusCode).toBe(202);
    await sim.settle();
    expect(sim.asyncEvents()[0]).toMatchObject({ state: 'failed', condition: 'ZeroReservedConcurrency', attempts: [] });
    expect(dlq.messages().map((m) => [m.Body, m.MessageAttributes['ErrorCode']!.StringValue])).toEqual([[event({ id: 7 }), '429']]);
  });
});

describe('queue capacity', () => {
  it('drops events beyond the queue capacity with reason QueueOverflow: recorded and counted, never delivered or dead-lettered', async () => {
    sim = newSim({ eventQueue: { capacity: 2 } });
    const dlq = sim.createQueue('dlq');
    const fn = await deploy(sim, FLAKY, { DeadLetterConfig: { TargetArn: dlq.arn } });
    const outs = await Promise.all([1, 2, 3].map((id) => sim.invoke({ FunctionName: fn, InvocationType: 'Event', Payload: event({ id }) })));
    expect(outs.map((o) => o.StatusCode)).toEqual([202, 202, 202]);
    await sim.settle();
    const byId = new Map(sim.asyncEvents().map((r) => [JSON.parse(r.payload).id as number, r]));
    expect(byId.get(3)).toMatchObject({ state: 'dropped', dropReason: 'QueueOverflow', attempts: [] });
    expect([byId.get(1)!.state, byId.get(2)!.state]).toEqual(['succeeded', 'succeeded']);
    expect(dlq.size).toBe(0);
    expect(sim.metrics().functions[fn]).toMatchObject({ AsyncEventsReceived: 3, AsyncEventsDropped: 1 });
  });
});

describe('duplicate delivery', () => {
  it('with duplicateProbability 1 every event is delivered twice, with the same awsRequestId, the copy labelled as a duplicate', async () => {
    const seen: string[] = [];
    sim = newSim({ eventQueue: { duplicateProbability: 1 }, modules: { probe: { seen: (id: string) => void seen.push(id) } } });
    const fn = await deploy(sim, `import { seen } from 'probe'; export const handler = async (e, ctx) => { await seen(ctx.awsRequestId); };`);
    const out = await sim.invoke({ FunctionName: fn, InvocationType: 'Event' });
    await sim.settle();
    expect(seen).toEqual([out.$metadata.requestId, out.$metadata.requestId]);
    expect(sim.asyncEvents().map((r) => [r.chain, r.duplicate, r.state])).toEqual([
      [0, false, 'succeeded'],
      [1, true, 'succeeded'],
    ]);
  });

  it('is off by default, and duplicateEvent(requestId) injects one on demand (unknown ids are a ResourceNotFoundException)', async () => {
    sim = newSim();
    const fn = await deploy(sim, FLAKY);
    const out = await sim.invoke({ FunctionName: fn, InvocationType: 'Event' });
    await sim.settle();
    expect(sim.asyncEvents()).toHaveLength(1);
    sim.duplicateEvent(out.$metadata.requestId!, 5000);
    await sim.settle();
    const [, dup] = sim.asyncEvents();
    expect(dup).toMatchObject({ requestId: out.$metadata.requestId, chain: 1, duplicate: true, state: 'succeeded' });
    expect(() => sim.duplicateEvent('nope')).toThrow(/No asynchronous event with request id nope/);
  });
});
