/**
 * Issue 17, part 3: `fetch` and the WHATWG classes in the sandbox, executed on the host under the
 * simulator's `network` policy: 'off' (the default: a refused connection naming the option), a
 * function (an in-process fake, given a real Request), 'host' (the host's own fetch, here against
 * a real HTTP server on 127.0.0.1). Interceptors (msw, nock, undici MockAgent) have their own file.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LambdaSimulatorOptions } from '../../src/index.js';
import { call, deploy, newSim } from '../helpers.js';

const run = async (options: LambdaSimulatorOptions, body: string, event: unknown = {}): Promise<{ payload: unknown; error: boolean; log: string }> => {
  const sim = newSim({ seed: 5, ...options });
  try {
    const fn = await deploy(sim, `export const handler = async (event) => { ${body} };`, { Timeout: 10 });
    const r = await call(sim, fn, event);
    return { payload: r.payload, error: r.out.FunctionError !== undefined, log: r.log };
  } finally {
    await sim.close();
  }
};

let server: Server;
let base: string;
const seen: Array<{ method: string; url: string; headers: Record<string, unknown>; body: string }> = [];

beforeAll(async () => {
  server = createServer((req, res) => {
    const parts: Buffer[] = [];
    req.on('data', (c: Buffer) => parts.push(c));
    req.on('end', () => {
      seen.push({ method: req.method!, url: req.url!, headers: req.headers, body: Buffer.concat(parts).toString() });
      if (req.url === '/redirect') {
        res.writeHead(302, { location: '/json' }).end();
        return;
      }
      res.setHeader('set-cookie', ['a=1', 'b=2']);
      res.writeHead(201, 'Made', { 'content-type': 'application/json', 'x-echo': req.headers['x-test'] ?? '' });
      res.end(JSON.stringify({ path: req.url, method: req.method, body: Buffer.concat(parts).toString() }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

describe("network: 'off' (the default)", () => {
  it('fetch rejects as Node does for a refused connection: TypeError fetch failed, cause ECONNREFUSED naming the option', async () => {
    const r = await run({}, `try { await fetch('https://api.example.com/orders'); return 'reached'; } catch (e) { return [e.name, e.message, e.cause.code, e.cause.syscall, e.cause.message]; }`);
    const [name, message, code, syscall, causeMessage] = r.payload as string[];
    expect([name, message, code, syscall]).toEqual(['TypeError', 'fetch failed', 'ECONNREFUSED', 'connect']);
    expect(causeMessage).toMatch(/^connect ECONNREFUSED api\.example\.com:443 .*`network: 'host'`.*msw, nock, undici MockAgent.*`network: \(request\) =>/);
  });

  it('refuses a bad network option with a TypeError saying what is expected', () => {
    expect(() => newSim({ network: 'on' as never })).toThrow("Expected `network` to be 'off', 'host' or a function (request: Request) => Response, got `on`");
  });
});

describe('network: a function (an in-process fake)', () => {
  it('gets a real Request (method, URL, headers, body) and its Response reaches the handler: status, headers, json, text', async () => {
    const got: Array<{ method: string; url: string; auth: string | null; type: string | null; body: string }> = [];
    const network = async (request: Request): Promise<Response> => {
      got.push({ method: request.method, url: request.url, auth: request.headers.get('authorization'), type: request.headers.get('content-type'), body: await request.text() });
      return Response.json({ ok: true, id: 7 }, { status: 202, headers: { 'x-trace': 'abc' } });
    };
    const r = await run(
      { network },
      `const res = await fetch('https://api.example.com/orders?x=1', { method: 'POST', headers: { Authorization: 'Bearer t' }, body: JSON.stringify({ n: 1 }) });
       return [res.status, res.ok, res.headers.get('x-trace'), res.headers.get('content-type'), await res.json(), res.url, res instanceof Response, res.bodyUsed];`,
    );
    expect(r.payload).toEqual([202, true, 'abc', 'application/json', { ok: true, id: 7 }, 'https://api.example.com/orders?x=1', true, true]);
    expect(got).toEqual([{ method: 'POST', url: 'https://api.example.com/orders?x=1', auth: 'Bearer t', type: 'text/plain;charset=UTF-8', body: '{"n":1}' }]);
  });

  it('a fake that throws is a fetch failure whose cause carries its message; one returning a non-Response is a TypeError that says so', async () => {
    const thrown = await run({ network: () => { throw new Error('no route for api.example.com'); } }, `try { await fetch('https://api.example.com/'); } catch (e) { return [e.message, e.cause.message]; }`);
    expect(thrown.payload).toEqual(['fetch failed', 'no route for api.example.com']);
    const wrong = await run({ network: (() => ({ status: 200 })) as never }, `try { await fetch('https://api.example.com/'); } catch (e) { return e.cause.message; }`);
    expect(wrong.payload).toMatch(/`network` function must return a Response .* it returned Object/);
  });

  it('waits in virtual time: hostLatency.network and network:<hostname> delay the answer by simulated milliseconds', async () => {
    const network = (): Response => new Response('x');
    const r = await run({ network, hostLatency: { network: 40, 'network:slow.example.com': 900 } }, `
      const t0 = Date.now(); await fetch('https://fast.example.com/'); const t1 = Date.now(); await fetch('https://slow.example.com/'); return [t1 - t0, Date.now() - t1];`);
    expect(r.payload).toEqual([40, 900]);
  });

  it('an AbortSignal aborts the fetch with its reason; AbortSignal.timeout in simulated time', async () => {
    const network = (): Response => new Response('late');
    const r = await run({ network, hostLatency: { network: 5000 } }, `
      const c = new AbortController(); const p = fetch('https://api.example.com/', { signal: c.signal }); c.abort();
      const a = await p.then(() => 'resolved', (e) => [e.name, e instanceof DOMException, e.code]);
      const b = await fetch('https://api.example.com/', { signal: AbortSignal.timeout(100) }).then(() => 'resolved', (e) => e.name);
      return [a, b];`);
    expect(r.payload).toEqual([['AbortError', true, 20], 'TimeoutError']);
  });
});

describe("network: 'host' (the host's own fetch)", () => {
  it('reaches a real HTTP server: status, statusText, repeated set-cookie, the body sent, redirects followed', async () => {
    seen.length = 0;
    const r = await run(
      { network: 'host' },
      `const res = await fetch(event.base + '/echo', { method: 'PUT', headers: { 'x-test': 'hello' }, body: new URLSearchParams({ a: '1', b: 'two' }) });
       const redirected = await fetch(event.base + '/redirect');
       return [res.status, res.statusText, res.headers.get('x-echo'), res.headers.getSetCookie(), await res.json(), redirected.redirected, redirected.url.endsWith('/json'), (await redirected.json()).path];`,
      { base },
    );
    expect(r.payload).toEqual([201, 'Made', 'hello', ['a=1', 'b=2'], { path: '/echo', method: 'PUT', body: 'a=1&b=two' }, true, true, '/json']);
    expect(seen[0]).toMatchObject({ method: 'PUT', url: '/echo', body: 'a=1&b=two', headers: { 'content-type': 'application/x-www-form-urlencoded;charset=UTF-8', 'x-test': 'hello' } });
  });

  it('a closed port is ECONNREFUSED from the host itself', async () => {
    const probe = createServer();
    await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
    const port = (probe.address() as AddressInfo).port;
    await new Promise<void>((resolve) => probe.close(() => resolve()));
    const r = await run({ network: 'host' }, `try { await fetch('http://127.0.0.1:${port}/'); } catch (e) { return [e.message, e.cause.code]; }`);
    expect(r.payload).toEqual(['fetch failed', 'ECONNREFUSED']);
  });
});

describe('the WHATWG classes in the sandbox', () => {
  it('Headers, Request, Response, Blob, File, FormData behave as Node’s (compared with the host on the same script)', async () => {
    const script = `
      const h = new Headers([['B', '2'], ['a', '1'], ['Set-Cookie', 'x=1'], ['set-cookie', 'y=2'], ['a', '3']]);
      const entries = [...h]; h.set('a', ' 9 '); h.delete('b');
      let bad; try { new Headers({ 'bad name': 'x' }); } catch (e) { bad = e.name; }
      const req = new Request('https://x.test/p?q=1', { method: 'post', body: 'hi', headers: { 'x-a': '1' } });
      const clone = req.clone();
      let getBody; try { new Request('https://x.test', { method: 'GET', body: 'x' }); } catch (e) { getBody = e.name; }
      let relative; try { new Request('/relative'); } catch (e) { relative = e.name; }
      const res = new Response(new Blob(['ab', new Uint8Array([99])], { type: 'Text/Plain' }), { status: 404, statusText: 'Nope' });
      const resClone = res.clone();
      let range; try { new Response('', { status: 99 }); } catch (e) { range = e.name; }
      const form = new FormData(); form.append('k', 'v'); form.append('f', new Blob(['data'], { type: 'text/plain' }), 'a.txt'); form.set('k', 'w');
      const parsed = await new Response(form).formData();
      const file = new File(['abc'], 'n.txt', { type: 'text/plain', lastModified: 5 });
      const json = Response.json({ a: 1 });
      return {
        entries, after: [...h], bad, method: req.method, url: req.url, type: req.headers.get('content-type'), reqText: await req.text(), cloneText: await clone.text(), used: req.bodyUsed,
        getBody, relative, status: res.status, statusText: res.statusText, ok: res.ok, blobType: (await res.blob()).type, cloneText2: await resClone.text(), range,
        form: [...parsed].map(([k, v]) => [k, typeof v === 'string' ? v : v.name]), fileName: file.name, fileSize: file.size, fileMod: file.lastModified, slice: await new Blob(['hello']).slice(1, -1).text(),
        jsonType: json.headers.get('content-type'), jsonBody: await json.text(), redirect: Response.redirect('https://x.test/a', 301).headers.get('location'), err: Response.error().type,
        tags: [Object.prototype.toString.call(h), Object.prototype.toString.call(file), String(new DOMException('m', 'AbortError'))],
      };`;
    const r = await run({}, script);
    const host = await (new Function(`return (async () => { ${script} })()`) as () => Promise<unknown>)();
    expect(r.error).toBe(false);
    expect(r.payload).toEqual(JSON.parse(JSON.stringify(host)));
  });

  it('web streams: a ReadableStream body, TextEncoderStream/TextDecoderStream (a character split across chunks), pipeThrough, stream/web', async () => {
    const script = `
      const body = new ReadableStream({ start(c) { c.enqueue(new Uint8Array([0xe2, 0x82])); c.enqueue(new Uint8Array([0xac, 0x41])); c.close(); } });
      let text = ''; for await (const s of body.pipeThrough(new TextDecoderStream())) text += s;
      let mixed; try { await new Response(new ReadableStream({ start(c) { c.enqueue('str'); c.close(); } })).text(); } catch (e) { mixed = e.message; }
      const encoded = new ReadableStream({ start(c) { c.enqueue('é'); c.close(); } }).pipeThrough(new TextEncoderStream());
      const chunks = []; for await (const chunk of encoded) chunks.push([...chunk]);
      const { ReadableStream: RS } = await import('node:stream/web');
      return [text, mixed, chunks, RS === ReadableStream, typeof WritableStream, typeof TransformStream, typeof CountQueuingStrategy];`;
    const r = await run({}, script);
    expect(r.payload).toEqual(['€A', 'Received non-Uint8Array chunk', [[195, 169]], true, 'function', 'function', 'function']);
  });

  it('a handler may replace the globals (a polyfill of its own wins, as on Node)', async () => {
    const r = await run({}, `globalThis.fetch = async () => ({ mine: true }); return [await fetch('x'), typeof Headers];`);
    expect(r.payload).toEqual([{ mine: true }, 'function']);
  });
});
