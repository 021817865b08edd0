/**
 * Issue 16, classes 4, 10 and 11: the sandbox protocol. Every call into an isolate carries the
 * invocation's remaining CPU budget, nothing the protocol relies on can be redefined by handler
 * code (class 4: a getter on `__lambdaLazy` hung the host forever inside a nested, untimed call);
 * the sandbox reaches only what a host module exposes (class 10: a forged path ran
 * `Map.prototype.set` on the host's own Map and reached the host's `Function`; host objects are
 * references now, looked up only above the host's intrinsics); host errors reach
 * handlers without the host's stack (class 11).
 */
import { execFileSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LambdaSimulator } from '../../src/index.js';
import { HostRouter } from '../../src/control/host-router.js';
import { Random } from '../../src/kernel/random.js';
import { HostScope } from '../../src/runtime/host-scope.js';
import { call, deploy, newSim } from '../helpers.js';

/**
 * Runs one handler in a fresh process, so that a host hang (what these holes did) fails the test
 * at its deadline instead of freezing the test run.
 */
function isolatedRun(source: string, options: Record<string, unknown> = {}): { payload: unknown; second: unknown } {
  const script = `
    import { LambdaSimulator } from ${JSON.stringify(new URL('../../src/index.ts', import.meta.url).pathname)};
    const sim = new LambdaSimulator({ seed: 4, cpuTimeBudgetMs: 500, ...${JSON.stringify(options)} });
    await sim.createFunction({ FunctionName: 'f', Handler: 'index.handler', Runtime: 'nodejs20.x', Timeout: 60, Code: { Source: ${JSON.stringify(source)} } });
    const first = await sim.invoke({ FunctionName: 'f', Payload: '{"n":1}' });
    const second = await sim.invoke({ FunctionName: 'f', Payload: '{"n":2}' });
    console.log(JSON.stringify({ payload: JSON.parse(first.Payload.transformToString()), second: JSON.parse(second.Payload.transformToString()) }));
    await sim.close();`;
  const out = execFileSync(process.execPath, ['--no-node-snapshot', '--import', 'tsx', '--input-type=module', '-e', script], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
    timeout: 60_000,
  });
  return JSON.parse(out.trim().split('\n').pop()!) as { payload: unknown; second: unknown };
}

describe.each(['in-process', 'supervised'] as const)('lazily loaded runtime modules under the budget (%s)', (mode) => {
  it.each([
    ['a getter that loops on globalThis.__lambdaLazy', `Object.defineProperty(globalThis, '__lambdaLazy', { get() { for (;;) {} }, configurable: true });`, 'loaded'],
    ['a looping globalThis.__lambdaRequire (what chunks used to require through)', `globalThis.__lambdaRequire = () => { for (;;) {} };`, 'loaded'],
    ['a looping Object.defineProperty, which the Buffer chunk calls while it loads', `Object.defineProperty = function () { for (;;) {} };`, 'timeout'],
    ['a looping Object.setPrototypeOf', `Object.setPrototypeOf = function () { for (;;) {} };`, 'timeout'],
  ])('%s: the invocation ends (loaded, or Sandbox.Timedout at the budget) and the next one runs', (_, tamper, expected) => {
    const source = `export const handler = async (e) => { if (e.n === 1) { ${tamper} } return [typeof Buffer, Buffer.from('hi').toString('base64'), e.n]; };`;
    const { payload, second } = isolatedRun(source, { sandbox: mode });
    if (expected === 'loaded') expect(payload).toEqual(['function', 'aGk=', 1]);
    else expect(payload).toMatchObject({ errorType: 'Sandbox.Timedout' });
    expect(second).toEqual(['function', 'aGk=', 2]);
  });

  it('the chunk loaded from a timer callback (another entry point) is bounded too', () => {
    const source = `export const handler = async (e) => {
      if (e.n === 1) await new Promise((resolve) => setTimeout(() => { Object.defineProperty = function () { for (;;) {} }; resolve(Buffer.from('x')); }, 10));
      return [typeof Buffer, Buffer.from('hi').toString('base64'), e.n]; };`;
    const { payload, second } = isolatedRun(source, { sandbox: mode });
    expect(payload).toMatchObject({ errorType: 'Sandbox.Timedout' });
    expect(second).toEqual(['function', 'aGk=', 2]);
  });
});

