/**
 * Issue 16's rules held against the surfaces issue 17 added (a review of the network, Web Crypto,
 * zlib, package files and the shim chunks): each test failed before its fix.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LambdaSimulator } from '../../src/index.js';
import { call, deploy, newSim } from '../helpers.js';

let sim: LambdaSimulator;
beforeAll(() => {
  sim = newSim({ seed: 31 });
});
afterAll(() => sim.close());

const zlibRun = async (body: string): Promise<unknown> =>
  (await call(sim, await deploy(sim, `import zlib from 'node:zlib'; export const handler = async () => { ${body} };`, { Timeout: 30, MemorySize: 512 }))).payload;
const run = async (body: string): Promise<unknown> => (await call(sim, await deploy(sim, `export const handler = async () => { ${body} };`, { Timeout: 30 }))).payload;

/** A planted sloppy function that, when the runtime calls it, looks for a privileged `require` through `.caller`. */
const PLANT = `
  let stolen = null;
  const isRequire = (a) => { try { return typeof a('./host.js').host.call === 'function'; } catch { return false; } };
  const spy = Function('save', 'return function spy() { let f = spy.caller; for (let i = 0; f && i < 20; i++) { try { const a = f.arguments && f.arguments[0]; if (typeof a === "function") save(a); f = f.caller; } catch (e) { break; } } return undefined; }')((r) => { if (isRequire(r)) stolen ??= r; });
`;

describe('shim chunks keep their require to themselves', () => {
  const touches: Array<[string, string]> = [
    ['a shim chunk (DOMException)', 'void DOMException;'],
    ['a package chunk (Buffer)', 'void Buffer;'],
    ['fetch’s chunk', 'void Headers;'],
    ['a chunk loaded by a module import (util)', "void require('node:util');"],
  ];
  for (const [what, touch] of touches) {
    it(`${what}: a replaced Object.defineProperty whose getter walks .caller finds no require`, async () => {
      const got = await run(`${PLANT}
        const realDP = Object.defineProperty;
        Object.defineProperty = Function('realDP', 'spy', 'return function (o, k, d) { if (d && d.get) { const g = d.get; d = { configurable: true, enumerable: true, get: function () { spy(); return g(); } }; } if (d && typeof d.value === "function") spy(); return realDP(o, k, d); }')(realDP, spy);
        try { ${touch} } finally { Object.defineProperty = realDP; }
        return typeof stolen;`);
      expect(got).toBe('object');
    });
  }

  it('a sloppy timer callback, getter or toString the runtime calls has a null .caller (the runtime is strict code)', async () => {
    const got = await run(`${PLANT}
      await new Promise((r) => setTimeout(Function('spy', 'r', 'return function () { spy(); r(); }')(spy, r), 1));
      console.log({ toString: Function('spy', 'return function () { spy(); return "x"; }')(spy) });
      return typeof stolen;`);
    expect(got).toBe('object');
  });
});

describe('Web Crypto is bounded by what the host will really do', () => {
  it('numbers given as strings, HMAC and derived key lengths, PBKDF2 iterations × blocks and big JWKs are refused before the work', async () => {
    const got = await run(`
      const s = crypto.subtle; const enc = new TextEncoder();
      const r = (p) => p.then(() => 'resolved', (e) => e.message.replace(/ \\(.*$/, ''));
      const pw = await s.importKey('raw', enc.encode('pw'), 'PBKDF2', false, ['deriveBits', 'deriveKey']);
      return [
        await r(s.deriveBits({ name: 'PBKDF2', salt: enc.encode('s'), iterations: '50000000', hash: 'SHA-256' }, pw, 256)),
        await r(s.generateKey({ name: 'RSASSA-PKCS1-v1_5', modulusLength: '16384', publicExponent: new Uint8Array([1, 0, 1]), hash: 'SHA-256' }, true, ['sign'])),
        await r(s.generateKey({ name: 'HMAC', hash: 'SHA-256', length: 2 ** 30 }, true, ['sign'])),
        await r(s.deriveKey({ name: 'PBKDF2', salt: enc.encode('s'), iterations: 100, hash: 'SHA-256' }, pw, { name: 'HMAC', hash: 'SHA-256', length: 2 ** 26 }, true, ['sign'])),
        await r(s.deriveBits({ name: 'PBKDF2', salt: enc.encode('s'), iterations: 1000000, hash: 'SHA-256' }, pw, 8 * 1024 * 256)),
        await r(s.importKey('jwk', { kty: 'oct', k: 'A'.repeat(100000), alg: 'HS256' }, { name: 'HMAC', hash: 'SHA-256' }, true, ['sign'])),
      ];`);
    expect(got).toEqual([
      'lambda-sim: PBKDF2 past 10000000 iterations is refused',
      'lambda-sim: an RSA modulus over 8192 bits is refused',
      'lambda-sim: a key or derivation of more than 8388608 bits is refused',
      'lambda-sim: a key or derivation of more than 8388608 bits is refused',
      'lambda-sim: PBKDF2 of 1000000 iterations for 2097152 bits is refused',
      'lambda-sim: a JWK of more than 65536 characters is refused',
    ]);
  });
});

