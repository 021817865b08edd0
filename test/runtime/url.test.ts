/**
 * Issue 17, part 2: the `url` module's legacy API (pg parses its connection string with
 * url.parse), checked against the host's Node, input by input, and the WHATWG helpers.
 */
import * as hostUrl from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LambdaSimulator } from '../../src/index.js';
import { call, deploy, newSim } from '../helpers.js';

let sim: LambdaSimulator;
beforeAll(() => {
  sim = newSim({ seed: 17 });
});
afterAll(() => sim.close());

const INPUTS = [
  'postgres://user:p%40ss@db.example.com:5432/orders?sslmode=require&application_name=x',
  'postgresql://localhost/mydb',
  'redis://:secret@127.0.0.1:6379/2',
  'mongodb://a:b@h1:27017,h2:27017/db?replicaSet=rs0',
  'http://user@EXAMPLE.com:8080/p/a/t/h?query=string&a=1&a=2#hash',
  'https://example.com',
  'HTTP://www.Example.COM/A/../b/./c?x=y z',
  '//example.com/path',
  '/just/a/path?with=query',
  'relative/path#frag',
  'mailto:someone@example.com',
  'javascript:alert(1)',
  'file:///etc/hosts',
  'http://[::1]:3000/ipv6',
  'http://xn--nxasmq6b.com/idn',
  'http://ex ample.com/space',
  'http://a.com/\\back\\slash',
  '?only=query',
  '#only-hash',
  'http://a.com/%7Efoo/q?x=%20y',
  's3://bucket/key/with/slashes.json',
  'http://user:pass@host.com:8080',
  '  http://trim.me/  ',
  'http://a.com/?a[b]=1&a[c]=2&d',
];

describe('url legacy API, input by input against the host', () => {
  it.each([
    ['parse', false],
    ['parse with parseQueryString', true],
  ])('%s', async (_, parseQuery) => {
    const name = await deploy(sim, `import url from 'node:url'; export const handler = async (e) => e.inputs.map((i) => { const u = url.parse(i, e.q); return JSON.parse(JSON.stringify({ ...u, query: u.query && typeof u.query === 'object' ? { ...u.query } : u.query })); });`);
    const got = (await call(sim, name, { inputs: INPUTS, q: parseQuery })).payload as unknown[];
    const want = INPUTS.map((i) => {
      const u = hostUrl.parse(i, parseQuery);
      return JSON.parse(JSON.stringify({ ...u, query: u.query !== null && typeof u.query === 'object' ? { ...u.query } : u.query })) as unknown;
    });
    expect(Object.fromEntries(INPUTS.map((i, n) => [i, got[n]]))).toEqual(Object.fromEntries(INPUTS.map((i, n) => [i, want[n]])));
  });

  it('format and resolve', async () => {
    const pairs = [
      ['http://a.com/b/c/d;p?q', 'g'],
      ['http://a.com/b/c/d;p?q', '../g'],
      ['http://a.com/b/c/d;p?q', '//other.com/x'],
      ['/one/two/three', 'four'],
      ['http://example.com/', '/one'],
      ['http://example.com/one', 'http://other.com/'],
    ];
    const name = await deploy(sim, `import url from 'node:url'; export const handler = async (e) => [e.pairs.map(([a, b]) => url.resolve(a, b)), e.inputs.map((i) => url.format(url.parse(i))),
      url.format({ protocol: 'https', hostname: 'example.com', pathname: '/some/path', query: { page: 1, format: 'json' } }),
      url.format(new URL('https://a:b@測試.com/p?q=1#h'), { auth: false, fragment: false, unicode: false })];`);
    const [resolved, formatted, fromObject, whatwg] = (await call(sim, name, { pairs, inputs: INPUTS })).payload as [string[], string[], string, string];
    expect(resolved).toEqual(pairs.map(([a, b]) => hostUrl.resolve(a!, b!)));
    expect(formatted).toEqual(INPUTS.map((i) => hostUrl.format(hostUrl.parse(i))));
    expect(fromObject).toBe(hostUrl.format({ protocol: 'https', hostname: 'example.com', pathname: '/some/path', query: { page: 1, format: 'json' } }));
    expect(whatwg).toBe(hostUrl.format(new URL('https://a:b@測試.com/p?q=1#h'), { auth: false, fragment: false, unicode: false }));
  });

  it('fileURLToPath, pathToFileURL, domainToASCII/Unicode and urlToHttpOptions answer as the host does', async () => {
    const name = await deploy(sim, `import url from 'node:url';
      const t = (f) => { try { return f(); } catch (e) { return e.code; } };
      export const handler = async () => [url.fileURLToPath('file:///var/task/a%20b.txt'), t(() => url.fileURLToPath('http://x/y')), url.pathToFileURL('/tmp/a b#c?.txt').href,
        url.domainToASCII('español.com'), url.domainToUnicode('xn--espaol-zwa.com'), url.domainToASCII('xn--iñvalid.com'), url.urlToHttpOptions(new URL('https://u:p@[::1]:8443/a?b=1'))];`);
    expect((await call(sim, name)).payload).toEqual([
      hostUrl.fileURLToPath('file:///var/task/a%20b.txt'),
      'ERR_INVALID_URL_SCHEME',
      hostUrl.pathToFileURL('/tmp/a b#c?.txt').href,
      hostUrl.domainToASCII('español.com'),
      hostUrl.domainToUnicode('xn--espaol-zwa.com'),
      hostUrl.domainToASCII('xn--iñvalid.com'),
      JSON.parse(JSON.stringify(hostUrl.urlToHttpOptions(new URL('https://u:p@[::1]:8443/a?b=1')))),
    ]);
  });
});
