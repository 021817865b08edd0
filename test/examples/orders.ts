/**
 * Two realistic handlers for the toolkit's examples: an order processor that is idempotent (it
 * records each order once, keyed by order id, with a conditional put on an injected store), and a
 * payment handler that is not (it charges the card on every delivery).
 */
import { LambdaSimulator } from '../../src/index.js';
import type { IdempotencySubject } from '../../src/testing/index.js';

export const ORDER_PROCESSOR = `
import { putIfAbsent } from 'orders-db';
export const handler = async (event) => {
  await new Promise((r) => setTimeout(r, 20));              // some work
  const created = await putIfAbsent(String(event.orderId), { orderId: event.orderId, total: event.amount });
  return { orderId: event.orderId, created };
};`;

export const PAYMENT_HANDLER = `
import { charge } from 'payments';
export const handler = async (event) => {
  await new Promise((r) => setTimeout(r, 20));
  await charge(event.orderId, event.amount);                // no idempotency key: a duplicate charges again
  return { charged: event.amount };
};`;

/** A fresh simulator with the order processor and an empty store. */
export async function orderSubject(options: ConstructorParameters<typeof LambdaSimulator>[0] = {}): Promise<IdempotencySubject & { store: Map<string, unknown> }> {
  const store = new Map<string, unknown>();
  const sim = new LambdaSimulator({
    seed: 7,
    ...options,
    modules: { 'orders-db': { putIfAbsent: async (key: string, value: unknown) => (store.has(key) ? false : (store.set(key, value), true)) } },
  });
  await sim.createFunction({ FunctionName: 'orders', Handler: 'index.handler', Runtime: 'nodejs20.x', Code: { Source: ORDER_PROCESSOR } });
  return { sim, functionName: 'orders', store, state: () => Object.fromEntries([...store].sort(([a], [b]) => (a < b ? -1 : 1))) };
}

/** A fresh simulator with the payment handler and an empty ledger of charges. */
export async function paymentSubject(options: ConstructorParameters<typeof LambdaSimulator>[0] = {}): Promise<IdempotencySubject & { charges: Array<[number, number]> }> {
  const charges: Array<[number, number]> = [];
  const sim = new LambdaSimulator({
    seed: 7,
    ...options,
    modules: { payments: { charge: async (orderId: number, amount: number) => void charges.push([orderId, amount]) } },
  });
  await sim.createFunction({ FunctionName: 'payments', Handler: 'index.handler', Runtime: 'nodejs20.x', Code: { Source: PAYMENT_HANDLER } });
  return { sim, functionName: 'payments', charges, state: () => [...charges].sort((a, b) => a[0] - b[0] || a[1] - b[1]) };
}
