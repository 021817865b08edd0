/**
 * Properties of asynchronous invocation on random workloads (functions with reservations, retry
 * and age settings, DLQs and destinations; bursts of events; failing, slow and timing-out
 * handlers; small queues; duplicates), checked by an oracle that reads only the async:* event
 * stream and the contents of the in-memory queues, topics and buses — never the pipeline's state.
 */
import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import { LambdaSimulator, type AsyncLifecycleEvent, type BusEvent, type QueueMessage } from '../../src/index.js';
import { assertInvariants, recordTrace, type Trace } from '../../src/testing/index.js';
import { deploy } from '../helpers.js';

/** Sleeps e.ms (simulated), then fails with probability e.failRate (the sandbox's seeded Math.random). */
const HANDLER = `export const handler = async (e) => {
  await new Promise((r) => setTimeout(r, e.ms));
  if (Math.random() < e.failRate) throw new Error('failed ' + e.id);
  return { id: e.id };
};`;

const fnSpec = fc.record({
  reservation: fc.option(fc.constantFrom(0, 1, 1, 2, 3), { nil: undefined, freq: 3 }),
  maxRetries: fc.constantFrom(0, 1, 2, 2),
  maxAge: fc.constantFrom(60, 90, 150, 400),
  failRate: fc.constantFrom(0, 0.5, 1, 1),
  dlq: fc.boolean(),
  onSuccess: fc.boolean(),
  onFailure: fc.boolean(),
});

const workload = fc.record({
  functions: fc.array(fnSpec, { minLength: 1, maxLength: 3, size: 'medium' }),
  capacity: fc.constantFrom(1, 2, 100),
  duplicates: fc.constantFrom(0, 0.5, 0.5),
  events: fc.array(
    fc.record({ gap: fc.constantFrom(0, 0, 0, 0, 500, 5000, 90_000), fn: fc.nat(), ms: fc.constantFrom(0, 100, 2000, 4000) }),
    { minLength: 4, maxLength: 16, size: 'medium' },
  ),
});
type Workload = typeof workload extends fc.Arbitrary<infer T> ? T : never;

interface Run {
  sim: LambdaSimulator;
  trace: Trace;
  log: AsyncLifecycleEvent[];
  accepted: Array<{ requestId: string; fn: number; payload: string }>;
  dlqs: Map<number, QueueMessage[]>;
  successes: Map<number, QueueMessage[]>;
  failures: Map<number, BusEvent[]>;
}

const TYPES = ['queued', 'delivered', 'throttled', 'retry-scheduled', 'succeeded', 'failed', 'dropped', 'dead-lettered', 'destination', 'duplicated'] as const;

let open: LambdaSimulator[] = [];
afterEach(async () => {
  await Promise.all(open.map((s) => s.close()));
  open = [];
});

async function run(w: Workload): Promise<Run> {
  const sim = new LambdaSimulator({ seed: 5, eventQueue: { capacity: w.capacity, duplicateProbability: w.duplicates } });
  open.push(sim);
  const dlqs = w.functions.map((_, i) => sim.createQueue(`dlq${i}`));
  const ok = w.functions.map((_, i) => sim.createQueue(`ok${i}`));
  const bad = w.functions.map((_, i) => sim.createEventBus(`bad${i}`));
  for (const [i, f] of w.functions.entries()) {
    await deploy(sim, HANDLER, { FunctionName: `f${i}`, ...(f.dlq ? { DeadLetterConfig: { TargetArn: dlqs[i]!.arn } } : {}) });
    if (f.reservation !== undefined) await sim.putFunctionConcurrency({ FunctionName: `f${i}`, ReservedConcurrentExecutions: f.reservation });
    await sim.putFunctionEventInvokeConfig({
      FunctionName: `f${i}`,
      MaximumRetryAttempts: f.maxRetries,
      MaximumEventAgeInSeconds: f.maxAge,
      DestinationConfig: { ...(f.onSuccess ? { OnSuccess: { Destination: ok[i]!.arn } } : {}), ...(f.onFailure ? { OnFailure: { Destination: bad[i]!.arn } } : {}) },
    });
  }
  const log: AsyncLifecycleEvent[] = [];
  for (const t of TYPES) sim.on(`async:${t}`, (e) => log.push(e));
  const trace = recordTrace(sim);
  const accepted: Run['accepted'] = [];
  for (const [id, e] of w.events.entries()) {
    await sim.advance(e.gap);
    const fn = e.fn % w.functions.length;
    const payload = JSON.stringify({ id, ms: e.ms, failRate: w.functions[fn]!.failRate });
    const out = await sim.invoke({ FunctionName: `f${fn}`, InvocationType: 'Event', Payload: payload });
    expect(out.StatusCode).toBe(202);
    accepted.push({ requestId: out.$metadata.requestId!, fn, payload });
  }
  await sim.settle();
  const pick = <T>(xs: Array<{ messages?: () => T[]; events?: () => T[] }>): Map<number, T[]> => new Map(xs.map((x, i) => [i, x.messages?.() ?? x.events!()]));
  return { sim, trace, log, accepted, dlqs: pick<QueueMessage>(dlqs), successes: pick<QueueMessage>(ok), failures: pick<BusEvent>(bad) };
}

const key = (e: { requestId: string; chain: number }): string => `${e.requestId}#${e.chain}`;

