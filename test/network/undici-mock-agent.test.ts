/**
 * Issue 17, part 3: with `network: 'host'`, the handler's fetch is the host's, so undici's
 * MockAgent set as the global dispatcher in the test process answers it unchanged.
 */
import { getGlobalDispatcher, MockAgent, setGlobalDispatcher, type Dispatcher } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call, deploy, newSim } from '../helpers.js';

let previous: Dispatcher;
const agent = new MockAgent();
beforeAll(() => {
  previous = getGlobalDispatcher();
  agent.disableNetConnect();
  setGlobalDispatcher(agent);
});
afterAll(async () => {
  setGlobalDispatcher(previous);
  await agent.close();
});

describe("undici's MockAgent answers the sandbox's fetch (network: 'host')", () => {
  it('intercepts by origin, path and method; a request it does not know is refused (net connect disabled)', async () => {
    const pool = agent.get('https://payments.example.com');
    pool.intercept({ path: '/charge', method: 'POST' }).reply(200, (opts) => ({ charged: JSON.parse(String(opts.body)).amount }), { headers: { 'content-type': 'application/json' } });
    const sim = newSim({ seed: 1, network: 'host' });
    try {
      const fn = await deploy(sim, `export const handler = async () => {
        const res = await fetch('https://payments.example.com/charge', { method: 'POST', body: JSON.stringify({ amount: 12 }) });
        const other = await fetch('https://payments.example.com/refund').then(() => 'ok', (e) => [e.message, e.cause.code]);
        return [res.status, await res.json(), other];
      };`);
      const r = await call(sim, fn);
      expect(r.payload).toEqual([200, { charged: 12 }, ['fetch failed', 'UND_MOCK_ERR_MOCK_NOT_MATCHED']]);
      agent.assertNoPendingInterceptors();
    } finally {
      await sim.close();
    }
  });
});
