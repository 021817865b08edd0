import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { call, deploy, newSim, report, type Sim } from '../helpers.js';

let sim: Sim;
beforeEach(() => {
  sim = newSim();
});
afterEach(async () => {
  await sim.close();
});

describe('async handlers', () => {
  it('returns the resolved value as the JSON payload', async () => {
    const fn = await deploy(sim, 'export const handler = async (e) => ({ got: e.x * 2 });');
    const r = await call(sim, fn, { x: 21 });
    expect(r.out.StatusCode).toBe(200);
    expect(r.out.FunctionError).toBeUndefined();
    expect(r.payload).toEqual({ got: 42 });
    expect(r.out.ExecutedVersion).toBe('$LATEST');
  });

  it('turns an undefined result into a null payload', async () => {
    const fn = await deploy(sim, 'export const handler = async () => {};');
    expect((await call(sim, fn)).text).toBe('null');
  });

  it('reports a thrown Error as errorType/errorMessage/trace with FunctionError Unhandled', async () => {
    const fn = await deploy(sim, 'export const handler = async () => { throw new RangeError("too far"); };');
    const r = await call(sim, fn);
    expect(r.out.StatusCode).toBe(200);
    expect(r.out.FunctionError).toBe('Unhandled');
    const p = r.payload as { errorType: string; errorMessage: string; trace: string[] };
    expect(p.errorType).toBe('RangeError');
    expect(p.errorMessage).toBe('too far');
    expect(p.trace[0]).toBe('RangeError: too far');
    expect(p.trace[1]).toMatch(/at handler \(\/var\/task\/index\.js:1:\d+\)/);
    expect(r.log).toMatch(/\tERROR\tInvoke Error \t\{"errorType":"RangeError","errorMessage":"too far","stack":\["RangeError: too far",/);
  });

  it('reports a thrown non-Error value by its typeof and String()', async () => {
    const fn = await deploy(sim, 'export const handler = async () => { throw 42; };');
    expect((await call(sim, fn)).payload).toEqual({ errorType: 'number', errorMessage: '42', trace: [] });
  });

  it('reports a null rejection as "handled"', async () => {
    const fn = await deploy(sim, 'export const handler = () => Promise.reject(null);');
    expect((await call(sim, fn)).payload).toEqual({ errorType: 'string', errorMessage: 'handled', trace: [] });
  });

  it('fails with "Unable to stringify response body" for a circular result (Error before nodejs24.x)', async () => {
    const fn = await deploy(sim, 'export const handler = async () => { const o = {}; o.self = o; return o; };');
    const p = (await call(sim, fn)).payload as { errorType: string; errorMessage: string };
    expect(p.errorType).toBe('Error');
    expect(p.errorMessage).toBe('Unable to stringify response body');
  });

  it('uses Runtime.JSONStringifyError on nodejs24.x', async () => {
    const fn = await deploy(sim, 'export const handler = async () => 10n;', { Runtime: 'nodejs24.x' });
    expect((await call(sim, fn)).payload).toMatchObject({ errorType: 'Runtime.JSONStringifyError', errorMessage: 'Unable to stringify response body' });
  });

  it('fails with Function.ResponseSizeTooLarge above 6,291,556 bytes, and succeeds exactly at the limit', async () => {
    const fn = await deploy(sim, 'export const handler = async (e) => "x".repeat(e.n - 2);');
    const over = await call(sim, fn, { n: 6_291_557 });
    expect(over.out.FunctionError).toBe('Unhandled');
    expect(over.text).toBe(
      '{"errorMessage":"Response payload size exceeded maximum allowed payload size (6291556 bytes).","errorType":"Function.ResponseSizeTooLarge"}',
    );
    const at = await call(sim, fn, { n: 6_291_556 });
    expect(at.out.FunctionError).toBeUndefined();
    expect(at.text.length).toBe(6_291_556);
  });

  it('reports Runtime.NodeJsExit when the promise can never settle and nothing is pending', async () => {
    const fn = await deploy(sim, 'export const handler = () => new Promise(() => {});');
    const r = await call(sim, fn);
    expect(r.payload).toMatchObject({ errorType: 'Runtime.NodeJsExit' });
    expect((r.payload as { errorMessage: string }).errorMessage).toMatch(/^The Lambda runtime client detected an unexpected Node.js exit code/);
    expect(sim.now()).toBe(Date.UTC(2025, 0, 1)); // at once, no timeout wait
  });

  it('reports an unhandled rejection as Runtime.UnhandledPromiseRejection and resets the environment', async () => {
    const fn = await deploy(sim, 'let n = 0; export const handler = async () => { n++; Promise.reject(new Error("lost")); await null; return n; };');
    const r = await call(sim, fn);
    expect(r.payload).toMatchObject({ errorType: 'Runtime.UnhandledPromiseRejection', errorMessage: 'Error: lost' });
    const again = await call(sim, fn);
    expect(again.out.FunctionError).toBe('Unhandled'); // a fresh environment, module state reset
    expect(report(again.log)).toContain('Init Duration');
  });
});

describe('callback handlers', () => {
  it('waits for the event loop to empty before answering (callbackWaitsForEmptyEventLoop)', async () => {
    const fn = await deploy(sim, `exports.handler = (e, ctx, cb) => { let x = 'early'; setTimeout(() => { x = 'late'; console.log('timer ran'); }, 500); cb(null, 'result'); };`);
    const r = await call(sim, fn);
    expect(r.payload).toBe('result');
    expect(r.log).toContain('timer ran');
    expect(report(r.log)).toContain('Duration: 500.00 ms');
  });

  it('answers at once when callbackWaitsForEmptyEventLoop is false, and the timer waits for the next thaw', async () => {
    const fn = await deploy(
      sim,
      `exports.handler = (e, ctx, cb) => { ctx.callbackWaitsForEmptyEventLoop = false; if (e.first) setTimeout(() => console.log('frozen timer'), 500); cb(null, 'ok'); };`,
    );
    const first = await call(sim, fn, { first: true });
    expect(report(first.log)).toContain('Duration: 0.00 ms');
    expect(first.log).not.toContain('frozen timer');
    await sim.advance(10_000);
    const second = await call(sim, fn, {});
    expect(second.log).toContain('frozen timer');
  });

  it('counts only the first callback call', async () => {
    const fn = await deploy(sim, `exports.handler = (e, ctx, cb) => { cb(null, 1); cb(null, 2); cb(new Error('three')); };`);
    expect((await call(sim, fn)).payload).toBe(1);
  });

  it('fails at once on callback(error)', async () => {
    const fn = await deploy(sim, `exports.handler = (e, ctx, cb) => { setTimeout(() => {}, 1000); cb(new Error('bad')); };`);
    const r = await call(sim, fn);
    expect(r.payload).toMatchObject({ errorType: 'Error', errorMessage: 'bad' });
    expect(report(r.log)).toContain('Duration: 0.00 ms');
  });

  it('supports context.succeed, context.fail() and context.done', async () => {
    const ok = await deploy(sim, `exports.handler = (e, ctx) => ctx.succeed({ v: 1 });`);
    expect((await call(sim, ok)).payload).toEqual({ v: 1 });
    const failNoArg = await deploy(sim, `exports.handler = (e, ctx) => ctx.fail();`);
    expect((await call(sim, failNoArg)).payload).toEqual({ errorType: 'string', errorMessage: 'handled', trace: [] });
    const done = await deploy(sim, `exports.handler = (e, ctx) => ctx.done(null, 'd');`);
    expect((await call(sim, done)).payload).toBe('d');
  });

  it('returns null when a non-async handler never calls back and the loop empties', async () => {
    const fn = await deploy(sim, `exports.handler = (e, ctx, cb) => { setTimeout(() => {}, 10); };`);
    const r = await call(sim, fn);
    expect(r.text).toBe('null');
    expect(r.out.FunctionError).toBeUndefined();
  });

  it('rejects callback handlers on nodejs24.x with Runtime.CallbackHandlerDeprecated', async () => {
    const fn = await deploy(sim, `exports.handler = (e, ctx, cb) => cb(null, 1);`, { Runtime: 'nodejs24.x' });
    const r = await call(sim, fn);
    expect(r.payload).toMatchObject({ errorType: 'Runtime.CallbackHandlerDeprecated' });
  });
});

describe('init', () => {
  it('runs module code once per environment and keeps module state while warm', async () => {
    const fn = await deploy(sim, 'let count = 0; console.log("init"); export const handler = async () => ++count;');
    const first = await call(sim, fn);
    expect(first.payload).toBe(1);
    expect(first.log).toMatch(/^2025-01-01T00:00:00\.000Z\tundefined\tINFO\tinit\nSTART /);
    expect(report(first.log)).toMatch(/\tInit Duration: \d+\.\d\d ms$/);
    const second = await call(sim, fn);
    expect(second.payload).toBe(2);
    expect(report(second.log)).not.toContain('Init Duration');
  });

  it('counts top-level await in Init Duration', async () => {
    const fn = await deploy(sim, 'const config = await new Promise((r) => setTimeout(() => r("loaded"), 1200)); export const handler = async () => config;');
    const r = await call(sim, fn);
    expect(r.payload).toBe('loaded');
    expect(report(r.log)).toContain('Init Duration: 1200.00 ms');
    expect(report(r.log)).toContain('Billed Duration: 1200 ms');
  });

  it('reports a module that throws at load as that error, with INIT_REPORT, on every invoke', async () => {
    const fn = await deploy(sim, 'throw new TypeError("bad config"); export const handler = async () => 1;');
    for (let i = 0; i < 2; i++) {
      const r = await call(sim, fn);
      expect(r.out.FunctionError).toBe('Unhandled');
      expect(r.payload).toMatchObject({ errorType: 'TypeError', errorMessage: 'bad config' });
      expect(r.log).toContain('\tERROR\tUncaught Exception \t{"errorType":"TypeError","errorMessage":"bad config"');
      expect(r.log).toMatch(/INIT_REPORT Init Duration: \d+\.\d\d ms\tPhase: init\tStatus: error\tError Type: TypeError/);
      expect(r.log).toMatch(/INIT_REPORT Init Duration: \d+\.\d\d ms\tPhase: invoke\tStatus: error\tError Type: TypeError/);
      expect(report(r.log)).toContain('Status: error\tError Type: TypeError');
    }
  });

  it('reports Runtime.HandlerNotFound for a missing export and for a non-function', async () => {
    const missing = await deploy(sim, 'export const other = 1;');
    expect((await call(sim, missing)).payload).toMatchObject({ errorType: 'Runtime.HandlerNotFound', errorMessage: 'index.handler is undefined or not exported' });
    const notFn = await deploy(sim, 'export const handler = 42;');
    expect((await call(sim, notFn)).payload).toMatchObject({ errorType: 'Runtime.HandlerNotFound', errorMessage: 'index.handler is not a function' });
  });

  it('reports Runtime.MalformedHandlerName for handler names without an export or with ..', async () => {
    const noDot = await deploy(sim, 'export const handler = 1;', { Handler: 'index' });
    expect((await call(sim, noDot)).payload).toMatchObject({ errorType: 'Runtime.MalformedHandlerName', errorMessage: 'Bad handler' });
    const dots = await deploy(sim, 'export const handler = 1;', { Handler: '../index.handler' });
    expect((await call(sim, dots)).payload).toMatchObject({
      errorType: 'Runtime.MalformedHandlerName',
      errorMessage: "'../index.handler' is not a valid handler name. Use absolute paths when specifying root directories in handler names.",
    });
  });

  it('reports Runtime.UserCodeSyntaxError with V8 message for code that does not parse', async () => {
    const fn = await deploy(sim, 'export const handler = async () => { return 1 +; };');
    const r = await call(sim, fn);
    expect(r.payload).toMatchObject({ errorType: 'Runtime.UserCodeSyntaxError', errorMessage: "SyntaxError: Unexpected token ';'" });
  });

  it('reports Runtime.ImportModuleError for a package that is not installed', async () => {
    const fn = await deploy(sim, 'import x from "no-such-package-anywhere"; export const handler = async () => x;');
    const r = await call(sim, fn);
    expect(r.payload).toMatchObject({ errorType: 'Runtime.ImportModuleError' });
    expect((r.payload as { errorMessage: string }).errorMessage).toBe("Error: Cannot find module 'no-such-package-anywhere'\nRequire stack:\n- /var/task/index.js");
  });

  it('times out an init that never finishes within 10 s (INIT_REPORT Status: timeout)', async () => {
    const fn = await deploy(sim, 'await new Promise((r) => setTimeout(r, 60_000)); export const handler = async () => 1;', { Timeout: 30 });
    const r = await call(sim, fn);
    expect(r.log).toMatch(/INIT_REPORT Init Duration: 10000\.00 ms\tPhase: init\tStatus: timeout/);
    expect(r.payload).toMatchObject({ errorType: 'Sandbox.Timedout' });
  });
});

describe('timeouts', () => {
  it('stops an invocation that awaits past Timeout with Sandbox.Timedout and Status: timeout', async () => {
    const fn = await deploy(sim, 'export const handler = async () => { await new Promise((r) => setTimeout(r, 5000)); return "late"; };', { Timeout: 2 });
    const start = sim.now();
    const r = await call(sim, fn);
    const id = r.out.$metadata.requestId!;
    expect(r.text).toBe(`{"errorType":"Sandbox.Timedout","errorMessage":"RequestId: ${id} Error: Task timed out after 2.00 seconds"}`);
    expect(r.out.FunctionError).toBe('Unhandled');
    expect(r.log).toContain(`2025-01-01T00:00:02.000Z ${id} Task timed out after 2.00 seconds`);
    expect(report(r.log)).toMatch(/Duration: 2000\.00 ms\tBilled Duration: 2000 ms.*\tStatus: timeout$/);
    expect(sim.now() - start).toBe(2000);
  });

  it('stops a CPU-bound loop by the real-time budget and reports it as a timeout; the environment is reset', async () => {
    const fn = await deploy(sim, 'let state = "fresh"; export const handler = async (e) => { if (e.loop) { state = "dirty"; for (;;) {} } return state; };', { Timeout: 1 });
    const r = await call(sim, fn, { loop: true });
    expect(r.payload).toMatchObject({ errorType: 'Sandbox.Timedout' });
    expect(report(r.log)).toContain('Status: timeout');
    const next = await call(sim, fn, {});
    expect(next.payload).toBe('fresh');
  });

  it('stops an endless microtask loop too', async () => {
    const fn = await deploy(sim, 'export const handler = async () => { for (;;) await null; };', { Timeout: 1 });
    expect((await call(sim, fn)).payload).toMatchObject({ errorType: 'Sandbox.Timedout' });
  });

  it('getRemainingTimeInMillis falls with simulated time', async () => {
    const fn = await deploy(sim, 'export const handler = async (e, ctx) => { const a = ctx.getRemainingTimeInMillis(); await new Promise((r) => setTimeout(r, 700)); return [a, ctx.getRemainingTimeInMillis()]; };', { Timeout: 5 });
    expect((await call(sim, fn)).payload).toEqual([5000, 4300]);
  });
});

describe('memory', () => {
  it('kills an environment that grows past MemorySize: Runtime.ExitError, Runtime.OutOfMemory in REPORT, next invoke cold', async () => {
    const fn = await deploy(sim, 'const keep = []; export const handler = async (e) => { if (e.grow) for (;;) keep.push(new Array(100000).fill(Math.random())); return keep.length; };', { MemorySize: 128 });
    const r = await call(sim, fn, { grow: true });
    const id = r.out.$metadata.requestId!;
    expect(r.text).toBe(`{"errorType":"Runtime.ExitError","errorMessage":"RequestId: ${id} Error: Runtime exited with error: signal: killed"}`);
    expect(report(r.log)).toMatch(/Max Memory Used: 128 MB.*\tStatus: error\tError Type: Runtime\.OutOfMemory$/);
    const next = await call(sim, fn, {});
    expect(next.payload).toBe(0);
    expect(report(next.log)).toContain('Init Duration');
  });
});

describe('process.exit', () => {
  it('reports Runtime.ExitError with the exit status and resets the environment', async () => {
    const fn = await deploy(sim, 'export const handler = async () => { process.exit(3); };');
    const r = await call(sim, fn);
    expect(r.payload).toEqual({ errorType: 'Runtime.ExitError', errorMessage: `RequestId: ${r.out.$metadata.requestId} Error: Runtime exited with error: exit status 3` });
    expect(report(r.log)).toContain('Status: error\tError Type: Runtime.ExitError');
  });
});

describe('uncaught exceptions in timers', () => {
  it('fail the invocation with the thrown error and reset the environment', async () => {
    const fn = await deploy(sim, 'let n = 0; export const handler = async () => { n++; setTimeout(() => { throw new Error("in timer"); }, 10); await new Promise((r) => setTimeout(r, 100)); return n; };');
    const r = await call(sim, fn);
    expect(r.payload).toMatchObject({ errorType: 'Error', errorMessage: 'in timer' });
    const again = await call(sim, fn);
    expect(again.payload).toMatchObject({ errorType: 'Error' });
    expect(report(again.log)).toContain('Init Duration');
  });
});
