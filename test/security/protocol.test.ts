/**
 * Issue 16, classes 4, 10 and 11: the sandbox protocol. Every call into an isolate carries the
 * invocation's remaining CPU budget, nothing the protocol relies on can be redefined by handler
 * code (class 4: a getter on `__lambdaLazy` hung the host forever inside a nested, untimed call);
 * the host calls only the host-module paths it described (class 10: a forged path ran
 * `Map.prototype.set` on the host's own Map and reached the host's `Function`); host errors reach
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

describe('the host calls only the host-module paths it described', () => {
  const users = new Map([['ada', 1]]);
  const store = {
    users,
    get: (k: string) => users.get(k) ?? null,
    helper: Object.assign((x: number) => x * 2, { nested: (x: number) => x + 1 }),
    nested: { deep: { fn: () => 'deep' } },
  };
  const context = { functionName: 'f', functionArn: 'arn', requestId: undefined, traceId: undefined, scope: new HostScope(), hold: () => {} };

  it.each([
    ['users.set', ['eve', 666]],
    ['constructor.constructor', ['return process']],
    ['get.toString', []],
    ['get.constructor', ['return 1']],
    ['__proto__.hasOwnProperty', ['x']],
    ['users.clear', []],
    ['nested.deep.fn.call', [null]],
    ['helper.apply', [null, [1]]],
  ])('a forged path %s is refused, and the host object is untouched', (path, args) => {
    const router = new HostRouter({ modules: { store }, latency: {}, random: new Random(1) });
    const answer = router.call('host:store', path, args, context);
    expect(answer).toMatchObject({ kind: 'error' });
    expect(String((answer as { error: Error }).error.message)).toBe(`host module 'store': ${path} is not a function`);
    expect([...users]).toEqual([['ada', 1]]);
  });

  it('described paths answer: methods, a function’s own function properties, nested objects', () => {
    const router = new HostRouter({ modules: { store }, latency: {}, random: new Random(1) });
    expect(router.call('host:store', 'get', ['ada'], context)).toEqual({ kind: 'value', value: 1 });
    expect(router.call('host:store', 'helper', [4], context)).toEqual({ kind: 'value', value: 8 });
    expect(router.call('host:store', 'helper.nested', [4], context)).toEqual({ kind: 'value', value: 5 });
    expect(router.call('host:store', 'nested.deep.fn', [], context)).toEqual({ kind: 'value', value: 'deep' });
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