describe('the sandbox reaches only what a host module exposes', () => {
  const users = new Map([['ada', 1]]);
  const store = {
    users,
    get: (k: string) => users.get(k) ?? null,
    helper: Object.assign((x: number) => x * 2, { nested: (x: number) => x + 1 }),
    nested: { deep: { fn: () => 'deep' } },
    leak: { fn: () => Function, global: () => globalThis, proc: () => process, proto: () => Object.prototype, reflect: () => Reflect },
  };
  /** The wire operations as the sandbox's proxies send them (shim/host-objects.ts). */
  function wire() {
    const context = { functionName: 'f', functionArn: 'arn', requestId: undefined, traceId: undefined, scope: new HostScope(), hold: () => {} };
    const router = new HostRouter({ modules: { store }, latency: {}, random: new Random(1) });
    const run = (op: string, ...args: unknown[]) => router.call('objects', op, args, context);
    const value = (op: string, ...args: unknown[]): unknown => {
      const a = run(op, ...args);
      if (a.kind !== 'value') throw new Error(`expected a value, got ${JSON.stringify(a)}`);
      return a.value;
    };
    const root = value('module', 'store') as { $hostRef: number };
    const get = (id: number, key: string) => value('get', id, key) as { absent?: true; value?: { $hostRef: number } & Record<string, unknown> };
    return { run, value, root: root.$hostRef, get };
  }

  it('a module with functions is a reference; its plain data (a Map) arrives as a copy', () => {
    const { root, get } = wire();
    const map = get(root, 'users').value as unknown as Map<string, number>;
    expect(map).toBeInstanceOf(Map);
    map.set('eve', 666);
    expect([...users]).toEqual([['ada', 1]]);
  });

  it.each([
    ['constructor', 'store'],
    ['__proto__', 'store'],
    ['hasOwnProperty', 'store'],
    ['toString', 'store'],
    ['constructor', 'store.get'],
    ['call', 'store.get'],
    ['apply', 'store.helper'],
    ['bind', 'store.get'],
    ['toString', 'store.get'],
  ])('%s of %s is looked up on the host only above its intrinsics: absent (the sandbox answers with its own)', (key, of) => {
    const { root, get } = wire();
    const id = of === 'store' ? root : get(root, of.slice('store.'.length)).value!.$hostRef;
    expect(get(id, key)).toEqual({ absent: true });
  });

  it('setting __proto__ is refused, and the host object is untouched', () => {
    const { run, root } = wire();
    expect(run('set', root, '__proto__', { polluted: true })).toMatchObject({ kind: 'error' });
    expect(Object.getPrototypeOf(store)).toBe(Object.prototype);
  });

  it.each(['fn', 'global', 'proc', 'proto', 'reflect'])('a host function that returns the host’s %s: the answer is refused, nothing is handed out', (name) => {
    const { run, root, get } = wire();
    const leak = get(root, 'leak').value!.$hostRef;
    const fn = get(leak, name).value!.$hostRef;
    const answer = run('call', fn, undefined, []);
    expect(answer).toMatchObject({ kind: 'error' });
    expect(String((answer as { error: Error }).error.message)).toMatch(/^lambda-sim: a host module handed the sandbox the host's .*; refused/);
  });

  it('an id the sandbox was never handed (or released) reaches nothing', () => {
    const { run, root } = wire();
    expect(run('get', root + 1000, 'x')).toMatchObject({ kind: 'error', error: { name: 'ReferenceError' } });
    expect(run('release', [root])).toMatchObject({ kind: 'value' });
    expect(run('get', root, 'users')).toMatchObject({ kind: 'error', error: { name: 'ReferenceError' } });
  });

  it('what the module exposes answers: methods, a function’s own function properties, nested objects', () => {
    const { value, root, get } = wire();
    expect(value('call', get(root, 'get').value!.$hostRef, undefined, ['ada'])).toBe(1);
    const helper = get(root, 'helper').value!.$hostRef;
    expect(value('call', helper, undefined, [4])).toBe(8);
    expect(value('call', get(helper, 'nested').value!.$hostRef, undefined, [4])).toBe(5);
    // `nested` holds no function itself: plain data, copied, with the object that does as a reference.
    const deep = (get(root, 'nested').value as unknown as { deep: { $hostRef: number } }).deep.$hostRef;
    expect(value('call', get(deep, 'fn').value!.$hostRef, undefined, [])).toBe('deep');
  });

  describe('from handler code that forges the shim’s iteration before its first import of a host module', () => {
    let sim: LambdaSimulator;
    beforeAll(() => {
      sim = newSim({ seed: 10, modules: { store } });
    });
    afterAll(() => sim.close());

    it('Array.prototype[Symbol.iterator], includes and String.prototype.split overridden: no forged bridge reaches the host', async () => {
      const name = await deploy(
        sim,
        `export const handler = async () => {
          const realIter = Array.prototype[Symbol.iterator];
          Array.prototype[Symbol.iterator] = function* () { yield* realIter.call(this); if (this.includes?.('get')) { yield 'users.set'; yield 'constructor.constructor'; yield 'get.toString'; } };
          const realSplit = String.prototype.split;
          String.prototype.split = function (sep) { return String(this) === 'get' ? ['users', 'set'] : realSplit.call(this, sep); };
          const { default: s } = await import('store');
          const out = [];
          const tryIt = (f) => { try { const v = f(); return typeof v === 'function' ? 'function' : v; } catch (e) { return e.name + ': ' + e.message; } };
          out.push(tryIt(() => s.get('ada')));
          out.push(tryIt(() => s.users.set('eve', 666) && 'set locally'));
          out.push(tryIt(() => s.constructor.constructor('return typeof process')()));
          out.push(tryIt(() => s.get.toString()));
          Array.prototype[Symbol.iterator] = realIter; String.prototype.split = realSplit;
          return out;
        };`,
        { FunctionName: 'forge', Runtime: 'nodejs20.x' },
      );
      const r = await call(sim, name);
      const [got, set, ctor, source] = r.payload as [unknown, unknown, unknown, string];
      expect(got).toBe(1);
      expect(set).toBe('set locally'); // the sandbox's own copy of the data
      expect(ctor).toBe('object'); // the sandbox's own Function: its process stand-in
      expect(source).not.toMatch(/users\.get/); // the sandbox's bridge, not the host function's source
      expect([...users]).toEqual([['ada', 1]]);
    });
  });
});

describe('host errors reach handlers without the host’s stack', () => {
  let sim: LambdaSimulator;
  class Info {
    constructor(readonly stack = new Error('in an instance').stack) {}
  }
  const withCause = (): never => {
    throw Object.assign(new Error('outer', { cause: new Error('inner') }), {
      code: 'E_HOST',
      detail: { nested: new TypeError('deep'), list: [{ stack: new Error('in an array').stack }, new RangeError('listed')] },
      inst: new Info(),
      deeper: { a: { b: { c: { d: { e: { f: { g: { h: { i: new Error('nine deep') } } } } } } } } },
    });
  };
  beforeAll(() => {
    sim = newSim({
      seed: 11,
      modules: {
        fake: {
          boom: () => {
            throw new TypeError('thrown on the host');
          },
          reject: async () => Promise.reject(new RangeError('rejected on the host')),
          withCause,
        },
      },
    });
  });
  afterAll(() => sim.close());

  it.each([
    ['a host module that throws', `await import('fake').then((m) => m.default.boom())`],
    ['a host module whose promise rejects', `await import('fake').then((m) => m.default.reject())`],
    ['an error with a cause and nested errors among its fields', `await import('fake').then((m) => m.default.withCause())`],
    ['an unrouted AWS service (the simulator’s own error)', `await import('@aws-sdk/client-dynamodb').then((m) => new m.DynamoDBClient({}).send(new m.ListTablesCommand({})))`],
  ])('%s: the JSON the handler’s JSON.parse sees names no host file', async (_, action) => {
    const name = await deploy(
      sim,
      `export const handler = async () => {
        const seen = [];
        const real = JSON.parse;
        JSON.parse = function (text, reviver) { seen.push(String(text)); return real(text, reviver); };
        let error;
        try { ${action}; } catch (e) { error = e; }
        JSON.parse = real;
        return { name: error?.name, message: error?.message, code: error?.code ?? null, seen: seen.join('\\n'), stack: String(error?.stack) };
      };`,
      { Runtime: 'nodejs20.x' },
    );
    const r = await call(sim, name);
    const p = r.payload as { name: string; message: string; seen: string; stack: string; code: string | null };
    expect(p.name).toMatch(/Error/);
    expect(p.seen).toContain(p.message);
    expect(p.seen).not.toMatch(/"stack"|\bat \/|\bat node:/);
    for (const text of [p.seen, p.stack]) expect(text).not.toMatch(/\/src\/|\/dist\/|node:internal|node_modules|host-router|aws-sdk\.ts|environment\.ts|\.test\.ts/);
  });

  it('an error’s own fields still arrive (code, nested values, arrays, instances, nine levels down), without any stack', async () => {
    const name = await deploy(sim, `export const handler = async () => { try { await (await import('fake')).default.withCause(); } catch (e) { return { code: e.code, detail: e.detail, inst: e.inst, deeper: e.deeper, cause: e.cause ?? null }; } };`, { Runtime: 'nodejs20.x' });
    const r = await call(sim, name);
    expect(r.payload).toMatchObject({
      code: 'E_HOST',
      detail: { nested: { name: 'TypeError', message: 'deep' }, list: [{}, { name: 'RangeError', message: 'listed' }] },
      inst: {},
      deeper: { a: { b: { c: { d: { e: { f: { g: { h: { i: { name: 'Error', message: 'nine deep' } } } } } } } } } },
    });
    expect(JSON.stringify(r.payload)).not.toMatch(/ at |stack|\/src\//);
  });
});