describe('zlib is bounded by its cost, not only its size', () => {
  it('brotli at quality 10–11 (its default) on more than 1 MiB is refused, saying how; quality 9 runs', async () => {
    const got = await zlibRun(`const text = Buffer.from('words and more words '.repeat(120000));
      let slow; try { zlib.brotliCompressSync(text); slow = 'ran'; } catch (e) { slow = [e.name, e.message.slice(0, 60)]; }
      const fast = zlib.brotliDecompressSync(zlib.brotliCompressSync(text, { params: { [zlib.constants.BROTLI_PARAM_QUALITY]: 9 } })).length;
      return [slow, fast];`);
    expect(got).toEqual([['RangeError', 'lambda-sim: brotli at quality 11 of 2520000 bytes is refused'], 2520000]);
  });
});

describe('a Code.Path that names one file', () => {
  it('serves its directory without dotfiles: .env and .aws/ of a repository root stay unreadable', async () => {
    const { mkdtempSync, writeFileSync, mkdirSync, rmSync } = await import('node:fs');
    const { join } = await import('node:path');
    const { tmpdir } = await import('node:os');
    const dir = mkdtempSync(join(tmpdir(), 'lambda-sim-dot-'));
    try {
      writeFileSync(join(dir, '.env'), 'SECRET=1');
      mkdirSync(join(dir, '.aws'));
      writeFileSync(join(dir, '.aws', 'credentials'), '[default]');
      writeFileSync(join(dir, 'visible.txt'), 'ok');
      writeFileSync(join(dir, 'handler.mjs'), `import fs from 'node:fs';
        const tryRead = (p) => { try { return fs.readFileSync(p, 'utf8'); } catch (e) { return e.code; } };
        export const handler = async () => [fs.readdirSync('/var/task'), tryRead('/var/task/.env'), tryRead('/var/task/.aws/credentials'), tryRead(${JSON.stringify(join(dir, '.env'))}), tryRead('/var/task/visible.txt')];`);
      await sim.createFunction({ FunctionName: 'dot', Handler: 'handler.handler', Code: { Path: join(dir, 'handler.mjs') } });
      expect((await call(sim, 'dot')).payload).toEqual([['handler.mjs', 'visible.txt'], 'ENOENT', 'ENOENT', 'ENOENT', 'ok']);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('Web Crypto jobs share the host’s thread pool politely', () => {
  it('at most two run at once in the process; the rest wait their turn and all finish', async () => {
    const { runSubtle, webcryptoJobs, MAX_CONCURRENT_WEBCRYPTO_JOBS } = await import('../../src/runtime/host-webcrypto.js');
    const key = (await runSubtle('importKey', { format: 'raw', keyData: new TextEncoder().encode('pw'), algorithm: 'PBKDF2', extractable: false, usages: ['deriveBits'] })) as object;
    let peak = 0;
    const all = Array.from({ length: 6 }, () =>
      runSubtle('deriveBits', { algorithm: { name: 'PBKDF2', salt: new Uint8Array(8), iterations: 20000, hash: { name: 'SHA-256' } }, key, length: 256 }).then((r) => {
        peak = Math.max(peak, webcryptoJobs().running);
        return r;
      }),
    );
    expect(webcryptoJobs()).toEqual({ running: MAX_CONCURRENT_WEBCRYPTO_JOBS, waiting: 6 - MAX_CONCURRENT_WEBCRYPTO_JOBS });
    const results = (await Promise.all(all)) as Uint8Array[];
    expect(new Set(results.map((b) => Buffer.from(b).toString('hex'))).size).toBe(1);
    expect(peak).toBeLessThanOrEqual(MAX_CONCURRENT_WEBCRYPTO_JOBS);
    expect(webcryptoJobs()).toEqual({ running: 0, waiting: 0 });
  });
});
