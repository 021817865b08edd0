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
      expect(broken).toBe(true);
    } finally {
      isolate.dispose();
    }
  });
});
