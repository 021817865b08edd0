/**
 * Issue 17, part 2: fs streams in the sandbox (shim/fs-streams.ts) over /tmp and the package:
 * what Node gives for the same script (chunking by highWaterMark, ranges, encodings, pipelines
 * through zlib, errors, the classes), compared with the host running it on a real directory.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LambdaSimulator } from '../../src/index.js';
import { call, deploy, newSim } from '../helpers.js';

let sim: LambdaSimulator;
beforeAll(() => {
  sim = newSim({ seed: 12 });
});
afterAll(() => sim.close());

const script = (dir: string): string => `
  const w = fs.createWriteStream('${dir}/a.txt');
  for (let i = 0; i < 5; i++) w.write('line ' + i + '\\n');
  await new Promise((r) => w.end(r));
  const chunks = []; for await (const c of fs.createReadStream('${dir}/a.txt', { highWaterMark: 8 })) chunks.push(c.length);
  await pipeline(fs.createReadStream('${dir}/a.txt'), zlib.createGzip(), fs.createWriteStream('${dir}/a.gz'));
  const back = zlib.gunzipSync(fs.readFileSync('${dir}/a.gz')).toString() === fs.readFileSync('${dir}/a.txt', 'utf8');
  const range = await new Promise((res) => { let t = ''; fs.createReadStream('${dir}/a.txt', { start: 5, end: 10, encoding: 'utf8' }).on('data', (d) => (t += d)).on('end', () => res(t)); });
  const appended = fs.createWriteStream('${dir}/a.txt', { flags: 'a' }); appended.end('tail');
  await new Promise((r) => appended.on('finish', r));
  const missing = await new Promise((res) => fs.createReadStream('${dir}/nope').on('error', (e) => res([e.code, e.syscall])));
  const rs = fs.createReadStream('${dir}/a.txt'); const isReadStream = rs instanceof fs.ReadStream; await new Promise((r) => rs.on('close', r).resume());
  return [chunks, back, range, fs.readFileSync('${dir}/a.txt', 'utf8').endsWith('line 4\\ntail'), missing, w.bytesWritten, isReadStream, w instanceof fs.WriteStream];`;

describe('fs streams', () => {
  it('createReadStream/createWriteStream over /tmp behave as Node’s on a real directory', async () => {
    const r = await call(sim, await deploy(sim, `import fs from 'node:fs'; import zlib from 'node:zlib'; import { pipeline } from 'node:stream/promises';
      export const handler = async () => { ${script('/tmp')} };`));
    const dir = mkdtempSync(`${tmpdir()}/lambda-sim-fs-`);
    try {
      const fs = await import('node:fs');
      const zlib = await import('node:zlib');
      const { pipeline } = await import('node:stream/promises');
      const host = await (new Function('fs', 'zlib', 'pipeline', `return (async () => { ${script(dir)} })();`) as (...a: unknown[]) => Promise<unknown>)(fs.default, zlib.default, pipeline);
      expect(r.payload).toEqual(host);
      expect((r.payload as unknown[])[0]).toEqual([8, 8, 8, 8, 3]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
