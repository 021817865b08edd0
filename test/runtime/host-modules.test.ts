import { afterEach, describe, expect, it } from 'vitest';
import { LambdaSimulator } from '../../src/index.js';
import { call, deploy, report } from '../helpers.js';

let sim: LambdaSimulator | undefined;
afterEach(async () => {
  await sim?.close();
  sim = undefined;
});

class FakeTable {
  readonly rows = new Map<string, unknown>();
  async put(key: string, value: unknown): Promise<void> {
    this.rows.set(key, structuredClone(value));
  }
  async get(key: string): Promise<unknown> {
    return this.rows.get(key) ?? null;
  }
  size(): number {
    return this.rows.size;
  }
}

describe('host modules', () => {
  it('bridge sync and async functions and class methods; values are copied both ways', async () => {
    const table = new FakeTable();
    sim = new LambdaSimulator({ seed: 1, modules: { 'my-db': table, config: { region: 'eu-west-1', limits: { max: 3 } } } });
    const fn = await deploy(
      sim,
      `import db from 'my-db'; import config from 'config';
       export const handler = async (e) => {
         const item = { id: e.id, tags: ['a'] };
         await db.put(e.id, item);
         item.tags.push('changed after put');
         return { stored: await db.get(e.id), size: db.size(), region: config.region, max: config.limits.max };
       };`,
    );
    const r = await call(sim, fn, { id: 'o-1' });
    expect(r.payload).toEqual({ stored: { id: 'o-1', tags: ['a'] }, size: 1, region: 'eu-west-1', max: 3 });
    expect(table.rows.get('o-1')).toEqual({ id: 'o-1', tags: ['a'] });
  });

  it('rethrows host errors inside the sandbox with name, message and own fields', async () => {
    const api = {
      fail(): never {
        throw Object.assign(new Error('row locked'), { name: 'ConditionalCheckFailed', code: 'E_LOCKED', retryable: false });
      },
      async failLater(): Promise<never> {
        throw new TypeError('bad input');
      },
    };
    sim = new LambdaSimulator({ seed: 1, modules: { api } });
    const fn = await deploy(
      sim,
      `import api from 'api';
       export const handler = async () => {
         const out = [];
         try { api.fail(); } catch (e) { out.push([e.name, e.message, e.code, e.retryable, e instanceof Error]); }
         try { await api.failLater(); } catch (e) { out.push([e.name, e.message, e instanceof TypeError]); }
         return out;
       };`,
    );
    expect((await call(sim, fn)).payload).toEqual([
      ['ConditionalCheckFailed', 'row locked', 'E_LOCKED', false, true],
      ['TypeError', 'bad input', true],
    ]);
  });

  it('copies bytes, dates and bigints', async () => {
    sim = new LambdaSimulator({ seed: 1, modules: { bin: { echo: (x: unknown) => x, stamp: () => new Date(Date.UTC(2020, 1, 2)) } } });
    const fn = await deploy(
      sim,
      `import bin from 'bin';
       export const handler = async () => { const b = bin.echo(new Uint8Array([1, 2, 255])); const d = bin.stamp(); const n = bin.echo(12345678901234567890n);
         return [b instanceof Uint8Array, Array.from(b), d instanceof Date, d.toISOString(), typeof n, String(n)]; };`,
    );
    expect((await call(sim, fn)).payload).toEqual([true, [1, 2, 255], true, '2020-02-02T00:00:00.000Z', 'bigint', '12345678901234567890']);
  });

  it('gives asynchronous answers their simulated latency, from a seeded distribution', async () => {
    const run = async (seed: number): Promise<string[]> => {
      const s = new LambdaSimulator({ seed, modules: { slow: { ping: async () => 'pong' } }, hostLatency: { slow: (random) => 20 + Math.floor(random() * 100) } });
      try {
        const fn = await deploy(s, `import slow from 'slow'; export const handler = async () => [await slow.ping(), await slow.ping()];`, { FunctionName: 'lat' });
        const r = await call(s, fn);
        expect(r.payload).toEqual(['pong', 'pong']);
        return [report(r.log).replace(/\tMax Memory Used: \d+ MB/, '')];
      } finally {
        await s.close();
      }
    };
    const a = await run(7);
    expect(a).toEqual(await run(7));
    const ms = Number(/Duration: (\d+\.\d\d) ms/.exec(a[0]!)![1]);
    expect(ms).toBeGreaterThanOrEqual(40);
    expect(ms).toBeLessThan(240);
  });

  it('keeps the event loop alive while a host call is pending (callback handler answers after it)', async () => {
    const seen: string[] = [];
    sim = new LambdaSimulator({ seed: 1, modules: { audit: { write: async (m: string) => void seen.push(m) } }, hostLatency: { audit: 50 } });
    const fn = await deploy(sim, `const audit = require('audit'); exports.handler = (e, ctx, cb) => { audit.write('hello'); cb(null, 'sent'); };`);
    const r = await call(sim, fn);
    expect(r.payload).toBe('sent');
    expect(seen).toEqual(['hello']);
    expect(report(r.log)).toContain('Duration: 50.00 ms');
  });

  it('delivers an answer that arrives after the invocation ended at the next thaw', async () => {
    sim = new LambdaSimulator({ seed: 1, modules: { q: { next: async () => 'later' } }, hostLatency: { q: 1000 } });
    const fn = await deploy(
      sim,
      `const q = require('q'); let got = 'nothing';
       exports.handler = (e, ctx, cb) => { ctx.callbackWaitsForEmptyEventLoop = false; if (e.start) q.next().then((v) => { got = v; }); cb(null, got); };`,
    );
    expect((await call(sim, fn, { start: true })).payload).toBe('nothing');
    await sim.advance(5000);
    expect((await call(sim, fn, {})).payload).toBe('later');
  });

  it('rejects bad options with clear messages', () => {
    expect(() => new LambdaSimulator({ modules: [] as never })).toThrow('Expected `modules` to be an object of host modules by name');
    expect(() => new LambdaSimulator({ modules: {}, hostLatency: { nope: 5 } })).toThrow('`hostLatency.nope` names no host module in `modules`');
    expect(() => new LambdaSimulator({ modules: { a: {} }, hostLatency: { a: -1 } })).toThrow('Expected `hostLatency.a` to be milliseconds >= 0');
  });
});

describe('host calls that never settle', () => {
  it('fail after hostCallTimeoutMs of real time instead of freezing the simulation', async () => {
    sim = new LambdaSimulator({ seed: 1, hostCallTimeoutMs: 50, modules: { db: { get: () => new Promise(() => {}) } } });
    const fn = await deploy(sim, `import db from 'db'; export const handler = async () => { try { await db.get(); } catch (e) { return e.message; } };`);
    expect((await call(sim, fn)).payload).toBe('lambda-sim: the host call host:db get did not settle within 50 ms of real time (simulated time cannot move while it is pending)');
  });
});
