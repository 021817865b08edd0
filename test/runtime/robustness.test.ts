/** Regression tests for problems a review of the runtime found (handler misbehaviour contained, nothing leaked). */
import { afterEach, describe, expect, it } from 'vitest';
import { LambdaSimulator } from '../../src/index.js';
import { call, deploy, report } from '../helpers.js';

let sim: LambdaSimulator | undefined;
afterEach(async () => {
  await sim?.close();
  sim = undefined;
});

describe('handler misbehaviour stays in its environment', () => {
  it('a handler that replaces JSON.stringify and throws gets a typed error; the environment and its concurrency slot recover', async () => {
    sim = new LambdaSimulator({ seed: 1 });
    const fn = await deploy(sim, `export const handler = async (e) => { if (e.tamper) { JSON.stringify = () => 'null'; throw new Error('x'); } return 'fine'; };`);
    await sim.putFunctionConcurrency({ FunctionName: fn, ReservedConcurrentExecutions: 1 });
    const bad = await call(sim, fn, { tamper: true });
    expect(bad.out.FunctionError).toBe('Unhandled');
    const next = await sim.invoke({ FunctionName: fn, Payload: '{}' });
    expect(next.StatusCode).toBe(200); // not throttled: the slot was released
  });

  it('a handler that breaks Math.trunc cannot corrupt the simulated clock', async () => {
    sim = new LambdaSimulator({ seed: 1 });
    const f = await deploy(sim, `export const handler = async () => { Math.trunc = () => NaN; await new Promise((r) => setTimeout(r, 5)); return Date.now(); };`);
    const g = await deploy(sim, `export const handler = async () => { await new Promise((r) => setTimeout(r, 10)); return Date.now(); };`);
    const r = await call(sim, f);
    expect(report(r.log)).toMatch(/Duration: \d+\.\d\d ms/);
    expect(typeof r.payload).toBe('number');
    expect(typeof (await call(sim, g)).payload).toBe('number');
  });

  it('process.exit at module load is Runtime.ExitError', async () => {
    sim = new LambdaSimulator({ seed: 1 });
    const fn = await deploy(sim, `process.exit(1); export const handler = async () => 1;`);
    expect((await call(sim, fn)).payload).toMatchObject({ errorType: 'Runtime.ExitError' });
  });

  it('LogType Tail stays 4 KB however much a handler logs', async () => {
    sim = new LambdaSimulator({ seed: 1 });
    const fn = await deploy(sim, `export const handler = async () => { console.log('x'.repeat(20 * 1024 * 1024)); return 'ok'; };`, { MemorySize: 512 });
    const out = await sim.invoke({ FunctionName: fn, LogType: 'Tail' });
    expect(Buffer.from(out.LogResult!, 'base64').length).toBeLessThanOrEqual(4096);
  });
});

describe('the simulator survives its listeners and its housekeeping', () => {
  it('a throwing invocation:end listener neither loses the result nor crashes the process', async () => {
    sim = new LambdaSimulator({ seed: 1 });
    const warnings: string[] = [];
    sim.on('warning', (w) => warnings.push(w.message));
    sim.on('invocation:end', () => {
      throw new Error('listener bug');
    });
    const fn = await deploy(sim, `export const handler = async () => { await new Promise((r) => setTimeout(r, 5)); return 'ok'; };`);
    expect((await sim.invoke({ FunctionName: fn })).Payload!.transformToString()).toBe('"ok"');
    expect((await sim.invoke({ FunctionName: fn })).Payload!.transformToString()).toBe('"ok"');
    expect(warnings[0]).toBe("A listener of 'invocation:end' threw: listener bug");
  });

  it("settle() does not wait for a frozen environment's timers (and so does not reap it)", async () => {
    sim = new LambdaSimulator({ seed: 1 });
    const fn = await deploy(sim, `export const handler = async () => { setTimeout(() => {}, 3_600_000); return 'ok'; };`);
    await call(sim, fn);
    const before = sim.now();
    await sim.settle();
    expect(sim.now()).toBe(before);
    expect(report((await call(sim, fn)).log)).not.toContain('Init Duration');
  });

  it('deleting provisioned concurrency while an invocation runs lets it finish', async () => {
    sim = new LambdaSimulator({ seed: 1 });
    await deploy(sim, `export const handler = async () => { await new Promise((r) => setTimeout(r, 100)); return 'ok'; };`, { FunctionName: 'p' });
    await sim.publishVersion({ FunctionName: 'p' });
    await sim.putProvisionedConcurrencyConfig({ FunctionName: 'p', Qualifier: '1', ProvisionedConcurrentExecutions: 1 });
    const running = sim.invoke({ FunctionName: 'p:1' });
    await sim.deleteProvisionedConcurrencyConfig({ FunctionName: 'p', Qualifier: '1' });
    expect((await running).Payload!.transformToString()).toBe('"ok"');
  });

  it('environment ids replay across simulators in one process', async () => {
    const ids = async (): Promise<string[]> => {
      const s = new LambdaSimulator({ seed: 1 });
      const seen: string[] = [];
      s.on('invocation:end', (r) => seen.push(r.environmentId));
      await deploy(s, 'export const handler = async () => 1;', { FunctionName: 'same' });
      await s.invoke({ FunctionName: 'same' });
      await s.close();
      return seen;
    };
    expect(await ids()).toEqual(await ids());
  });
});

