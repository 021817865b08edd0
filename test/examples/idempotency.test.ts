/**
 * The toolkit tells an idempotent handler from one that is not: the order processor's property
 * passes; the payment handler's fails, and fast-check shrinks it to a minimal counterexample,
 * asserted here. With duplicate delivery off the payment handler's property passes, so it is the
 * duplicates the toolkit catches.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { expectIdempotent, NotIdempotentError } from '../../src/testing/index.js';
import { orderSubject, paymentSubject } from './orders.js';

const order = fc.record({ orderId: fc.integer({ min: 0, max: 9 }), amount: fc.integer({ min: 0, max: 500 }) });
const orders = fc.array(order, { maxLength: 6 });

describe('expectIdempotent with fast-check', () => {
  it('passes for the idempotent order processor', async () => {
    await fc.assert(
      fc.asyncProperty(orders, async (events) => expectIdempotent(() => orderSubject(), events)),
      { numRuns: 15, seed: 1 },
    );
  }, 60_000);

  it('finds the minimal counterexample for the payment handler: a single order', async () => {
    const result = await fc.check(
      fc.asyncProperty(orders, async (events) => expectIdempotent(() => paymentSubject(), events)),
      { numRuns: 15, seed: 1 },
    );
    expect(result.failed).toBe(true);
    expect(result.counterexample).toEqual([[{ orderId: 0, amount: 0 }]]);
    expect(result.errorInstance).toBeInstanceOf(NotIdempotentError);
    const error = result.errorInstance as NotIdempotentError;
    expect(error.once).toEqual([[0, 0]]);
    expect(error.twice).toEqual([
      [0, 0],
      [0, 0],
    ]);
    expect(error.message).toContain('payments is not idempotent under duplicate delivery');
  }, 60_000);

  it('the payment handler charges once per event with duplicate delivery off, and more with it on', async () => {
    const chargesPerEvent = async (duplicateProbability: number, events: Array<{ orderId: number; amount: number }>): Promise<number> => {
      const subject = await paymentSubject({ eventQueue: { duplicateProbability } });
      for (const e of events) await subject.sim.invoke({ FunctionName: 'payments', InvocationType: 'Event', Payload: JSON.stringify(e) });
      await subject.sim.settle();
      await subject.sim.close();
      return subject.charges.length;
    };
    const property = (p: number): fc.IAsyncProperty<[Array<{ orderId: number; amount: number }>]> =>
      fc.asyncProperty(orders, async (events) => {
        expect(await chargesPerEvent(p, events)).toBe(events.length);
      });
    await fc.assert(property(0), { numRuns: 10, seed: 2 });
    const withDuplicates = await fc.check(property(1), { numRuns: 10, seed: 2 });
    expect(withDuplicates.failed).toBe(true);
    expect(withDuplicates.counterexample).toEqual([[{ orderId: 0, amount: 0 }]]);
  }, 60_000);
});
