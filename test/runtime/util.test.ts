/**
 * Issue 17, part 2: `util` as handlers use it. promisify(setTimeout) (it threw "not a function":
 * no promisify.custom), debuglog, and util.types with brand checks (a Symbol.toStringTag does not
 * fool them) for all of its functions.
 */
import { types as hostTypes } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LambdaSimulator } from '../../src/index.js';
import { call, deploy, newSim } from '../helpers.js';

let sim: LambdaSimulator;
beforeAll(() => {
  sim = newSim({ seed: 17 });
});
afterAll(() => sim.close());

const run = async (body: string, extra = {}): Promise<unknown> => (await call(sim, await deploy(sim, `import util from 'node:util'; export const handler = async (event) => { ${body} };`, extra))).payload;

describe('util in the sandbox', () => {
  it('promisify(setTimeout) and promisify(setImmediate) are timers/promises’ (on simulated time), promisify.custom is honoured', async () => {
    expect(
      await run(`const sleep = util.promisify(setTimeout); const t0 = Date.now(); const v = await sleep(1500, 'woke');
        const tick = util.promisify(setImmediate); const w = await tick('next');
        const custom = () => {}; custom[util.promisify.custom] = () => Promise.resolve('custom');
        const cb = (a, done) => done(null, a * 2);
        return [v, Date.now() - t0, w, await util.promisify(custom)(), await util.promisify(cb)(21), util.promisify.custom === Symbol.for('nodejs.util.promisify.custom'), util.promisify(cb)[util.promisify.custom] === util.promisify(cb)];`),
    ).toEqual(['woke', 1500, 'next', 'custom', 42, true, false]);
  });

  it('promisify keeps `this` and rejects with the callback’s error; callbackify passes results and falsy rejections', async () => {
    expect(
      await run(`const o = { n: 5, get(cb) { cb(null, this.n); }, fail(cb) { cb(new Error('no')); } };
        const get = util.promisify(o.get).bind(o); let failed; try { await util.promisify(o.fail)(); } catch (e) { failed = e.message; }
        const cbf = util.callbackify(async (x) => x + 1); const falsy = util.callbackify(() => Promise.reject(null));
        const [a, b] = await Promise.all([new Promise((r) => cbf(1, (e, v) => r(v))), new Promise((r) => falsy((e) => r([e.code, e.reason])))]);
        return [await get(), failed, a, b];`),
    ).toEqual([5, 'no', 2, ['ERR_FALSY_VALUE_REJECTION', null]]);
  });

  it('debuglog is silent unless NODE_DEBUG names its section (wildcards too)', async () => {
    const name = await deploy(sim, `import util from 'node:util'; const a = util.debuglog('mylib'); const b = util.debuglog('other'); const c = util.debuglog('http2');
      export const handler = async () => { a('hello %s', 'there'); b('hidden'); c('wild'); return [a.enabled, b.enabled, c.enabled]; };`, { Environment: { Variables: { NODE_DEBUG: 'mylib,http*' } } });
    const r = await call(sim, name);
    expect(r.payload).toEqual([true, false, true]);
    expect(r.log).toMatch(/MYLIB 8: hello there/);
    expect(r.log).toMatch(/HTTP2 8: wild/);
    expect(r.log).not.toContain('hidden');
  });

  it('util.types answers as the host does for a value of each kind, and a Symbol.toStringTag does not fool it', async () => {
    const values = `[new Date(), /x/, new Map(), new Set(), new WeakMap(), new WeakSet(), Promise.resolve(), new Error('e'), new TypeError('t'),
      new ArrayBuffer(1), new SharedArrayBuffer(1), new DataView(new ArrayBuffer(1)), new Uint8Array(1), new Float64Array(1), new BigInt64Array(1),
      new Number(1), new String('s'), new Boolean(true), Object(Symbol('s')), Object(1n), async () => {}, function* () {}, (function* () {})(),
      new Map().keys(), new Set().values(), (function () { return arguments; })(), 1, 'x', null, {},
      { [Symbol.toStringTag]: 'Date' }, { [Symbol.toStringTag]: 'Map' }, Object.create(Date.prototype), Object.create(Uint8Array.prototype)]`;
    const names = Object.keys(hostTypes).filter((k) => !['isExternal', 'isProxy', 'isKeyObject', 'isCryptoKey', 'isModuleNamespaceObject'].includes(k));
    const got = (await run(`const values = ${values}; return ${JSON.stringify(names)}.map((n) => values.map((v) => util.types[n](v)));`)) as boolean[][];
    // eslint-disable-next-line no-new-func
    const hostValues = new Function(`return ${values};`)() as unknown[];
    const want = names.map((n) => hostValues.map((v) => (hostTypes as unknown as Record<string, (x: unknown) => boolean>)[n]!(v)));
    expect(Object.fromEntries(names.map((n, i) => [n, got[i]]))).toEqual(Object.fromEntries(names.map((n, i) => [n, want[i]])));
  });

  it('the legacy is* functions, _extend, stripVTControlCharacters, toUSVString, parseEnv, aborted', async () => {
    expect(
      await run(`const ac = new AbortController(); setTimeout(() => ac.abort(), 10); await util.aborted(ac.signal, {});
        return [util.isString('s'), util.isNumber(1), util.isPrimitive(null), util.isObject(null), util.isFunction(() => {}), util.isBuffer(Buffer.from('x')), util.isBuffer(new Uint8Array(1)),
          util._extend({ a: 1 }, { b: 2 }), util.stripVTControlCharacters('\\u001b[31mred\\u001b[0m'), util.toUSVString('a\\ud800b'),
          util.parseEnv('A=1\\n# c\\nB="two\\\\nlines"\\nexport C=three # note\\n'), ac.signal.aborted];`),
    ).toEqual([true, true, true, false, true, true, false, { a: 1, b: 2 }, 'red', 'a\uFFFDb', { A: '1', B: 'two\nlines', C: 'three' }, true]);
  });
});
