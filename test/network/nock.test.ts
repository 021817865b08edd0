/**
 * Issue 17, part 3: with `network: 'host'`, nock in the test process answers the handler's fetch
 * unchanged (nock 14 intercepts fetch as well as http.request).
 */
import nock from 'nock';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { call, deploy, newSim } from '../helpers.js';

beforeAll(() => nock.disableNetConnect());
afterEach(() => nock.cleanAll());
afterAll(() => {
  nock.enableNetConnect();
  nock.restore();
});

describe("nock answers the sandbox's fetch (network: 'host')", () => {
  it('a scope with a reply, its headers and a body match; net connect disabled refuses the rest', async () => {
    const scope = nock('https://api.github.com').get('/repos/a/b').matchHeader('accept', 'application/json').reply(200, { stars: 3 }, { etag: 'W/"1"' });
    const sim = newSim({ seed: 1, network: 'host' });
    try {
      const fn = await deploy(sim, `export const handler = async () => {
        const res = await fetch('https://api.github.com/repos/a/b', { headers: { accept: 'application/json' } });
        const other = await fetch('https://api.github.com/other').then(() => 'ok', (e) => e.message);
        return [res.status, res.headers.get('etag'), await res.json(), other];
      };`);
      const r = await call(sim, fn);
      expect(r.payload).toEqual([200, 'W/"1"', { stars: 3 }, 'fetch failed']);
      expect(scope.isDone()).toBe(true);
    } finally {
      await sim.close();
    }
  });
});