describe('async properties (random workloads, oracle over the event stream and target contents)', () => {
  it('conservation, retry bounds and gaps, maximum age, DLQ and destination contents; each path is exercised', async () => {
    const runsWith = { runs: 0, retries: 0, ageExpired: 0, overflow: 0, duplicates: 0, throttled: 0, zero: 0 };
    await fc.assert(
      fc.asyncProperty(workload, async (w) => {
        const r = await run(w);
        // The general rules, by the toolkit's oracle over the trace: one terminal state per chain,
        // retry bounds and gaps, no delivery past the maximum age, reservations.
        await assertInvariants(r.sim, r.trace);
        const hit = new Set<keyof typeof runsWith>();
        const chains = new Map<string, { fn: number; payload: string; receivedAt: number; events: AsyncLifecycleEvent[] }>();
        const byRequest = new Map(r.accepted.map((a) => [a.requestId, a]));
        for (const e of r.log) {
          if (e.type === 'queued' || e.type === 'duplicated') {
            const a = byRequest.get(e.requestId)!;
            expect(a, 'a chain of an accepted event').toBeDefined();
            expect(chains.has(key(e))).toBe(false);
            const original = chains.get(`${e.requestId}#0`);
            chains.set(key(e), { fn: a.fn, payload: a.payload, receivedAt: original?.receivedAt ?? e.time, events: [] });
          }
          chains.get(key(e))!.events.push(e);
        }
        // Every accepted event was queued once.
        expect(r.accepted.every((a) => chains.has(`${a.requestId}#0`))).toBe(true);
        const outcomes = { succeeded: new Map<string, number>(), failed: new Map<string, number>() };
        for (const [, c] of chains) {
          const f = w.functions[c.fn]!;
          const end = c.events.find((e) => e.type === 'succeeded' || e.type === 'failed' || e.type === 'dropped')!;
          const deliveries = c.events.filter((e) => e.type === 'delivered');
          // Retries are scheduled exactly 60 s / 120 s after a failure (no jitter configured).
          for (const rs of c.events.filter((e) => e.type === 'retry-scheduled')) expect(rs.at! - rs.time).toBe(rs.attempt === 2 ? 60_000 : 120_000);
          if (end.type === 'succeeded') expect(deliveries.length).toBeGreaterThanOrEqual(1);
          if (end.type === 'failed' && end.condition === 'RetriesExhausted') expect(deliveries).toHaveLength(1 + f.maxRetries);
          if (end.type === 'failed' && end.condition === 'ZeroReservedConcurrency') expect(f.reservation).toBe(0);
          if (end.type === 'dropped') expect(end.reason).toBe('QueueOverflow');
          const requestId = end.requestId;
          if (end.type === 'succeeded' || end.type === 'failed') outcomes[end.type].set(`${c.fn}:${requestId}`, (outcomes[end.type].get(`${c.fn}:${requestId}`) ?? 0) + 1);
          if (end.type === 'failed') {
            // The DLQ message carries the original payload bytes.
            if (f.dlq) expect(r.dlqs.get(c.fn)!.some((m) => m.MessageAttributes['RequestID']!.StringValue === requestId && m.Body === c.payload)).toBe(true);
          }
          if (deliveries.length > 1) hit.add('retries');
          if (end.condition === 'EventAgeExceeded') hit.add('ageExpired');
          if (end.reason === 'QueueOverflow') hit.add('overflow');
          if (end.condition === 'ZeroReservedConcurrency') hit.add('zero');
          if (c.events.some((e) => e.type === 'throttled')) hit.add('throttled');
          if (c.events[0]!.type === 'duplicated') hit.add('duplicates');
        }
        // Every configured target holds exactly one record per chain that ended in its outcome.
        for (const [i, f] of w.functions.entries()) {
          const count = (m: Map<string, number>): Map<string, number> => new Map([...m].filter(([k]) => k.startsWith(`${i}:`)).map(([k, v]) => [k.slice(k.indexOf(':') + 1), v]));
          const tally = (ids: string[]): Map<string, number> => ids.reduce((m, id) => m.set(id, (m.get(id) ?? 0) + 1), new Map<string, number>());
          expect(tally(r.dlqs.get(i)!.map((m) => m.MessageAttributes['RequestID']!.StringValue))).toEqual(f.dlq ? count(outcomes.failed) : new Map());
          expect(tally(r.successes.get(i)!.map((m) => JSON.parse(m.Body).requestContext.requestId))).toEqual(f.onSuccess ? count(outcomes.succeeded) : new Map());
          expect(tally(r.failures.get(i)!.map((e) => (e.detail as { requestContext: { requestId: string } }).requestContext.requestId))).toEqual(
            f.onFailure ? count(outcomes.failed) : new Map(),
          );
          for (const m of r.successes.get(i)!) expect(JSON.parse(m.Body).requestContext.condition).toBe('Success');
        }
        runsWith.runs++;
        for (const path of hit) runsWith[path]++;
      }),
      { numRuns: 40, seed: 20261127, endOnFailure: true },
    );
    // The generated workloads really exercise each path: in at least 30 % of the runs.
    expect(runsWith.runs).toBe(40);
    console.log('async property runs that exercised each path:', JSON.stringify(runsWith));
    for (const path of ['retries', 'ageExpired', 'overflow', 'duplicates', 'throttled'] as const) {
      expect(runsWith[path] / runsWith.runs, `share of runs with ${path}`).toBeGreaterThanOrEqual(0.3);
    }
  }, 120_000);
});

describe('async replay', () => {
  it('the same seed and inputs give the identical async event trace and target contents', async () => {
    await fc.assert(
      fc.asyncProperty(workload, async (w) => {
        const a = await run(w);
        const b = await run(w);
        const dump = (r: Run): string => JSON.stringify({ trace: r.trace, log: r.log, accepted: r.accepted, dlqs: [...r.dlqs], successes: [...r.successes], failures: [...r.failures] });
        expect(dump(b)).toBe(dump(a));
        expect(a.log.length).toBeGreaterThan(0);
      }),
      { numRuns: 8, seed: 7 },
    );
  }, 60_000);
});
