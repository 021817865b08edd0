/**
 * X-Ray sampling of Active-tracing functions: X-Ray's default rule (the first invocation of each
 * second, then 5 %), parent-based decisions down function-to-function calls, PassThrough never
 * starting a sampled trace, and the `xraySampling` option. Through the sampler's port and through
 * the simulator's trace header (`_X_AMZN_TRACE_ID` in the sandbox).
 */
import { describe, expect, it } from 'vitest';
import { TraceSampler } from '../../src/control/trace-sampling.js';
import { Random } from '../../src/kernel/random.js';
import { LambdaSimulator } from '../../src/index.js';
import { call, deploy } from '../helpers.js';

const ARN = 'arn:aws:lambda:us-east-1:123456789012:function:f';

describe('TraceSampler', () => {
  it('samples the first invocation of each second per function, then nothing at fixedRate 0', () => {
    const s = new TraceSampler({ fixedRate: 0 }, new Random(1, 't'));
    expect([0, 10, 999].map((t) => s.sample(ARN, t))).toEqual([true, false, false]);
    expect(s.sample(`${ARN}2`, 999)).toBe(true);
    expect([1000, 1500, 2999, 3000].map((t) => s.sample(ARN, t))).toEqual([true, false, true, true]);
  });

  it('samples about 5 % past the reservoir by default, and a larger reservoir first', () => {
    const s = new TraceSampler(undefined, new Random(7, 't'));
    let sampled = 0;
    for (let i = 0; i < 20_000; i++) if (s.sample(ARN, 0)) sampled++;
    // 1 from the reservoir + Binomial(19 999, 0.05): mean 1000, sd 31.
    expect(sampled).toBeGreaterThan(900);
    expect(sampled).toBeLessThan(1100);
    const r = new TraceSampler({ reservoirPerSecond: 3, fixedRate: 0 }, new Random(7, 't'));
    expect([0, 0, 0, 0].map(() => r.sample(ARN, 0))).toEqual([true, true, true, false]);
  });
});

const header = `export const handler = async () => process.env._X_AMZN_TRACE_ID;`;
const sampledFlags = async (sim: LambdaSimulator, fn: string, n: number): Promise<number[]> => {
  const out: number[] = [];
  for (let i = 0; i < n; i++) out.push(Number(/Sampled=([01])/.exec(String((await call(sim, fn)).payload))?.[1]));
  return out;
};

describe('the trace header of an invocation', () => {
  it('says Sampled=1 for an Active function by the rule, in simulated seconds; PassThrough stays Sampled=0', async () => {
    const sim = new LambdaSimulator({ seed: 3, xraySampling: { fixedRate: 0 } });
    const active = await deploy(sim, header, { TracingConfig: { Mode: 'Active' } });
    const passThrough = await deploy(sim, header);
    expect(await sampledFlags(sim, active, 4)).toEqual([1, 0, 0, 0]);
    expect(await sampledFlags(sim, passThrough, 2)).toEqual([0, 0]);
    await sim.advance(1000);
    expect(await sampledFlags(sim, active, 2)).toEqual([1, 0]);
    await sim.close();
  });

  it('fixedRate 1 samples every invocation; the default rule replays the same decisions for the same seed', async () => {
    const all = new LambdaSimulator({ seed: 3, xraySampling: { fixedRate: 1 } });
    expect(await sampledFlags(all, await deploy(all, header, { TracingConfig: { Mode: 'Active' } }), 5)).toEqual([1, 1, 1, 1, 1]);
    await all.close();
    const run = async (): Promise<number[]> => {
      const sim = new LambdaSimulator({ seed: 5 });
      const flags = await sampledFlags(sim, await deploy(sim, header, { FunctionName: 'replayed', TracingConfig: { Mode: 'Active' } }), 200);
      await sim.close();
      return flags;
    };
    const first = await run();
    expect(first[0]).toBe(1);
    expect(first.slice(1).some((f) => f === 1)).toBe(true); // 199 draws at 5 %: none would be a 1-in-27 000 seed
    expect(await run()).toEqual(first);
  });

  it('keeps the caller’s decision down a function-to-function invoke, whatever the callee’s mode', async () => {
    const sim = new LambdaSimulator({ seed: 3, xraySampling: { fixedRate: 0 } });
    await deploy(sim, header, { FunctionName: 'callee' });
    const caller = await deploy(sim, `import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
      const lambda = new LambdaClient({});
      export const handler = async () => {
        const out = await lambda.send(new InvokeCommand({ FunctionName: 'callee' }));
        return [process.env._X_AMZN_TRACE_ID, JSON.parse(out.Payload.transformToString())];
      };`, { TracingConfig: { Mode: 'Active' } });
    const [own, child] = (await call(sim, caller)).payload as [string, string];
    expect(own).toMatch(/Sampled=1$/);
    expect(child).toMatch(/^Root=1-[0-9a-f]{8}-[0-9a-f]{24};Parent=[0-9a-f]{16};Sampled=1;Lineage=[0-9a-f]{8}:1$/);
    expect(/Root=([^;]+)/.exec(child)?.[1]).toBe(/Root=([^;]+)/.exec(own)?.[1]);
    const [own2, child2] = (await call(sim, caller)).payload as [string, string];
    expect([own2.includes('Sampled=0'), child2.includes('Sampled=0')]).toEqual([true, true]);
    await sim.close();
  });

  it('refuses a malformed xraySampling with a TypeError that says what was expected', () => {
    expect(() => new LambdaSimulator({ xraySampling: { fixedRate: 2 } })).toThrow('Expected `xraySampling.fixedRate` to be a number in [0, 1], got 2');
    expect(() => new LambdaSimulator({ xraySampling: { reservoirPerSecond: -1 } })).toThrow('Expected `xraySampling.reservoirPerSecond` to be an integer >= 0, got -1');
    expect(() => new LambdaSimulator({ xraySampling: { rate: 1 } as never })).toThrow('Unknown option `xraySampling.rate`; expected one of reservoirPerSecond, fixedRate');
  });
});
