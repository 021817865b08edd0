import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { call, deploy, newSim, type Sim } from '../helpers.js';

let sim: Sim;
beforeEach(() => {
  sim = newSim();
});
afterEach(async () => {
  await sim.close();
});

const run = async (source: string): Promise<unknown> => {
  const fn = await deploy(sim, source);
  const r = await call(sim, fn);
  if (r.out.FunctionError !== undefined) throw new Error(r.text);
  return r.payload;
};

describe('Node built-ins in the sandbox', () => {
  it('stream: Readable, Transform and pipeline work, with Buffers from the shared Buffer', async () => {
    expect(
      await run(`import { Readable, Transform } from 'node:stream'; import { pipeline } from 'node:stream/promises';
        export const handler = async () => {
          const chunks = [];
          const upper = new Transform({ transform(chunk, _enc, cb) { cb(null, Buffer.from(String(chunk).toUpperCase())); } });
          await pipeline(Readable.from(['a', 'b', 'c']), upper, async function* (source) { for await (const c of source) chunks.push(Buffer.isBuffer(c) ? c.toString() : 'not a buffer'); });
          return chunks.join('');
        };`),
    ).toBe('ABC');
  });

  it('zlib: gzip round trip, and deflate interoperable with the host zlib', async () => {
    const { deflateSync } = await import('node:zlib');
    const hostDeflated = deflateSync(Buffer.from('hello from the host')).toString('base64');
    expect(
      await run(`import zlib from 'node:zlib'; import { promisify } from 'node:util';
        export const handler = async () => {
          const gz = await promisify(zlib.gzip)('x'.repeat(1000));
          return [gz.length < 100, zlib.gunzipSync(gz).toString().length, zlib.inflateSync(Buffer.from('${hostDeflated}', 'base64')).toString()];
        };`),
    ).toEqual([true, 1000, 'hello from the host']);
  });

  it('v8.getHeapStatistics answers the isolate’s own heap: its limit follows MemorySize, its use grows with what the handler holds', async () => {
    const measure = async (memory: number) => {
      const fn = await deploy(
        sim,
        `import v8 from 'node:v8';
         const held = [];
         export const handler = async (e) => {
           const before = v8.getHeapStatistics();
           for (let i = 0; i < e.n; i++) held.push(new Array(1000).fill(i));
           const after = v8.getHeapStatistics();
           return { keys: Object.keys(before).length, limitMB: before.heap_size_limit / 1048576, grewMB: (after.used_heap_size - before.used_heap_size) / 1048576, withinTotal: after.used_heap_size <= after.total_heap_size };
         };`,
        { MemorySize: memory },
      );
      const r = await call(sim, fn, { n: 2000 });
      if (r.out.FunctionError !== undefined) throw new Error(r.text);
      return r.payload as { keys: number; limitMB: number; grewMB: number; withinTotal: boolean };
    };
    const small = await measure(128);
    const large = await measure(1024);
    expect(small.keys).toBe(14); // Node's fields
    expect(small.withinTotal).toBe(true);
    expect(small.grewMB).toBeGreaterThan(5); // 2,000 arrays of 1,000 numbers: about 8 MB
    expect(large.limitMB).toBeGreaterThan(small.limitMB);
    expect(small.limitMB).toBeGreaterThanOrEqual(128);
  });

  it('querystring, string_decoder and assert', async () => {
    expect(
      await run(`import qs from 'node:querystring'; import { StringDecoder } from 'node:string_decoder'; import assert from 'node:assert';
        export const handler = async () => {
          const d = new StringDecoder('utf8'); const euro = Buffer.from('€');
          const text = d.write(euro.subarray(0, 1)) + d.write(euro.subarray(1)) + d.end();
          let failed; try { assert.deepStrictEqual({ a: [1] }, { a: [2] }); } catch (e) { failed = [e.name, e.code]; }
          assert.strictEqual(1, 1);
          return [qs.parse('a=1&b=x%20y&a=2'), qs.stringify({ q: 'a b', n: 1 }), text, failed];
        };`),
    ).toEqual([{ a: ['1', '2'], b: 'x y' }, 'q=a%20b&n=1', '€', ['AssertionError', 'ERR_ASSERTION']]);
  });

  it.each([
    ['node:http2', 'connect', 'use fetch or https.request (simulator option `network`)'],
    ['child_process', 'spawn', 'a host module (option `modules`) that does the work on the host'],
    ['worker_threads', 'receiveMessageOnPort', 'plain async code'],
  ])('loads %s (issue 17: nothing is refused at create); calling %s names the alternative', async (module, fn, alternative) => {
    const name = await deploy(sim, `import * as m from '${module}'; export const handler = async () => { try { m.${fn}(); return 'ran'; } catch (e) { return [e.code, e.message]; } };`);
    const [code, message] = (await call(sim, name)).payload as [string, string];
    expect(code).toBe('ERR_LAMBDA_SIM_UNSUPPORTED');
    expect(message).toContain(alternative);
  });
});

describe('a realistic handler using built-ins (TypeScript, ESM)', () => {
  it('hashes with crypto, signals with EventEmitter, waits with util.promisify, and keeps /tmp across warm invocations', async () => {
    const { fileURLToPath } = await import('node:url');
    const { createHash } = await import('node:crypto');
    await sim.createFunction({ FunctionName: 'cache', Handler: 'index.handler', Code: { Path: fileURLToPath(new URL('../fixtures/tmp-cache/index.ts', import.meta.url)) } });
    const first = await call(sim, 'cache', { text: 'hello' });
    const second = await call(sim, 'cache', { text: 'hello' });
    const digest = createHash('sha256').update('hello').digest('hex');
    expect(first.payload).toEqual({ digest, seen: 1, events: ['hashed', 'cached'], slept: 'waited 50' });
    expect(second.payload).toEqual({ digest, seen: 2, events: ['hashed', 'cached'], slept: 'waited 50' });
    expect(second.log).not.toContain('Init Duration'); // the same warm environment
  });
});
