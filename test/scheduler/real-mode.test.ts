import { afterEach, describe, expect, it } from 'vitest';
import { TooManyRequestsException } from '../../src/index.js';
import { deploy, newSim, type Sim } from '../helpers.js';

/** Spins the CPU for `ms` real milliseconds (real clock: Date.now is scaled wall time), returns its interval. */
const SPIN = `export const handler = async (e) => {
  const start = Date.now();
  while (Date.now() - start < e.ms * e.scale) {}
  console.log({ spun: e.ms });
  return { start, end: Date.now() };
};`;

let sim: Sim | undefined;
afterEach(async () => {
  await sim?.close();
  sim = undefined;
});

async function spinTwice(parallelism: number): Promise<Array<{ start: number; end: number }>> {
  sim = newSim({ clock: 'real', parallelism, timeScale: 1 });
  const a = await deploy(sim, SPIN, { FunctionName: 'a' });
  const b = await deploy(sim, SPIN, { FunctionName: 'b' });
  // Warm both environments first, so the measured calls are pure handler work.
  await Promise.all([a, b].map((f) => sim!.invoke({ FunctionName: f, Payload: JSON.stringify({ ms: 1, scale: 1 }) })));
  const outs = await Promise.all([a, b].map((f) => sim!.invoke({ FunctionName: f, Payload: JSON.stringify({ ms: 150, scale: 1 }) })));
  return outs.map((o) => {
    expect(o.FunctionError).toBeUndefined();
    return JSON.parse(o.Payload!.transformToString()) as { start: number; end: number };
  });
}

describe('real clock: sandboxes on isolated-vm threads', () => {
  it('runs invocations of different environments in parallel (their CPU-bound handlers overlap in time)', async () => {
    // Wall time on a loaded 2-core machine: the OS may start one thread after the other has spun its
    // 150 ms, so the overlap is asked of any of three tries (with parallelism 1 no try ever overlaps).
    const overlaps: boolean[] = [];
    for (let i = 0; i < 3 && !overlaps.includes(true); i++) {
      if (sim !== undefined) await sim.close();
      const [x, y] = await spinTwice(2);
      overlaps.push(x!.start < y!.end && y!.start < x!.end);
      expect(sim!.sandboxThreads()).toMatchObject({ parallelism: 2, peak: 2, running: 0, waiting: 0 });
    }
    expect(overlaps).toContain(true);
  });

  it('bounds host-side parallelism: with parallelism 1 the same handlers run one after the other', async () => {
    const [x, y] = await spinTwice(1);
    expect(x!.end <= y!.start || y!.end <= x!.start).toBe(true);
    expect(sim!.sandboxThreads()).toMatchObject({ parallelism: 1, peak: 1 });
  });

  it('enforces the same concurrency limits: a reservation of 1 throttles the second concurrent invoke', async () => {
    sim = newSim({ clock: 'real', timeScale: 100 });
    const fn = await deploy(sim, 'export const handler = async () => { await new Promise((r) => setTimeout(r, 1000)); return "ok"; };');
    await sim.putFunctionConcurrency({ FunctionName: fn, ReservedConcurrentExecutions: 1 });
    const [first, second] = await Promise.allSettled([sim.invoke({ FunctionName: fn }), sim.invoke({ FunctionName: fn })]);
    expect(first.status).toBe('fulfilled');
    expect(second.status).toBe('rejected');
    const error = (second as PromiseRejectedResult).reason as TooManyRequestsException;
    expect(error).toBeInstanceOf(TooManyRequestsException);
    expect(error.Reason).toBe('ReservedFunctionConcurrentInvocationLimitExceeded');
  });

  it('times out a CPU loop running on its thread at the function Timeout, then serves the next invoke from a fresh sandbox', async () => {
    sim = newSim({ clock: 'real', timeScale: 10 });
    const fn = await deploy(sim, 'let n = 0; export const handler = async (e) => { n++; if (e.loop) for (;;) {} return n; };', { Timeout: 2 });
    const out = await sim.invoke({ FunctionName: fn, Payload: '{"loop":true}' });
    expect(out.FunctionError).toBe('Unhandled');
    expect(JSON.parse(out.Payload!.transformToString())).toMatchObject({ errorType: 'Sandbox.Timedout' });
    const next = await sim.invoke({ FunctionName: fn, Payload: '{}' });
    expect(next.Payload!.transformToString()).toBe('1');
  });

  it('serves host modules, timers and lazily loaded built-ins from a handler running on its thread', async () => {
    const store = new Map<string, string>();
    // Timeout 60 s at timeScale 10: compiling the lazily loaded built-ins takes real time, which counts here.
    sim = newSim({ clock: 'real', timeScale: 10, modules: { store: { put: async (k: string, v: string) => void store.set(k, v) } } });
    const fn = await deploy(
      sim,
      `import { put } from 'store'; import { gzipSync, gunzipSync } from 'node:zlib';
       export const handler = async (e) => {
         await new Promise((r) => setTimeout(r, 500));
         await put(e.k, gunzipSync(gzipSync(Buffer.from(e.v))).toString());
         console.log('stored', e);
         return 'done';
       };`,
      { Timeout: 60 },
    );
    const outs = await Promise.all(['x', 'y', 'z'].map((k) => sim!.invoke({ FunctionName: fn, Payload: JSON.stringify({ k, v: k.repeat(3) }), LogType: 'Tail' })));
    expect(outs.map((o) => o.Payload!.transformToString())).toEqual(['"done"', '"done"', '"done"']);
    expect(Buffer.from(outs[0]!.LogResult!, 'base64').toString()).toMatch(/stored \{ k: 'x', v: 'xxx' \}/);
    expect([...store.entries()].sort()).toEqual([['x', 'xxx'], ['y', 'yyy'], ['z', 'zzz']]);
  });

  it('closes cleanly while a handler is still running on its thread', async () => {
    sim = newSim({ clock: 'real' });
    const fn = await deploy(sim, 'export const handler = async () => { for (;;) {} };', { Timeout: 60 });
    const pending = sim.invoke({ FunctionName: fn }).then(
      () => 'answered',
      (e: Error) => e.name,
    );
    await new Promise((r) => setImmediate(r));
    await sim.close();
    sim = undefined;
    expect(await pending).toBe('SimulationStalledError');
  });

  it('refuses `parallelism` with the virtual clock, saying why', () => {
    expect(() => newSim({ parallelism: 2 })).toThrow(/`parallelism` applies to clock: 'real' only/);
    expect(() => newSim({ clock: 'real', parallelism: 0 })).toThrow('Expected `parallelism` to be an integer >= 1, got `0` (number)');
  });
});
