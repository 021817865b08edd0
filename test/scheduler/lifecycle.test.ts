import { afterEach, describe, expect, it } from 'vitest';
import { LambdaSimulator } from '../../src/index.js';
import { call, deploy, report } from '../helpers.js';

let sim: LambdaSimulator | undefined;
afterEach(async () => {
  await sim?.close();
  sim = undefined;
});

describe('cold starts cost simulated time', () => {
  it('adds the init latency model to Init Duration and Billed Duration of cold starts only', async () => {
    sim = new LambdaSimulator({ seed: 1, initLatency: 180 });
    const fn = await deploy(sim, 'export const handler = async () => "ok";');
    const start = sim.now();
    const cold = await call(sim, fn);
    expect(report(cold.log)).toMatch(/Duration: 0\.00 ms\tBilled Duration: 180 ms\t.*\tInit Duration: 180\.00 ms$/);
    expect(sim.now() - start).toBe(180);
    const warm = await call(sim, fn);
    expect(report(warm.log)).not.toContain('Init Duration');
  });

  it('draws the latency from a seeded distribution, the same for the same seed', async () => {
    const initDurations = async (seed: number): Promise<string[]> => {
      const s = new LambdaSimulator({ seed, initLatency: (random) => 100 + Math.floor(random() * 400), maxEnvironments: 10 });
      try {
        const fn = await deploy(s, 'export const handler = async () => { await new Promise((r) => setTimeout(r, 50)); };', { FunctionName: 'dist' });
        const outs = await Promise.all([1, 2, 3].map(() => s.invoke({ FunctionName: fn, LogType: 'Tail' })));
        return outs.map((o) => /Init Duration: (\d+\.\d\d) ms/.exec(Buffer.from(o.LogResult!, 'base64').toString())![1]!);
      } finally {
        await s.close();
      }
    };
    const a = await initDurations(5);
    expect(new Set(a).size).toBeGreaterThan(1);
    expect(await initDurations(5)).toEqual(a);
    for (const d of a) expect(Number(d)).toBeGreaterThanOrEqual(100);
  });
});

describe('idle environments are reaped', () => {
  it('after idleEnvironmentTtlMs of simulated idleness; the next invoke is cold', async () => {
    sim = new LambdaSimulator({ seed: 1, idleEnvironmentTtlMs: 60_000 });
    const reaped: string[] = [];
    sim.on('environment:disposed', (e) => reaped.push(e.reason));
    const fn = await deploy(sim, 'export const handler = async () => "ok";');
    await call(sim, fn);
    await sim.advance(59_999);
    expect(reaped).toEqual([]);
    expect(report((await call(sim, fn)).log)).not.toContain('Init Duration'); // still warm, and idle time restarts
    await sim.advance(60_000);
    expect(reaped).toEqual(['reaped']);
    expect(report((await call(sim, fn)).log)).toContain('Init Duration');
  });

  it('reaping is housekeeping: settle() does not move time forward to reap', async () => {
    sim = new LambdaSimulator({ seed: 1 });
    const fn = await deploy(sim, 'export const handler = async () => "ok";');
    await call(sim, fn);
    const before = sim.now();
    await sim.settle();
    expect(sim.now()).toBe(before);
  });

  it('rejects bad lifecycle options', () => {
    expect(() => new LambdaSimulator({ initLatency: -5 })).toThrow('Expected `initLatency` to be milliseconds >= 0, a function of random() or \'measured\'');
    expect(() => new LambdaSimulator({ idleEnvironmentTtlMs: 0 })).toThrow('Expected `idleEnvironmentTtlMs` to be milliseconds > 0');
  });
});

describe('measured init latency', () => {
  it("initLatency: 'measured' turns the init code's real CPU time into simulated Init time", async () => {
    sim = new LambdaSimulator({ seed: 1, initLatency: 'measured' });
    // Init burns real CPU (a few ms), no simulated time of its own.
    const fn = await deploy(sim, 'let x = 0; for (let i = 0; i < 3e6; i++) x += i % 7; export const handler = async () => x;');
    const start = sim.now();
    const r = await call(sim, fn);
    const init = Number(/Init Duration: (\d+\.\d\d) ms/.exec(report(r.log))![1]);
    expect(init).toBeGreaterThan(0);
    expect(sim.now() - start).toBeGreaterThan(0);
  });
});
