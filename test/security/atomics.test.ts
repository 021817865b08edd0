/**
 * Issue 16, class 3: `Atomics` in the sandbox. V8 times `Atomics.waitAsync` out and wakes it
 * through platform tasks isolated-vm cannot run: one line aborted the host in-process (SIGABRT), a
 * notified waiter never woke, and `Atomics.wait` blocked the host for real milliseconds. The shim
 * decides waits within the agent (src/runtime/shim/atomics.ts); these rows run in both modes.
 */
import { execFileSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LambdaSimulator } from '../../src/index.js';
import { call, deploy, newSim } from '../helpers.js';

const sab = (n = 4): string => `new Int32Array(new SharedArrayBuffer(${n}))`;

describe.each(['in-process', 'supervised'] as const)('Atomics in the sandbox (%s)', (mode) => {
  let sim: LambdaSimulator;
  beforeAll(() => {
    sim = newSim({ seed: 3, cpuTimeBudgetMs: 1000, sandbox: mode });
  });
  afterAll(() => sim.close());

  const run = async (body: string): Promise<Awaited<ReturnType<typeof call>>> => call(sim, await deploy(sim, `export const handler = async (event) => { ${body} };`, { Timeout: 60 }));

  it('waitAsync with a timeout settles on simulated time (it aborted the host)', async () => {
    const r = await run(`const t0 = Date.now(); const w = Atomics.waitAsync(${sab()}, 0, 0, 250); return [w.async, await w.value, Date.now() - t0];`);
    expect(r.out.FunctionError).toBeUndefined();
    expect(r.payload).toEqual([true, 'timed-out', 250]);
  });

  it('waitAsync on a BigInt64Array, and many waiters with timeouts, all settle', async () => {
    const r = await run(`
      const big = new BigInt64Array(new SharedArrayBuffer(16));
      const ws = [Atomics.waitAsync(big, 1, 0n, 10), ...[1, 2, 3].map((ms) => Atomics.waitAsync(${sab(8)}, 1, 0, ms * 100))];
      return Promise.all(ws.map((w) => w.value));`);
    expect(r.payload).toEqual(['timed-out', 'timed-out', 'timed-out', 'timed-out']);
  });

  it('notify wakes waitAsync waiters of that element, oldest first, up to count (they never woke)', async () => {
    const r = await run(`
      const ta = ${sab(8)};
      const order = [];
      const a = Atomics.waitAsync(ta, 1, 0); a.value.then((v) => order.push('a ' + v));
      const b = Atomics.waitAsync(ta, 1, 0); b.value.then((v) => order.push('b ' + v));
      const other = Atomics.waitAsync(ta, 0, 0, 50); other.value.then((v) => order.push('other ' + v));
      const woken = Atomics.notify(ta, 1, 1);
      await a.value;
      const rest = Atomics.notify(ta, 1);
      await Promise.all([b.value, other.value]);
      const last = Atomics.notify(ta, 1);
      const c = Atomics.waitAsync(ta, 1, 0, 10);
      const none = [Atomics.notify(ta, 1, NaN), Atomics.notify(ta, 1, -3), Atomics.notify(ta, 1, 0)];
      return [woken, rest, order, last, none, await c.value];`);
    expect(r.out.FunctionError).toBeUndefined();
    // A count of NaN, below 0 or 0 wakes nobody, as V8's ToIntegerOrInfinity makes it.
    expect(r.payload).toEqual([1, 1, ['a ok', 'b ok', 'other timed-out'], 0, [0, 0, 0], 'timed-out']);
  });

  it('wait with a finite timeout answers timed-out at once, without holding the host for real time', async () => {
    // 5 s per wait on a 1 s CPU budget: a real block would end the invocation as Sandbox.Timedout.
    const r = await run(`const t0 = Date.now(); return [Atomics.wait(${sab()}, 0, 0, 5000), Atomics.wait(${sab()}, 0, 0, 5000), Atomics.wait(${sab()}, 0, 7, 5000), Date.now() - t0];`);
    expect(r.out.FunctionError).toBeUndefined();
    expect(r.payload).toEqual(['timed-out', 'timed-out', 'not-equal', 0]);
  });

  it('wait with no timeout on a value nobody can change ends at the CPU budget, and the environment recovers', async () => {
    const name = await deploy(sim, `let n = 0; export const handler = async (e) => { n++; if (e.block) Atomics.wait(${sab()}, 0, 0); return n; };`, { Timeout: 60 });
    const blocked = await call(sim, name, { block: true });
    expect(blocked.out.FunctionError).toBe('Unhandled');
    expect(blocked.payload).toMatchObject({ errorType: 'Sandbox.Timedout' });
    expect((await call(sim, name, {})).payload).toBe(1);
  });

  it('argument errors are V8’s own, and Atomics on non-shared memory keeps working', async () => {
    const r = await run(`
      const m = (f) => { try { f(); return 'no error'; } catch (e) { return e.name + ': ' + e.message; } };
      const plain = new Int32Array(4);
      Atomics.store(plain, 0, 5); Atomics.add(plain, 0, 2); Atomics.compareExchange(plain, 1, 0, 9);
      return [
        m(() => Atomics.waitAsync(plain, 0, 0, 5)),
        m(() => Atomics.wait(plain, 0, 0, 5)),
        m(() => Atomics.wait(${sab()}, 9, 0, 5)),
        m(() => Atomics.waitAsync(new Float64Array(new SharedArrayBuffer(8)), 0, 0)),
        Atomics.load(plain, 0), Atomics.load(plain, 1), Atomics.notify(plain, 0), Atomics.isLockFree(4),
        Atomics.wait.name, Atomics.wait.length, Atomics.waitAsync.length, Atomics.notify.length,
      ];`);
    expect(r.payload).toEqual([
      'TypeError: [object Int32Array] is not a shared typed array.',
      'TypeError: [object Int32Array] is not a shared typed array.',
      'RangeError: Invalid atomic access index',
      expect.stringMatching(/^TypeError: /),
      7, 9, 0, true,
      'wait', 4, 4, 3,
    ]);
  });

  it('replays: the same seed gives the same answers', async () => {
    const body = `const t0 = Date.now(); const ta = ${sab(8)}; const ws = [5, 1, 3].map((ms) => Atomics.waitAsync(ta, 0, 0, ms)); setTimeout(() => Atomics.notify(ta, 0, 1), 2);
      const order = []; await Promise.all(ws.map((w, i) => w.value.then((v) => order.push(i + ' ' + v + ' ' + (Date.now() - t0))))); return order;`;
    const first = (await run(body)).payload;
    const again = newSim({ seed: 3, cpuTimeBudgetMs: 1000, sandbox: mode });
    try {
      const name = await deploy(again, `export const handler = async (event) => { ${body} };`, { Timeout: 60 });
      expect((await call(again, name)).payload).toEqual(first);
    } finally {
      await again.close();
    }
    expect(first).toEqual(['1 timed-out 1', '0 ok 2', '2 timed-out 3']);
  });
});

it('in-process, the one-line abort no longer takes the host down (a fresh process, so a regression fails here instead of killing the run)', () => {
  const script = `
    import { LambdaSimulator } from ${JSON.stringify(new URL('../../src/index.ts', import.meta.url).pathname)};
    const sim = new LambdaSimulator({ seed: 1 });
    await sim.createFunction({ FunctionName: 'f', Handler: 'index.handler', Runtime: 'nodejs20.x',
      Code: { Source: 'export const handler = async () => Atomics.waitAsync(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 5).async;' } });
    const out = await sim.invoke({ FunctionName: 'f' });
    console.log('answer', out.Payload.transformToString());
    await sim.close();`;
  const out = execFileSync(process.execPath, ['--no-node-snapshot', '--import', 'tsx', '--input-type=module', '-e', script], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  expect(out).toContain('answer true');
});
