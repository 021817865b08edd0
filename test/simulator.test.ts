import { describe, expect, it } from 'vitest';
import { HostLimitExceededError, LambdaSimulator, type InvocationRecord } from '../src/index.js';
import { deploy, newSim } from './helpers.js';

describe('LambdaSimulator options', () => {
  it.each([
    [{ seed: 1.5 }, 'Expected `seed` to be a safe integer, got `1.5` (number)'],
    [{ clock: 'fast' }, "Expected `clock` to be 'virtual' or 'real', got `fast`"],
    [{ maxEnvironments: 0 }, 'Expected `maxEnvironments` to be an integer >= 1, got `0` (number)'],
    [{ region: 'mars' }, "Expected `region` to look like 'us-east-1', got `mars`"],
    [{ accountId: '42' }, 'Expected `accountId` to be 12 digits, got `42`'],
    [{ colour: 'blue' }, 'Unknown option `colour`'],
  ])('rejects %j with a message quoting the option and the value', (options, message) => {
    expect(() => new LambdaSimulator(options as never)).toThrow(message);
  });
});

describe('events', () => {
  it('emits invocation:start/end with the full record, and environment lifecycle events', async () => {
    const sim = newSim();
    const seen: string[] = [];
    const records: InvocationRecord[] = [];
    sim.on('environment:created', (e) => seen.push(`created ${e.functionName}`));
    sim.on('invocation:start', (e) => seen.push(`start cold=${e.coldStart}`));
    sim.on('invocation:end', (r) => records.push(r));
    sim.on('environment:disposed', (e) => seen.push(`disposed ${e.reason}`));
    const fn = await deploy(sim, 'export const handler = async () => { console.log("hi"); return 1; };', { FunctionName: 'ev' });
    await sim.invoke({ FunctionName: fn });
    await sim.invoke({ FunctionName: fn });
    await sim.close();
    expect(seen).toEqual(['created ev', 'start cold=true', 'start cold=false', 'disposed closed']);
    expect(records.map((r) => [r.status, r.coldStart, r.functionError])).toEqual([
      ['success', true, undefined],
      ['success', false, undefined],
    ]);
    expect(records[0]!.logs.some((l) => l.endsWith('\tINFO\thi'))).toBe(true);
    expect(records[0]!.logs.at(-1)).toMatch(/^REPORT RequestId: /);
  });
});

describe('the cap on live environments', () => {
  it('reclaims the least recently used idle environment when the cap is reached', async () => {
    const sim = newSim({ maxEnvironments: 2 });
    const disposed: string[] = [];
    sim.on('environment:disposed', (e) => disposed.push(`${e.functionName}:${e.reason}`));
    for (const name of ['a', 'b', 'c']) await deploy(sim, 'export const handler = async () => 1;', { FunctionName: name });
    for (const name of ['a', 'b', 'c']) expect((await sim.invoke({ FunctionName: name })).StatusCode).toBe(200);
    expect(disposed).toEqual(['a:reaped']);
    await sim.close();
  });

  it('fails with HostLimitExceededError when every environment is busy, and recovers', async () => {
    const sim = newSim({ maxEnvironments: 2 });
    const fn = await deploy(sim, 'export const handler = async () => { await new Promise((r) => setTimeout(r, 1000)); return "done"; };');
    const results = await Promise.allSettled([sim.invoke({ FunctionName: fn }), sim.invoke({ FunctionName: fn }), sim.invoke({ FunctionName: fn })]);
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'fulfilled', 'rejected']);
    const error = (results[2] as PromiseRejectedResult).reason as Error;
    expect(error).toBeInstanceOf(HostLimitExceededError);
    expect(error.message).toContain('its cap (maxEnvironments: 2), and none is idle');
    expect((await sim.invoke({ FunctionName: fn })).Payload!.transformToString()).toBe('"done"');
    await sim.close();
  });
});

describe('real clock', () => {
  it('runs handlers on scaled wall-clock time', async () => {
    // At timeScale 1000 the default 3 s Timeout is 3 real ms: give the thread hops room.
    const sim = new LambdaSimulator({ seed: 1, clock: 'real', timeScale: 1000 });
    const fn = await deploy(sim, 'export const handler = async () => { const t = Date.now(); await new Promise((r) => setTimeout(r, 2000)); return Date.now() - t; };', { Timeout: 60 });
    const out = await sim.invoke({ FunctionName: fn });
    expect(Number(out.Payload!.transformToString())).toBeGreaterThanOrEqual(2000);
    await sim.close();
  });
});

