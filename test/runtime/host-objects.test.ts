/**
 * Issue 17, item 4: host modules as objects, not copies. A host module's classes are constructed
 * from the sandbox, returned objects stay host objects (methods, getters, state, identity), event
 * emitters and callback-style APIs call sandbox functions back, and plain data is still copied.
 */
import { EventEmitter } from 'node:events';
import { afterEach, describe, expect, it } from 'vitest';
import type { LambdaSimulator } from '../../src/index.js';
import { call, deploy, newSim } from '../helpers.js';

let sim: LambdaSimulator | undefined;
afterEach(async () => {
  await sim?.close();
  sim = undefined;
});

class Account {
  static opened: Account[] = [];
  #balance: number;
  readonly history: number[] = [];
  constructor(
    readonly owner: string,
    opening: number,
  ) {
    this.#balance = opening;
    Account.opened.push(this);
  }
  get balance(): number {
    return this.#balance;
  }
  deposit(n: number): this {
    this.#balance += n;
    this.history.push(n);
    return this;
  }
  async statement(): Promise<{ owner: string; balance: number }> {
    return { owner: this.owner, balance: this.#balance };
  }
}

describe('host classes and instances', () => {
  it('new on a host class builds a host instance: methods keep their this, getters and private state stay on the host, identity holds', async () => {
    Account.opened = [];
    sim = newSim({ seed: 1, modules: { bank: { Account, same: (a: unknown, b: unknown) => a === b } } });
    const fn = await deploy(
      sim,
      `import { Account, same } from 'bank';
       export const handler = async () => {
         const a = new Account('ada', 10);
         const chained = a.deposit(5).deposit(2);
         return {
           balance: a.balance, owner: a.owner, history: a.history, chainedIsSame: chained === a,
           statement: await a.statement(), isInstance: a instanceof Account, plainIsNot: ({}) instanceof Account,
           hostSeesSame: same(a, chained), keys: Object.keys(a).sort(), hasDeposit: 'deposit' in a, name: Account.name,
         };
       };`,
    );
    const r = await call(sim, fn);
    expect(r.out.FunctionError, r.text).toBeUndefined();
    expect(r.payload).toEqual({
      balance: 17, owner: 'ada', history: [5, 2], chainedIsSame: true,
      statement: { owner: 'ada', balance: 17 }, isInstance: true, plainIsNot: false,
      hostSeesSame: true, keys: ['history', 'owner'], hasDeposit: true, name: 'Account',
    });
    // The instance lives on the host, where the test can read it.
    expect(Account.opened).toHaveLength(1);
    expect(Account.opened[0]!.balance).toBe(17);
  });

  it('objects a host function returns keep their methods: a fake fetch answering a real Response', async () => {
    const api = { fetch: async (url: string) => new Response(JSON.stringify({ url, ok: 1 }), { status: 201, headers: { 'x-req': 'r-1' } }) };
    sim = newSim({ seed: 1, modules: { api } });
    const fn = await deploy(
      sim,
      `import api from 'api';
       export const handler = async () => {
         const res = await api.fetch('https://example.test/a');
         return { status: res.status, ok: res.ok, header: res.headers.get('x-req'), body: await res.json() };
       };`,
    );
    expect((await call(sim, fn)).payload).toEqual({ status: 201, ok: true, header: 'r-1', body: { url: 'https://example.test/a', ok: 1 } });
  });

  it('plain data is still a copy: the sandbox mutating it leaves the host’s untouched', async () => {
    const config = { region: 'eu-west-1', limits: { max: 3 } };
    sim = newSim({ seed: 1, modules: { config } });
    const fn = await deploy(sim, `import config from 'config'; export const handler = async () => { config.limits.max = 99; return config.limits.max; };`);
    expect((await call(sim, fn)).payload).toBe(99);
    expect(config.limits.max).toBe(3);
  });

  it('the host’s intrinsics stay out of reach: constructor, prototype and call chains are the sandbox’s own', async () => {
    sim = newSim({ seed: 1, modules: { bank: { Account } } });
    const fn = await deploy(
      sim,
      `import { Account } from 'bank';
       export const handler = async () => {
         const a = new Account('x', 1);
         return [
           Account.constructor === Function, a.constructor === Account, Object.getPrototypeOf(a) === Object.prototype,
           Account.constructor('return typeof globalThis.__lh_call')(), typeof a.deposit.call, a.deposit.call(a, 1) === a,
           Function.prototype.toString.call(Account).includes('#balance'),
         ];
       };`,
    );
    expect((await call(sim, fn)).payload).toEqual([true, true, true, 'undefined', 'function', true, false]);
  });
});

describe.each(['in-process', 'supervised'] as const)('sandbox functions called back by the host (%s)', (mode) => {
  it('an event emitter’s listener runs in the sandbox when the host emits (here, a real-time moment later)', async () => {
    const bus = new EventEmitter();
    const api = { startLater: (n: number) => void setTimeout(() => bus.emit('done', n * 2, { at: 'host' }), 5) };
    sim = newSim({ seed: 1, sandbox: mode, modules: { bus, api } });
    const fn = await deploy(
      sim,
      `import bus from 'bus'; import api from 'api';
       export const handler = async (e) => new Promise((resolve) => { bus.once('done', (v, meta) => resolve({ v, meta })); api.startLater(e.n); });`,
    );
    expect((await call(sim, fn, { n: 21 })).payload).toEqual({ v: 42, meta: { at: 'host' } });
    expect(bus.listenerCount('done')).toBe(0);
  });

  it('a callback-style API (err, result) answers through the sandbox function; an error value arrives as an Error', async () => {
    const db = {
      query(sql: string, cb: (err: Error | null, rows?: unknown[]) => void): void {
        setTimeout(() => (sql.startsWith('select') ? cb(null, [{ id: 1 }]) : cb(Object.assign(new Error('syntax error'), { code: '42601' }))), 2);
      },
    };
    sim = newSim({ seed: 1, sandbox: mode, modules: { db } });
    const fn = await deploy(
      sim,
      `import db from 'db';
       const q = (sql) => new Promise((resolve) => db.query(sql, (err, rows) => resolve(err ? [err instanceof Error, err.message, err.code] : rows)));
       export const handler = async () => [await q('select 1'), await q('oops')];`,
    );
    expect((await call(sim, fn)).payload).toEqual([[{ id: 1 }], [true, 'syntax error', '42601']]);
  });

  it('the host awaits what a sandbox function returns (an interceptor): delivered while the host call holds time', async () => {
    const pipeline = {
      async run(items: number[], step: (n: number) => unknown): Promise<unknown[]> {
        const out = [];
        for (const n of items) out.push(await step(n));
        return out;
      },
    };
    sim = newSim({ seed: 1, sandbox: mode, modules: { pipeline } });
    const fn = await deploy(
      sim,
      `import pipeline from 'pipeline';
       export const handler = async () => pipeline.run([1, 2, 3], async (n) => { if (n === 3) return { n, last: true }; return n * 10; });`,
    );
    expect((await call(sim, fn)).payload).toEqual([10, 20, { n: 3, last: true }]);
  });

  it('a sandbox function that throws rejects what the host awaited, with its name and message', async () => {
    const runner = { run: async (f: () => unknown) => { try { await f(); return 'no error'; } catch (e) { return `${(e as Error).name}: ${(e as Error).message}`; } } };
    sim = newSim({ seed: 1, sandbox: mode, modules: { runner } });
    const fn = await deploy(sim, `import runner from 'runner'; export const handler = async () => runner.run(() => { throw new RangeError('too big'); });`);
    expect((await call(sim, fn)).payload).toBe('RangeError: too big');
  });

  it('what the host emits while the environment is frozen reaches the listener at the next invocation, before the handler runs', async () => {
    const bus = new EventEmitter();
    sim = newSim({ seed: 1, sandbox: mode, modules: { bus } });
    const fn = await deploy(
      sim,
      `import bus from 'bus'; const seen = []; bus.on('tick', (n) => seen.push(n));
       export const handler = async () => [...seen];`,
    );
    expect((await call(sim, fn)).payload).toEqual([]);
    bus.emit('tick', 1);
    bus.emit('tick', 2);
    expect((await call(sim, fn)).payload).toEqual([1, 2]);
  });

  it('a listener left registered does not keep a callback handler’s invocation alive (as an unref’d handle)', async () => {
    const bus = new EventEmitter();
    sim = newSim({ seed: 1, sandbox: mode, modules: { bus } });
    const fn = await deploy(sim, `const bus = require('bus'); exports.handler = (e, ctx, cb) => { bus.on('x', () => {}); cb(null, 'done'); };`, { Timeout: 3 });
    const r = await call(sim, fn);
    expect(r.out.FunctionError, r.text).toBeUndefined();
    expect(r.payload).toBe('done');
  });
});
