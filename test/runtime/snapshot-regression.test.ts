import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { loadIsolatedVm } from '../../src/runtime/isolated-vm.js';

/**
 * Why lambda-sim does not put its shim in a V8 startup snapshot (which would cut cold starts by
 * about a sixth): on isolated-vm 5.0.4 / Node 20, code restored from `Isolate.createSnapshot` loses
 * globals and corrupts single-character strings. If this test starts failing, snapshots may have
 * become usable: measure again (bench/run.ts) and reconsider.
 */
describe('isolated-vm startup snapshots (known broken)', () => {
  it('lose single-character globals and corrupt single-character strings after a warm-up', () => {
    const ivm = loadIsolatedVm();
    const code = `(() => { globalThis.f = (s) => s.split('\\n'); globalThis.g = (s) => 'x' + '8' + s; })();`;
    const snapshot = ivm.Isolate.createSnapshot([{ code }], "f('a\\nb'); g('c');");
    const isolate = new ivm.Isolate({ snapshot });
    try {
      const context = isolate.createContextSync();
      const broken = (() => {
        try {
          return context.evalSync(`JSON.stringify([f('1\\n2'), g('c')])`) !== '[["1","2"],"x8c"]';
        } catch {
          return true;
        }
      })();
      // Broken on isolated-vm 5 (Node 20); measured working on 6.2 (Node 22 and 24).
      const major = Number((createRequire(import.meta.url)('isolated-vm/package.json') as { version: string }).version.split('.')[0]);
      expect(broken).toBe(major === 5);
    } finally {
      isolate.dispose();
    }
  });
});