describe('schedule', () => {
  it('runs a callback at a simulated instant (traffic without awaits), turns its exceptions into warnings, and can be cancelled', async () => {
    const sim = newSim();
    const fn = await deploy(sim, 'export const handler = async () => Date.now();');
    const t0 = sim.now();
    const ran: number[] = [];
    const warnings: string[] = [];
    sim.on('warning', (w) => warnings.push(w.message));
    sim.on('invocation:end', (r) => ran.push(Number(r.payload) - t0));
    sim.schedule(t0 + 5000, () => void sim.invoke({ FunctionName: fn }));
    sim.schedule(t0 + 1000, () => {
      throw new Error('generator bug');
    });
    const cancelled = sim.schedule(t0 + 2000, () => ran.push(-1));
    cancelled.cancel();
    await sim.settle();
    expect(ran).toEqual([5000]);
    expect(warnings).toEqual(['A sim.schedule() callback threw: generator bug']);
    expect(() => sim.schedule(Number.NaN, () => {})).toThrow('Expected `at` to be simulated epoch milliseconds (a finite number), got `null`');
    await sim.close();
  });
});

describe('close', () => {
  it('refuses calls after close with a clear error', async () => {
    const sim = newSim();
    await sim.close();
    await expect(sim.invoke({ FunctionName: 'x' })).rejects.toThrow('This LambdaSimulator was closed; create a new one.');
  });
});

describe('metrics', () => {
  it('counts Invocations, Errors, Throttles, ColdStarts and Duration percentiles under CloudWatch names', async () => {
    const sim = newSim();
    const fn = await deploy(sim, 'export const handler = async (e) => { await new Promise((r) => setTimeout(r, e.ms)); if (e.fail) throw new Error("x"); };', { FunctionName: 'm' });
    for (const ms of [10, 20, 30, 40, 50, 60, 70, 80, 90, 100]) await sim.invoke({ FunctionName: fn, Payload: JSON.stringify({ ms, fail: ms === 100 }) });
    await sim.putFunctionConcurrency({ FunctionName: fn, ReservedConcurrentExecutions: 0 });
    await sim.invoke({ FunctionName: fn }).catch(() => undefined);
    const m = sim.metrics();
    expect(m.functions['m']).toEqual({
      Invocations: 10,
      ProvisionedConcurrencyInvocations: 0,
      ProvisionedConcurrencySpilloverInvocations: 0,
      Errors: 1,
      Throttles: 1,
      ColdStarts: 1,
      Duration: { count: 10, sum: 550, min: 10, max: 100, p50: 50, p90: 90, p99: 100 },
      ConcurrentExecutions: 1,
      AsyncEventsReceived: 0,
      AsyncEventAge: { count: 0, sum: 0, min: 0, max: 0, p50: 0, p90: 0, p99: 0 },
      AsyncEventsDropped: 0,
      DeadLetterErrors: 0,
      DestinationDeliveryFailures: 0,
    });
    expect(m.account).toEqual({ ConcurrentExecutions: 1, UnreservedConcurrentExecutions: 1, Throttles: 1 });
    await sim.close();
  });
});

describe('a runtime newer than the host', () => {
  const major = Number(process.versions.node.split('.')[0]);
  it.skipIf(major >= 24)('is a warning for every function to sim listeners, and once per runtime to the process', async () => {
    const sim = newSim();
    const heard: string[] = [];
    const processWarnings: string[] = [];
    const onProcess = (w: Error & { code?: string }): void => void (w.code === 'LAMBDA_SIM_RUNTIME_NEWER_THAN_HOST' && processWarnings.push(w.message));
    process.on('warning', onProcess);
    sim.on('warning', (w) => heard.push(w.message));
    try {
      for (const name of ['a', 'b', 'c']) await deploy(sim, 'export const handler = async () => 1;', { FunctionName: name, Runtime: 'nodejs24.x' });
      await new Promise((r) => setImmediate(r)); // process warnings are emitted on the next tick
      expect(heard).toHaveLength(3);
      expect(heard[1]).toMatch(/^Function b declares nodejs24\.x, but lambda-sim runs it on the host's Node\.js/);
      expect(processWarnings.length).toBeLessThanOrEqual(1);
      for (const w of processWarnings) expect(w).toMatch(/\(said once per runtime in this process\)$/);
    } finally {
      process.off('warning', onProcess);
      await sim.close();
    }
  });
});
