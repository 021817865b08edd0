/**
 * Issue 17, part 2: zlib in the sandbox, computed by the host's zlib and brotli
 * (runtime/host-zlib.ts): the sync, callback and stream forms give the bytes Node gives (checked
 * against the host on the same inputs), errors carry Node's codes, and a zip bomb is bounded.
 */
import * as zlib from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LambdaSimulator } from '../../src/index.js';
import { call, deploy, newSim } from '../helpers.js';

let sim: LambdaSimulator;
beforeAll(() => {
  sim = newSim({ seed: 4 });
});
afterAll(() => sim.close());

const run = async (body: string, event: unknown = {}): Promise<unknown> => {
  const r = await call(sim, await deploy(sim, `import zlib from 'node:zlib'; import { pipeline } from 'node:stream/promises'; import { Readable } from 'node:stream';
    export const handler = async (event) => { ${body} };`, { Timeout: 30, MemorySize: 512 }), event);
  if (r.out.FunctionError !== undefined) throw new Error(JSON.stringify(r.payload));
  return r.payload;
};

const text = 'Lambda functions compress their responses. '.repeat(200);
const b64 = (b: Uint8Array): string => Buffer.from(b).toString('base64');

describe('zlib', () => {
  it('every sync codec gives the host’s bytes (gzip, deflate, raw, brotli, with options) and round-trips', async () => {
    const got = (await run(`const t = event.text; const out = {};
      for (const k of ['gzip', 'deflate', 'deflateRaw', 'brotliCompress']) out[k] = zlib[k + 'Sync'](t).toString('base64');
      out.level1 = zlib.gzipSync(t, { level: 1 }).toString('base64');
      out.back = [zlib.gunzipSync(zlib.gzipSync(t)).toString() === t, zlib.inflateSync(zlib.deflateSync(t)).toString() === t, zlib.inflateRawSync(zlib.deflateRawSync(t)).toString() === t,
        zlib.unzipSync(zlib.deflateSync(t)).toString() === t, zlib.brotliDecompressSync(zlib.brotliCompressSync(t)).toString() === t];
      return out;`, { text })) as Record<string, unknown>;
    expect(got).toEqual({
      gzip: b64(zlib.gzipSync(text)), deflate: b64(zlib.deflateSync(text)), deflateRaw: b64(zlib.deflateRawSync(text)), brotliCompress: b64(zlib.brotliCompressSync(text)),
      level1: b64(zlib.gzipSync(text, { level: 1 })), back: [true, true, true, true, true],
    });
  });

  it('callbacks, util.promisify, and streams: createGzip piped to createGunzip, pipeline, the events a stream emits', async () => {
    const got = (await run(`const t = event.text;
      const viaCb = await new Promise((res, rej) => zlib.gzip(t, (e, b) => (e ? rej(e) : res(b))));
      const viaPromisify = await require('node:util').promisify(zlib.gunzip)(viaCb);
      const chunks = []; const gz = zlib.createGzip(); const gunz = zlib.createGunzip();
      gunz.on('data', (c) => chunks.push(c));
      const ended = new Promise((res) => gunz.on('end', res));
      gz.pipe(gunz); for (let i = 0; i < t.length; i += 1000) gz.write(t.slice(i, i + 1000)); gz.end(); await ended;
      const out = []; await pipeline(Readable.from([zlib.brotliCompressSync(t)]), zlib.createBrotliDecompress(), async function* (src) { for await (const c of src) out.push(c); });
      return [viaCb.toString('base64'), viaPromisify.toString() === t, Buffer.concat(chunks).toString() === t, Buffer.concat(out).toString() === t, gz instanceof zlib.Gzip, typeof zlib.constants.Z_BEST_COMPRESSION];`, { text })) as unknown[];
    expect(got).toEqual([b64(zlib.gzipSync(text)), true, true, true, true, 'number']);
  });

  it('bad data fails as on Node (Z_DATA_ERROR), in sync, callback and stream forms; a zip bomb stops at 64 MiB of output', async () => {
    const bomb = b64(zlib.gzipSync(Buffer.alloc(100 * 1048576)));
    const got = (await run(`const bad = Buffer.from('not gzip at all');
      const sync = (() => { try { zlib.gunzipSync(bad); } catch (e) { return [e.code, e.errno, e.message]; } })();
      const cb = await new Promise((res) => zlib.gunzip(bad, (e) => res(e.code)));
      const stream = await new Promise((res) => { const g = zlib.createGunzip(); g.on('error', (e) => res(e.code)); g.on('data', () => {}); g.end(bad); });
      const bomb = (() => { try { zlib.gunzipSync(Buffer.from(event.bomb, 'base64')); return 'inflated'; } catch (e) { return [e.name, e.code]; } })();
      return [sync, cb, stream, bomb];`, { bomb })) as unknown[];
    const host = ((): unknown[] => {
      try {
        zlib.gunzipSync(Buffer.from('not gzip at all'));
        return [];
      } catch (e) {
        const x = e as NodeJS.ErrnoException;
        return [x.code, x.errno, x.message];
      }
    })();
    expect(got).toEqual([host, 'Z_DATA_ERROR', 'Z_DATA_ERROR', ['RangeError', 'ERR_BUFFER_TOO_LARGE']]);
  });
});
