/**
 * Issue 17, part 3: with `network: 'host'`, the handler's fetch is the host's, so msw's
 * `setupServer` in the test process answers it unchanged (request handlers, passthrough refusal,
 * network errors).
 */
import { http, HttpResponse } from 'msw';
import { setupServer } from 'msw/node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call, deploy, newSim } from '../helpers.js';

const server = setupServer(
  http.get('https://api.example.com/users/:id', ({ params, request }) => HttpResponse.json({ id: params['id'], auth: request.headers.get('authorization') })),
  http.post('https://api.example.com/orders', async ({ request }) => HttpResponse.json({ received: await request.json() }, { status: 201 })),
  http.get('https://api.example.com/down', () => HttpResponse.error()),
);
beforeAll(() => server.listen({ onUnhandledRequest: 'error' }));
afterAll(() => server.close());

describe("msw's setupServer answers the sandbox's fetch (network: 'host')", () => {
  it('GET and POST handlers, a network error, and an unhandled request refused by msw', async () => {
    const sim = newSim({ seed: 1, network: 'host' });
    try {
      const fn = await deploy(sim, `export const handler = async () => {
        const user = await (await fetch('https://api.example.com/users/42', { headers: { authorization: 'Bearer x' } })).json();
        const order = await fetch('https://api.example.com/orders', { method: 'POST', body: JSON.stringify({ sku: 'a' }), headers: { 'content-type': 'application/json' } });
        const down = await fetch('https://api.example.com/down').then(() => 'ok', (e) => e.message);
        const unhandled = await fetch('https://api.example.com/nothing').then(() => 'ok', (e) => e.message);
        return [user, order.status, await order.json(), down, unhandled];
      };`);
      const r = await call(sim, fn);
      expect(r.payload).toEqual([{ id: '42', auth: 'Bearer x' }, 201, { received: { sku: 'a' } }, 'fetch failed', 'fetch failed']);
    } finally {
      await sim.close();
    }
  });
});
