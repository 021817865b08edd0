/**
 * Issue 17, part 3: the http/https client in the sandbox. A request is executed on the host by its
 * own node:http(s) (network: 'host'), so a real server and nock answer it; a `network` function
 * answers it as a Request; 'off' is an 'error' event, ECONNREFUSED, naming the option. Real client
 * libraries run on it unchanged: axios (its http adapter) and node-fetch 3.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import nock from 'nock';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { LambdaSimulatorOptions } from '../../src/index.js';
import { call, deploy, newSim } from '../helpers.js';

const run = async (options: LambdaSimulatorOptions, source: string, event: unknown = {}): Promise<unknown> => {
  const sim = newSim({ seed: 9, ...options });
  try {
    const r = await call(sim, await deploy(sim, source, { Timeout: 10 }), event);
    if (r.out.FunctionError !== undefined) throw new Error(JSON.stringify(r.payload));
    return r.payload;
  } finally {
    await sim.close();
  }
};

let server: Server;
let base: string;
beforeAll(async () => {
  server = createServer((req, res) => {
    const parts: Buffer[] = [];
    req.on('data', (c: Buffer) => parts.push(c));
    req.on('end', () => {
      if (req.url!.startsWith('/gz')) {
        // A compressed answer, as real APIs give to clients that accept it (axios, node-fetch do).
        res.writeHead(200, { 'content-type': 'application/json', 'content-encoding': 'gzip' });
        res.end(gzipSync(JSON.stringify({ compressed: true, accept: req.headers['accept-encoding'] ?? null })));
        return;
      }
      res.setHeader('set-cookie', ['a=1', 'b=2']);
      res.writeHead(req.url === '/missing' ? 404 : 200, { 'content-type': 'application/json', 'x-method': req.method! });
      res.end(JSON.stringify({ url: req.url, method: req.method, host: req.headers.host, type: req.headers['content-type'] ?? null, body: Buffer.concat(parts).toString() }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));
afterEach(() => nock.cleanAll());

const GET_JSON = `import http from 'node:http';
  const get = (url) => new Promise((resolve, reject) => {
    http.get(url, (res) => { res.setEncoding('utf8'); let text = ''; res.on('data', (c) => (text += c)); res.on('end', () => resolve([res.statusCode, res.statusMessage, res.headers['set-cookie'], res.headers['x-method'], JSON.parse(text)])); }).on('error', reject);
  });`;

describe('http.request / http.get', () => {
  it("network 'host': a real server gets the request (Host header, body) and the response streams back", async () => {
    const r = await run(
      { network: 'host' },
      `${GET_JSON}
      export const handler = async (event) => {
        const got = await get(event.base + '/a?b=1');
        const posted = await new Promise((resolve, reject) => {
          const req = http.request(event.base + '/post', { method: 'POST', headers: { 'content-type': 'text/plain' } }, (res) => {
            const chunks = []; res.on('data', (c) => chunks.push(c)); res.on('end', () => resolve([res.statusCode, JSON.parse(Buffer.concat(chunks).toString())]));
          });
          req.on('error', reject); req.write('part1-'); req.end('part2');
        });
        return [got, posted];
      };`,
      { base },
    );
    const host = new URL(base).host;
    expect(r).toEqual([
      [200, 'OK', ['a=1', 'b=2'], 'GET', { url: '/a?b=1', method: 'GET', host, type: null, body: '' }],
      [200, { url: '/post', method: 'POST', host, type: 'text/plain', body: 'part1-part2' }],
    ]);
  });

  it("network 'off': the request emits 'error' ECONNREFUSED naming the option; https too", async () => {
    const r = await run({}, `import http from 'node:http'; import https from 'node:https';
      const fail = (lib, url) => new Promise((resolve) => lib.get(url, () => resolve('answered')).on('error', (e) => resolve([e.code, e.syscall, e.message.split(' (')[0]])));
      export const handler = async () => [await fail(http, 'http://db.internal:8080/x'), await fail(https, 'https://api.example.com/')];`);
    expect(r).toEqual([
      ['ECONNREFUSED', 'connect', 'connect ECONNREFUSED db.internal:8080'],
      ['ECONNREFUSED', 'connect', 'connect ECONNREFUSED api.example.com:443'],
    ]);
  });

  it('a network function answers http.request too (it is given a Request); a setTimeout on the request fires in simulated time', async () => {
    const seen: string[] = [];
    const network = async (request: Request): Promise<Response> => {
      seen.push(`${request.method} ${request.url} ${await request.text()}`);
      return new Response('pong', { status: 418, headers: { 'x-a': '1' } });
    };
    const r = await run({ network, hostLatency: { 'network:slow.test': 5000 } }, `import https from 'node:https';
      export const handler = async () => {
        const pong = await new Promise((resolve) => { const req = https.request({ hostname: 'svc.test', path: '/ping', method: 'PUT' }, (res) => { let t = ''; res.on('data', (c) => (t += c)); res.on('end', () => resolve([res.statusCode, res.headers['x-a'], t])); }); req.end('ping'); });
        const t0 = Date.now();
        const timedOut = await new Promise((resolve) => { const req = https.get('https://slow.test/', () => resolve('answered')); req.setTimeout(250, () => { req.destroy(); resolve(['timeout', Date.now() - t0]); }); req.on('error', () => {}); });
        return [pong, timedOut];
      };`);
    expect(r).toEqual([[418, '1', 'pong'], ['timeout', 250]]);
    expect(seen[0]).toBe('PUT https://svc.test/ping ping');
  });

  it("nock intercepts the sandbox's https.request (network 'host')", async () => {
    const scope = nock('https://api.github.com').post('/graphql', { query: '{ viewer { login } }' }).reply(200, { data: { viewer: { login: 'octo' } } });
    const r = await run({ network: 'host' }, `import https from 'node:https';
      export const handler = async () => new Promise((resolve, reject) => {
        const req = https.request('https://api.github.com/graphql', { method: 'POST', headers: { 'content-type': 'application/json' } }, (res) => { let t = ''; res.on('data', (c) => (t += c)); res.on('end', () => resolve([res.statusCode, JSON.parse(t)])); });
        req.on('error', reject); req.end(JSON.stringify({ query: '{ viewer { login } }' }));
      });`);
    expect(r).toEqual([200, { data: { viewer: { login: 'octo' } } }]);
    expect(scope.isDone()).toBe(true);
  });
});

const fixture = async (name: string, options: LambdaSimulatorOptions, event: unknown): Promise<unknown> => {
  const sim = newSim({ seed: 9, ...options });
  try {
    await sim.createFunction({ FunctionName: name, Handler: 'index.handler', Timeout: 10, Code: { Path: fileURLToPath(new URL(`../fixtures/${name}/index.mjs`, import.meta.url)) } });
    const r = await call(sim, name, event);
    if (r.out.FunctionError !== undefined) throw new Error(JSON.stringify(r.payload));
    return r.payload;
  } finally {
    await sim.close();
  }
};

describe('real client libraries', () => {
  it('axios (its http adapter): GET, POST JSON, a 404 as an AxiosError, a gzip answer decompressed, against a real server', async () => {
    expect(await fixture('axios-client', { network: 'host' }, { base })).toEqual([200, '/x?q=a+b', 'application/json', '{"n":1}', ['AxiosError', 404, '/missing'], true]);
  });

  it('node-fetch 3 (over http.request): GET, POST and a gzip answer against a real server', async () => {
    expect(await fixture('node-fetch-client', { network: 'host' }, { base })).toEqual([200, '/nf', 'hello', 'GET', true]);
  });
});
