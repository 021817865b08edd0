/**
 * The shim's own heavier modules load as chunks on first use (runtime/shim-source.ts,
 * shim/chunk-names.ts), so a cold start evaluates none of them: checked through the builder's
 * port (what each chunk imports, what the main shim holds) and from a handler (a chunk's module
 * state is the main shim's: one timer table, one host).
 */
import { describe, expect, it } from 'vitest';
import { lazyChunk, shimChunk } from '../../src/runtime/shim-source.js';
import { SHARED_SHIM_MODULES, SHIM_CHUNKS } from '../../src/runtime/shim/chunk-names.js';
import { call, deploy, newSim } from '../helpers.js';

describe('shim chunks', () => {
  it('each chunk builds, requires only shared shim modules or other chunks, and is not in the main shim', () => {
    const known = new Set<string>([...SHARED_SHIM_MODULES, ...SHIM_CHUNKS].map((n) => `./${n}.js`));
    const main = shimChunk().code;
    for (const name of SHIM_CHUNKS) {
      const chunk = lazyChunk(name)!;
      expect(chunk.filename).toBe(`file:///var/runtime/${name}.js`);
      const required = [...chunk.code.matchAll(/__require\("(\.\/[^"]+)"\)/g)].map((m) => m[1]!);
      for (const r of required) expect(known.has(r), `${name} requires ${r}`).toBe(true);
      // esbuild names each bundled source in a comment: a chunk's source is not in the main shim.
      expect(main).not.toContain(`src/runtime/shim/${name}.ts`);
    }
  });

  it('a chunk shares the main shim’s state: util.promisify(setTimeout) (util chunk) waits on the one timer table', async () => {
    const sim = newSim({ seed: 3 });
    try {
      const fn = await deploy(sim, `import util from 'node:util'; import crypto from 'node:crypto';
        export const handler = async () => { const t0 = Date.now(); await util.promisify(setTimeout)(250);
          const k = crypto.createSecretKey(Buffer.from('k')); return [Date.now() - t0, util.types.isKeyObject(k), util.types.isKeyObject({})]; };`);
      const r = await call(sim, fn, {});
      expect(r.payload).toEqual([250, true, false]);
    } finally {
      await sim.close();
    }
  });
});
