/**
 * Host protection (issue 9, parts 3 and 6): caps on sandbox memory and on the log an invocation
 * keeps, and a sandbox that dies under a call is contained to its environment.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { HostLimitExceededError, LambdaSimulator, type InvocationRecord } from '../../src/index.js';
import { InProcessSandboxes, type SandboxHandle } from '../../src/runtime/sandbox-host.js';
import { call, deploy } from '../helpers.js';

let sim: LambdaSimulator | undefined;
afterEach(async () => {
  await sim?.close();
  sim = undefined;
});

/** ~16 MB of heap held by the module, and an optional wait that keeps the environment busy. */
const HEAVY = `
const keep = new Array(2e6).fill(1);
export const handler = async (event) => {
  if (event.wait) await new Promise((r) => setTimeout(r, 1000));
  return keep.length;
};`;

describe('maxSandboxMemoryMB: the measured sandbox memory of live environments', () => {
  it('reaps idle environments to stay under the cap, and fails with HostLimitExceededError when busy ones fill it', async () => {
    sim = new LambdaSimulator({ seed: 1, maxSandboxMemoryMB: 30 });
    const disposed: string[] = [];
    sim.on('environment:disposed', (e) => disposed.push(`${e.functionName}:${e.reason}`));
    for (const name of ['x', 'y', 'z']) await deploy(sim, HEAVY, { FunctionName: name, MemorySize: 256 });
    await deploy(sim, 'export const handler = async () => 1;', { FunctionName: 'small' });
    await call(sim, 'small'); // ~2 MB, idle from now on
    await call(sim, 'x'); // ~19 MB measured: room for one more
    await call(sim, 'y'); // ~38 MB: at the cap
    expect(disposed).toEqual([]);
    const busy = [sim.invoke({ FunctionName: 'x', Payload: '{"wait":true}' }), sim.invoke({ FunctionName: 'y', Payload: '{"wait":true}' })];
    const error = await sim.invoke({ FunctionName: 'z' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(HostLimitExceededError);
    expect((error as HostLimitExceededError).$metadata.httpStatusCode).toBe(500);
    expect((error as Error).message).toMatch(/use \d+ MB of sandbox memory, its cap \(maxSandboxMemoryMB: 30\), and reclaiming the idle ones would not make room/);
    // Reaping the idle one could not have made room: it was left warm.
    expect(disposed).toEqual([]);
    for (const out of await Promise.all(busy)) expect(out.Payload!.transformToString()).toBe('2000000');
    // All idle again: z's environment takes the place of the least recently used ones, as few as fit it.
    expect((await call(sim, 'z')).payload).toBe(2000000);
    expect(disposed).toEqual(['small:reaped', 'x:reaped']);
    expect(sim.sandboxStats()).toMatchObject({ live: 2, created: 4, disposed: 2 });
  });
});

describe('maxLogCharsPerInvocation: the log an invocation keeps', () => {
  const LOUD = `
export const handler = async (event) => {
  if (event.huge) console.log('x'.repeat(event.huge));
  for (let i = 0; i < (event.lines ?? 0); i++) console.log('line', i, 'y'.repeat(90));
  console.log('last');
  return 'ok';
};`;
  const run = async (event: unknown, extra: object = {}): Promise<InvocationRecord> => {
    sim ??= new LambdaSimulator({ seed: 1, maxLogCharsPerInvocation: 10_000 });
    const records: InvocationRecord[] = [];
    sim.on('invocation:end', (r) => records.push(r));
    const name = await deploy(sim, LOUD, { MemorySize: 512, ...extra });
    expect((await sim.invoke({ FunctionName: name, Payload: JSON.stringify(event) })).Payload!.transformToString()).toBe('"ok"');
    return records[0]!;
  };

  it('cuts a record longer than half the cap, with a marker saying how much went', async () => {
    const record = await run({ huge: 20_000_000 });
    const cut = record.logs.find((l) => l.includes('record truncated'))!;
    expect(cut).toMatch(/x{4000}… \[lambda-sim: record truncated, 199\d{5} more characters dropped; the log kept per invocation is capped at 10000 characters\]/);
    expect(cut.length).toBeLessThan(5_200);
    expect(record.logs.some((l) => l.includes('\tlast'))).toBe(true);
  });

  it('with the JSON log format the cut goes inside the message: the record stays valid JSON', async () => {
    const record = await run({ huge: 20_000_000 }, { LoggingConfig: { LogFormat: 'JSON' } });
    const cut = record.logs.find((l) => l.includes('record truncated'))!;
    const parsed = JSON.parse(cut) as { message: string; level: string };
    expect(parsed.level).toBe('INFO');
    expect(parsed.message).toMatch(/^x{4800}… \[lambda-sim: record truncated, 19995200 more characters dropped/);
  });

  it('drops the oldest records past the cap and says how many, keeping the newest', async () => {
    const record = await run({ lines: 1000 });
    const text = record.logs.join('');
    expect(text.length).toBeLessThan(12_000);
    const note = record.logs.find((l) => l.includes('earlier log record(s) of this invocation dropped'))!;
    const dropped = Number(/lambda-sim: (\d+) earlier/.exec(note)![1]);
    expect(dropped).toBeGreaterThan(900);
    // Every record is either kept or counted as dropped, once: START, 1000 lines and 'last'.
    const kept = record.logs.filter((l) => l !== note && !/^(END|REPORT) RequestId/.test(l)).length;
    expect(dropped + kept).toBe(1002);
    // START went, the newest lines stay: line 999 and 'last', then END and REPORT.
    expect(record.logs.some((l) => l.includes('line 999 '))).toBe(true);
    expect(record.logs.some((l) => l.includes('line 0 '))).toBe(false);
    expect(record.logs.at(-1)).toMatch(/^REPORT RequestId/);
  });
});

/** Catches the handles as the in-process factory makes them (the tests play isolated-vm losing an isolate). */
function catchSandboxes(): { handles: Array<SandboxHandle & { isolate?: { dispose(): void } }>; restore: () => void } {
  const handles: Array<SandboxHandle & { isolate?: { dispose(): void } }> = [];
  const create = InProcessSandboxes.prototype.create;
  InProcessSandboxes.prototype.create = function (this: InProcessSandboxes, ...args: Parameters<typeof create>) {
    const h = create.apply(this, args);
    handles.push(h);
    return h;
  };
  return { handles, restore: () => void (InProcessSandboxes.prototype.create = create) };
}

describe('graceful faults: a sandbox that dies under a call', () => {
  it('an isolate lost while its environment is idle: the next invocation starts cold and succeeds', async () => {
    const { handles, restore } = catchSandboxes();
    try {
      sim = new LambdaSimulator({ seed: 1 });
      const name = await deploy(sim, 'let n = 0; export const handler = async () => ++n;');
      expect((await call(sim, name)).payload).toBe(1);
      handles[0]!.isolate!.dispose(); // from outside, while nothing of it runs
      const next = await call(sim, name);
      expect([next.out.FunctionError, next.payload, /Init Duration/.test(next.log)]).toEqual([undefined, 1, true]);
      expect(sim.sandboxStats()).toMatchObject({ created: 2, disposed: 1, live: 1 });
    } finally {
      restore();
    }
  });

  it('an isolate disposed of from outside while a handler runs on its thread: Runtime.ExitError, contained to that environment', async () => {
    const { handles, restore } = catchSandboxes();
    try {
      sim = new LambdaSimulator({ seed: 1, clock: 'real', parallelism: 2 });
      const spin = await deploy(sim, 'export const handler = async (e) => { if (e.spin) for (;;) {} return "ok"; };', { Timeout: 60 });
      const other = await deploy(sim, 'let n = 0; export const handler = async () => ++n;');
      expect((await call(sim, other)).payload).toBe(1);
      const running = sim.invoke({ FunctionName: spin, Payload: '{"spin":true}' });
      // Wait (on events, not on a clock) until the handler spins on its isolate's thread.
      while (sim.sandboxThreads()!.running === 0) await new Promise((r) => setImmediate(r));
      handles.at(-1)!.isolate!.dispose();
      const out = await running;
      expect(out.FunctionError).toBe('Unhandled');
      expect(JSON.parse(out.Payload!.transformToString())).toEqual({
        errorType: 'Runtime.ExitError',
        errorMessage: expect.stringMatching(/^RequestId: [0-9a-f-]{36} Error: Runtime exited with error: signal: killed$/),
      });
      // The simulator keeps serving: the same function starts a fresh sandbox, the other one keeps its state.
      expect((await sim.invoke({ FunctionName: spin, Payload: '{}' })).Payload!.transformToString()).toBe('"ok"');
      expect((await call(sim, other)).payload).toBe(2);
      expect(sim.sandboxStats()).toMatchObject({ created: 3, disposed: 1, live: 2 });
    } finally {
      restore();
    }
  });
});

describe('provisioned concurrency the host cannot hold', () => {
  it('is refused whole with HostLimitExceededError: no config kept, no environment left behind', async () => {
    sim = new LambdaSimulator({ seed: 1, maxEnvironments: 2 });
    const name = await deploy(sim, 'export const handler = async () => 1;');
    await sim.publishVersion({ FunctionName: name });
    const error = await sim.putProvisionedConcurrencyConfig({ FunctionName: name, Qualifier: '1', ProvisionedConcurrentExecutions: 3 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(HostLimitExceededError);
    await expect(sim.getProvisionedConcurrencyConfig({ FunctionName: name, Qualifier: '1' })).rejects.toMatchObject({ name: 'ResourceNotFoundException' });
    await sim.settle();
    expect(sim.sandboxStats()).toMatchObject({ live: 0 });
    // Within the cap it works.
    await sim.putProvisionedConcurrencyConfig({ FunctionName: name, Qualifier: '1', ProvisionedConcurrentExecutions: 2 });
    await sim.settle();
    expect(await sim.getProvisionedConcurrencyConfig({ FunctionName: name, Qualifier: '1' })).toMatchObject({ Status: 'READY', AvailableProvisionedConcurrentExecutions: 2 });
  });
});
