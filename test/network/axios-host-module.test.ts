/**
 * Issue 17, item 4: a real client library passed as a host module (`modules: { axios }`) runs on
 * the host with the host's network, driven from the handler: `axios.get`, `axios.create` with a
 * base URL, a request interceptor written in the handler that edits the host's config object, and
 * an HTTP error as axios's AxiosError. (Passing axios used to overflow the stack in the simulator's
 * constructor, which walked the module.)
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import axios from 'axios';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { call, deploy, newSim } from '../helpers.js';

let server: Server;
let base: string;
const seen: Array<{ method: string; url: string; trace: string | undefined; body: string }> = [];

beforeAll(async () => {
  server = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      seen.push({ method: req.method!, url: req.url!, trace: req.headers['x-trace'] as string | undefined, body });
      if (req.url === '/missing') {
        res.writeHead(404, { 'content-type': 'application/json' }).end('{"message":"no such order"}');
        return;
      }
      res.writeHead(200, { 'content-type': 'application/json', 'x-served-by': 'host' }).end(JSON.stringify({ path: req.url, echo: body === '' ? null : JSON.parse(body) }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

it('axios as a host module: get, create + interceptors + post, and an AxiosError the handler can read', async () => {
  seen.length = 0;
  const sim = newSim({ seed: 3, modules: { axios } });
  try {
    const fn = await deploy(
      sim,
      `import axios from 'axios';
       const api = axios.create({ baseURL: process.env.BASE, timeout: 2000 });
       api.interceptors.request.use((config) => { config.headers['x-trace'] = 'trace-' + config.url; return config; });
       export const handler = async () => {
         const got = await axios.get(process.env.BASE + '/orders/1');
         const posted = await api.post('/orders', { id: 2, qty: 3 });
         let error;
         try { await api.get('/missing'); } catch (e) { error = [axios.isAxiosError(e), e.response.status, e.response.data.message, e.message]; }
         return { got: [got.status, got.data, got.headers['x-served-by']], posted: [posted.status, posted.data], error };
       };`,
      { Environment: { Variables: { BASE: base } } },
    );
    const r = await call(sim, fn);
    expect(r.out.FunctionError, r.text).toBeUndefined();
    expect(r.payload).toEqual({
      got: [200, { path: '/orders/1', echo: null }, 'host'],
      posted: [200, { path: '/orders', echo: { id: 2, qty: 3 } }],
      error: [true, 404, 'no such order', 'Request failed with status code 404'],
    });
    // The interceptor the handler registered edited the request the host sent.
    expect(seen.map((s) => [s.method, s.url, s.trace])).toEqual([
      ['GET', '/orders/1', undefined],
      ['POST', '/orders', 'trace-/orders'],
      ['GET', '/missing', 'trace-/missing'],
    ]);
    // Warm: the module-scope instance and its interceptor are still there.
    const again = await call(sim, fn);
    expect(again.out.FunctionError, again.text).toBeUndefined();
    expect(seen.slice(3).map((s) => s.trace)).toEqual([undefined, 'trace-/orders', 'trace-/missing']);
  } finally {
    await sim.close();
  }
});