describe('/tmp rename', () => {
  it('replaces a file target (freeing its bytes), and refuses moves into its own subtree or a file over a directory', async () => {
    sim = new LambdaSimulator({ seed: 1 });
    const fn = await deploy(
      sim,
      `import fs from 'node:fs';
       export const handler = async () => {
         const errs = [];
         for (let i = 0; i < 40; i++) { fs.writeFileSync('/tmp/a', Buffer.alloc(20 * 1024 * 1024)); fs.writeFileSync('/tmp/b', 'x'); fs.renameSync('/tmp/a', '/tmp/b'); }
         fs.mkdirSync('/tmp/d/e', { recursive: true });
         try { fs.renameSync('/tmp/d', '/tmp/d/e/f'); } catch (e) { errs.push(e.code); }
         try { fs.renameSync('/tmp/b', '/tmp/d'); } catch (e) { errs.push(e.code); }
         return [fs.readdirSync('/tmp').sort(), fs.statSync('/tmp/b').size, errs];
       };`,
    );
    expect((await call(sim, fn)).payload).toEqual([['b', 'd'], 20 * 1024 * 1024, ['EINVAL', 'EISDIR']]);
  });
});

describe('the handler-call protocol is the host’s', () => {
  it('handler code cannot reach the shim’s protocol functions', async () => {
    sim = new LambdaSimulator({ seed: 1 });
    const fn = await deploy(sim, `export const handler = async () => ['__lambda_setup', '__lambda_register', '__lambda_invoke', '__lambda_fire', '__lambda_drained', '__lambda_settle'].map((k) => typeof globalThis[k]);`);
    expect((await call(sim, fn)).payload).toEqual(['undefined', 'undefined', 'undefined', 'undefined', 'undefined', 'undefined']);
    expect((await call(sim, fn)).payload).toEqual(['undefined', 'undefined', 'undefined', 'undefined', 'undefined', 'undefined']);
  });
});

describe('log volume', () => {
  it('keeps a bounded log per invocation, noting how many older records were dropped', async () => {
    sim = new LambdaSimulator({ seed: 1 });
    const kept: string[][] = [];
    sim.on('invocation:end', (r) => kept.push(r.logs));
    const fn = await deploy(sim, `export const handler = async () => { const line = 'y'.repeat(100 * 1024); for (let i = 0; i < 400; i++) console.log(i, line); return 'ok'; };`, { MemorySize: 512 });
    const out = await sim.invoke({ FunctionName: fn, LogType: 'Tail' });
    expect(out.Payload!.transformToString()).toBe('"ok"');
    const logs = kept[0]!;
    expect(logs.reduce((n, l) => n + l.length, 0)).toBeLessThan(17 * 1024 * 1024);
    expect(logs.find((l) => l.startsWith('lambda-sim: '))).toMatch(/^lambda-sim: \d+ earlier log record\(s\) of this invocation dropped/);
    expect(logs.at(-1)).toMatch(/^REPORT RequestId: /);
    expect(Buffer.from(out.LogResult!, 'base64').toString()).toMatch(/REPORT RequestId: .*\n$/);
  });
});

describe('init-time promise rejections', () => {
  it('an unhandled rejection during init is Runtime.UnhandledPromiseRejection, not a load error', async () => {
    sim = new LambdaSimulator({ seed: 1 });
    const fn = await deploy(sim, `Promise.reject(new Error('initrej')); export const handler = async () => 'ok';`);
    expect((await call(sim, fn)).payload).toMatchObject({ errorType: 'Runtime.UnhandledPromiseRejection', errorMessage: 'Error: initrej' });
  });
});
